import ArgumentParser
import Logging
import MachineTypes
import PipelineSettings
import StageRuntime

/// A worker's options besides `StageOptions`, each named and explained by its description.
public struct WorkerOptions: StageServiceOptions {
    /// Always `worker`.
    public static let stageName = "worker"

    @Option(name: WorkerSettings.type.name, help: WorkerSettings.type.help) var type: String?
    @Option(name: WorkerSettings.input.name, help: WorkerSettings.input.help) var input: String?
    @Option(name: LinkSettings.sink.name, help: LinkSettings.sink.help) var sinkEndpoint: String?
    @Option(name: StageSettings.maxJSONDepth.name, help: StageSettings.maxJSONDepth.help) var maxJSONDepth: String?
    @Option(name: MachineTypeSettings.directory.name, help: MachineTypeSettings.directory.help) var typesDir: String?

    /// Options with nothing given; ArgumentParser fills them in from the command line.
    public init() {}

    /// The worker service of these options; throws what `configuration(stage:)` throws.
    public func service(stage: StageOptions, logger: Logger) throws -> WorkerService {
        WorkerService(configuration: try configuration(stage: stage), logger: logger)
    }

    /// The service's configuration from these options, the environment and the defaults; the input defaults to the
    /// type's `ipc://` endpoint in the runtime directory. Throws `SettingError` naming a setting that is missing, not
    /// allowed or unreadable.
    public func configuration(stage: StageOptions) throws -> WorkerService.Configuration {
        let typeName = try WorkerSettings.type.required(type)
        let endpoints = try stage.endpoints(sink: sinkEndpoint)
        var configuration = WorkerService.Configuration(
            typeName: typeName,
            input: try WorkerSettings.input.value(input, derived: [endpoints.workerEndpoint(type: typeName)]),
            endpoints: endpoints,
            maxPayloadDepth: try StageSettings.maxJSONDepth.required(maxJSONDepth),
            typesDirectory: try MachineTypeSettings.directory.required(typesDir)
        )
        configuration.strictModes = try MachineTypeSettings.configuredStrictModes()
        return configuration
    }
}
