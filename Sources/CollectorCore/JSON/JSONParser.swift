/// Why a document is not acceptable JSON, with the byte offset where the parser stopped.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong, in words.
    public var reason: String
    /// Where the parser stopped, in bytes from the start of what it parsed.
    public var offset: Int

    /// The reason and the offset, as `... at byte N`.
    public var description: String { "\(reason) at byte \(offset)" }
}

/// A strict, bounded JSON parser over UTF-8 bytes.
///
/// Beyond RFC 8259 it refuses what PostgreSQL's `jsonb` would refuse later (`\u0000`, unpaired
/// surrogates, numbers beyond `Double`), duplicate member names (whose meaning differs between
/// readers), and nesting deeper than `maxDepth`, so that nothing it accepts can fail a COPY or
/// exhaust the stack. Callers validate UTF-8 first (`firstInvalidUTF8Offset`).
public struct JSONParser: ~Copyable {
    private let bytes: UnsafeBufferPointer<UInt8>
    var index: Int
    private let maxDepth: Int

    /// A parser at the start of `bytes`, which must stay valid while it is used; objects and arrays
    /// may nest `maxDepth` levels deep, the outermost counted.
    public init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.index = 0
        self.maxDepth = maxDepth
    }

    /// Parses one whole document.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in
            if let bad = firstInvalidUTF8Offset(buffer) {
                throw JSONParseError(reason: "invalid UTF-8", offset: bad)
            }
            var parser = JSONParser(bytes: buffer, maxDepth: maxDepth)
            let value = try parser.parseValue(depth: 0)
            try parser.expectEnd()
            return value
        }
    }

    /// The offset of the next byte the parser reads.
    public var offset: Int { index }

    func fail(_ reason: String) -> JSONParseError {
        JSONParseError(reason: reason, offset: index)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Fails unless only whitespace is left.
    public mutating func expectEnd() throws(JSONParseError) {
        skipWhitespace()
        if index != bytes.count { throw fail("unexpected data after the JSON value") }
    }

    mutating func peek() throws(JSONParseError) -> UInt8 {
        skipWhitespace()
        guard index < bytes.count else { throw fail("unexpected end of input") }
        return bytes[index]
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(JSONParseError) {
        guard try peek() == byte else { throw fail("expected \(what)") }
        index += 1
    }

    /// Parses a value, building it.
    public mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        try value(depth: depth, build: true)
    }

    /// Checks a value without building it; returns the byte range it occupies.
    public mutating func skipValue(depth: Int) throws(JSONParseError) -> Range<Int> {
        _ = try peek()
        let start = index
        _ = try value(depth: depth, build: false)
        return start..<index
    }

    private mutating func value(depth: Int, build: Bool) throws(JSONParseError) -> JSONValue {
        switch try peek() {
        case UInt8(ascii: "{"):
            return try object(depth: depth + 1, build: build)
        case UInt8(ascii: "["):
            return try array(depth: depth + 1, build: build)
        case UInt8(ascii: "\""):
            let string = try string(build: build)
            return build ? .string(string) : .null
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try number())
        default:
            throw fail("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw fail("unexpected end of input") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw fail("invalid literal")
        }
        index += count
    }

    private mutating func object(depth: Int, build: Bool) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth) levels") }
        index += 1
        var members: [JSONObject.Member] = []
        var names = MemberNames()
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return .object(JSONObject())
        }
        while true {
            guard try peek() == UInt8(ascii: "\"") else { throw fail("expected a member name") }
            let keyOffset = index
            // Member names are always built: duplicates are checked at every level.
            let key = try string(build: true)
            if !names.insert(key) {
                throw JSONParseError(reason: "duplicate member \"\(key.prefix(64))\"", offset: keyOffset)
            }
            try expect(UInt8(ascii: ":"), "':'")
            let member = try value(depth: depth, build: build)
            if build { members.append(.init(key: key, value: member)) }
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return build ? .object(JSONObject(members: members)) : .null
            default: throw fail("expected ',' or '}'")
            }
        }
    }

    private mutating func array(depth: Int, build: Bool) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth) levels") }
        index += 1
        var elements: [JSONValue] = []
        if try peek() == UInt8(ascii: "]") {
            index += 1
            return .array([])
        }
        while true {
            let element = try value(depth: depth, build: build)
            if build { elements.append(element) }
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return build ? .array(elements) : .null
            default: throw fail("expected ',' or ']'")
            }
        }
    }

    /// Parses a string at `index` (which holds the opening quote).
    mutating func string(build: Bool) throws(JSONParseError) -> String {
        index += 1
        let start = index
        var decoded: [UInt8]? = nil
        while true {
            guard index < bytes.count else { throw fail("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let result: String
                if let decoded {
                    result = build ? String(decoding: decoded, as: UTF8.self) : ""
                } else {
                    result = build ? String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self) : ""
                }
                index += 1
                return result
            }
            if byte < 0x20 {
                throw fail(byte == 0 ? "NUL byte in string" : "control character in string")
            }
            if byte == UInt8(ascii: "\\") {
                if decoded == nil { decoded = build ? Array(bytes[start..<index]) : [] }
                try escape(into: &decoded!, build: build)
                continue
            }
            if decoded != nil && build { decoded!.append(byte) }
            index += 1
        }
    }

    private mutating func escape(into output: inout [UInt8], build: Bool) throws(JSONParseError) {
        index += 1
        guard index < bytes.count else { throw fail("unterminated string") }
        let byte = bytes[index]
        index += 1
        let simple: UInt8
        switch byte {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if scalar == 0 { throw fail("\\u0000 is not allowed") }
            if (0xD800...0xDBFF).contains(scalar) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw fail("unpaired surrogate escape")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw fail("unpaired surrogate escape")
            }
            if build { output.append(contentsOf: Unicode.Scalar(scalar)!.utf8) }
            return
        default:
            throw fail("invalid escape")
        }
        if build { output.append(simple) }
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("unterminated string") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func number() throws(JSONParseError) -> Double {
        let start = index
        func digits(_ parser: inout JSONParser) -> Int {
            let from = parser.index
            while parser.index < parser.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.index]) {
                parser.index += 1
            }
            return parser.index - from
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw fail("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits(&self) == 0 {
            throw fail("invalid number")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw fail("invalid number") }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw fail("invalid number") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw JSONParseError(reason: "number out of range", offset: start)
        }
        return value
    }
}
