import CollectorCore
import Logging
import Mosquitto
import ServiceLifecycle
import ZeroMQ

/// `ingest`: subscribes to the broker, validates every message once, gives each an identity,
/// and pushes accepted messages to the router and rejections to the sink.
public struct IngestService: Service, CustomStringConvertible {
    /// Keeps service-group logs and errors short: the configuration is logged at start-up.
    public var description: String { "ingest" }

    public struct Configuration: Sendable {
        public var broker: MQTTURL
        public var topicFilter: String
        public var qos: Int32
        public var client: MQTTClient.Options
        public var limits: ValidationLimits
        public var endpoints: StageEndpoints
        /// Reconnect backoff: first delay and cap, in milliseconds.
        public var reconnectBackoff = Backoff(initialMilliseconds: 500, maximumMilliseconds: 30_000)

        public init(broker: MQTTURL, topicFilter: String, qos: Int32, client: MQTTClient.Options, limits: ValidationLimits, endpoints: StageEndpoints) {
            self.broker = broker
            self.topicFilter = topicFilter
            self.qos = qos
            self.client = client
            self.limits = limits
            self.endpoints = endpoints
        }
    }

    let configuration: Configuration
    let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let configuration = configuration
        let logger = logger
        try await BlockingThread.run(name: "ingest") { stop in
            try IngestLoop(configuration: configuration, logger: logger, stop: stop).run()
        }
    }
}

/// The ingest thread: owns the MQTT client and both ZeroMQ sockets.
final class IngestLoop {
    private let configuration: IngestService.Configuration
    private let logger: Logger
    private let stop: StopSignal
    private let validator: MessageValidator
    private let stream = MessageID.newStream()
    private var sequence: UInt64 = 0
    private var connected = false
    private var accepted = 0
    private var rejected = 0
    private var undelivered = 0
    private var pending = PendingBatch()

    init(configuration: IngestService.Configuration, logger: Logger, stop: StopSignal) {
        self.configuration = configuration
        self.logger = logger
        self.stop = stop
        self.validator = MessageValidator(limits: configuration.limits)
    }

    func run() throws {
        try configuration.endpoints.prepareRuntimeDirectory()
        let context = try ZMQContext()
        let router = try FrameSocket.push(context, connectingTo: configuration.endpoints.router, server: .router, name: "router", security: configuration.endpoints.security)
        let sink = try FrameSocket.push(context, connectingTo: configuration.endpoints.sink, server: .sink, name: "sink", security: configuration.endpoints.security)
        let client = try MQTTClient(options: configuration.client)
        let topicFilter = configuration.topicFilter, qos = configuration.qos

        client.onConnect = { [logger] code, reason in
            guard code == 0 else {
                logger.error("broker refused the connection", metadata: ["reason": "\(reason)"])
                return
            }
            self.connected = true
            // Re-subscribing is harmless for a kept session and needed when the broker lost it.
            do {
                try client.subscribe(topicFilter, qos: qos)
                logger.info("connected and subscribed", metadata: ["broker": "\(self.configuration.broker)", "topic": "\(topicFilter)", "qos": "\(qos)", "client_id": "\(self.configuration.client.clientID)"])
            } catch {
                logger.error("subscribe failed", metadata: ["error": "\(error)"])
            }
        }
        client.onDisconnect = { [logger] expected in
            self.connected = false
            if !expected { logger.warning("connection to the broker lost") }
        }
        client.onMessage = { message in
            self.handle(message, router: router, sink: sink)
        }

        logger.info("ingest starting", metadata: ["stream": "\(String(stream, radix: 16))", "broker": "\(configuration.broker)"])
        var backoff = configuration.reconnectBackoff
        var needsConnect = true
        while !stop.isRequested {
            if needsConnect {
                do {
                    try client.connect(host: configuration.broker.host, port: configuration.broker.port)
                    needsConnect = false
                } catch {
                    let delay = backoff.next()
                    logger.warning("cannot reach the broker, retrying", metadata: ["error": "\(error)", "retry_ms": "\(delay)"])
                    stop.sleep(milliseconds: delay)
                    continue
                }
            }
            do throws(MQTTError) {
                // Messages are batched into one frame while the broker has more ready; a loop
                // that took nothing new means the socket is drained, so the batch leaves now.
                let taken = accepted + rejected
                try client.loop(timeoutMilliseconds: pending.isEmpty ? 100 : 0)
                if accepted + rejected == taken { flush(router: router, sink: sink) }
                if connected { backoff.reset() }
            } catch {
                flush(router: router, sink: sink)
                guard error.isConnectionLoss else { throw error }
                let delay = backoff.next()
                logger.warning("broker connection failed, reconnecting", metadata: ["error": "\(error)", "retry_ms": "\(delay)"])
                stop.sleep(milliseconds: delay)
                do throws(MQTTError) {
                    try client.reconnect()
                } catch {
                    logger.debug("reconnect failed", metadata: ["error": "\(error)"])
                }
            }
        }
        flush(router: router, sink: sink)
        // No UNSUBSCRIBE: the session, and what the broker queues for it, must outlive us.
        // Closing a socket with unread data sends a TCP reset, which can destroy the
        // acknowledgements just written, and the broker would deliver those messages again.
        // So first let the broker's in-flight window fill and throw away what it sent unread:
        // unacknowledged, those messages go to the next session.
        client.discardIncoming(quietMilliseconds: 100, maximumMilliseconds: 2_000)
        client.disconnect()
        for _ in 0..<10 where client.wantsWrite { try? client.loop(timeoutMilliseconds: 50) }
        logger.info("ingest stopped", metadata: ["accepted": "\(accepted)", "rejected": "\(rejected)", "undelivered": "\(undelivered)"])
        // Closing the sockets (deinit) waits up to their linger time for queued frames to leave.
    }

    private func handle(_ message: MQTTClient.Message, router: FrameSocket, sink: FrameSocket) {
        let receivedAt = WallClock.nowMicroseconds()
        sequence += 1
        let id = MessageID(stream: stream, sequence: sequence)
        switch validator.validate(message.payload) {
        case .success(let fields):
            accepted += 1
            pending.messages.append(CNCMessage(
                id: id, receivedAt: receivedAt, timestamp: fields.timestamp, topic: message.topic, cncID: fields.cncID,
                partProgram: fields.partProgram, raw: message.payload, payloadRange: fields.payloadRange
            ))
        case .failure(let failure):
            rejected += 1
            logger.info("rejected", metadata: ["stage": "ingest", "cnc_id": "\(failure.cncID)", "topic": "\(message.topic)", "reason": "\(failure.reason)"])
            // An oversized message is kept as a bounded prefix: the reason already says how big it was.
            let raw = message.payload.count > configuration.limits.maxMessageBytes ? Array(message.payload.prefix(configuration.limits.maxMessageBytes)) : message.payload
            pending.rejections.append(Rejection(id: id, rejectedAt: receivedAt, receivedAt: receivedAt, stage: .ingest, reason: failure.reason, topic: message.topic, cncID: failure.cncID, raw: raw))
        }
        if pending.count >= Self.maxBatch { flush(router: router, sink: sink) }
    }

    /// Messages per frame at most: enough to spread the per-frame cost, small enough for latency.
    static let maxBatch = 256

    /// Sends what `handle` gathered: accepted messages to the router, rejections to the sink.
    private func flush(router: FrameSocket, sink: FrameSocket) {
        let batches: [(WireFrame, FrameSocket)] = [(.messages(pending.messages), router), (.rejections(pending.rejections), sink)]
        pending = PendingBatch()
        for (frame, socket) in batches where frame.count > 0 {
            do {
                if try !socket.send(frame, stop: stop, logger: logger) {
                    undelivered += frame.count
                    logger.error("could not hand messages on before shutdown", metadata: ["messages": "\(frame.count)", "peer": "\(socket.name)"])
                }
            } catch {
                undelivered += frame.count
                logger.error("could not hand messages on", metadata: ["messages": "\(frame.count)", "peer": "\(socket.name)", "error": "\(error)"])
            }
        }
    }
}

/// What ingest has taken from the broker but not yet handed on.
struct PendingBatch {
    var messages: [CNCMessage] = []
    var rejections: [Rejection] = []

    var count: Int { messages.count + rejections.count }
    var isEmpty: Bool { count == 0 }
}
