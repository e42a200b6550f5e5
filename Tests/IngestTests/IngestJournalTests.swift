import Foundation
import TestSupport
import Testing

@testable import CNCPlugins
@testable import CollectorCore
@testable import Ingest

@Suite("IngestJournal")
struct IngestJournalTests {
    private static func temporaryDirectory() -> String {
        "\(NSTemporaryDirectory())/journal-test-\(UInt64.random(in: 0...UInt64.max))"
    }

    private static func entries(_ range: Range<Int>) -> [JournalEntry] {
        range.map { .message(WireSamples.message(UInt64($0), line: $0 % 3)) }
    }

    @Test("appended records read back by location, across segment rotations and a restart")
    func appendAndReplay() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var written: [(JournalEntry, UnacknowledgedMessages.Location)] = []
        do {
            let journal = try IngestJournal(directory: directory, segmentBytes: 2_000)
            #expect(journal.earlierSegments.isEmpty)
            for batch in 0..<6 {
                let entries = Self.entries(batch * 3..<batch * 3 + 3)
                written += zip(entries, try journal.append(entries)).map { ($0, $1) }
            }
            try journal.sync()
            for (entry, location) in written { #expect(try journal.read(location) == entry) }
            #expect(Set(written.map(\.1.segment)).count > 1, "the segments should have rotated")
        }
        // A new run starts a new segment after the ones it found, and reads them back in order.
        let journal = try IngestJournal(directory: directory, segmentBytes: 2_000)
        let segments = Array(Set(written.map(\.1.segment))).sorted()
        #expect(journal.earlierSegments == segments)
        #expect(journal.activeSegment == segments.last! + 1)
        var replayed: [(JournalEntry, UnacknowledgedMessages.Location)] = []
        for segment in journal.earlierSegments {
            let (records, dropped) = try journal.readSegment(segment)
            #expect(dropped == 0)
            replayed += records.map { ($0.entry, $0.location) }
        }
        #expect(replayed.map(\.0) == written.map(\.0))
        #expect(replayed.map(\.1) == written.map(\.1))
    }

    @Test("a torn last record is cut off at replay and the records before it kept")
    func tornTail() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path: String
        do {
            let journal = try IngestJournal(directory: directory, segmentBytes: 1 << 20)
            _ = try journal.append(Self.entries(0..<4))
            path = journal.path(of: journal.activeSegment)
        }
        let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(truncate(path, off_t(size - 5)) == 0)
        let journal = try IngestJournal(directory: directory, segmentBytes: 1 << 20)
        let (records, dropped) = try journal.readSegment(journal.earlierSegments[0])
        #expect(records.map(\.entry) == Self.entries(0..<3))
        #expect(dropped > 0)
        // The file was cut back to its whole records, so a second reading finds nothing torn.
        #expect(try journal.readSegment(journal.earlierSegments[0]).droppedBytes == 0)
    }

    @Test("a second ingest cannot open a journal in use, and is told why")
    func exclusive() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = try IngestJournal(directory: directory, segmentBytes: 1 << 20)
        #expect(throws: (any Error).self) { try IngestJournal(directory: directory, segmentBytes: 1 << 20) }
        do {
            _ = try IngestJournal(directory: directory, segmentBytes: 1 << 20)
        } catch {
            #expect("\(error)".contains("in use by another ingest"))
        }
        withExtendedLifetime(journal) {}
    }

    @Test("removing a segment deletes its file")
    func remove() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = try IngestJournal(directory: directory, segmentBytes: 100)
        let locations = try journal.append(Self.entries(0..<1)) + journal.append(Self.entries(1..<2))
        #expect(locations[0].segment != locations[1].segment)
        journal.remove(segment: locations[0].segment)
        #expect(!FileManager.default.fileExists(atPath: journal.path(of: locations[0].segment)))
        #expect(FileManager.default.fileExists(atPath: journal.path(of: locations[1].segment)))
    }
}
