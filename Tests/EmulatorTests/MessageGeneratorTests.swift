import MachineTypes
import StageRuntime
import TestSupport
import Testing

@testable import CNCPlugins
@testable import CollectorCore
@testable import Emulator
@testable import Ingest
@testable import Router
@testable import Worker

/// What the pipeline makes of one generated message, judged with the validator, the repository's
/// type map and the plugins.
private enum Verdict: Equatable {
    case stored(type: String)
    case rejectedByValidator(String)
    case unknownMachine(String)
    case rejectedByPlugin(String)
}

private func verdict(_ raw: [UInt8], map: CNCTypeMap) throws -> Verdict {
    let fields: ValidatedFields
    switch MessageValidator().validate(raw) {
    case .failure(let failure): return .rejectedByValidator(failure.reason)
    case .success(let value): fields = value
    }
    guard let type = map.type(of: fields.cncID) else { return .unknownMachine(fields.cncID) }
    let plugin = try #require(Fixtures.shippedTypes.mapper(named: type))
    let message = try Fixtures.cncMessage(raw)
    switch WorkerLoop.process(message, plugin: plugin, typeName: type, maxPayloadDepth: 16) {
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
}
