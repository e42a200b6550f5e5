import ArgumentParser
import LibPQ
import Logging
import PipelineSettings
import SchemaMigrations
import StageRuntime

/// `mesctl migrate`: the migrations, applied as the owner of the tables, so that the sink can
/// write as a role that may not change the schema (migration 013).
public struct MigrateCommand: ParsableCommand {
    /// The subcommand's name and help.
    public static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the pending migrations as the role of DATABASE_URL, the owner of the tables; print each one applied.",
        discussion: "Deployments run it before the sink, whose role (a member of cnc_writer) may only write rows. Running it again changes nothing."
    )

    @Option(name: DatabaseSettings.url.name, help: DatabaseSettings.url.help)
    var databaseURL: String?
    @Option(name: SinkSettings.migrations.name, help: SinkSettings.migrations.help)
    var migrations: String?

    /// Empty: ArgumentParser fills in the options as it parses the command line.
    public init() {}

    /// Applies the pending migrations and prints their versions, or that none was pending; throws what the connection or a
    /// migration throws.
    public func run() throws {
        let connection = try PostgresConnection(conninfo: try DatabaseSettings.conninfo(databaseURL))
        var logger = Logger(label: "mesctl")
        logger.logLevel = .warning
        let applied = try MigrationRunner(directory: try SinkSettings.migrations.required(migrations), logger: logger).apply(on: connection)
        print(applied.isEmpty ? "no migration pending" : "applied \(applied.joined(separator: ", "))")
    }
}
