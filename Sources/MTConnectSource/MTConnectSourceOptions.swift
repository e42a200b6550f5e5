import ArgumentParser
import Logging
import MessageSources
import PipelineSettings
import StageRuntime

/// The MTConnect source's options: one per setting it reads besides `StageOptions`.
public struct MTConnectSourceOptions: StageServiceOptions {
    /// `mtconnect`: the label of its logs and the key of its metrics default.
    public static let stageName = "mtconnect"

    @Option(name: SourceSettings.directory.name, help: SourceSettings.directory.help) var sourcesDir: String?
    @Option(name: StageSettings.stateDirectory.name, help: StageSettings.stateDirectory.help) var stateDir: String?
    @Option(name: MTConnectSourceSettings.positionsDirectory.name, help: MTConnectSourceSettings.positionsDirectory.help)
    var positionsDir: String?
    @Option(name: MTConnectSourceSettings.redeliverAfterMilliseconds.name, help: MTConnectSourceSettings.redeliverAfterMilliseconds.help)
    var redeliverAfterMs: String?
    @Option(name: MTConnectSourceSettings.maxDocumentBytes.name, help: MTConnectSourceSettings.maxDocumentBytes.help) var maxDocumentBytes: String?
    @Option(name: MTConnectSourceSettings.sources.name, help: MTConnectSourceSettings.sources.help) var sources: String?
    @Option(name: LinkSettings.router.name, help: LinkSettings.router.help) var routerEndpoint: String?
    @Option(name: LinkSettings.sink.name, help: LinkSettings.sink.help) var sinkEndpoint: String?
    @Option(name: LinkSettings.acknowledgements.name, help: LinkSettings.acknowledgements.help) var ackEndpoint: String?

    /// Options as ArgumentParser makes them: every value unset until parsed.
    public init() {}

    /// The stage's service, configured by `configuration(stage:)`, whose errors it throws.
    public func service(stage: StageOptions, logger: Logger) throws -> MTConnectSourceService {
        MTConnectSourceService(configuration: try configuration(stage: stage), logger: logger)
    }

    /// The agents of the sources directory, and the rest from these options, the environment and the defaults.
    public func configuration(stage: StageOptions) throws -> MTConnectSourceService.Configuration {
        let directory = try SourceSettings.directory.value(sourcesDir)
        let (catalog, errors) = SourceCatalog.load(directory: directory, defaultTopic: "#")
        guard errors.isEmpty else { throw SettingError(reason: "message sources: " + errors.map(\.description).joined(separator: "; ")) }
        let stateDirectory = try StageSettings.stateDirectory.value(stateDir, derived: StageSettings.defaultStateDirectory())
        var agents = catalog.agents
        if let names = try MTConnectSourceSettings.sources.value(sources) {
            let wanted = Set(names.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            let unknown = wanted.subtracting(agents.map(\.name))
            guard unknown.isEmpty else {
                let variable = MTConnectSourceSettings.sources.description.variable, place = directory ?? "the sources directory"
                throw SettingError(
                    reason: "\(variable): no source with the key mtconnect in \(place) is named " + unknown.sorted().joined(separator: ", ")
                        + "; there are " + agents.map(\.name).joined(separator: ", "))
            }
            agents = agents.filter { wanted.contains($0.name) }
        }
        var configuration = MTConnectSourceService.Configuration(
            agents: agents,
            endpoints: try stage.endpoints(router: routerEndpoint, sink: sinkEndpoint, acknowledgements: ackEndpoint),
            positionsDirectory: try MTConnectSourceSettings.positionsDirectory.value(positionsDir, derived: "\(stateDirectory)/mtconnect"))
        configuration.redeliverAfterMilliseconds = try MTConnectSourceSettings.redeliverAfterMilliseconds.required(redeliverAfterMs)
        configuration.maxDocumentBytes = try MTConnectSourceSettings.maxDocumentBytes.required(maxDocumentBytes)
        return configuration
    }
}
