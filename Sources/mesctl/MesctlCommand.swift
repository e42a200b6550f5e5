import ArgumentParser
import CollectorCore
import StageRuntime
import Operations
import Ingest
import Router
import Sink
import Foundation
import LibPQ

@main
struct MesctlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mesctl",
        abstract: "Operator tools for cnc-collector.",
        discussion: "Reads the same environment variables as the stages (DATABASE_URL, MQTT_URL, MES_*). See docs/configuration.md.",
        subcommands: [Status.self, CheckConfig.self, Rejected.self, ReplayCommand.self]
    )
}

/// The filter options `rejected` and `replay` share.
struct RejectedFilterOptions: ParsableArguments {
    @Option(name: .customLong("stage"), help: "Only this stage (ingest, router, worker, sink); repeatable")
    var stages: [String] = []
    @Option(help: "Only this machine")
    var cncID: String?
    @Option(help: "Only reasons containing this text (any case)")
    var reason: String?
    @Option(help: "At most this many rows or messages")
    var limit = 100
    @Option(help: "libpq connection string or URI (DATABASE_URL)")
    var databaseURL: String?

    func filter(defaultStages: [String] = [], includeReplayed: Bool = false) throws -> RejectedMessages.Filter {
        for stage in stages where Stage(rawValue: stage) == nil {
            throw ValidationError("unknown stage \"\(stage)\": use ingest, router, worker or sink")
        }
        var filter = RejectedMessages.Filter()
        filter.stages = stages.isEmpty ? defaultStages : stages
        filter.cncID = cncID
        filter.reasonContains = reason
        filter.limit = limit
        filter.includeReplayed = includeReplayed
        return filter
    }

    var conninfo: String { Settings.resolve(databaseURL, env: "DATABASE_URL", default: "") }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Each stage's readiness, rates, queue depths, errors and type map, from its metrics endpoint.")

    @Option(name: .customLong("target"), help: "NAME=HOST:PORT of a stage's metrics endpoint; repeatable (MES_STATUS_TARGETS, comma-separated; default the local supervisord ports 9101-9103, 9110-9111, 9120-9121)")
    var targets: [String] = []
    @Option(help: "Seconds between the two readings the rates come from")
    var interval = 1.0

    func run() throws {
        let entries = targets.isEmpty ? Settings.environment("MES_STATUS_TARGETS").map(Settings.list) ?? StageStatus.localTargets : targets
        let rows = StageStatus.report(try StageStatus.targets(entries), intervalSeconds: max(0.1, interval))
        print(Table.render(header: ["stage", "endpoint", "state", "figures"], rows: rows, widest: 200))
        if rows.contains(where: { $0[2] != "ready" }) { throw ExitCode(1) }
    }
}

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Check the type map and the settings before a deploy; exit 1 on any error.")

    @Option(help: "The type map (MES_CNC_TYPES; default deploy/cnc_types.json)")
    var cncTypes: String?
    @Flag(help: "Also connect to the database (DATABASE_URL)")
    var connect = false

    func run() throws {
        let findings = ConfigurationCheck.run(mapPath: Settings.resolve(cncTypes, env: "MES_CNC_TYPES", default: "deploy/cnc_types.json"), connect: connect)
        for finding in findings { print(finding) }
        if findings.contains(where: { !$0.ok }) { throw ExitCode(1) }
    }
}

struct Rejected: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List rejected messages: counts by stage and reason, then the latest ones.")

    @OptionGroup var options: RejectedFilterOptions
    @Flag(help: "Include messages already replayed")
    var all = false

    func run() throws {
        let connection = try PostgresConnection(conninfo: options.conninfo)
        let filter = try options.filter(includeReplayed: all)
        print(Table.render(header: ["stage", "reason", "messages", "last", "replayed"], rows: try RejectedMessages.summary(connection, filter)))
        print()
        print(Table.render(header: ["rejected_at", "stage", "cnc_id", "reason", "replayed_at", "message_id"], rows: try RejectedMessages.latest(connection, filter)))
    }
}

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Publish rejected messages to the broker again, after the type map or a plugin was fixed; marks them replayed.",
        discussion: "By default only messages the router or a worker refused, and not yet replayed. The same bytes are the same message, so nothing is stored twice."
    )

    @OptionGroup var options: RejectedFilterOptions
    @Option(help: "Broker URL (MQTT_URL; default mqtt://127.0.0.1:1883)")
    var mqttURL: String?
    @Option(help: "CA certificate for mqtts:// (MQTT_CA_FILE)")
    var caFile: String?
    @Flag(help: "Only say how many messages would be sent")
    var dryRun = false

    func run() throws {
        let logger = try StageRunner.logger(label: "mesctl", level: nil)
        let broker = try Settings.broker(mqttURL)
        let caFile = Settings.resolve(caFile, env: "MQTT_CA_FILE")
        let outcome = try Replay.run(
            database: options.conninfo, broker: broker,
            tls: broker.useTLS || caFile != nil ? .init(caFile: caFile) : nil,
            filter: try options.filter(defaultStages: ["router", "worker"]), dryRun: dryRun, logger: logger
        )
        print(dryRun ? "would replay \(outcome.selected) rejected messages" : "\(outcome)")
        if !dryRun && outcome.marked < outcome.selected { throw ExitCode(1) }
    }
}

/// Plain text columns, for a terminal.
enum Table {
    static func render(header: [String], rows: [[String?]], widest: Int = 60) -> String {
        let cells = [header] + rows.map { $0.map { ($0 ?? "").replacingOccurrences(of: "\n", with: " ") } }
        let widths = header.indices.map { column in min(widest, cells.map { $0[column].count }.max() ?? 0) }
        return cells.enumerated().map { index, row in
            let line = row.enumerated().map { column, text in
                let cut = text.count > widths[column] ? String(text.prefix(widths[column] - 1)) + "…" : text
                return cut.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
            return index == 0 ? line + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") : line
        }.joined(separator: "\n")
    }
}
