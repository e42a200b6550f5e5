import CollectorCore
import Foundation
import StageRuntime
import SystemCalls

/// ingest's append-only journal: every message taken from the broker is written here before it
/// is handed on, and stays until the sink acknowledges it, so that no crash downstream, and no
/// crash of ingest after the write, can lose it.
///
/// The journal is a directory of segment files, `segment-N.journal`, written in order; a new run
/// starts a new segment. A segment whose every record has been acknowledged is deleted. A lock
/// file keeps two ingest processes out of one directory.
final class IngestJournal {
    let directory: String
    private let segmentBytes: Int
    private let lockDescriptor: Int32
    private(set) var activeSegment: UInt64
    private var activeDescriptor: Int32 = -1
    private var activeSize = 0
    private var unsynced = false
    /// Segments left by earlier runs, oldest first: their records are replayed at start-up.
    let earlierSegments: [UInt64]

    /// A journal operation that failed; the description names the operation, the path and the system's reason.
    struct Failure: Error, CustomStringConvertible {
        var description: String

        init(_ operation: String, _ path: String, errno code: Int32 = errno) {
            description = "journal: \(operation) \(path): \(String(cString: strerror(code)))"
        }

        init(_ text: String) {
            description = "journal: \(text)"
        }
    }

    init(directory: String, segmentBytes: Int) throws {
        self.directory = directory
        self.segmentBytes = segmentBytes
        try DurableFiles.createDirectory(directory)
        let lockPath = "\(directory)/lock"
        lockDescriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockDescriptor >= 0 else { throw Failure("cannot open", lockPath) }
        guard flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(lockDescriptor)
            throw Failure("\(directory) is in use by another ingest: give each ingest its own MES_JOURNAL_DIR")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        earlierSegments = names.compactMap(Self.segmentNumber(fileName:)).sorted()
        activeSegment = (earlierSegments.last ?? 0) + 1
        try openActiveSegment()
    }

    deinit {
        if activeDescriptor >= 0 {
            if unsynced { fdatasync(activeDescriptor) }
            close(activeDescriptor)
        }
        close(lockDescriptor)
    }

    func path(of segment: UInt64) -> String {
        let digits = String(segment)
        return "\(directory)/segment-\(String(repeating: "0", count: max(0, 12 - digits.count)))\(digits).journal"
    }

    static func segmentNumber(fileName: String) -> UInt64? {
        guard fileName.hasPrefix("segment-"), fileName.hasSuffix(".journal") else { return nil }
        return UInt64(fileName.dropFirst("segment-".count).dropLast(".journal".count))
    }

    private func openActiveSegment() throws {
        let path = path(of: activeSegment)
        activeDescriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard activeDescriptor >= 0 else { throw Failure("cannot create", path) }
        activeSize = 0
        // The new file's name must survive a power cut too, or its records would vanish with it.
        DurableFiles.syncDirectory(directory)
    }

    /// Appends entries and returns where each record lies. They are written in pieces of
    /// `writeChunkBytes`: a round's records written at once would be copied by the kernel from
    /// memory that left the cache long before, and a fresh buffer of a round's size would cost
    /// page faults each time.
    func append(_ entries: [JournalEntry]) throws -> [UnacknowledgedMessages.Location] {
        let estimate = entries.reduce(0) { $0 + $1.recordSizeEstimate }
        if activeSize > 0 && activeSize + estimate > segmentBytes {
            if unsynced { try sync() }
            close(activeDescriptor)
            activeDescriptor = -1
            activeSegment += 1
            try openActiveSegment()
        }
        var locations: [UnacknowledgedMessages.Location] = []
        locations.reserveCapacity(entries.count)
        buffer.removeAll()
        for entry in entries {
            let start = buffer.bytes.count
            entry.write(to: &buffer)
            locations.append(.init(segment: activeSegment, offset: activeSize + start, length: buffer.bytes.count - start))
            if buffer.bytes.count >= Self.writeChunkBytes { try writeBuffer() }
        }
        try writeBuffer()
        return locations
    }

    private static let writeChunkBytes = 64 << 10
    private var buffer = ByteWriter(capacity: 2 * writeChunkBytes)

    /// Writes `buffer` to the active segment and empties it.
    private func writeBuffer() throws {
        guard !buffer.bytes.isEmpty else { return }
        try buffer.bytes.withUnsafeBytes { bytes in
            var written = 0
            while written < bytes.count {
                let result = retryingInterrupted { write(activeDescriptor, bytes.baseAddress! + written, bytes.count - written) }
                guard result >= 0 else { throw Failure("cannot write", path(of: activeSegment)) }
                written += result
            }
        }
        activeSize += buffer.bytes.count
        unsynced = true
        buffer.removeAll()
    }

    /// Forces what was appended onto the disk.
    func sync() throws {
        guard unsynced else { return }
        guard fdatasync(activeDescriptor) == 0 else { throw Failure("cannot sync", path(of: activeSegment)) }
        unsynced = false
    }

    /// The records of an earlier segment, in order. A torn record at its end (a crash in the
    /// middle of a write) and anything after it is cut off, and said so in `droppedBytes`.
    func readSegment(_ segment: UInt64) throws -> (entries: [(entry: JournalEntry, location: UnacknowledgedMessages.Location)], droppedBytes: Int) {
        let path = path(of: segment)
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure("cannot read", path) }
        let bytes = [UInt8](data)
        let (records, validBytes) = JournalEntry.records(in: bytes)
        if validBytes < bytes.count { truncate(path, off_t(validBytes)) }
        return (
            records.map { ($0.entry, UnacknowledgedMessages.Location(segment: segment, offset: $0.offset, length: $0.length)) },
            bytes.count - validBytes
        )
    }

    /// Reads back one record, to send it again.
    func read(_ location: UnacknowledgedMessages.Location) throws -> JournalEntry {
        let path = path(of: location.segment)
        let source = open(path, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw Failure("cannot open", path) }
        defer { close(source) }
        var bytes = [UInt8](repeating: 0, count: location.length)
        let count = retryingInterrupted { bytes.withUnsafeMutableBytes { pread(source, $0.baseAddress, location.length, off_t(location.offset)) } }
        guard count == location.length else { throw Failure("short read of a record in \(path)") }
        let (records, _) = JournalEntry.records(in: bytes)
        guard let entry = records.first?.entry else { throw Failure("corrupt record at \(location.offset) in \(path)") }
        return entry
    }

    func remove(segment: UInt64) {
        unlink(path(of: segment))
    }
}
