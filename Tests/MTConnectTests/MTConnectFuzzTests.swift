import CollectorCore
import Foundation
import Testing

@testable import MTConnect

/// Damaged agent documents: the fixtures with bytes changed, cut, spliced with XML's own
/// tokens, and truncated. `CNC_FUZZ_INPUTS` sets the number of inputs (default 5 000) and
/// `CNC_FUZZ_SEED` the seed (default 1), as for the other fuzz tests.
@Suite("MTConnect fuzz")
struct MTConnectFuzzTests {
    @Test("damaged documents: no crash, a reason for every refusal, every observation with a sequence and a time")
    func damaged() throws {
        let originals = try ["probe.xml", "sample.xml", "out_of_range.xml", "out_of_range_2_5.xml"].map(MTConnectDocumentTests.fixture)
        let environment = ProcessInfo.processInfo.environment
        let count = environment["CNC_FUZZ_INPUTS"].flatMap { Int($0) } ?? 5_000
        var random = SplitMix64(seed: environment["CNC_FUZZ_SEED"].flatMap { UInt64($0) } ?? 1)
        let tokens: [[UInt8]] = ["<", ">", "/>", "\"", "&amp;", "&#0;", "<Entry key=\"k\">", "</Entry>", "UNAVAILABLE", "sequence=\"", "<![CDATA["]
            .map { Array($0.utf8) }
        var refused = 0
        for _ in 0..<count {
            var bytes = originals.randomElement(using: &random)!
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...40, using: &random)))
                case 2: bytes.insert(contentsOf: tokens.randomElement(using: &random)!, at: at)
                default: bytes = Array(bytes.prefix(at))
                }
                if bytes.isEmpty { bytes = [0x3C] }
            }
            do {
                if case .streams(let streams) = try MTConnectDocument.parse(bytes) {
                    for observation in streams.devices.flatMap(\.observations) {
                        #expect(observation.timestamp >= 0 && !observation.dataItemID.isEmpty)
                    }
                }
            } catch {
                #expect(!error.reason.isEmpty)
                refused += 1
            }
        }
        #expect(refused > count / 5)
    }
}
