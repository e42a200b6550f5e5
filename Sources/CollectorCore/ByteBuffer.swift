/// Appends big-endian integers and length-prefixed byte strings.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func write<T: FixedWidthInteger>(_ value: T) {
        var bigEndian = value.bigEndian
        withUnsafeBytes(of: &bigEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(raw: some Collection<UInt8>) {
        bytes.append(contentsOf: raw)
    }

    /// A `u32` length, then the bytes.
    public mutating func write(lengthPrefixed data: some Collection<UInt8>) {
        write(UInt32(data.count))
        bytes.append(contentsOf: data)
    }

    public mutating func write(_ string: String) {
        write(lengthPrefixed: string.utf8)
    }

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
