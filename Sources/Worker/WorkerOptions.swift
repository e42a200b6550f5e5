import ArgumentParser
import Logging
import MachineTypes
import PipelineSettings
import StageRuntime

/// A worker's options besides `StageOptions`, each named and explained by its description.
public struct WorkerOptions: StageServiceOptions {
    public static let stageName = "worker"

    @Option(name: WorkerSettings.type.name, help: WorkerSettings.type.help) var type: String?
    @Option(name: WorkerSettings.input.name, help: WorkerSettings.input.help) var input: String?
    @Option(name: LinkSettings.sink.name, help: LinkSettings.sink.help) var sinkEndpoint: String?
    @Option(name: StageSettings.maxJSONDepth.name, help: StageSettings.maxJSONDepth.help) var maxJSONDepth: String?
    @Option(name: MachineTypeSettings.directory.name, help: MachineTypeSettings.directory.help) var typesDir: String?

    public init() {}

    public func service(stage: StageOptions, logger: Logger) throws -> WorkerService {
        WorkerService(configuration: try configuration(stage: stage), logger: logger)
    }

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
