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

    /// Made on the emulator's thread by `StageService`; connects to nothing until `run()`.
    public init(configuration: Configuration, logger: Logger, stop: StopSignal) {
        self.configuration = configuration
        self.logger = logger
        self.stop = stop
    }

    /// Always `cnc-emulator`, the service's and its thread's name.
    public static func name(of configuration: Configuration) -> String { "cnc-emulator" }

    /// Publishes as `configuration` says until the count is reached or `stop` is requested, waits up to 30 s for the broker's
    /// acknowledgements (longer while reconnecting), then prints the `Summary` on standard output. Throws when the topic or the
    /// lines are refused or the broker cannot be reached.
    public func run() throws {
        print(try Self.publish(configuration: configuration, logger: logger, stop: stop))
    }

    /// One run of the emulator, as `EmulatorOptions.configuration()` makes it.
    public struct Configuration: Sendable {
        /// The broker to connect to, with its credentials.
        public var broker: MQTTURL
        /// The topic, or with `{cnc_id}` the topics of every machine (`PublishTopic`).
        public var topic: String
        /// The QoS of every publish: 0, 1 or 2.
        public var qos: Int32
        /// The MQTT client id; `EmulatorOptions` makes `cnc-emulator-PID`.
        public var clientID: String
        /// The TLS settings; nil for a plain connection.
        public var tls: MQTTClient.TLS?
        /// The sample lines, one message each; a run with none throws.
        public var lines: [[UInt8]]
        /// Messages per second; 0 publishes as fast as the broker takes them.
        public var rate: Double
        /// How many to publish; nil means one pass over the lines, or forever with `loop`.
        public var count: Int?
        /// With no `count`: go over the lines again and again until stopped.
        public var loop: Bool
        /// How the messages are made from the lines.
        public var generator: MessageGenerator.Options
        /// Unacknowledged publishes allowed at once; default 1 000.
        public var maxInFlight: Int = 1_000

        /// `maxInFlight` keeps its default.
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
        /// The publishes handed to the broker connection.
        public var published = 0
        /// Of those, the messages made invalid on purpose.
        public var invalid = 0
        /// The publishes the broker acknowledged (at QoS 0: written out).
        public var acknowledged = 0
        /// Seconds from the first publish to the end of the wait for acknowledgements.
        public var seconds = 0.0

        /// One line: the counts, the seconds and the acknowledged messages per second.
        public var description: String {
            let rate = seconds > 0 ? Double(acknowledged) / seconds : 0
            return
                "published \(published) messages (\(invalid) invalid), \(acknowledged) acknowledged by the broker in "
                + "\(String(format: "%.2f", seconds)) s (\(Int(rate)) msg/s)"
        }
    }

    /// One run on the calling thread. A broker that has not acknowledged everything within 30 s is logged as an error, not
    /// thrown: the summary says how many it did acknowledge.
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
