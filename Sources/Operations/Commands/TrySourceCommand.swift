import ArgumentParser
import DescriptionFiles
import Foundation
import MachineTypes
import MessageSources
import StageRuntime

/// `mesctl try-source FILE`: samples of what a plant publishes, read as the sources say, end to end.
public struct TrySourceCommand: ParsableCommand {
    /// The subcommand's name and help.
    public static let configuration = CommandConfiguration(
        commandName: "try-source",
        abstract: "Run samples of (topic, message) through the message sources, the type map and the machine types, "
            + "and print what each would store, with no broker and no database.",
        discussion: """
            FILE holds one sample a line: the topic, one space or tab, then the message as it is published. \
            The sources are MES_SOURCES_DIR's (or the original envelope on MQTT_TOPIC), or the description files given with --source.
            """
    )

    @Argument(help: "Samples: TOPIC MESSAGE, one a line")
    var file: String
    @Option(name: .customLong("source"), help: "A source description (*.yaml) to try instead of MES_SOURCES_DIR's; may be repeated")
    var sourceFiles: [String] = []
    @Option(name: SourceSettings.directory.name, help: SourceSettings.directory.help)
    var sourcesDir: String?
    @Option(name: BrokerSettings.topic.name, help: BrokerSettings.topic.help)
    var topic: String?
    @Option(name: MachineTypeSettings.cncTypes.name, help: MachineTypeSettings.cncTypes.help)
    var cncTypes: String?
    @Option(name: MachineTypeSettings.directory.name, help: MachineTypeSettings.directory.help)
    var typesDir: String?
    @Option(help: "Instead of the rows: read the samples this many times over as ingest does and print its CPU time per message")
    var rounds: Int?

    /// Empty: ArgumentParser fills in the options as it parses the command line.
    public init() {}

    /// Prints for each sample line (blank lines skipped) what ingest reads and what its type would store, then the counts; with
    /// `--rounds`, ingest's CPU time per message instead. Throws when a source, the type map or the file cannot be read.
    public func run() throws {
        let sources: SourceCatalog
        if sourceFiles.isEmpty {
            let (catalog, errors) = SourceCatalog.load(
                directory: try SourceSettings.directory.value(sourcesDir), defaultTopic: try BrokerSettings.topic.required(topic))
            guard errors.isEmpty else { throw ValidationError(errors.map(\.description).joined(separator: "\n")) }
            sources = catalog
        } else {
            sources = SourceCatalog(sources: try sourceFiles.map { (file) throws(DescriptionError) in try MessageSource.read(file: file) })
        }
        let (types, _) = MachineTypeCatalog.load(
            directory: try MachineTypeSettings.directory.required(typesDir), strictModes: try MachineTypeSettings.configuredStrictModes())
        let map = try CNCTypeMap.load(path: try MachineTypeSettings.cncTypes.required(cncTypes), catalog: types)
        let trial = try SourceTrial(sources: sources, map: map, types: types)
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
        var samples: [(line: Int, topic: String, raw: [UInt8])] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            var bytes = Array(line)
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            guard !bytes.isEmpty else { continue }
            let split = bytes.firstIndex { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") } ?? bytes.endIndex
            samples.append((index + 1, String(decoding: bytes[..<split], as: UTF8.self), split < bytes.endIndex ? Array(bytes[(split + 1)...]) : []))
        }
        if let rounds {
            _ = trial.measureReading(samples.map { ($0.topic, $0.raw) }, rounds: 1)
            let cost = trial.measureReading(samples.map { ($0.topic, $0.raw) }, rounds: max(1, rounds))
            print(String(format: "read %d messages: %.3f µs of CPU a message", cost.messages, cost.cpuSeconds / Double(max(1, cost.messages)) * 1e6))
            return
        }
        var stored = 0, refused = 0
        for sample in samples {
            let outcome = trial.outcome(topic: sample.topic, raw: sample.raw)
            print("\(sample.line)  " + outcome.lines.joined(separator: "\n   "))
            if outcome.stored { stored += 1 } else { refused += 1 }
        }
        print("\(stored) stored, \(refused) refused")
    }
}
