import CollectorCore
import Foundation
import Logging
import MessageSources
import Mosquitto
import PipelineSettings
import ServiceLifecycle
import Sparkplug
import StageRuntime
import ZeroMQ

/// `ingest`: subscribes to the broker, validates every message once, gives each an identity,
/// journals it, and pushes accepted messages to the router and rejections to the sink. What the
/// sink does not acknowledge in time is sent again from the journal, and a restarted ingest
/// first replays what its journal still holds.
public typealias IngestService = StageService<IngestLoop>

extension IngestLoop: StageLoop {
    /// Always `ingest`.
    public static func name(of configuration: Configuration) -> String { "ingest" }

    /// The configuration's requests: on SIGHUP ingest reads the source descriptions again.
    public static func reloadRequests(in configuration: Configuration) -> ReloadRequests? { configuration.reloadRequests }

    /// Until this release the journal defaulted to `journal/CLIENT_ID` under the working
    /// directory; what such a journal holds is replayed only where `MES_JOURNAL_DIR` points.
    public static func prepare(_ configuration: Configuration, logger: Logger) throws {
        let former = FileManager.default.currentDirectoryPath + "/journal/" + IngestSettings.journalName(of: configuration.session.clientID)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: former))?.filter { $0.hasSuffix(".journal") } ?? []
        guard !files.isEmpty, URL(fileURLWithPath: former).standardized != URL(fileURLWithPath: configuration.journalDirectory).standardized else {
            return
        }
        logger.warning(
            """
            a journal at the former default place holds segments that this ingest will not replay: set MES_JOURNAL_DIR to it, \
            or stop ingest and move its files into the journal directory
            """,
            metadata: ["former_journal": "\(former)", "segments": "\(files.count)", "journal": "\(configuration.journalDirectory)"])
    }

    /// What ingest runs with; `IngestOptions.configuration(stage:)` makes it from the settings.
    public struct Configuration: Sendable {
        /// The broker's address and credentials (`MQTT_URL`).
        public var broker: MQTTURL
        /// The default source's topic filter (`MQTT_TOPIC`), in force where no source is described.
        public var topicFilter: String
        /// The QoS of a source that names none.
        public var qos: Int32
        /// The directory of the source descriptions, read again on SIGHUP; nil: the default source.
        public var sourcesDirectory: String?
        /// The sources as read at start.
        public var sources: SourceCatalog
        /// The MQTT session: client id, protocol, timers and TLS.
        public var session: Session
        /// Bounds on what is accepted: message size (`MES_MAX_MESSAGE_BYTES`) and JSON depth (`MES_MAX_JSON_DEPTH`).
        public var limits: ValidationLimits
        /// The router, sink and acknowledgement endpoints, and their security.
        public var endpoints: StageEndpoints
        /// The journal's directory, of this ingest alone.
        public var journalDirectory: String
        /// A new journal segment starts when the current one would grow past this.
        public var journalSegmentBytes = 4 << 20
        /// How often written journal records are forced to disk; 0 forces each round before its acknowledgements leave.
        public var journalSyncMilliseconds = IngestSettings.journalSyncMilliseconds.defaultValue!
        /// How long a message may wait for the sink's acknowledgement before it is sent again.
        public var redeliverAfterMilliseconds = IngestSettings.redeliverAfterMilliseconds.defaultValue!
        /// How long a stopping ingest waits for the acknowledgements of what it handed on.
        public var shutdownAcknowledgementMilliseconds = 5_000
        /// The Sparkplug host id: STATE is published on `spBv1.0/STATE/<id>`.
        public var sparkplugHostID = "cnc-collector"
        /// The Sparkplug host's waits.
        public var sparkplug = SparkplugHost.Configuration()
        /// Reconnect backoff: first delay and cap, in milliseconds.
        public var reconnectBackoff = Backoff(initialMilliseconds: 500, maximumMilliseconds: 30_000)
        let reloadRequests = ReloadRequests()

        /// Reads the sources; a description that cannot be used stops the start, with every error.
        public init(
            broker: MQTTURL, topicFilter: String, qos: Int32, sourcesDirectory: String? = nil, session: Session, limits: ValidationLimits,
            endpoints: StageEndpoints, journalDirectory: String
        ) throws {
            let (sources, errors) = SourceCatalog.load(directory: sourcesDirectory, defaultTopic: topicFilter)
            guard errors.isEmpty else {
                throw SettingError(reason: "message sources: " + errors.map(\.description).joined(separator: "; "))
            }
            self.broker = broker
            self.topicFilter = topicFilter
            self.qos = qos
            self.sourcesDirectory = sourcesDirectory
            self.sources = sources
            self.session = session
            self.limits = limits
            self.endpoints = endpoints
            self.journalDirectory = journalDirectory
        }
    }

    /// ingest's MQTT session with the broker.
    public struct Session: Sendable {
        /// The MQTT client id, which names the broker's persistent session: keep it stable across restarts.
        public var clientID: String
        /// MQTT 3.1.1 or 5.
        public var protocolVersion: MQTTClient.ProtocolVersion
        /// MQTT 5 only: how long the broker keeps the session after a disconnect.
        public var sessionExpirySeconds: UInt32
        /// The MQTT keep-alive, in seconds.
        public var keepAliveSeconds: Int32
        /// CA, certificate and key files; nil for a plain connection.
        public var tls: MQTTClient.TLS?

        /// A session of these values, taken as given.
        public init(
            clientID: String, protocolVersion: MQTTClient.ProtocolVersion, sessionExpirySeconds: UInt32, keepAliveSeconds: Int32, tls: MQTTClient.TLS?
        ) {
            self.clientID = clientID
            self.protocolVersion = protocolVersion
            self.sessionExpirySeconds = sessionExpirySeconds
            self.keepAliveSeconds = keepAliveSeconds
            self.tls = tls
        }
    }
}

extension IngestLoop.Configuration {
    /// The MQTT client's options. The delivery promise rests on two of them, so they are set
    /// here and nowhere else: a persistent session (what arrives while ingest is down waits on
    /// the broker), and acknowledgements held until the round that carried the message is
    /// journaled.
    var clientOptions: MQTTClient.Options {
        var options = MQTTClient.Options(
            clientID: session.clientID, cleanSession: false, protocolVersion: session.protocolVersion,
            sessionExpirySeconds: session.sessionExpirySeconds, keepAliveSeconds: session.keepAliveSeconds,
            username: broker.username, password: broker.password, tls: session.tls
        )
        options.acknowledgeAfterCallback = true
        // MQTT 5: as many messages in flight to us as a round takes (libmosquitto asks for 20),
        // so that a round, and its one fdatasync, carries up to that many.
        options.receiveMaximum = Int32(IngestLoop.maxBatch)
        return options
    }
}
