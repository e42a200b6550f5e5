import Foundation
import TestSupport
import Testing

@testable import CNCPlugins
@testable import CollectorCore

/// Mutated messages through the validator and, when accepted, through both plugins as a worker
/// runs them. `CNC_FUZZ_INPUTS` sets the number of inputs (default 50 000, about 15 s in a debug
/// build) and `CNC_FUZZ_SEED` the seed (default 1); `scripts/fuzz.sh` runs a million or more in
/// a release build.
@Suite("MessageValidator fuzz")
struct ValidatorFuzzTests {
    static let defaultInputs = 50_000

    /// Valid messages the mutations start from: the seed's samples and the shapes the plugins know.
    static let seeds: [[UInt8]] =
        Fixtures.sampleBytes
        + [
            #"{"cnc_id":"CNC002","part_program":"turn_7","timestamp":1747379030.5,"payload":{"status":"ALARM","spin":0,"X-Axis":-12.5,"#
                + #""Y-Axis":3,"Z-Axis":-800,"feed":0,"alarm":"E042","coolant":true}}"#,
            #"{"cnc_id":"CNC003","part_program":"mill_é😀","timestamp":"1747379028.123456","payload":{"status":"setup","spin":24000,"#
                + #""X-Axis":1000,"Y-Axis":-1000,"Z-Axis":600,"feed":20000}}"#,
            #"{"payload":{"status":"RUN","spin":900,"X-Axis":10,"Y-Axis":0},"site":"plant-7","meta":{"a":[1,2.5,{"b":null}]},"timestamp":"0","#
                + #""part_program":"","cnc_id":"Line-1.cell_2:CNC9"}"#,
            #"{"cnc_id":"CNC004","part_program":"Progr\u00e4mm \"7\"","timestamp":"253402300799","payload":{"status":"maintenance","spin":0,"#
                + #""X-Axis":0,"Y-Axis":0,"alarm":""}}"#,
        ].map { Array($0.utf8) }

    @Test("mutated messages: no crash, a reason for every rejection, accepted ones consistent through both plugins")
    func fuzz() {
        let environment = ProcessInfo.processInfo.environment
        let count = environment["CNC_FUZZ_INPUTS"].flatMap { UInt64($0) } ?? UInt64(Self.defaultInputs)
        let seed = environment["CNC_FUZZ_SEED"].flatMap { UInt64($0) } ?? 1
        let mutator = MessageMutator(seeds: Self.seeds)
        let validator = MessageValidator()
        // The same messages read as flat ones, whose payload is the object less the fields read.
        let flat = MessageValidator(
            layout: MessageLayout(
                cncID: .member("cnc_id"), time: .at(.member("timestamp"), .auto), partProgram: .member("part_program"), payload: .rest))
        let plugins = PluginRegistry.builtIn.map { (name: $0.typeName, plugin: $0.init() as any CNCPlugin) }
        var summary = FuzzSummary()
        var problems = 0
        let start = Self.nanoseconds()
        for index in 0..<count {
            let (raw, mutations) = mutator.input(index, seed: seed)
            let before = Self.nanoseconds()
            let problem = Self.check(raw, validator: validator, plugins: plugins, summary: &summary) ?? Self.checkFlat(raw, validator: flat)
            summary.record(input: index, size: raw.count, mutations: mutations, nanoseconds: Self.nanoseconds() - before)
            if let problem {
                problems += 1
                // The first few are enough to act on; each names its input so it can be made again.
                if problems <= 20 {
                    Issue.record(
                        "input \(index) of seed \(seed) (\(mutations.map(\.rawValue).joined(separator: "+"))): \(problem)\n\(Self.excerpt(raw))")
                }
            }
        }
        let seconds = Double(Self.nanoseconds() - start) / 1e9
        print(summary.report(seconds: seconds, seed: seed))
        #expect(problems == 0, "\(problems) of \(count) inputs broke a rule")
        #expect(summary.inputs == Int(count))
    }

    /// Checks one input read as a flat message; returns the rule it broke, if any.
    static func checkFlat(_ raw: [UInt8], validator: MessageValidator) -> String? {
        guard case .success(let fields) = validator.validate(raw, topic: "plant/CNC") else { return nil }
        guard case .object(var document)? = try? JSONParser.parse(raw, maxDepth: 64) else { return "flat: accepted a document the parser refuses" }
        for name in ["cnc_id", "timestamp", "part_program"] { document.remove(name) }
        let payload = fields.builtPayload ?? Array(raw[fields.payloadRange])
        guard case .object(let variables)? = try? JSONParser.parse(payload, maxDepth: 64), variables == document else {
            return "flat: the payload is not the message less the fields read: \(String(decoding: payload.prefix(200), as: UTF8.self))"
        }
        return nil
    }

    /// Checks one input; returns the rule it broke, if any.
    static func check(_ raw: [UInt8], validator: MessageValidator, plugins: [(name: String, plugin: any CNCPlugin)], summary: inout FuzzSummary)
        -> String?
    {
        let limits = validator.limits
        // A second reading of the whole document by the generic parser, for comparison.
        let document = raw.count <= limits.maxMessageBytes ? try? JSONParser.parse(raw, maxDepth: limits.maxDepth) : nil
        let fields: ValidatedFields
        switch validator.validate(raw) {
        case .failure(let failure):
            summary.reject(failure.reason)
            if failure.reason.isEmpty { return "rejected without a reason" }
            if !failure.cncID.isEmpty && !CNCIdentifier.isValid(failure.cncID) { return "the rejection names an invalid cnc_id \"\(failure.cncID)\"" }
            let syntax = ["invalid UTF-8", "invalid JSON", "not a JSON object"].contains { failure.reason.hasPrefix($0) }
            if syntax, case .object? = document { return "rejected (\(failure.reason)) though the document is a valid JSON object" }
            return nil
        case .success(let accepted):
            summary.accepted += 1
            fields = accepted
        }
        guard raw.count <= limits.maxMessageBytes else { return "accepted \(raw.count) bytes, over the limit" }
        guard case .object(let object)? = document else { return "accepted a document the parser refuses" }
        guard object["cnc_id"] == .string(fields.cncID), (object["part_program"] ?? .null) == (fields.partProgram.map(JSONValue.string) ?? .null),
            object["timestamp"] != nil
        else {
            return "the fields differ from the document's: \(fields)"
        }
        guard CNCIdentifier.isValid(fields.cncID, maxLength: limits.maxCNCIDLength),
            (fields.partProgram?.utf8.count ?? 0) <= limits.maxPartProgramLength, let timestamp = fields.timestamp,
            (MessageTime.earliest...MessageTime.latest).contains(timestamp)
        else {
            return "accepted fields outside the contract: \(fields)"
        }
        let range = fields.payloadRange
        guard range.lowerBound >= 0, range.upperBound <= raw.count, range.count >= 2,
            raw[range.lowerBound] == UInt8(ascii: "{"), raw[range.upperBound - 1] == UInt8(ascii: "}")
        else {
            return "payload range \(range) is not an object inside the \(raw.count)-byte message"
        }
        guard case .object(let payload)? = object["payload"], (try? JSONParser.parse(Array(raw[range]))) == .object(payload) else {
            return "the bytes in the payload range are not the document's payload"
        }
        let message = CNCMessage(id: MessageID(high: 1, low: 1), topic: "sensor/CNC", raw: raw, accepted: fields, receivedAt: 0, firstReceivedAt: 0)
        for (name, plugin) in plugins {
            switch plugin.outcome(of: message, typeName: name, maxPayloadDepth: limits.maxDepth) {
            case .stored(let record):
                summary.stored[name, default: 0] += 1
                guard record.message == message, record.cncType == name else { return "\(name) stored a different message" }
                let numbers = [
                    record.state.spindleSpeedRPM, record.state.feedRateMMPerMinute, record.state.axisXMillimetres,
                    record.state.axisYMillimetres, record.state.axisZMillimetres,
                ].compactMap { $0 }
                if !numbers.allSatisfy(\.isFinite) { return "\(name) stored a number that is not finite: \(record.state)" }
            case .unavailable(let reason):
                return "\(name), a type in this process, said it is unavailable: \(reason)"
            case .rejected(let rejection):
                summary.refused[name, default: 0] += 1
                guard rejection.reason.hasPrefix("\(name): "), rejection.reason.count > name.count + 2 else {
                    return "\(name) refused without a reason: \"\(rejection.reason)\""
                }
                if rejection.reason.hasPrefix("\(name): payload: ") {
                    return "\(name) could not parse a payload the validator accepted: \(rejection.reason)"
                }
                guard rejection.raw == raw, rejection.cncID == fields.cncID, rejection.stage == .worker else {
                    return "\(name) refused with a rejection that lost the message: \(rejection)"
                }
            }
        }
        return nil
    }

    private static func nanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// The start of an input, printable: ASCII as it is, every other byte as \xNN.
    private static func excerpt(_ raw: [UInt8]) -> String {
        let shown = raw.prefix(400).map { byte in
            (0x20..<0x7F).contains(byte) && byte != UInt8(ascii: "\\") ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
        }.joined()
        return raw.count > 400 ? shown + "… (\(raw.count) bytes)" : shown
    }
}
