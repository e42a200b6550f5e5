import ArgumentParser
import Foundation
import LibPQ
import StageRuntime

public struct RejectedCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "rejected", abstract: "List rejected messages: counts by stage and reason, then the latest ones.")

    @OptionGroup var options: RejectedFilterOptions
    @Flag(help: "Include messages already replayed")
    var all = false

    public init() {}

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
