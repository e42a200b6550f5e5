import TestSupport
import Testing

@testable import CNCPlugins
@testable import CollectorCore
@testable import Ingest

@Suite("JournalEntry")
struct JournalEntryTests {
    private static var entries: [JournalEntry] {
        [
            .message(WireSamples.message(1)),
            .rejection(WireSamples.rejection(.ingest, sequence: 2)),
            .message(WireSamples.message(3, line: 2)),
        ]
    }

    private static func file(_ entries: [JournalEntry]) -> [UInt8] {
        var writer = ByteWriter()
        for entry in entries { entry.write(to: &writer) }
        return writer.bytes
    }

    @Test("records round-trip with their offsets and lengths")
    func roundTrip() {
        let bytes = Self.file(Self.entries)
        let (records, validBytes) = JournalEntry.records(in: bytes)
        #expect(records.map(\.entry) == Self.entries)
        #expect(validBytes == bytes.count)
        #expect(records.map(\.offset) == [0, records[0].length, records[0].length + records[1].length])
        #expect(records.map(\.length).reduce(0, +) == bytes.count)
        for record in records {
            #expect(JournalEntry.records(in: Array(bytes[record.offset..<record.offset + record.length])).entries.map(\.entry) == [record.entry])
        }
    }

    @Test("every cut of the last record leaves the whole records before it")
    func tornTail() {
        let bytes = Self.file(Self.entries)
        let whole = JournalEntry.records(in: Self.file(Array(Self.entries.prefix(2)))).validBytes
        for cut in whole..<bytes.count {
            let (records, validBytes) = JournalEntry.records(in: Array(bytes.prefix(cut)))
            #expect(records.count == 2)
            #expect(validBytes == whole)
        }
    }

    @Test("a flipped bit in a record ends the file there: its checksum no longer matches")
    func corruption() {
        let bytes = Self.file(Self.entries)
        let first = JournalEntry.records(in: bytes).entries[0].length
        for position in stride(from: first + JournalEntry.headerSize, to: bytes.count, by: 7) {
            var corrupt = bytes
            corrupt[position] ^= 0x10
            let (records, validBytes) = JournalEntry.records(in: corrupt)
            #expect(records.first?.entry == Self.entries[0])
            #expect(validBytes < bytes.count)
        }
    }
}
