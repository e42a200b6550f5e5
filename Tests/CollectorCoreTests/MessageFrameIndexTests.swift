import TestSupport
import Testing

@testable import CollectorCore

@Suite("MessageFrameIndex")
struct MessageFrameIndexTests {
    private static let messages = [WireSamples.message(1, line: 0), WireSamples.message(2, line: 1), WireSamples.message(3, line: 2)]

    @Test("records are found with their cnc_id; a frame of some of them decodes to those messages")
    func split() throws {
        let frame = WireFrame.messages(Self.messages).encoded()
        let index = try MessageFrameIndex(frame)
        #expect(index.records.map(\.cncID) == Self.messages.map(\.cncID))
        #expect(try WireFrame.decode(index.frame(of: index.records)) == .messages(Self.messages))
        #expect(try WireFrame.decode(index.frame(of: [index.records[2], index.records[0]])) == .messages([Self.messages[2], Self.messages[0]]))
        #expect(try WireFrame.decode(index.frame(of: [])) == .messages([]))
        #expect(try index.message(index.records[1]) == Self.messages[1])
    }

    @Test("every frame the decoder refuses is refused here too")
    func refusesWhatTheDecoderRefuses() throws {
        let frame = WireFrame.messages(Self.messages).encoded()
        var generator = SplitMix64(seed: 11)
        var cases: [[UInt8]] = (0..<frame.count).map { Array(frame.prefix($0)) } + [frame + [0]]
        for _ in 0..<2_000 {
            var corrupt = frame
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                corrupt[Int.random(in: 0..<corrupt.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            cases.append(corrupt)
        }
        cases.append(WireFrame.rejections([WireSamples.rejection(.ingest)]).encoded())
        for bytes in cases {
            let decoded = Result { () throws(WireFrame.DecodingError) in try WireFrame.decode(bytes) }
            let indexed = Result { () throws(WireFrame.DecodingError) in try MessageFrameIndex(bytes) }
            switch (decoded, indexed) {
            case (.success(.messages(let messages)), .success(let index)):
                #expect(index.records.map(\.cncID) == messages.map(\.cncID))
                #expect(try WireFrame.decode(index.frame(of: index.records)) == .messages(messages))
            case (.success(.messages), .failure(let error)):
                Issue.record("the index refused a frame the decoder takes: \(error)")
            case (.failure, .success), (.success, .success):
                Issue.record("the index took a frame the decoder refuses or reads as another kind")
            default:
                break
            }
        }
    }
}
