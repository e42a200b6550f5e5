/// Reads what `ByteWriter` wrote; every read is bounds-checked.
public struct ByteReader {
    private let bytes: [UInt8]
    /// The offset of the next byte to read.
    public private(set) var offset: Int

    /// A reader of `bytes` from `offset` (default 0).
    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// How many bytes are left from `offset` on.
    public var remaining: Int { bytes.count - offset }

    /// The next big-endian integer of `T`'s width; throws `.truncated` when fewer bytes are left.
    public mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws(WireFrame.DecodingError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw .truncated }
        var value: T = 0
        for index in 0..<size {
            value = value << 8 | T(bytes[offset + index])
        }
        offset += size
        return value
    }

    /// The next `count` bytes; throws `.truncated` when `count` is negative or more than are left.
    public mutating func readBytes(count: Int) throws(WireFrame.DecodingError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .truncated }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Passes over `count` bytes; throws `.truncated` when `count` is negative or more than are left.
    public mutating func skip(_ count: Int) throws(WireFrame.DecodingError) {
        guard count >= 0, remaining >= count else { throw .truncated }
        offset += count
    }

    /// Passes over a `u32` length and that many bytes; throws `.truncated` when they are not all there.
    public mutating func skipLengthPrefixed() throws(WireFrame.DecodingError) {
        try skip(Int(try read(UInt32.self)))
    }

    /// A `u32` length, then that many bytes; throws `.truncated` when they are not all there.
    public mutating func readLengthPrefixed() throws(WireFrame.DecodingError) -> [UInt8] {
        try readBytes(count: Int(try read(UInt32.self)))
    }

    /// A length-prefixed string; invalid UTF-8 is repaired, never trusted.
    public mutating func readString() throws(WireFrame.DecodingError) -> String {
        String(decoding: try readLengthPrefixed(), as: UTF8.self)
    }

    /// A 16-byte id as `ByteWriter` writes one: `high`, then `low`.
    public mutating func readMessageID() throws(WireFrame.DecodingError) -> MessageID {
        MessageID(high: try read(), low: try read())
    }
}
