import ArgumentParser
import Logging
import MachineTypes
import PipelineSettings
import StageRuntime

/// The sink's options besides `StageOptions`, each named and explained by its description.
public struct SinkOptions: StageServiceOptions {
    /// Always `sink`.
    public static let stageName = "sink"

    @Option(name: DatabaseSettings.url.name, help: DatabaseSettings.url.help) var databaseURL: String?
    @Option(name: SinkSettings.migrations.name, help: SinkSettings.migrations.help) var migrations: String?
    @Option(name: SinkSettings.batchSize.name, help: SinkSettings.batchSize.help) var batchSize: String?
    @Option(name: SinkSettings.flushInterval.name, help: SinkSettings.flushInterval.help) var flushIntervalMs: String?
    @Option(name: MachineTypeSettings.defaultOfflineAfter.name, help: MachineTypeSettings.defaultOfflineAfter.help) var offlineAfterS: String?
    @Option(name: SinkSettings.retentionDays.name, help: SinkSettings.retentionDays.help) var retentionDays: String?
    @Option(name: MachineTypeSettings.directory.name, help: MachineTypeSettings.directory.help) var typesDir: String?
    @Option(name: LinkSettings.sinkListen.name, help: LinkSettings.sinkListen.help) var listen: String?
    @Option(name: LinkSettings.acknowledgementsListen.name, help: LinkSettings.acknowledgementsListen.help) var ackListen: String?

    /// Options with nothing given; ArgumentParser fills them in from the command line.
    public init() {}

    /// The sink service of these options; throws what `configuration(stage:)` throws.
    public func service(stage: StageOptions, logger: Logger) throws -> SinkService {
        SinkService(configuration: try configuration(stage: stage), logger: logger)
    }

    /// The service's configuration from these options, the environment and the defaults. Throws `SettingError` naming
    /// a setting that is missing, not allowed or unreadable.
    public func configuration(stage: StageOptions) throws -> SinkService.Configuration {
        var configuration = SinkService.Configuration(
            conninfo: try DatabaseSettings.conninfo(databaseURL),
            migrationsDirectory: try SinkSettings.migrations.required(migrations),
            batchSize: try SinkSettings.batchSize.required(batchSize),
            flushIntervalMilliseconds: try SinkSettings.flushInterval.required(flushIntervalMs),
            endpoints: try stage.endpoints(sinkListen: listen, acknowledgementsListen: ackListen),
            typesDirectory: try MachineTypeSettings.directory.required(typesDir),
            defaultOfflineAfterSeconds: try MachineTypeSettings.defaultOfflineAfter.required(offlineAfterS),
            retentionDays: try SinkSettings.retentionDays.required(retentionDays)
        )
        configuration.strictModes = try MachineTypeSettings.configuredStrictModes()
        return configuration
    }
}
