/// Appends big-endian integers and length-prefixed byte strings.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// An empty writer with room for `capacity` bytes (default 256).
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Empties it for reuse, keeping its memory.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// Appends `value` big-endian, in all of `T`'s bytes.
    public mutating func write<T: FixedWidthInteger>(_ value: T) {
        var bigEndian = value.bigEndian
        withUnsafeBytes(of: &bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends the bytes as they are, with no length before them.
    public mutating func write(raw: some Collection<UInt8>) {
        bytes.append(contentsOf: raw)
    }

    /// A `u32` length, then the bytes.
    public mutating func write(lengthPrefixed data: some Collection<UInt8>) {
        write(UInt32(data.count))
        bytes.append(contentsOf: data)
    }

    /// A length-prefixed string: a `u32` byte count, then its UTF-8.
    public mutating func write(_ string: String) {
        write(lengthPrefixed: string.utf8)
    }

    /// The id's 16 bytes: `high`, then `low`, big-endian.
    public mutating func write(_ id: MessageID) {
        write(id.high)
        write(id.low)
    }

    /// Overwrites a big-endian `u32` written earlier at `offset`.
    public mutating func patch(_ value: UInt32, at offset: Int) {
        for index in 0..<4 {
            bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(index)))
        }
    }
}
