/// The identity of one message, given by `ingest` when it first sees the bytes and carried with
/// them through every stage to the database (`message_id` columns).
///
/// `stream` names one run of one ingest process (random at start-up, so restarts and parallel
/// instances never collide); `sequence` counts that run's messages from 1. Acknowledgements can
/// then be expressed per stream as "everything up to N". Stored as a PostgreSQL `uuid` whose first
/// 8 bytes are `stream` and last 8 bytes `sequence`, both big-endian.
public struct MessageID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var stream: UInt64
    public var sequence: UInt64

    public init(stream: UInt64, sequence: UInt64) {
        self.stream = stream
        self.sequence = sequence
    }

    public static func < (lhs: MessageID, rhs: MessageID) -> Bool {
        (lhs.stream, lhs.sequence) < (rhs.stream, rhs.sequence)
    }

    /// The 16 bytes of the `uuid` form.
    public var bytes: [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(16)
        for shift in stride(from: 56, through: 0, by: -8) { result.append(UInt8(truncatingIfNeeded: stream >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { result.append(UInt8(truncatingIfNeeded: sequence >> UInt64(shift))) }
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

    /// An identity for bytes that no ingest accepted (a corrupt frame between stages): stream 0
    /// and a random sequence, so such rows never collide with real messages or each other.
    public static func unattributed() -> MessageID {
        var generator = SystemRandomNumberGenerator()
        return MessageID(stream: 0, sequence: UInt64.random(in: 1...UInt64.max, using: &generator))
    }

    /// A stream number for a new ingest run: random, never 0 (0 marks messages no ingest accepted).
    public static func newStream() -> UInt64 {
        var generator = SystemRandomNumberGenerator()
        return UInt64.random(in: 1...UInt64.max, using: &generator)
    }
}
