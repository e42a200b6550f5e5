import MachineTypes
import MessageSources
import StageRuntime
import SystemCalls
import TestSupport
import Testing

@testable import CNCPlugins
@testable import CollectorCore
@testable import Emulator
@testable import Ingest
@testable import Router

/// What the pipeline makes of one generated message, judged with the validator, the repository's
/// type map and the plugins.
private enum Verdict: Equatable {
    case stored(type: String)
    case rejectedByValidator(String)
    case unknownMachine(String)
    case rejectedByPlugin(String)
}

/// Judged as the original envelope by default, or by `reader` as published on `topic`.
private func verdict(_ raw: [UInt8], map: CNCTypeMap, reader: SourceReader? = nil, topic: String = "sensor/CNC") throws -> Verdict {
    let fields: ValidatedFields
    switch reader?.read(raw, topic: topic) ?? MessageValidator().validate(raw) {
    case .failure(let failure): return .rejectedByValidator(failure.reason)
    case .success(let value): fields = value
    }
    guard let type = map.type(of: fields.cncID) else { return .unknownMachine(fields.cncID) }
    let plugin = try #require(Fixtures.shippedTypes.mapper(named: type))
    let receivedAt: Int64 = 1_747_379_099_000_000
    let message = CNCMessage(
        id: MessageID(high: 7, low: 1), topic: topic, raw: raw, accepted: fields, receivedAt: receivedAt, firstReceivedAt: receivedAt)
    switch plugin.outcome(of: message, typeName: type, maxPayloadDepth: 16) {
    case .stored(let record):
        #expect(record.cncType == type)
        return .stored(type: type)
    case .rejected(let rejection):
        #expect(rejection.stage == .worker)
        return .rejectedByPlugin(rejection.reason)
    case .unavailable(let reason):
        Issue.record("\(type) is unavailable: \(reason)")
        return .rejectedByPlugin(reason)
    }
}

private func deployMap() throws -> CNCTypeMap {
    try CNCTypeMap(json: Fixtures.repositoryFile("deploy/cnc_types.json"), knownTypes: Fixtures.shippedTypes.typeNames)
}

/// The topic the emulator publishes a plant's messages on (`--topic bench/plant/{cnc_id}/data --flat`).
private let plantTopic = "bench/plant/{cnc_id}/data"

/// What ingest reads such messages with: the source docs/sources.md and scripts/bench.py describe.
private func plantReader() throws -> SourceReader {
    let source = try MessageSource.parse(yaml: "name: plant\ntopic: bench/plant/{cnc_id}/data\npayload: rest\n", file: "plant.yaml")
    return SourceReader(SourceCatalog(sources: [source]), limits: ValidationLimits())
}

private func field(_ name: String, of raw: [UInt8]) throws -> JSONValue? {
    guard case .object(let object) = try JSONParser.parse(raw) else { return nil }
    return object[name]
}

@Suite("MessageGenerator")
struct MessageGeneratorTests {
    @Test("by default the sample lines come out unchanged, in order, round and round")
    func defaultMode() throws {
        var generator = try MessageGenerator(lines: Fixtures.sampleBytes, options: .init())
        for index in 0..<9 {
            #expect(generator.next() == Fixtures.sampleBytes[index % 3])
        }
        #expect(generator.invalidCount == 0)
    }

    @Test("lines with a trailing CR (as the seed file has) also come out unchanged")
    func crLinesUnchanged() throws {
        let lines = Fixtures.sampleBytes.map { $0 + [0x0D] }
        var generator = try MessageGenerator(lines: lines, options: .init())
        #expect(generator.next() == lines[0])
        #expect(generator.next() == lines[1])
    }

    @Test("no sample lines is an error")
    func noLines() {
        #expect(throws: SettingError.self) { try MessageGenerator(lines: [], options: .init()) }
    }

    @Test("a line that is not a JSON object is published as it is, even when varying the others")
    func nonObjectLines() throws {
        let lines = [Fixtures.sampleBytes[0], Array("not json".utf8), Array("[1,2]".utf8)]
        var plain = try MessageGenerator(lines: lines, options: .init())
        let plainOutput = (0..<3).map { _ in plain.next() }
        #expect(plainOutput == lines)
        var varied = try MessageGenerator(lines: lines, options: .init(machines: 3))
        let variedOutput = (0..<6).map { _ in varied.next() }
        #expect(variedOutput[1] == lines[1] && variedOutput[2] == lines[2])
        #expect(variedOutput[4] == lines[1] && variedOutput[5] == lines[2])
        #expect(try MessageValidator().validate(variedOutput[3]).get().cncID == "CNC001")
    }

    @Test("invalid messages need at least one line that is a JSON object")
    func invalidNeedsAnObject() throws {
        #expect(throws: SettingError.self) {
            try MessageGenerator(lines: [Array("not json".utf8)], options: .init(invalidShare: 0.5))
        }
        // One object among other lines is enough, and the invalid ones are made from it.
        var generator = try MessageGenerator(lines: [Array("x".utf8), Fixtures.sampleBytes[1]], options: .init(invalidShare: 1))
        let map = try deployMap()
        for _ in 0..<14 {
            if case .stored = try verdict(generator.next(), map: map) { Issue.record("valid message made") }
        }
        #expect(generator.invalidCount == 14)
    }

    @Test("machine ids", arguments: [(1, "CNC001"), (9, "CNC009"), (42, "CNC042"), (100, "CNC100"), (1000, "CNC1000")])
    func machineIDs(_ number: Int, _ id: String) {
        #expect(MessageGenerator.machineID(number) == id)
    }

    @Test("--machines spreads messages over CNC001... in turn; each passes validation and its plugin", arguments: [1, 2, 5, 20])
    func machines(_ count: Int) throws {
        let map = try deployMap()
        var generator = try MessageGenerator(lines: Fixtures.sampleBytes, options: .init(machines: count, seed: 3))
        for index in 0..<(3 * count + 7) {
            let raw = generator.next()
            let fields = try MessageValidator().validate(raw).get()
            #expect(fields.cncID == MessageGenerator.machineID(index % count + 1))
            // The part program comes from the sample line in turn.
            #expect(fields.partProgram == "program_0\(index % 3 + 1)")
            #expect(try verdict(raw, map: map) == .stored(type: try #require(map.type(of: fields.cncID))))
            // The payload keeps the sample's variables.
            let payload = try #require(try field("payload", of: raw))
            guard case .object(let object) = payload else {
                Issue.record("payload not an object")
                continue
            }
            #expect(object.keys == ["status", "spin", "X-Axis", "Y-Axis"])
        }
        #expect(generator.invalidCount == 0)
    }

    @Test("varied messages carry a fresh timestamp")
    func freshTimestamps() throws {
        let before = WallClock.nowMicroseconds()
        var generator = try MessageGenerator(lines: Fixtures.sampleBytes, options: .init(freshTimestamps: true))
        let fields = try MessageValidator().validate(generator.next()).get()
        let after = WallClock.nowMicroseconds()
        // Not a timing assertion: the timestamp must lie between two clock readings around the call
        // (allowing for the rounding of its decimal text form).
        let timestamp = try #require(fields.timestamp)
        #expect(timestamp >= before - 1_000 && timestamp <= after + 1_000)
        #expect(fields.cncID == "CNC001")
    }

    @Test("invalidShare 0.25 makes exactly every fourth message invalid, each kind in turn")
    func quarterInvalid() throws {
        let map = try deployMap()
        var generator = try MessageGenerator(lines: Fixtures.sampleBytes, options: .init(invalidShare: 0.25))
        var validatorReasons: [String] = []
        var unknown = 0, refused = 0
        let kinds = MessageGenerator.Invalid.allCases.count
        for index in 0..<(4 * kinds * 2) {
            let raw = generator.next()
            let result = try verdict(raw, map: map)
            if index % 4 == 3 {
                switch result {
                case .stored: Issue.record("message \(index) should be invalid but is stored")
                case .rejectedByValidator(let reason): validatorReasons.append(reason)
                case .unknownMachine(let id):
                    unknown += 1
                    #expect(CNCIdentifier.isValid(id))
                case .rejectedByPlugin(let reason):
                    refused += 1
                    #expect(reason.hasSuffix(#"variable "spin" must be a number, not string"#), "\(reason)")
                }
            } else {
                guard case .stored = result else {
                    Issue.record("message \(index) should be valid: \(result)")
                    continue
                }
            }
        }
        #expect(generator.invalidCount == 2 * kinds)
        // Two rounds of the 7 kinds: 5 the validator refuses, one unknown machine, one plugin refusal.
        #expect(validatorReasons.count == 10)
        #expect(unknown == 2)
        #expect(refused == 2)
        #expect(validatorReasons.contains("not a JSON object"))
        #expect(validatorReasons.contains(#"missing field "payload""#))
        #expect(validatorReasons.contains(#"field "timestamp" must be a string or a number, not boolean"#))
        #expect(validatorReasons.contains { $0.hasPrefix("invalid UTF-8 at byte ") })
        #expect(
            validatorReasons.contains { $0.hasPrefix("invalid JSON: unexpected end of input") || $0.hasPrefix("invalid JSON: unterminated string") })
    }

    @Test("with machines and invalid messages, every message is accounted for", arguments: [0.1, 0.25, 0.5, 1.0])
    func mixed(_ share: Double) throws {
        let map = try deployMap()
        var generator = try MessageGenerator(lines: Fixtures.sampleBytes, options: .init(machines: 20, invalidShare: share, seed: 11))
        var invalid = 0
        let total = 280
        for _ in 0..<total {
            switch try verdict(generator.next(), map: map) {
            case .stored: break
            default: invalid += 1
            }
        }
        #expect(invalid == generator.invalidCount)
        // The share is kept by accumulating it, so floating-point rounding may cost one message.
        #expect(abs(Double(invalid) - Double(total) * share) <= 1, "\(invalid) invalid of \(total)")
    }

    @Test("invalidShare 0 never makes an invalid message")
    func noInvalid() throws {
        let map = try deployMap()
        var generator = try MessageGenerator(lines: Fixtures.sampleBytes, options: .init(machines: 4, invalidShare: 0))
        for _ in 0..<50 {
            guard case .stored = try verdict(generator.next(), map: map) else {
                Issue.record("invalid message made")
                continue
            }
        }
        #expect(generator.invalidCount == 0)
    }

    @Test("with {cnc_id} in the topic each message goes to its machine's topic; without it, every message to the one topic")
    func topicPerMachine() throws {
        let topic = try PublishTopic(plantTopic)
        #expect(topic.perMachine)
        var generator = try MessageGenerator(lines: Fixtures.sampleBytes, options: .init(machines: 5))
        for index in 0..<12 {
            let message = generator.nextMessage()
            let id = MessageGenerator.machineID(index % 5 + 1)
            #expect(message.cncID == id)
            #expect(try MessageValidator().validate(message.bytes).get().cncID == id)
            #expect(topic.topic(for: message.cncID) == "bench/plant/\(id)/data")
        }
        // Unvaried, each line names its own machine.
        var plain = try MessageGenerator(lines: Fixtures.sampleBytes, options: .init())
        #expect(
            (0..<3).map { _ in plain.nextMessage() }
                == zip(["CNC001", "CNC002", "CNC001"], Fixtures.sampleBytes).map { MessageGenerator.Message(cncID: $0, bytes: $1) })
        let one = try PublishTopic("sensor/CNC")
        #expect(!one.perMachine)
        #expect(one.topic(for: "CNC001") == "sensor/CNC")
        #expect(try PublishTopic("{cnc_id}").topic(for: "CNC009") == "CNC009")
        #expect(try PublishTopic("plant/m{cnc_id}-x").topic(for: "CNC009") == "plant/mCNC009-x")
    }

    @Test("--flat needs {cnc_id} in the topic; a topic holds it at most once")
    func flatNeedsTheMachineInTheTopic() throws {
        #expect(throws: SettingError.self) { try PublishTopic("sensor/CNC", flat: true) }
        #expect(throws: SettingError.self) { try PublishTopic("plant/{cnc_id}/{cnc_id}") }
        #expect(throws: Never.self) { try PublishTopic("plant/{cnc_id}/data", flat: true) }
        do {
            _ = try PublishTopic("sensor/CNC", flat: true)
        } catch {
            #expect(error.reason.hasPrefix("--flat needs {cnc_id} in the topic"), "\(error)")
        }
    }

    @Test("--flat: the payload's variables beside part_program and timestamp, no cnc_id; the plant's source reads each", arguments: [1, 3, 20])
    func flat(_ machines: Int) throws {
        let map = try deployMap()
        let reader = try plantReader()
        let topic = try PublishTopic(plantTopic, flat: true)
        let before = WallClock.nowMicroseconds()
        var generator = try MessageGenerator(lines: Fixtures.sampleBytes, options: .init(machines: machines, seed: 5, flat: true))
        for index in 0..<(3 * machines + 7) {
            let message = generator.nextMessage()
            let id = MessageGenerator.machineID(index % machines + 1)
            #expect(message.cncID == id)
            guard case .object(let object) = try JSONParser.parse(message.bytes) else {
                Issue.record("not an object")
                continue
            }
            #expect(object.keys == ["part_program", "timestamp", "status", "spin", "X-Axis", "Y-Axis"])
            let fields = try reader.read(message.bytes, topic: topic.topic(for: message.cncID)).get()
            #expect(fields.cncID == id)
            #expect(fields.partProgram == "program_0\(index % 3 + 1)")
            #expect(try #require(fields.timestamp) >= before - 1_000)
            // The envelope's own check refuses it: the machine is only in the topic.
            #expect(throws: ValidationFailure.self) { try MessageValidator().validate(message.bytes).get() }
            let verdict = try verdict(message.bytes, map: map, reader: reader, topic: topic.topic(for: message.cncID))
            #expect(verdict == .stored(type: try #require(map.type(of: id))))
        }
        #expect(generator.invalidCount == 0)
    }

    @Test("--flat with no variation flattens the lines once; a line that is not an object stays as it is")
    func flatUnvaried() throws {
        let lines = Fixtures.sampleBytes + [Array("not json".utf8)]
        var generator = try MessageGenerator(lines: lines, options: .init(flat: true))
        let messages = (0..<8).map { _ in generator.nextMessage() }
        #expect(messages.map(\.cncID) == ["CNC001", "CNC002", "CNC001", "", "CNC001", "CNC002", "CNC001", ""])
        #expect(
            String(decoding: messages[0].bytes, as: UTF8.self)
                == #"{"part_program":"program_01","timestamp":"1747379028","status":"running","spin":200,"X-Axis":30,"Y-Axis":80}"#)
        #expect(messages[3].bytes == lines[3])
        #expect(messages[4] == messages[0])
        // With machines, such a line goes to the topic of the machine whose turn it is.
        var varied = try MessageGenerator(lines: lines, options: .init(machines: 2, flat: true))
        #expect((0..<4).map { _ in varied.nextMessage().cncID } == ["CNC001", "CNC002", "CNC001", "CNC002"])
    }

    @Test("the payload's members take its place; one named as a member of the envelope is left out")
    func flattened() throws {
        guard
            case .object(let envelope) = try JSONParser.parse(
                Array(#"{"cnc_id":"CNC001","part_program":null,"timestamp":5,"payload":{"a":1,"timestamp":2,"cnc_id":"X"},"site":"h1"}"#.utf8))
        else {
            Issue.record("not an object")
            return
        }
        #expect(JSONValue.object(MessageGenerator.flattened(envelope)).serialized() == #"{"part_program":null,"timestamp":5,"a":1,"site":"h1"}"#)
    }

    @Test("--flat with invalidShare 0.25: each kind of invalid message flat, judged by the plant's source")
    func flatInvalid() throws {
        let map = try deployMap()
        let reader = try plantReader()
        let topic = try PublishTopic(plantTopic, flat: true)
        var generator = try MessageGenerator(lines: Fixtures.sampleBytes, options: .init(machines: 20, invalidShare: 0.25, flat: true))
        var validatorReasons: [String] = []
        var unknown: [String] = []
        var refused = 0
        let kinds = MessageGenerator.Invalid.allCases.count
        for index in 0..<(4 * kinds * 2) {
            let message = generator.nextMessage()
            let published = topic.topic(for: message.cncID)
            let result = try verdict(message.bytes, map: map, reader: reader, topic: published)
            if index % 4 == 3 {
                switch result {
                case .stored: Issue.record("message \(index) should be invalid but is stored")
                case .rejectedByValidator(let reason): validatorReasons.append(reason)
                case .unknownMachine(let id):
                    unknown.append(id)
                    #expect(published == "bench/plant/\(id)/data")
                case .rejectedByPlugin(let reason):
                    refused += 1
                    #expect(reason.contains(#""spin""#), "\(reason)")
                }
            } else {
                guard case .stored = result else {
                    Issue.record("message \(index) should be valid: \(result)")
                    continue
                }
            }
            // Every message, valid or not, carries no cnc_id of its own.
            if case .object(let object)? = try? JSONParser.parse(message.bytes) { #expect(object["cnc_id"] == nil) }
        }
        #expect(generator.invalidCount == 2 * kinds)
        #expect(validatorReasons.count == 10)
        #expect(unknown.count == 2 && unknown.allSatisfy { $0.hasPrefix("UNKNOWN") })
        #expect(refused == 2)
        #expect(validatorReasons.contains("not a JSON object"))
        #expect(validatorReasons.contains(#"missing field "timestamp""#))
        #expect(validatorReasons.contains { $0.hasPrefix(#"field "timestamp""#) })
        #expect(validatorReasons.contains { $0.hasPrefix("invalid UTF-8 at byte ") })
        #expect(
            validatorReasons.contains { $0.hasPrefix("invalid JSON: unexpected end of input") || $0.hasPrefix("invalid JSON: unterminated string") })
    }
}
