import CollectorCore
import StageRuntime

/// One message in ingest's journal: what ingest took from the broker, accepted or rejected, in
/// the form it is handed on.
///
/// On disk an entry is a record: `u32` length of the body, `u32` CRC-32C of the body, then the
/// body: a `u8` kind (3 message, 2 rejection, 4 machine event; 1 is a message kept by an
/// earlier release, in version 2's layout) and the item encoded as in a wire frame (docs/wire-format.md). A crash
/// can leave the last record of a file torn; its checksum tells.
public enum JournalEntry: Sendable, Equatable {
    /// An accepted message, handed on to the router.
    case message(CNCMessage)
    /// A message ingest refused, handed on to the sink.
    case rejection(Rejection)
    /// A Sparkplug machine event (birth, death, sequence gap, rebirth request), handed on to the sink.
    case event(MachineEvent)

    /// The identity the sink's acknowledgement names.
    public var id: MessageID {
        switch self {
        case .message(let message): message.id
        case .rejection(let rejection): rejection.id
        case .event(let event): event.id
        }
    }

    /// The message's time (its receipt for a rejection).
    public var time: Int64 {
        switch self {
        case .message(let message): message.timestamp
        case .rejection(let rejection): rejection.receivedAt
        case .event(let event): event.at
        }
    }

    /// The bytes as published (as kept, for a rejection; the detail, for an event).
    public var raw: [UInt8] {
        switch self {
        case .message(let message): message.raw
        case .rejection(let rejection): rejection.raw
        case .event(let event): event.detail
        }
    }

    /// Bytes of a record's header.
    public static let headerSize = 8
    /// A length above this is corruption, not a record: ingest keeps raw messages far smaller.
    public static let maxBodySize = 64 << 20

    /// About the bytes of its record, header included, for a buffer's capacity.
    var recordSizeEstimate: Int {
        if case .message(let message) = self { Self.headerSize + 1 + message.encodedSizeEstimate } else { 400 }
    }

    /// Appends this entry's record to `writer`.
    public func write(to writer: inout ByteWriter) {
        // Written in place, its length and checksum patched in after: a body buffer of its own
        // would cost an allocation and a copy per message on ingest's hot path.
        let header = writer.bytes.count
        writer.write(UInt32(0))
        writer.write(UInt32(0))
        switch self {
        case .message(let message):
            writer.write(UInt8(3))
            writer.write(message)
        case .rejection(let rejection):
            writer.write(UInt8(2))
            writer.write(rejection)
        case .event(let event):
            writer.write(UInt8(4))
            writer.write(event)
        }
        let body = header + Self.headerSize
        // The checksum first, in a statement of its own: a slice of the buffer still alive
        // during `patch` would make it copy the whole round's buffer.
        let checksum = writer.bytes[body...].withUnsafeBytes { CRC32C.checksum($0) }
        writer.patch(UInt32(writer.bytes.count - body), at: header)
        writer.patch(checksum, at: header + 4)
    }

    /// Decodes one record's body (the bytes after its header), checking the checksum.
    public static func decode(body: [UInt8], checksum: UInt32) throws(WireFrame.DecodingError) -> JournalEntry {
        guard CRC32C.checksum(body) == checksum else { throw .invalid("journal record checksum mismatch") }
        var reader = ByteReader(body)
        let kind: UInt8 = try reader.read()
        let entry: JournalEntry
        switch kind {
        case 1: entry = .message(try reader.readMessage(version: 2))
        case 3: entry = .message(try reader.readMessage(version: 3))
        case 2: entry = .rejection(try reader.readRejection())
        case 4: entry = .event(try reader.readMachineEvent())
        default: throw .invalid("journal record kind \(kind)")
        }
        guard reader.remaining == 0 else { throw .invalid("\(reader.remaining) trailing bytes in a journal record") }
        return entry
    }

    /// Splits a journal file's bytes into entries, each with its offset and record length, and
    /// says how many leading bytes are whole records: a torn or corrupt record ends the file.
    public static func records(in bytes: [UInt8]) -> (entries: [(entry: JournalEntry, offset: Int, length: Int)], validBytes: Int) {
        var entries: [(entry: JournalEntry, offset: Int, length: Int)] = []
        var offset = 0
        while bytes.count - offset >= headerSize {
            var header = ByteReader(bytes, offset: offset)
            guard let length = try? Int(header.read(UInt32.self)), let checksum = try? header.read(UInt32.self),
                length <= maxBodySize, bytes.count - offset - headerSize >= length,
                let entry = try? decode(body: Array(bytes[offset + headerSize..<offset + headerSize + length]), checksum: checksum)
            else { break }
            entries.append((entry, offset, headerSize + length))
            offset += headerSize + length
        }
        return (entries, offset)
    }
}
