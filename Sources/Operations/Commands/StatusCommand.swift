import ArgumentParser
import Foundation
import LibPQ
import StageRuntime

/// `mesctl status`: each stage's readiness and figures (`StageStatus`), and with a database URL the machines offline.
public struct StatusCommand: ParsableCommand {
    /// The subcommand's name and help.
    public static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Each stage's readiness, rates, queue depths, errors and type map, from its metrics endpoint.",
        discussion:
            "The board is ready once its /health, where it serves its pages, answers 200. With a database URL, the machines offline too, "
            + "from machine_status_intervals.")

    @Option(name: OperationsSettings.statusTargets.name, parsing: .singleValue, help: OperationsSettings.statusTargets.help)
    var targets: [String] = []
    @Option(name: OperationsSettings.statusBoard.name, help: OperationsSettings.statusBoard.help)
    var board: String?
    @Option(help: "Seconds between the two readings the rates come from")
    var interval = 1.0
    @Option(
        name: DatabaseSettings.url.name,
        help: ArgumentHelp(DatabaseSettings.url.description.helpLine + ": when given, the machines offline are listed too"))
    var databaseURL: String?

    /// Empty: ArgumentParser fills in the options as it parses the command line.
    public init() {}

    /// Prints a line per target, then with `DATABASE_URL` or `--database-url` the machines offline; exits 1 unless every target is
    /// ready. `--interval` is at least 0.1 s.
    public func run() throws {
        let entries = try OperationsSettings.statusTargets.value(
            targets.isEmpty ? nil : targets.joined(separator: ","), derived: StageStatus.localTargets)
        let rows = StageStatus.report(
            try StageStatus.targets(entries), board: try OperationsSettings.statusBoard.required(board), intervalSeconds: max(0.1, interval))
        print(TextTable.render(header: ["stage", "endpoint", "state", "figures"], rows: rows, widest: 200))
        if try DatabaseSettings.url.value(databaseURL) != nil {
            let offline = try OfflineMachines.rows(try PostgresConnection(conninfo: try DatabaseSettings.conninfo(databaseURL)))
            print("\nmachines offline: \(offline.count)")
            if !offline.isEmpty { print(TextTable.render(header: OfflineMachines.header, rows: offline)) }
        }
        if rows.contains(where: { $0[2] != "ready" }) { throw ExitCode(1) }
    }
}
