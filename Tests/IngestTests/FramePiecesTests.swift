import Testing

@testable import Ingest

@Suite("Frame pieces")
struct FramePiecesTests {
    @Test("small messages go 256 to a frame, in order, none left out")
    func byCount() {
        let items = Array(0..<600)
        let pieces = IngestLoop.frames(of: items, bytes: { _ in 150 })
        #expect(pieces.map(\.count) == [256, 256, 88])
        #expect(pieces.flatMap { $0 } == items)
    }

    @Test("large messages end a frame at 256 KB; one larger than that goes alone")
    func byBytes() {
        let eightKB = IngestLoop.frames(of: Array(0..<100), bytes: { _ in 8 << 10 })
        #expect(eightKB.map(\.count) == [32, 32, 32, 4])
        let sizes = [100, 300 << 10, 100, 200 << 10, 100 << 10]
        let mixed = IngestLoop.frames(of: Array(sizes.indices), bytes: { sizes[$0] })
        #expect(mixed.map(Array.init) == [[0], [1], [2, 3], [4]])
    }

    @Test("nothing gives no frame")
    func empty() {
        #expect(IngestLoop.frames(of: [Int](), bytes: { _ in 1 }).isEmpty)
    }
}
