import CollectorCore
import Foundation
import Logging
import MessagePublishing
import Mosquitto
import ServiceLifecycle
import StageRuntime

/// The emulator's thread: one publisher, until the count is reached or the emulator is stopped.
public final class EmulatorLoop: StageLoop {
    private let configuration: Configuration
    private let logger: Logger
    private let stop: StopSignal

    public init(configuration: Configuration, logger: Logger, stop: StopSignal) {
        self.configuration = configuration
        self.logger = logger
        self.stop = stop
    }

    public static func name(of configuration: Configuration) -> String { "cnc-emulator" }

    public func run() throws {
        print(try Self.publish(configuration: configuration, logger: logger, stop: stop))
    }

    public struct Configuration: Sendable {
        public var broker: MQTTURL
        /// The topic, or with `{cnc_id}` the topics of every machine (`PublishTopic`).
        public var topic: String
        public var qos: Int32
        public var clientID: String
        public var tls: MQTTClient.TLS?
        public var lines: [[UInt8]]
        /// Messages per second; 0 publishes as fast as the broker takes them.
        public var rate: Double
        /// How many to publish; nil means one pass over the lines, or forever with `loop`.
        public var count: Int?
        public var loop: Bool
        public var generator: MessageGenerator.Options
        /// Unacknowledged publishes allowed at once.
        public var maxInFlight: Int = 1_000

        public init(
            broker: MQTTURL, topic: String, qos: Int32, clientID: String, tls: MQTTClient.TLS?, lines: [[UInt8]], rate: Double, count: Int?,
            loop: Bool, generator: MessageGenerator.Options
        ) {
            self.broker = broker
            self.topic = topic
            self.qos = qos
            self.clientID = clientID
            self.tls = tls
            self.lines = lines
            self.rate = rate
            self.count = count
            self.loop = loop
            self.generator = generator
        }
    }

    /// What one run published.
    public struct Summary: Sendable, CustomStringConvertible {
        public var published = 0
        public var invalid = 0
        public var acknowledged = 0
        public var seconds = 0.0

        public var description: String {
            let rate = seconds > 0 ? Double(acknowledged) / seconds : 0
            return
                "published \(published) messages (\(invalid) invalid), \(acknowledged) acknowledged by the broker in "
                + "\(String(format: "%.2f", seconds)) s (\(Int(rate)) msg/s)"
        }
    }

    static func publish(configuration: Configuration, logger: Logger, stop: StopSignal) throws -> Summary {
        let topic = try PublishTopic(configuration.topic, flat: configuration.generator.flat)
        var generator = try MessageGenerator(lines: configuration.lines, options: configuration.generator)
        let publisher = try BrokerPublisher(
            broker: configuration.broker, clientID: configuration.clientID, tls: configuration.tls, maxInFlight: configuration.maxInFlight,
            stop: stop,
            reconnectLogger: logger
        )
        var summary = Summary()
        let total = configuration.count ?? (configuration.loop ? Int.max : configuration.lines.count)
        logger.info(
            "publishing",
            metadata: [
                "broker": "\(configuration.broker)", "topic": "\(configuration.topic)", "flat": "\(configuration.generator.flat)",
                "count": "\(total == Int.max ? "unbounded" : String(total))",
                "rate": "\(configuration.rate)",
            ])
        let start = monotonicMilliseconds()
        while publisher.published < total && !stop.isRequested {
            if configuration.rate > 0 {
                let due = start + UInt64(Double(publisher.published) * 1_000 / configuration.rate)
                let now = monotonicMilliseconds()
                if due > now {
                    try publisher.wait(milliseconds: Int32(min(due - now, 100)))
                    continue
                }
            }
            let message = generator.nextMessage()
            try publisher.publish(topic: topic.topic(for: message.cncID), payload: message.bytes, qos: configuration.qos, stop: stop)
        }
        let complete = try publisher.drain()
        summary.published = publisher.published
        summary.acknowledged = publisher.acknowledged
        summary.invalid = generator.invalidCount
        summary.seconds = Double(monotonicMilliseconds() - start) / 1_000
        publisher.disconnect()
        if !complete {
            logger.error(
                "the broker did not acknowledge every message",
                metadata: ["published": "\(summary.published)", "acknowledged": "\(summary.acknowledged)"])
        }
        return summary
    }
}
