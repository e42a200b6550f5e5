import ArgumentParser
import LibPQ
import StageRuntime

/// `mesctl drift`: the variables each machine type does not know, and the quality marks of the
/// odd values it stored.
public struct DriftCommand: ParsableCommand {
    /// The subcommand's name and help.
    public static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "List the variables each machine type does not know (kept in cnc_data.payload) and the quality marks of odd values.",
        discussion: "A new variable usually means a changed controller: map it in the type's description to keep it typed."
    )

    @Option(help: "Only this machine type")
    var type: String?
    @Option(help: "Over the last this many hours of the machines' timestamps")
    var hours = 24
    @Option(name: DatabaseSettings.url.name, help: DatabaseSettings.url.help)
    var databaseURL: String?

    /// Empty: ArgumentParser fills in the options as it parses the command line.
    public init() {}

    /// Prints the unknown variables, then the quality marks, over the last `--hours` (default 24; less than 1 counts as 1).
    public func run() throws {
        let connection = try PostgresConnection(conninfo: try DatabaseSettings.conninfo(databaseURL))
        print("unknown variables")
        print(
            TextTable.render(
                header: ["type", "variable", "messages", "machines", "last"], rows: try DataQuality.drift(connection, type: type, hours: hours)))
        print("\nquality marks")
        print(
            TextTable.render(
                header: ["type", "check", "messages", "machines", "last"], rows: try DataQuality.marks(connection, type: type, hours: hours)))
    }
}
