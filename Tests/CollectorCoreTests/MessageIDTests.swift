import Foundation
import TestSupport
import Testing

@testable import CollectorCore

@Suite("MessageID")
struct MessageIDTests {
    @Test(
        "the uuid text form",
        arguments: [
            (MessageID(high: 0x0102_0304_0506_0708, low: 1), "01020304-0506-0708-0000-000000000001"),
            (MessageID(high: 0, low: 0), "00000000-0000-0000-0000-000000000000"),
            (MessageID(high: .max, low: .max), "ffffffff-ffff-ffff-ffff-ffffffffffff"),
            (MessageID(high: 0xDEAD_BEEF_CAFE_F00D, low: 0x0011_2233_4455_6677), "deadbeef-cafe-f00d-0011-223344556677"),
            (MessageID(high: 1, low: 0x1_0000_0000), "00000000-0000-0001-0000-000100000000"),
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
        let id = MessageID(high: 0x0102_0304_0506_0708, low: 0x090A_0B0C_0D0E_0F10)
        #expect(id.bytes == Array(1...16))
        var writer = ByteWriter()
        writer.write(id)
        #expect(writer.bytes == id.bytes)
        var reader = ByteReader(id.bytes)
        #expect(try reader.readMessageID() == id)
    }

    @Test("ordering is by stream, then by sequence")
    func ordering() {
        #expect(MessageID(high: 1, low: 1) < MessageID(high: 1, low: 2))
        #expect(MessageID(high: 1, low: .max) < MessageID(high: 2, low: 0))
        #expect(!(MessageID(high: 2, low: 0) < MessageID(high: 1, low: 5)))
        #expect(!(MessageID(high: 1, low: 2) < MessageID(high: 1, low: 2)))
        let shuffled = [MessageID(high: 2, low: 1), MessageID(high: 1, low: 3), MessageID(high: 1, low: 1), MessageID(high: 0, low: 9)]
        #expect(
            shuffled.sorted() == [MessageID(high: 0, low: 9), MessageID(high: 1, low: 1), MessageID(high: 1, low: 3), MessageID(high: 2, low: 1)])
        // The byte order of the uuid sorts the same way, as PostgreSQL compares uuids bytewise.
        let sortedByBytes = shuffled.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        #expect(sortedByBytes == shuffled.sorted())
    }

    @Test("equality and hashing use both halves")
    func equality() {
        #expect(MessageID(high: 1, low: 2) == MessageID(high: 1, low: 2))
        #expect(MessageID(high: 1, low: 2) != MessageID(high: 2, low: 1))
        #expect(Set([MessageID(high: 1, low: 2), MessageID(high: 1, low: 2), MessageID(high: 2, low: 1)]).count == 2)
    }

    @Test("unattributed ids are random version 4 uuids")
    func unattributed() {
        let ids = (0..<100).map { _ in MessageID.unattributed() }
        #expect(Set(ids).count == 100)
        for id in ids {
            #expect(id.description.dropFirst(14).first == "4")
            #expect("89ab".contains(id.description.dropFirst(19).first!))
        }
    }

    @Test("content ids: the same topic and bytes give the same id, any difference another")
    func contentIdentity() {
        let message = Array(#"{"cnc_id":"CNC001","timestamp":"2025-05-16T09:05:00Z","payload":{}}"#.utf8)
        let id = MessageID(topic: "sensor/CNC", content: message)
        #expect(id == MessageID(topic: "sensor/CNC", content: message[...]))
        #expect(id != MessageID(topic: "sensor/CNC2", content: message))
        #expect(id != MessageID(topic: "sensor/CNC", content: message.dropLast()))
        // The separator keeps topic and content apart: "ab" + "c" is not "a" + "bc".
        #expect(MessageID(topic: "ab", content: Array("c".utf8)) != MessageID(topic: "a", content: Array("bc".utf8)))
        // A version 8 uuid with the RFC 9562 variant.
        #expect(id.description.dropFirst(14).first == "8")
        #expect("89ab".contains(id.description.dropFirst(19).first!))
    }

    @Test("a content id is the first 16 bytes of SHA-256(topic, 0, bytes) with version and variant bits")
    func contentIdentityValue() {
        // SHA-256 of "t\0abc" is 7f215208fc0517530f34d11943d410df…, computed with Python's hashlib.
        #expect(MessageID(topic: "t", content: Array("abc".utf8)).description == "7f215208-fc05-8753-8f34-d11943d410df")
        // The worked examples of docs/wire-format.md.
        let line =
            #"{"cnc_id":"CNC001","part_program":"P1","timestamp":"1747379028","payload":{"status":"running","spin":200,"X-Axis":30,"Y-Axis":80}}"#
        #expect(MessageID(topic: "sensor/CNC", content: Array(line.utf8)).description == "d99e1201-bf5f-8ded-98e9-5b751c963244")
        #expect(MessageID(topic: "sensor/CNC", content: [UInt8]()).description == "104eca06-680a-8c28-9f07-01e0fa03616b")
    }
}
