/// The fields of a message that passed validation; the rest stays in the raw bytes.
public struct ValidatedFields: Sendable, Equatable {
    public var cncID: String
    public var partProgram: String
    /// Microseconds since the Unix epoch.
    public var timestamp: Int64
    public var payloadRange: Range<Int>
}

/// Why a message was rejected.
public struct ValidationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    /// The `cnc_id`, when it could be read before the message failed.
    public var cncID: String

    public var description: String { reason }
}

/// Checks one raw MQTT payload against the message contract:
/// a UTF-8 JSON object with `cnc_id` (non-empty string of `[A-Za-z0-9._:-]`), `part_program`
/// (string), `timestamp` (Unix seconds, as a string or a number) and `payload` (an object).
/// Extra top-level members are allowed. It parses the document once and does not build `payload`.
public struct MessageValidator: Sendable {
    public var limits: ValidationLimits

    public init(limits: ValidationLimits = ValidationLimits()) {
        self.limits = limits
    }

    public func validate(_ raw: [UInt8]) -> Result<ValidatedFields, ValidationFailure> {
        guard !raw.isEmpty else { return .failure(ValidationFailure(reason: "empty message", cncID: "")) }
        guard raw.count <= limits.maxMessageBytes else {
            return .failure(ValidationFailure(reason: "message too large: \(raw.count) bytes, limit \(limits.maxMessageBytes)", cncID: ""))
        }
        return raw.withUnsafeBufferPointer { buffer in
            if let bad = firstInvalidUTF8Offset(buffer) {
                return .failure(ValidationFailure(reason: "invalid UTF-8 at byte \(bad)", cncID: ""))
            }
            var fields = FieldCollector(limits: limits)
            var parser = JSONParser(bytes: buffer, maxDepth: limits.maxDepth)
            do throws(JSONParseError) {
                try fields.parseTopLevel(&parser)
            } catch {
                let reason =
                    error.reason.hasPrefix("field") || error.reason.hasPrefix("missing") || error.reason.hasPrefix("not a JSON")
                    ? error.reason : "invalid JSON: \(error)"
                let cncID = fields.cncID.flatMap { CNCIdentifier.isValid($0, maxLength: limits.maxCNCIDLength) ? $0 : nil } ?? ""
                return .failure(ValidationFailure(reason: reason, cncID: cncID))
            }
            return fields.result()
        }
    }
}

/// Walks the top-level object, keeping the four contract fields.
private struct FieldCollector {
    let limits: ValidationLimits
    var cncID: String?
    var partProgram: String?
    var timestamp: JSONValue?
    var payloadRange: Range<Int>?

    init(limits: ValidationLimits) {
        self.limits = limits
    }

    mutating func parseTopLevel(_ parser: inout JSONParser) throws(JSONParseError) {
        guard try parser.peek() == UInt8(ascii: "{") else {
            throw JSONParseError(reason: "not a JSON object", offset: parser.offset)
        }
        // Parse the object member by member so that payload is only checked, never built.
        try parser.expect(UInt8(ascii: "{"), "'{'")
        var seen = MemberNames()
        if try parser.peek() == UInt8(ascii: "}") {
            parser.index += 1
        } else {
            while true {
                guard try parser.peek() == UInt8(ascii: "\"") else { throw parser.fail("expected a member name") }
                let keyOffset = parser.offset
                let key = try parser.string(build: true)
                if !seen.insert(key) {
                    throw JSONParseError(reason: "duplicate member \"\(key.prefix(64))\"", offset: keyOffset)
                }
                try parser.expect(UInt8(ascii: ":"), "':'")
                switch key {
                case "cnc_id":
                    cncID = try stringField(key, &parser)
                case "part_program":
                    partProgram = try stringField(key, &parser)
                case "timestamp":
                    timestamp = try parser.parseValue(depth: 1)
                case "payload":
                    let offset = parser.offset
                    guard try parser.peek() == UInt8(ascii: "{") else {
                        let value = try parser.parseValue(depth: 1)
                        throw JSONParseError(reason: "field \"payload\" must be an object, not \(value.typeName)", offset: offset)
                    }
                    payloadRange = try parser.skipValue(depth: 1)
                default:
                    _ = try parser.skipValue(depth: 1)
                }
                let delimiter = try parser.peek()
                parser.index += 1
                if delimiter == UInt8(ascii: "}") { break }
                guard delimiter == UInt8(ascii: ",") else {
                    parser.index -= 1
                    throw parser.fail("expected ',' or '}'")
                }
            }
        }
        try parser.expectEnd()
    }

    private func stringField(_ key: String, _ parser: inout JSONParser) throws(JSONParseError) -> String {
        let offset = parser.offset
        let value = try parser.parseValue(depth: 1)
        guard case .string(let string) = value else {
            throw JSONParseError(reason: "field \"\(key)\" must be a string, not \(value.typeName)", offset: offset)
        }
        return string
    }

    func result() -> Result<ValidatedFields, ValidationFailure> {
        func failure(_ reason: String) -> Result<ValidatedFields, ValidationFailure> {
            .failure(
                ValidationFailure(reason: reason, cncID: cncID.map { CNCIdentifier.isValid($0, maxLength: limits.maxCNCIDLength) ? $0 : "" } ?? ""))
        }
        guard let cncID else { return failure("missing field \"cnc_id\"") }
        guard let partProgram else { return failure("missing field \"part_program\"") }
        guard let timestamp else { return failure("missing field \"timestamp\"") }
        guard let payloadRange else { return failure("missing field \"payload\"") }
        if let problem = CNCIdentifier.problem(cncID, maxLength: limits.maxCNCIDLength) {
            return failure("field \"cnc_id\" \(problem)")
        }
        guard partProgram.utf8.count <= limits.maxPartProgramLength else {
            return failure("field \"part_program\" longer than \(limits.maxPartProgramLength) bytes")
        }
        let microseconds: Int64
        switch Self.timestampMicroseconds(timestamp) {
        case .success(let value): microseconds = value
        case .failure(let reason): return failure(reason.reason)
        }
        return .success(ValidatedFields(cncID: cncID, partProgram: partProgram, timestamp: microseconds, payloadRange: payloadRange))
    }

    /// Unix seconds, as a string of digits with an optional fraction or as a JSON number.
    static func timestampMicroseconds(_ value: JSONValue) -> Result<Int64, ValidationFailure> {
        let seconds: Double
        switch value {
        case .number(let number):
            seconds = number
        case .string(let text):
            let isDecimal =
                !text.isEmpty && text.utf8.count <= 32
                && text.utf8.allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".") }
                && text.utf8.filter { $0 == UInt8(ascii: ".") }.count <= 1
                && text.utf8.first != UInt8(ascii: ".") && text.utf8.last != UInt8(ascii: ".")
            guard isDecimal, let parsed = Double(text) else {
                return .failure(ValidationFailure(reason: "field \"timestamp\" must be Unix seconds, got \"\(text.prefix(40))\"", cncID: ""))
            }
            seconds = parsed
        default:
            return .failure(ValidationFailure(reason: "field \"timestamp\" must be a string or a number, not \(value.typeName)", cncID: ""))
        }
        guard seconds >= 0 && seconds <= ValidationLimits.maxTimestampSeconds else {
            return .failure(ValidationFailure(reason: "field \"timestamp\" out of range (0 to 253402300799 Unix seconds)", cncID: ""))
        }
        return .success(Int64((seconds * 1_000_000).rounded()))
    }
}
