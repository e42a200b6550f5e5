import ArgumentParser
import CollectorCore
import StageRuntime
import Emulator
import Foundation
import Mosquitto

@main
struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnc-emulator",
        abstract: "Publish CNC sample messages to the broker, as the machines' data services would.",
        discussion: "With no options it publishes every line of sample_data/*.json once, like the original emulator."
    )

    @Option(help: "Broker URL (MQTT_URL; default mqtt://127.0.0.1:1883)")
    var mqttURL: String?
    @Option(help: "Topic to publish to (MQTT_TOPIC when it has no wildcard; default sensor/CNC)")
    var topic: String?
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
    @Option(help: "CA certificate for mqtts:// (MQTT_CA_FILE)")
    var caFile: String?
    @Option(help: "Log level (MES_LOG_LEVEL; default info)")
    var logLevel: String?

    func validate() throws {
        guard (0...2).contains(qos) else { throw ValidationError("--qos must be 0, 1 or 2") }
        guard (0...1).contains(invalidShare) else { throw ValidationError("--invalid-share must be between 0 and 1") }
        guard (1...65_535).contains(maxInFlight) else { throw ValidationError("--max-in-flight must be 1 to 65535") }
        guard rate >= 0, machines >= 0, (count ?? 0) >= 0 else { throw ValidationError("--rate, --machines and --count cannot be negative") }
    }

    func run() async throws {
        let logger = try StageRunner.logger(label: "cnc-emulator", level: logLevel)
        let broker = try Settings.broker(mqttURL)
        let envTopic = Settings.environment("MQTT_TOPIC").flatMap { $0.contains("#") || $0.contains("+") ? nil : $0 }
        let paths = files.isEmpty ? try Self.defaultSampleFiles() : files
        let caFile = Settings.resolve(caFile, env: "MQTT_CA_FILE")
        var configuration = EmulatorService.Configuration(
            broker: broker, topic: topic ?? envTopic ?? "sensor/CNC", qos: Int32(qos),
            clientID: "cnc-emulator-\(getpid())",
            tls: broker.useTLS || caFile != nil ? MQTTClient.TLS(caFile: caFile) : nil,
            lines: try EmulatorService.readLines(paths: paths), rate: rate, count: count, loop: loop,
            generator: .init(machines: machines, invalidShare: invalidShare, freshTimestamps: machines > 0 || loop || count != nil, seed: seed)
        )
        configuration.maxInFlight = maxInFlight
        try await StageRunner.run(EmulatorService(configuration: configuration, logger: logger), logger: logger, finishes: true)
    }

    static func defaultSampleFiles() throws -> [String] {
        let directory = "sample_data"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter { $0.hasSuffix(".json") }.sorted() ?? []
        guard !names.isEmpty else { throw ValidationError("no sample_data/*.json here; run from the repository root or pass --file") }
        return names.map { "\(directory)/\($0)" }
    }
}
