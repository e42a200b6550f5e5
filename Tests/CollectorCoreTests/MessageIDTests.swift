import Foundation
import Testing
@testable import CollectorCore

@Suite("MessageID")
struct MessageIDTests {
    @Test("the uuid text form", arguments: [
        (MessageID(stream: 0x0102_0304_0506_0708, sequence: 1), "01020304-0506-0708-0000-000000000001"),
        (MessageID(stream: 0, sequence: 0), "00000000-0000-0000-0000-000000000000"),
        (MessageID(stream: .max, sequence: .max), "ffffffff-ffff-ffff-ffff-ffffffffffff"),
        (MessageID(stream: 0xDEAD_BEEF_CAFE_F00D, sequence: 0x0011_2233_4455_6677), "deadbeef-cafe-f00d-0011-223344556677"),
        (MessageID(stream: 1, sequence: 0x1_0000_0000), "00000000-0000-0001-0000-000100000000"),
    ])
    func text(_ id: MessageID, _ expected: String) throws {
        #expect(id.description == expected)
        #expect("\(id)" == expected)
        // Foundation reads it back to the same 16 bytes.
        let uuid = try #require(UUID(uuidString: expected))
        #expect(withUnsafeBytes(of: uuid.uuid) { Array($0) } == id.bytes)
    }

    @Test("the 16 bytes: stream then sequence, big-endian")
    func bytes() throws {
        let id = MessageID(stream: 0x0102_0304_0506_0708, sequence: 0x090A_0B0C_0D0E_0F10)
        #expect(id.bytes == Array(1...16))
        var writer = ByteWriter()
        writer.write(id)
        #expect(writer.bytes == id.bytes)
        var reader = ByteReader(id.bytes)
        #expect(try reader.readMessageID() == id)
    }

    @Test("ordering is by stream, then by sequence")
    func ordering() {
        #expect(MessageID(stream: 1, sequence: 1) < MessageID(stream: 1, sequence: 2))
        #expect(MessageID(stream: 1, sequence: .max) < MessageID(stream: 2, sequence: 0))
        #expect(!(MessageID(stream: 2, sequence: 0) < MessageID(stream: 1, sequence: 5)))
        #expect(!(MessageID(stream: 1, sequence: 2) < MessageID(stream: 1, sequence: 2)))
        let shuffled = [MessageID(stream: 2, sequence: 1), MessageID(stream: 1, sequence: 3), MessageID(stream: 1, sequence: 1), MessageID(stream: 0, sequence: 9)]
        #expect(shuffled.sorted() == [MessageID(stream: 0, sequence: 9), MessageID(stream: 1, sequence: 1), MessageID(stream: 1, sequence: 3), MessageID(stream: 2, sequence: 1)])
        // The byte order of the uuid sorts the same way, as PostgreSQL compares uuids bytewise.
        let sortedByBytes = shuffled.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        #expect(sortedByBytes == shuffled.sorted())
    }

    @Test("equality and hashing use both halves")
    func equality() {
        #expect(MessageID(stream: 1, sequence: 2) == MessageID(stream: 1, sequence: 2))
        #expect(MessageID(stream: 1, sequence: 2) != MessageID(stream: 2, sequence: 1))
        #expect(Set([MessageID(stream: 1, sequence: 2), MessageID(stream: 1, sequence: 2), MessageID(stream: 2, sequence: 1)]).count == 2)
    }

    @Test("unattributed ids use stream 0 and a non-zero sequence; new streams are never 0")
    func special() {
        for _ in 0..<100 {
            let id = MessageID.unattributed()
            #expect(id.stream == 0)
            #expect(id.sequence != 0)
            #expect(MessageID.newStream() != 0)
        }
    }
}
