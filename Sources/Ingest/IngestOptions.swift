import ArgumentParser
import CollectorCore
import Foundation
import Logging
import MessageSources
import Mosquitto
import PipelineSettings
import StageRuntime

/// ingest's options: one per setting it reads besides `StageOptions`, each named and explained
/// by its description (`IngestSettings`, `BrokerSettings`, `LinkSettings`, `StageSettings`).
public struct IngestOptions: StageServiceOptions {
    /// Always `ingest`.
    public static let stageName = "ingest"

    @Option(name: BrokerSettings.url.name, help: BrokerSettings.url.help) var mqttURL: String?
    @Option(name: BrokerSettings.topic.name, help: BrokerSettings.topic.help) var topic: String?
    @Option(name: IngestSettings.qos.name, help: IngestSettings.qos.help) var qos: String?
    @Option(name: SourceSettings.directory.name, help: SourceSettings.directory.help) var sourcesDir: String?
    @Option(name: IngestSettings.clientID.name, help: IngestSettings.clientID.help) var clientID: String?
    @Option(name: IngestSettings.mqttProtocol.name, help: IngestSettings.mqttProtocol.help) var mqttProtocol: String?
    @Option(name: IngestSettings.sessionExpiry.name, help: IngestSettings.sessionExpiry.help) var sessionExpiry: String?
    @Option(name: IngestSettings.keepalive.name, help: IngestSettings.keepalive.help) var keepalive: String?
    @Option(name: BrokerSettings.caFile.name, help: BrokerSettings.caFile.help) var caFile: String?
    @Option(name: BrokerSettings.certificateFile.name, help: BrokerSettings.certificateFile.help) var certFile: String?
    @Option(name: BrokerSettings.keyFile.name, help: BrokerSettings.keyFile.help) var keyFile: String?
    @Option(name: IngestSettings.maxMessageBytes.name, help: IngestSettings.maxMessageBytes.help) var maxMessageBytes: String?
    @Option(name: StageSettings.maxJSONDepth.name, help: StageSettings.maxJSONDepth.help) var maxJSONDepth: String?
    @Option(name: LinkSettings.router.name, help: LinkSettings.router.help) var routerEndpoint: String?
    @Option(name: LinkSettings.sink.name, help: LinkSettings.sink.help) var sinkEndpoint: String?
    @Option(name: LinkSettings.acknowledgements.name, help: LinkSettings.acknowledgements.help) var ackEndpoint: String?
    @Option(name: StageSettings.stateDirectory.name, help: StageSettings.stateDirectory.help) var stateDir: String?
    @Option(name: IngestSettings.journalDirectory.name, help: IngestSettings.journalDirectory.help) var journalDir: String?
    @Option(name: IngestSettings.journalSyncMilliseconds.name, help: IngestSettings.journalSyncMilliseconds.help) var journalSyncMs: String?
    @Option(name: IngestSettings.redeliverAfterMilliseconds.name, help: IngestSettings.redeliverAfterMilliseconds.help) var redeliverAfterMs: String?
    @Option(name: IngestSettings.sparkplugHostID.name, help: IngestSettings.sparkplugHostID.help) var sparkplugHostID: String?
    @Option(name: IngestSettings.sparkplugReorderMilliseconds.name, help: IngestSettings.sparkplugReorderMilliseconds.help)
    var sparkplugReorderMs: String?
    @Option(name: IngestSettings.sparkplugBirthWaitMilliseconds.name, help: IngestSettings.sparkplugBirthWaitMilliseconds.help)
    var sparkplugBirthWaitMs: String?

    /// Options with nothing given; ArgumentParser fills them in from the command line.
    public init() {}

    /// The ingest service of these options; throws what `configuration(stage:)` throws.
    public func service(stage: StageOptions, logger: Logger) throws -> IngestService {
        IngestService(configuration: try configuration(stage: stage), logger: logger)
    }

    /// The service's configuration from these options, the environment and the defaults.
    public func configuration(stage: StageOptions) throws -> IngestService.Configuration {
        let broker = try Settings.broker(mqttURL)
        let caFile = try BrokerSettings.caFile.value(caFile)
        let tls =
            broker.useTLS || caFile != nil
            ? MQTTClient.TLS(
                caFile: caFile, certificateFile: try BrokerSettings.certificateFile.value(certFile),
                keyFile: try BrokerSettings.keyFile.value(keyFile))
            : nil
        let clientID = try IngestSettings.clientID.value(clientID, derived: "cnc-ingest-\(ProcessInfo.processInfo.hostName)")
        let stateDirectory = try StageSettings.stateDirectory.value(stateDir, derived: StageSettings.defaultStateDirectory())
        var configuration = try IngestService.Configuration(
            broker: broker,
            topicFilter: try BrokerSettings.topic.required(topic),
            qos: Int32(try IngestSettings.qos.required(qos)),
            sourcesDirectory: try SourceSettings.directory.value(sourcesDir),
            session: .init(
                clientID: clientID,
                protocolVersion: try IngestSettings.mqttProtocol.required(mqttProtocol),
                sessionExpirySeconds: UInt32(try IngestSettings.sessionExpiry.required(sessionExpiry)),
                keepAliveSeconds: Int32(try IngestSettings.keepalive.required(keepalive)),
                tls: tls
            ),
            limits: ValidationLimits(
                maxMessageBytes: try IngestSettings.maxMessageBytes.required(maxMessageBytes),
                maxDepth: try StageSettings.maxJSONDepth.required(maxJSONDepth)
            ),
            endpoints: try stage.endpoints(router: routerEndpoint, sink: sinkEndpoint, acknowledgements: ackEndpoint),
            journalDirectory: try IngestSettings.journalDirectory.value(
                journalDir, derived: "\(stateDirectory)/journal/\(IngestSettings.journalName(of: clientID))")
        )
        configuration.journalSyncMilliseconds = try IngestSettings.journalSyncMilliseconds.required(journalSyncMs)
        configuration.redeliverAfterMilliseconds = try IngestSettings.redeliverAfterMilliseconds.required(redeliverAfterMs)
        configuration.sparkplugHostID = try IngestSettings.sparkplugHostID.value(sparkplugHostID, derived: clientID)
        configuration.sparkplug.reorderTimeMilliseconds = UInt64(try IngestSettings.sparkplugReorderMilliseconds.required(sparkplugReorderMs))
        configuration.sparkplug.birthWaitMilliseconds = UInt64(try IngestSettings.sparkplugBirthWaitMilliseconds.required(sparkplugBirthWaitMs))
        return configuration
    }
}
