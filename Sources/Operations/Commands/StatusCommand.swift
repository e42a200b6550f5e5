import ArgumentParser
import Foundation
import StageRuntime

public struct StatusCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Each stage's readiness, rates, queue depths, errors and type map, from its metrics endpoint.")

    @Option(name: OperationsSettings.statusTargets.name, parsing: .singleValue, help: OperationsSettings.statusTargets.help)
    var targets: [String] = []
    @Option(help: "Seconds between the two readings the rates come from")
    var interval = 1.0

    public init() {}

    public func run() throws {
        let entries = try OperationsSettings.statusTargets.value(
            targets.isEmpty ? nil : targets.joined(separator: ","), derived: StageStatus.localTargets)
        let rows = StageStatus.report(try StageStatus.targets(entries), intervalSeconds: max(0.1, interval))
        print(TextTable.render(header: ["stage", "endpoint", "state", "figures"], rows: rows, widest: 200))
        if rows.contains(where: { $0[2] != "ready" }) { throw ExitCode(1) }
    }
}
