import ArgumentParser
import Logging
import MachineTypes
import PipelineSettings
import StageRuntime

/// The router's options besides `StageOptions`, each named and explained by its description.
public struct RouterOptions: StageServiceOptions {
    /// Always `router`.
    public static let stageName = "router"

    @Option(name: MachineTypeSettings.cncTypes.name, help: MachineTypeSettings.cncTypes.help) var cncTypes: String?
    @Option(name: LinkSettings.routerListen.name, help: LinkSettings.routerListen.help) var listen: String?
    @Option(name: RouterSettings.workerListen.name, parsing: .singleValue, help: RouterSettings.workerListen.help) var workerListen: [String] = []
    @Option(name: LinkSettings.sink.name, help: LinkSettings.sink.help) var sinkEndpoint: String?
    @Option(name: MachineTypeSettings.directory.name, help: MachineTypeSettings.directory.help) var typesDir: String?

    /// Options with nothing given; ArgumentParser fills them in from the command line.
    public init() {}

    /// The router service of these options; throws what `configuration(stage:)` throws.
    public func service(stage: StageOptions, logger: Logger) throws -> RouterService {
        RouterService(configuration: try configuration(stage: stage), logger: logger)
    }

    /// The service's configuration from these options, the environment and the defaults; `--worker-listen` given more
    /// than once adds up. Throws `SettingError` naming a setting that is missing, not allowed or unreadable.
    public func configuration(stage: StageOptions) throws -> RouterService.Configuration {
        var configuration = RouterService.Configuration(
            mapPath: try MachineTypeSettings.cncTypes.required(cncTypes),
            endpoints: try stage.endpoints(routerListen: listen, sink: sinkEndpoint),
            workerListen: try RouterSettings.workerListen.required(workerListen.isEmpty ? nil : workerListen.joined(separator: ";")),
            typesDirectory: try MachineTypeSettings.directory.required(typesDir)
        )
        configuration.strictModes = try MachineTypeSettings.configuredStrictModes()
        return configuration
    }
}
