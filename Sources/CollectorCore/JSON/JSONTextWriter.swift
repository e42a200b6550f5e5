/// Writes compact JSON text as UTF-8 bytes: what stages build payloads and details with, where
/// going through `JSONValue` would cost an allocation per value.
public struct JSONTextWriter: Sendable {
    /// The UTF-8 text written so far.
    public private(set) var bytes: [UInt8]
    /// Whether a string written held U+0000: valid JSON, which PostgreSQL's jsonb refuses.
    public private(set) var wroteNUL = false

    /// An empty writer with room for `capacity` bytes (default 256).
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends `text` unchanged: punctuation or literals the caller knows to be valid JSON.
    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends one character, which must be ASCII.
    public mutating func byte(_ ascii: Unicode.Scalar) {
        bytes.append(UInt8(ascii: ascii))
    }

    /// `"key":`, the key escaped.
    public mutating func key(_ key: String) {
        string(key)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Appends `value` as a JSON string: `"`, `\` and control characters escaped, everything else
    /// as its UTF-8; sets `wroteNUL` when it holds U+0000.
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                escape(byte)
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): raw("\\\"")
        case UInt8(ascii: "\\"): raw("\\\\")
        case UInt8(ascii: "\n"): raw("\\n")
        case UInt8(ascii: "\r"): raw("\\r")
        case UInt8(ascii: "\t"): raw("\\t")
        default:
            if byte == 0 { wroteNUL = true }
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            raw("\\u00")
            bytes.append(hex[Int(byte >> 4)])
            bytes.append(hex[Int(byte & 0xF)])
        }
    }

    // Integers and JSON text by concrete types: a generic method called from another module runs
    // unspecialised, looking its types up at run time.

    /// Appends `value` in decimal.
    public mutating func integer(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        digits(of: value.magnitude)
    }

    /// The same for an `Int`.
    public mutating func integer(_ value: Int) {
        integer(Int64(value))
    }

    /// The same for a `UInt64`.
    public mutating func integer(_ value: UInt64) {
        digits(of: value)
    }

    /// Digits straight into the buffer: String(value) cost a formatting pass and a string a number.
    private mutating func digits(of value: UInt64) {
        // Right to left into a scratch of the most digits a UInt64 has, then appended at once.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { scratch in
            var value = value
            var start = scratch.count
            repeat {
                start -= 1
                scratch[start] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            } while value > 0
            bytes.append(contentsOf: scratch[start...])
        }
    }

    /// Appends `true` or `false`.
    public mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    /// A finite number: whole ones without a fraction, as machines send them. JSON has no NaN
    /// or infinity: those are written as the strings "NaN", "Infinity" and "-Infinity".
    public mutating func number(_ value: Double) {
        if !value.isFinite {
            string(value.isNaN ? "NaN" : value < 0 ? "-Infinity" : "Infinity")
        } else if value.rounded() == value && abs(value) < 1e15 {
            integer(Int64(value))
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
    }

    /// Text that is already JSON.
    public mutating func json(_ text: [UInt8]) {
        bytes.append(contentsOf: text)
    }

    /// The same for a slice.
    public mutating func json(_ text: ArraySlice<UInt8>) {
        bytes.append(contentsOf: text)
    }
}
