/// Reads what `ByteWriter` wrote; every read is bounds-checked.
public struct ByteReader {
    private let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public var remaining: Int { bytes.count - offset }

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

    public mutating func readBytes(count: Int) throws(WireFrame.DecodingError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .truncated }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    public mutating func skip(_ count: Int) throws(WireFrame.DecodingError) {
        guard count >= 0, remaining >= count else { throw .truncated }
        offset += count
    }

    public mutating func skipLengthPrefixed() throws(WireFrame.DecodingError) {
        try skip(Int(try read(UInt32.self)))
    }

    public mutating func readLengthPrefixed() throws(WireFrame.DecodingError) -> [UInt8] {
        try readBytes(count: Int(try read(UInt32.self)))
    }

    /// A length-prefixed string; invalid UTF-8 is repaired, never trusted.
    public mutating func readString() throws(WireFrame.DecodingError) -> String {
        String(decoding: try readLengthPrefixed(), as: UTF8.self)
    }

    public mutating func readMessageID() throws(WireFrame.DecodingError) -> MessageID {
        MessageID(high: try read(), low: try read())
    }
}
