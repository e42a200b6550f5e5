import CollectorCore
import StageRuntime

/// Builds the input of `COPY ... FROM STDIN (FORMAT binary)`.
///
/// Binary COPY skips the server's text parsing of every field; the layout is PostgreSQL's
/// documented one: a signature header, then per row a field count and per field a length
/// (-1 for NULL) and the value in the type's binary send format, then a -1 trailer.
public struct PostgresBinaryCopy: Sendable {
    /// Rows begun so far.
    public private(set) var rows = 0
    private var writer = ByteWriter(capacity: 64 * 1024)
    private var finished = false

    /// Microseconds between the Unix epoch and PostgreSQL's, 2000-01-01.
    static let postgresEpochOffset: Int64 = 946_684_800_000_000

    /// An input with the signature and header, and no rows yet.
    public init() {
        writer.write(raw: Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00])
        writer.write(UInt32(0)) // flags
        writer.write(UInt32(0)) // header extension length
    }

    /// Starts a row of `fields` fields; the caller then adds exactly that many. Traps after `finish()`.
    public mutating func beginRow(fields: Int) {
        precondition(!finished, "row added after finish()")
        writer.write(Int16(fields))
        rows += 1
    }

    /// A NULL field.
    public mutating func null() {
        writer.write(Int32(-1))
    }

    /// A `uuid` field: the id's 16 bytes.
    public mutating func uuid(_ id: MessageID) {
        writer.write(Int32(16))
        writer.write(id)
    }

    /// `text` cannot hold NUL; a NUL (which validation keeps out of messages) becomes U+FFFD
    /// rather than failing the whole batch.
    public mutating func text(_ value: String) {
        if value.utf8.contains(0) {
            writer.write(lengthPrefixed: value.replacingNUL().utf8)
        } else {
            writer.write(lengthPrefixed: value.utf8)
        }
    }

    /// A `text` field, or NULL for nil.
    public mutating func text(_ value: String?) {
        if let value { text(value) } else { null() }
    }

    /// A `bytea` field of the bytes as they are.
    public mutating func bytea(_ value: some Collection<UInt8>) {
        writer.write(lengthPrefixed: value)
    }

    /// `jsonb`'s binary form is a version byte (1) followed by the JSON text.
    public mutating func jsonb(_ json: some Collection<UInt8>) {
        writer.write(Int32(json.count + 1))
        writer.write(UInt8(1))
        writer.write(raw: json)
    }

    /// A `timestamptz` from microseconds since the Unix epoch.
    public mutating func timestamptz(unixMicroseconds: Int64) {
        writer.write(Int32(8))
        writer.write(unixMicroseconds - Self.postgresEpochOffset)
    }

    /// A `float8` field, or NULL for nil.
    public mutating func float8(_ value: Double?) {
        guard let value else { return null() }
        writer.write(Int32(8))
        writer.write(value.bitPattern)
    }

    /// An `int8` field, or NULL for nil.
    public mutating func int8(_ value: Int64?) {
        guard let value else { return null() }
        writer.write(Int32(8))
        writer.write(value)
    }

    /// A one-dimensional `text[]` (empty: no dimensions), in `array_send`'s layout: dimensions,
    /// a has-nulls flag, the element type's OID, each dimension's size and lower bound, then the
    /// elements as length-prefixed values.
    public mutating func textArray(_ values: [String]) {
        var array = ByteWriter(capacity: 20 + values.reduce(0) { $0 + 4 + $1.utf8.count })
        array.write(Int32(values.isEmpty ? 0 : 1))
        array.write(Int32(0))
        array.write(Int32(25)) // text
        if !values.isEmpty {
            array.write(Int32(values.count))
            array.write(Int32(1))
        }
        for value in values { array.write(lengthPrefixed: (value.utf8.contains(0) ? value.replacingNUL() : value).utf8) }
        writer.write(lengthPrefixed: array.bytes)
    }

    /// The complete COPY input, trailer included.
    public mutating func finish() -> [UInt8] {
        if !finished {
            writer.write(Int16(-1))
            finished = true
        }
        return writer.bytes
    }
}

extension String {
    func replacingNUL() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : $0 }))
    }
}
