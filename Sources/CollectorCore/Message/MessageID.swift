/// The identity of one message, carried with it through every stage to the database
/// (`message_id` columns, type `uuid`).
///
/// It is derived from the content: the first 16 bytes of SHA-256 over the topic, a zero byte
/// and the bytes as published, with the RFC 9562 version 8 and variant bits set. The same
/// message therefore has the same identity however often it arrives: a broker's QoS 1
/// redelivery, ingest's replay of its journal and a retry after a crash all land on one row,
/// because every table is written with `ON CONFLICT (cnc_id, ts, message_id) DO NOTHING`. Two publications
/// with the same topic and the very same bytes (same `cnc_id`, same `timestamp`, same values)
/// count as one message.
public struct MessageID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The first 8 bytes of the `uuid`, big-endian.
    public var high: UInt64
    /// The last 8 bytes of the `uuid`, big-endian.
    public var low: UInt64

    /// An identity of these two halves as they are: no version or variant bits are set.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The identity of a message with this topic and these bytes.
    public init(topic: String, content: [UInt8]) {
        self = content.withUnsafeBytes { MessageID(topic: topic, contentBytes: $0) }
    }

    /// The same for a slice of the bytes as published.
    public init(topic: String, content: ArraySlice<UInt8>) {
        self = content.withUnsafeBytes { MessageID(topic: topic, contentBytes: $0) }
    }

    private init(topic: String, contentBytes: UnsafeRawBufferPointer) {
        var hasher = SHA256()
        hasher.update(topic)
        hasher.update([0])
        hasher.update(contentBytes)
        let digest = hasher.finalize()
        var high: UInt64 = 0, low: UInt64 = 0
        for index in 0..<8 {
            high = high << 8 | UInt64(digest[index])
            low = low << 8 | UInt64(digest[8 + index])
        }
        self.init(high: high, low: low, version: 8)
    }

    /// Sets the RFC 9562 version nibble and the variant bits (`10`) on 128 bits.
    private init(high: UInt64, low: UInt64, version: UInt64) {
        self.init(high: high & ~0xF000 | version << 12, low: low & ~(0xC << 60) | 0x8 << 60)
    }

    /// Orders identities by their 16 bytes: `high`, then `low`, as unsigned numbers.
    public static func < (lhs: MessageID, rhs: MessageID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// The 16 bytes of the `uuid` form.
    public var bytes: [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(16)
        for shift in stride(from: 56, through: 0, by: -8) { result.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { result.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
        return result
    }

    /// The canonical text form of the `uuid`, as PostgreSQL prints it.
    public var description: String {
        let hex = bytes.map { byte -> String in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }

    /// An identity for bytes that no ingest accepted (a corrupt frame between stages): a random
    /// version 4 `uuid`, so such rows never collide with real messages or each other.
    public static func unattributed() -> MessageID {
        var generator = SystemRandomNumberGenerator()
        let high = UInt64.random(in: 0...UInt64.max, using: &generator), low = UInt64.random(in: 0...UInt64.max, using: &generator)
        return MessageID(high: high, low: low, version: 4)
    }
}
