import CollectorCore
import Foundation
import Testing

@testable import Sparkplug

/// Damaged Sparkplug messages through the host, as ingest feeds it: valid births, DATA and
/// deaths whose bytes are flipped, cut, spliced and repeated, on topics that lose or gain levels,
/// out of sequence, with time passing. `CNC_FUZZ_INPUTS` sets the number of inputs (default
/// 50 000) and `CNC_FUZZ_SEED` the seed (default 1), as for the JSON validator's fuzz test.
@Suite("Sparkplug fuzz")
struct SparkplugFuzzTests {
    typealias F = SparkplugFixtures

    static let topics = [
        "spBv1.0/plant1/NBIRTH/lineA", "spBv1.0/plant1/DBIRTH/lineA/CNC101", "spBv1.0/plant1/DDATA/lineA/CNC101",
        "spBv1.0/plant1/NDATA/lineA", "spBv1.0/plant1/DDEATH/lineA/CNC101", "spBv1.0/plant1/NDEATH/lineA",
    ]

    static var seeds: [[UInt8]] {
        var dataSet = SparkplugB_Payload.DataSet()
        dataSet.columns = ["a"]
        dataSet.types = [SparkplugDataType.int8.rawValue]
        var template = SparkplugB_Payload.Template()
        template.metrics = [F.metric("inner", datatype: .int16, .intValue(3))]
        return [
            F.nodeBirth(), F.deviceBirth(seq: 1), F.deviceData(seq: 2), F.nodeDeath(bdSeq: 1),
            F.payload(
                seq: 3,
                [
                    F.metric("arr", datatype: .int32Array, .bytesValue(Data([1, 0, 0, 0, 255, 255, 255, 255]))),
                    F.metric("bools", datatype: .booleanArray, .bytesValue(Data([2, 0, 0, 0, 0x80]))),
                    F.metric("strings", datatype: .stringArray, .bytesValue(Data("x\u{0}".utf8))),
                    F.metric("set", datatype: .dataSet, .datasetValue(dataSet)),
                    F.metric("tpl", datatype: .template, .templateValue(template)),
                    F.metric(nil, alias: 10, .floatValue(.nan)),
                ]),
        ]
    }

    /// One damaged input: a seed, changed a few times.
    static func mutate(_ seed: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            switch Int.random(in: 0..<7, using: &random) {
            case 0 where !bytes.isEmpty: bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
            case 1 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = [0, 0x7F, 0x80, 0xFF].randomElement(using: &random)!
            case 2: bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
            case 3 where !bytes.isEmpty:
                let start = Int.random(in: 0..<bytes.count, using: &random)
                bytes.insert(contentsOf: bytes[start..<min(bytes.count, start + 16)], at: Int.random(in: 0...bytes.count, using: &random))
            case 4: bytes += seeds.randomElement(using: &random)!
            case 5: bytes.insert(contentsOf: [0x12, 0xFF, 0xFF, 0x03], at: Int.random(in: 0...bytes.count, using: &random))
            default: bytes.insert(UInt8.random(in: 0...255, using: &random), at: Int.random(in: 0...bytes.count, using: &random))
            }
        }
        return bytes
    }

    static func mutateTopic(_ topic: String, _ random: inout SplitMix64) -> String {
        switch Int.random(in: 0..<12, using: &random) {
        case 0: return topic + "/extra"
        case 1: return topic.split(separator: "/").dropLast().joined(separator: "/")
        case 2: return topic.replacingOccurrences(of: "lineA", with: "")
        case 3: return "spBv1.0/STATE/other"
        case 4: return topic.replacingOccurrences(of: "CNC101", with: String(repeating: "x", count: 100))
        default: return topic
        }
    }

    @Test("damaged messages: no crash, a reason for every rejection, every message's payload a JSON object")
    func fuzz() throws {
        let environment = ProcessInfo.processInfo.environment
        let count = environment["CNC_FUZZ_INPUTS"].flatMap { Int($0) } ?? 50_000
        var random = SplitMix64(seed: environment["CNC_FUZZ_SEED"].flatMap { UInt64($0) } ?? 1)
        let host = SparkplugHost(configuration: .init(reorderTimeMilliseconds: 50, birthWaitMilliseconds: 200, maxHeldPerNode: 100))
        let seeds = Self.seeds
        var now: UInt64 = 0
        var counts = (messages: 0, rejections: 0, events: 0)
        var reasons: Set<String> = []
        for index in 0..<count {
            now += UInt64.random(in: 0...20, using: &random)
            let pick = Int.random(in: 0..<seeds.count, using: &random)
            let raw = index % 4 == 0 ? seeds[pick] : Self.mutate(seeds[pick], &random)
            let topic = Self.mutateTopic(Self.topics[min(pick, Self.topics.count - 1)], &random)
            var outputs = host.receive(
                topic: topic, raw: raw, id: MessageID(topic: topic, content: raw), receivedAt: Int64(now) * 1000, now: now,
                layout: SparkplugLayout(partProgramMetric: "Execution"), limits: ValidationLimits())
            if index % 16 == 0 { outputs += host.tick(now: now) }
            for output in outputs {
                switch output {
                case .message(let message), .held(let message, _), .released(let message):
                    counts.messages += 1
                    guard case .object? = try? JSONParser.parse(Array(message.payloadJSON), maxDepth: 64) else {
                        Issue.record("input \(index): payload is not a JSON object: \(String(decoding: message.payloadJSON, as: UTF8.self))")
                        return
                    }
                case .rejection(let rejection):
                    counts.rejections += 1
                    #expect(rejection.reason.count > SparkplugLayout.reasonPrefix.count)
                    reasons.insert(String(rejection.reason.prefix(40)))
                case .event(let event):
                    counts.events += 1
                    #expect((try? JSONParser.parse(event.detail)) != nil)
                case .command: break
                }
            }
        }
        print("sparkplug fuzz: \(count) inputs, \(counts.messages) messages, \(counts.rejections) rejections, \(counts.events) events")
        print("sparkplug fuzz: \(reasons.count) kinds of reason, e.g. \(reasons.sorted().prefix(8).joined(separator: " | "))")
        #expect(counts.messages > 0 && counts.rejections > 0)
    }
}
