import ArgumentParser
import Foundation
import LibPQ
import StageRuntime

/// `mesctl rejected`: the rejected messages the options select, counted by stage and reason, then the latest ones.
public struct RejectedCommand: ParsableCommand {
    /// The subcommand's name and help.
    public static let configuration = CommandConfiguration(
        commandName: "rejected", abstract: "List rejected messages: counts by stage and reason, then the latest ones.")

    @OptionGroup var options: RejectedFilterOptions
    @Flag(help: "Include messages already replayed")
    var all = false

    /// Empty: ArgumentParser fills in the options as it parses the command line.
    public init() {}

    /// Prints the counts, then the latest messages, each table at most `--limit` rows; every stage unless `--stage` is given,
    /// and messages already replayed only with `--all`.
    public func run() throws {
        let connection = try PostgresConnection(conninfo: try options.conninfo())
        let filter = try options.filter(includeReplayed: all)
        print(TextTable.render(header: ["stage", "reason", "messages", "last", "replayed"], rows: try RejectedMessages.summary(connection, filter)))
        print()
        print(
            TextTable.render(
                header: ["rejected_at", "stage", "cnc_id", "reason", "replayed_at", "message_id"],
                rows: try RejectedMessages.latest(connection, filter)))
    }
}
