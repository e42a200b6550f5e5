import ArgumentParser
import Foundation
import StageRuntime

/// `mesctl replay`: `Replay` from the command line; by default the messages the router or a worker refused, not yet replayed.
public struct ReplayCommand: ParsableCommand {
    /// The subcommand's name and help.
    public static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Publish rejected messages to the broker again, after the type map or a plugin was fixed; marks them replayed.",
        discussion:
            "By default only messages the router or a worker refused, and not yet replayed. The same bytes are the same message, so nothing "
            + "is stored twice."
    )

    @OptionGroup var options: RejectedFilterOptions
    @Option(name: BrokerSettings.url.name, help: BrokerSettings.url.help)
    var mqttURL: String?
    @Option(name: BrokerSettings.caFile.name, help: BrokerSettings.caFile.help)
    var caFile: String?
    @Flag(help: "Only say how many messages would be sent")
    var dryRun = false

    /// Empty: ArgumentParser fills in the options as it parses the command line.
    public init() {}

    /// Prints the outcome, or with `--dry-run` only how many would be sent; exits 1 when fewer messages stay marked replayed than
    /// were selected, and throws what `Replay.run` throws.
    public func run() throws {
        let logger = try StageRunner.logger(label: "mesctl", level: nil)
        let broker = try Settings.broker(mqttURL)
        let caFile = try BrokerSettings.caFile.value(caFile)
        let outcome = try Replay.run(
            database: try options.conninfo(), broker: broker,
            tls: broker.useTLS || caFile != nil ? .init(caFile: caFile) : nil,
            filter: try options.filter(defaultStages: ["router", "worker"]), dryRun: dryRun, logger: logger
        )
        print(dryRun ? "would replay \(outcome.selected) rejected messages" : "\(outcome)")
        if !dryRun && outcome.marked < outcome.selected { throw ExitCode(1) }
    }
}
