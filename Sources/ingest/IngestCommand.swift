import ArgumentParser
import CollectorCore
import StageRuntime
import Ingest
import Foundation
import Mosquitto

@main
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Subscribe to the MQTT broker, validate CNC messages and pass them to the router.",
        discussion: "Every option also reads the environment variable named in its help; a flag wins. See docs/configuration.md."
    )

    @Option(help: "Broker URL, mqtt://[user:password@]host:port or mqtts://... (MQTT_URL; default mqtt://127.0.0.1:1883)")
    var mqttURL: String?
    @Option(help: "Topic filter, wildcards allowed (MQTT_TOPIC; default sensor/CNC)")
    var topic: String?
    @Option(help: "Subscription QoS, 0, 1 or 2 (MQTT_QOS; default 1)")
    var qos: Int?
    @Option(help: "Client id, the name of the persistent session (MQTT_CLIENT_ID; default cnc-ingest-HOSTNAME)")
    var clientID: String?
    @Option(help: "MQTT protocol, 3.1.1 or 5 (MQTT_PROTOCOL; default 3.1.1)")
    var mqttProtocol: String?
    @Option(help: "MQTT 5 session expiry in seconds (MQTT_SESSION_EXPIRY; default 604800)")
    var sessionExpiry: Int?
    @Option(help: "Keepalive in seconds: a silent broker is given up after this, and the broker gives us up after 1.5 times this (MQTT_KEEPALIVE; default 30)")
    var keepalive: Int?
    @Option(help: "CA certificate for mqtts:// (MQTT_CA_FILE; default the system CAs)")
    var caFile: String?
    @Option(help: "Client certificate for mqtts:// (MQTT_CERT_FILE)")
    var certFile: String?
    @Option(help: "Client key for mqtts:// (MQTT_KEY_FILE)")
    var keyFile: String?
    @Option(help: "Largest accepted message in bytes (MES_MAX_MESSAGE_BYTES; default 65536)")
    var maxMessageBytes: Int?
    @Option(help: "Deepest accepted JSON nesting (MES_MAX_JSON_DEPTH; default 16)")
    var maxJSONDepth: Int?
    @Option(help: "Router endpoints, comma-separated (MES_ROUTER_ENDPOINT; default ipc://RUNTIME_DIR/router.ipc)")
    var routerEndpoint: String?
    @Option(help: "Sink endpoints, comma-separated (MES_SINK_ENDPOINT; default ipc://RUNTIME_DIR/sink.ipc)")
    var sinkEndpoint: String?
    @Option(help: "Acknowledgement endpoints of the sinks, comma-separated (MES_ACK_ENDPOINT; default ipc://RUNTIME_DIR/acks.ipc)")
    var ackEndpoint: String?
    @Option(help: "This ingest's journal directory, on persistent storage (MES_JOURNAL_DIR; default journal/CLIENT_ID)")
    var journalDir: String?
    @Option(help: "How often the journal is forced to disk in ms, 0 for every write (MES_JOURNAL_SYNC_MS; default 100)")
    var journalSyncMs: Int?
    @Option(help: "Send a message again when the sink has not acknowledged it after this many ms (MES_REDELIVER_AFTER_MS; default 30000)")
    var redeliverAfterMs: Int?
    @Option(help: "Directory of the ipc:// sockets (MES_RUNTIME_DIR; default /tmp/cnc-collector-UID)")
    var runtimeDir: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical (MES_LOG_LEVEL; default info)")
    var logLevel: String?
    @Option(help: "HOST:PORT of /metrics, /healthz and /readyz, or off (MES_METRICS_LISTEN; default 127.0.0.1:9101)")
    var metricsListen: String?

    func run() async throws {
        let logger = try StageRunner.logger(label: "ingest", level: logLevel)
        let broker = try Settings.broker(mqttURL)
        let qos = try Settings.resolve(qos, env: "MQTT_QOS", default: 1)
        guard (0...2).contains(qos) else { throw SettingError(reason: "MQTT_QOS must be 0, 1 or 2") }
        let protocolName = Settings.resolve(mqttProtocol, env: "MQTT_PROTOCOL", default: "3.1.1")
        guard let protocolVersion = MQTTClient.ProtocolVersion(rawValue: protocolName) else {
            throw SettingError(reason: "MQTT_PROTOCOL must be 3.1.1 or 5")
        }
        let caFile = Settings.resolve(caFile, env: "MQTT_CA_FILE")
        let tls = broker.useTLS || caFile != nil
            ? MQTTClient.TLS(caFile: caFile, certificateFile: Settings.resolve(certFile, env: "MQTT_CERT_FILE"), keyFile: Settings.resolve(keyFile, env: "MQTT_KEY_FILE"))
            : nil
        let sessionExpiry = try Settings.resolve(sessionExpiry, env: "MQTT_SESSION_EXPIRY", default: 604_800)
        guard (0...Int(UInt32.max)).contains(sessionExpiry) else { throw SettingError(reason: "MQTT_SESSION_EXPIRY must be 0 to 4294967295 seconds") }
        let keepalive = try Settings.resolve(keepalive, env: "MQTT_KEEPALIVE", default: 30)
        guard (5...65_535).contains(keepalive) else { throw SettingError(reason: "MQTT_KEEPALIVE must be 5 to 65535 seconds") }
        let clientID = Settings.resolve(clientID, env: "MQTT_CLIENT_ID", default: "cnc-ingest-\(ProcessInfo.processInfo.hostName)")
        var client = MQTTClient.Options(
            clientID: clientID,
            cleanSession: false,
            protocolVersion: protocolVersion,
            sessionExpirySeconds: UInt32(sessionExpiry), keepAliveSeconds: Int32(keepalive),
            username: broker.username, password: broker.password, tls: tls
        )
        // Each round is journaled before its acknowledgements leave (IngestService).
        client.acknowledgeAfterCallback = true
        let limits = ValidationLimits(
            maxMessageBytes: try Settings.resolve(maxMessageBytes, env: "MES_MAX_MESSAGE_BYTES", default: 65_536),
            maxDepth: try Settings.resolve(maxJSONDepth, env: "MES_MAX_JSON_DEPTH", default: 16)
        )
        guard limits.maxMessageBytes > 0, limits.maxDepth > 0 else {
            throw SettingError(reason: "MES_MAX_MESSAGE_BYTES and MES_MAX_JSON_DEPTH must be positive")
        }
        var configuration = IngestService.Configuration(
            broker: broker, topicFilter: Settings.resolve(topic, env: "MQTT_TOPIC", default: "sensor/CNC"), qos: Int32(qos),
            client: client, limits: limits,
            endpoints: try StageEndpoints.resolve(runtimeDirectory: runtimeDir, router: routerEndpoint, sink: sinkEndpoint, acknowledgements: ackEndpoint),
            journalDirectory: Settings.resolve(journalDir, env: "MES_JOURNAL_DIR", default: "journal/\(clientID.filter { $0.isLetter || $0.isNumber || "-_.".contains($0) })")
        )
        configuration.journalSyncMilliseconds = try Settings.resolve(journalSyncMs, env: "MES_JOURNAL_SYNC_MS", default: configuration.journalSyncMilliseconds)
        configuration.redeliverAfterMilliseconds = try Settings.resolve(redeliverAfterMs, env: "MES_REDELIVER_AFTER_MS", default: configuration.redeliverAfterMilliseconds)
        guard configuration.journalSyncMilliseconds >= 0, configuration.redeliverAfterMilliseconds > 0 else {
            throw SettingError(reason: "MES_JOURNAL_SYNC_MS must not be negative and MES_REDELIVER_AFTER_MS must be positive")
        }
        try await StageRunner.run(IngestService(configuration: configuration, logger: logger), logger: logger, metrics: try MetricsListen.resolve(metricsListen, default: MetricsListen.ingestDefault))
    }
}
