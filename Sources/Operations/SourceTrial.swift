import CollectorCore
import Foundation
import MachineTypes
import MessageSources
import SystemCalls

/// `mesctl try-source`: samples of what a plant publishes, each a topic and the bytes, through
/// the sources, the type map and the machine types, with no broker and no database: what
/// ingest would refuse, and for the rest what ingest reads (machine, time, program, tags,
/// variables) and the row the machine's type would store.
public struct SourceTrial {
    let reader: SourceReader
    let map: CNCTypeMap
    /// One trial a type of the map, made once: an external program starts once, not for each sample.
    let trials: [String: TypeTrial]

    /// Fails when a type of the map is none of `types`.
    public init(sources: SourceCatalog, map: CNCTypeMap, types: MachineTypeCatalog) throws {
        self.reader = SourceReader(sources, limits: ValidationLimits())
        self.map = map
        var trials: [String: TypeTrial] = [:]
        for type in map.types { trials[type] = try TypeTrial(type: type, catalog: types) }
        self.trials = trials
    }

    /// What becomes of a message published on `topic`: lines of text, and whether a row is stored.
    public func outcome(topic: String, raw: [UInt8]) -> (stored: Bool, lines: [String]) {
        if let index = reader.catalog.source(for: topic), reader.catalog.sources[index].sparkplug != nil {
            let name = reader.catalog.sources[index].name
            return (false, ["source \(name) is a Sparkplug B source: its messages are protobuf, which try-source does not read (docs/sparkplug.md)"])
        }
        let fields: ValidatedFields
        switch reader.read(raw, topic: topic) {
        case .failure(let failure): return (false, ["refused by ingest: \(failure.reason)"])
        case .success(let accepted): fields = accepted
        }
        let source = reader.catalog.sources[reader.catalog.source(for: topic)!]
        let now = WallClock.nowMicroseconds()
        let message = CNCMessage(
            id: MessageID(topic: topic, content: raw), topic: topic, raw: raw, accepted: fields, receivedAt: now, firstReceivedAt: now)
        let time = Self.rfc3339(message.timestamp) + (message.timestampIsReceiveTime ? " (received)" : "")
        let tags = message.tags.isEmpty ? "" : ", tags " + message.tags.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
        let read =
            "source \(source.name): \(message.cncID) at \(time), program \(message.partProgram.map { "\"\($0)\"" } ?? "none")\(tags), "
            + "payload \(String(decoding: message.payloadJSON, as: UTF8.self))"
        guard let typeName = map.type(of: message.cncID), let trial = trials[typeName] else {
            return (false, [read, "refused by the router: \(message.cncID) is not in the type map"])
        }
        let outcome = trial.outcome(of: message)
        return (outcome.stored, [read, "\(typeName): \(outcome.text)"])
    }

    /// ingest's cost of reading these samples: each read `rounds` times over as ingest reads a
    /// message (its identity, its source's fields, the message handed on). Returns how many
    /// were read and this process's CPU seconds.
    public func measureReading(_ samples: [(topic: String, raw: [UInt8])], rounds: Int) -> (messages: Int, cpuSeconds: Double) {
        let start = TypeTrial.processCPUNanoseconds()
        var accepted = 0
        for _ in 0..<rounds {
            for sample in samples {
                let id = MessageID(topic: sample.topic, content: sample.raw)
                if case .success(let fields) = reader.read(sample.raw, topic: sample.topic) {
                    let message = CNCMessage(id: id, topic: sample.topic, raw: sample.raw, accepted: fields, receivedAt: 0, firstReceivedAt: 0)
                    accepted += message.raw.count > 0 ? 1 : 0
                }
            }
        }
        precondition(accepted >= 0)
        return (samples.count * rounds, Double(TypeTrial.processCPUNanoseconds() - start) / 1e9)
    }

    /// A time as RFC 3339 in UTC, to the microsecond.
    static func rfc3339(_ microseconds: Int64) -> String {
        var seconds = time_t(microseconds.quotientAndRemainder(dividingBy: 1_000_000).quotient)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let fraction = microseconds % 1_000_000
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d%@Z", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min,
            parts.tm_sec, fraction == 0 ? "" : String(format: ".%06lld", fraction))
    }
}
