import ArgumentParser
import CollectorCore
import Foundation
import MessagePublishing
import Mosquitto
import StageRuntime

/// What the emulator publishes, how fast and where. The broker settings are the shared ones
/// (`BrokerSettings`); the rest are arguments of one run, not settings of a deployment.
public struct EmulatorOptions: ParsableArguments {
    @Option(name: BrokerSettings.url.name, help: BrokerSettings.url.help)
    var mqttURL: String?
    @Option(
        help: ArgumentHelp(
            "Topic to publish to (MQTT_TOPIC when it has no wildcard; default \(BrokerSettings.topic.description.defaultText)); "
                + "{cnc_id} in it is replaced by each message's machine, a topic per machine"))
    var topic: String?
    @Flag(
        help: ArgumentHelp(
            "Publish each message flat, as a topic-per-machine plant does: the payload's variables beside part_program and timestamp, "
                + "no cnc_id (it is in the topic, which must hold {cnc_id}). Invalid messages are then flat too; the one with no payload "
                + "has no timestamp instead, and the unknown machine is in the topic"))
    var flat = false
    @Option(help: "QoS 0, 1 or 2")
    var qos: Int = 1
    @Option(name: .customLong("file"), help: "Newline-delimited JSON sample file; repeatable (default every sample_data/*.json)")
    var files: [String] = []
    @Option(help: "Messages per second; 0 is as fast as the broker takes them")
    var rate: Double = 0
    @Option(help: "Messages to publish (default one pass over the samples, or unbounded with --loop)")
    var count: Int?
    @Flag(help: "Repeat the samples until --count or until stopped")
    var loop = false
    @Option(help: "Spread messages over this many machines, CNC001...CNCnnn, with fresh timestamps")
    var machines: Int = 0
    @Option(help: "Share of messages, 0 to 1, made invalid in varied ways")
    var invalidShare: Double = 0
    @Option(help: "QoS 1/2 messages unacknowledged by the broker at once (1 to 65535)")
    var maxInFlight: Int = 1_000
    @Option(help: "Seed of the generator, for repeatable runs")
    var seed: UInt64 = 1
    @Option(name: BrokerSettings.caFile.name, help: BrokerSettings.caFile.help)
    var caFile: String?
    /// `--log-level`; nil leaves the level to `MES_LOG_LEVEL` or its default.
    @Option(name: StageSettings.logLevel.name, help: StageSettings.logLevel.help)
    public var logLevel: String?

    /// Refuses, before anything runs, a QoS other than 0, 1 or 2, an invalid share outside 0...1, a max in flight outside
    /// 1...65535, and a negative rate, machine count or count.
    public func validate() throws {
        guard (0...2).contains(qos) else { throw ValidationError("--qos must be 0, 1 or 2") }
        guard (0...1).contains(invalidShare) else { throw ValidationError("--invalid-share must be between 0 and 1") }
        guard (1...65_535).contains(maxInFlight) else { throw ValidationError("--max-in-flight must be 1 to 65535") }
        guard rate >= 0, machines >= 0, (count ?? 0) >= 0 else { throw ValidationError("--rate, --machines and --count cannot be negative") }
    }

    /// Empty: ArgumentParser fills in the options as it parses the command line.
    public init() {}

    /// The run these options and the broker settings describe: the topic is `--topic`, else `MQTT_TOPIC` unless it is a filter,
    /// else its default; timestamps are fresh with `--machines`, `--loop` or `--count`. Throws when a setting or the topic is
    /// invalid or a sample file cannot be read.
    public func configuration() throws -> EmulatorService.Configuration {
        let broker = try Settings.broker(mqttURL)
        // ingest's MQTT_TOPIC may be a filter; a filter is no topic to publish to.
        let sharedTopic = try BrokerSettings.topic.required(nil)
        let defaultTopic = sharedTopic.contains("#") || sharedTopic.contains("+") ? BrokerSettings.topic.defaultValue! : sharedTopic
        let paths = files.isEmpty ? try Self.defaultSampleFiles() : files
        let caFile = try BrokerSettings.caFile.value(caFile)
        let topic = try PublishTopic(topic ?? defaultTopic, flat: flat).template
        var configuration = EmulatorService.Configuration(
            broker: broker, topic: topic, qos: Int32(qos),
            clientID: "cnc-emulator-\(getpid())",
            tls: broker.useTLS || caFile != nil ? MQTTClient.TLS(caFile: caFile) : nil,
            lines: try SampleFile.lines(paths: paths), rate: rate, count: count, loop: loop,
            generator: .init(
                machines: machines, invalidShare: invalidShare, freshTimestamps: machines > 0 || loop || count != nil, seed: seed, flat: flat)
        )
        configuration.maxInFlight = maxInFlight
        return configuration
    }

    /// `sample_data/*.json` of the current directory, sorted; throws a `ValidationError` when there is none.
    static func defaultSampleFiles() throws -> [String] {
        let directory = "sample_data"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter { $0.hasSuffix(".json") }.sorted() ?? []
        guard !names.isEmpty else { throw ValidationError("no sample_data/*.json here; run from the repository root or pass --file") }
        return names.map { "\(directory)/\($0)" }
    }
}
