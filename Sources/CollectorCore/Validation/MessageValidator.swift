/// The fields of a message that passed validation; the rest stays in the raw bytes.
public struct ValidatedFields: Sendable, Equatable {
    /// The `cnc_id`, valid by `CNCIdentifier` within `ValidationLimits.maxCNCIDLength`.
    public var cncID: String
    /// nil when the message has no program (null, absent, or a layout without one).
    public var partProgram: String?
    /// Microseconds since the Unix epoch; nil when the layout's time is the receive time.
    public var timestamp: Int64?
    /// Where the payload object's JSON text lies within the message's bytes; `0..<0` when
    /// `builtPayload` holds it.
    public var payloadRange: Range<Int>
    /// The payload's JSON text when it is not a part of the message (`MessageLayout.Payload.rest`
    /// with members left out).
    public var builtPayload: [UInt8]?
    /// The machine's tags read from topic levels, in level order; empty when the layout names none.
    public var tags: [MachineTag]

    /// Fields as given; nothing is checked.
    public init(
        cncID: String, partProgram: String?, timestamp: Int64?, payloadRange: Range<Int>, builtPayload: [UInt8]? = nil, tags: [MachineTag] = []
    ) {
        self.cncID = cncID
        self.partProgram = partProgram
        self.timestamp = timestamp
        self.payloadRange = payloadRange
        self.builtPayload = builtPayload
        self.tags = tags
    }
}

/// Why a message was rejected.
public struct ValidationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why, in words: ingest stores it as the rejection's reason, and `RejectionClass` classifies
    /// it by how it starts.
    public var reason: String
    /// The `cnc_id`, when it could be read before the message failed and is a valid one; empty
    /// otherwise.
    public var cncID: String

    /// A failure with this reason and `cnc_id` (empty when none).
    public init(reason: String, cncID: String) {
        self.reason = reason
        self.cncID = cncID
    }

    /// The reason alone.
    public var description: String { reason }
}

/// Checks one raw MQTT payload against its source's layout (`MessageLayout`; by default the
/// original envelope: a UTF-8 JSON object with `cnc_id`, a non-empty string of
/// `[A-Za-z0-9._:-]`, `part_program`, a string or null or absent, `timestamp`, a time in one of
/// the forms `MessageTime` reads, and `payload`, an object). Other top-level members are
/// allowed. It parses the document once and builds no value of the payload.
public struct MessageValidator: Sendable {
    /// The bounds messages are checked against.
    public let limits: ValidationLimits
    private let plan: LayoutPlan

    /// The layout messages are read by.
    public var layout: MessageLayout { plan.layout }

    /// A validator for `layout` (by default the original envelope) within `limits` (by default
    /// `ValidationLimits()`). The layout is worked out once, here; copies of the validator share that work.
    public init(limits: ValidationLimits = ValidationLimits(), layout: MessageLayout = .envelope) {
        self.limits = limits
        self.plan = LayoutPlan(layout)
    }

    /// Validates a message that arrived on `topic` (which a layout reading topic levels needs).
    public func validate(_ raw: [UInt8], topic: String = "") -> Result<ValidatedFields, ValidationFailure> {
        guard !raw.isEmpty else { return .failure(ValidationFailure(reason: "empty message", cncID: "")) }
        guard raw.count <= limits.maxMessageBytes else {
            return .failure(ValidationFailure(reason: "message too large: \(raw.count) bytes, limit \(limits.maxMessageBytes)", cncID: ""))
        }
        return raw.withUnsafeBufferPointer { buffer in
            if let bad = firstInvalidUTF8Offset(buffer) {
                return .failure(ValidationFailure(reason: "invalid UTF-8 at byte \(bad)", cncID: ""))
            }
            var fields = FieldCollector(limits: limits, plan: plan, bytes: buffer)
            var parser = JSONParser(bytes: buffer, maxDepth: limits.maxDepth)
            do throws(JSONParseError) {
                try fields.parseTopLevel(&parser)
            } catch {
                let reason =
                    error.reason.hasPrefix("field") || error.reason.hasPrefix("payload field") || error.reason.hasPrefix("missing")
                        || error.reason.hasPrefix("not a JSON")
                    ? error.reason : "invalid JSON: \(error)"
                return fields.failure(reason, cncID: fields.cncID)
            }
            return fields.result(topic: topic)
        }
    }
}

/// Walks the top-level object (and the payload object, where the layout reads members of it),
/// keeping what the layout names.
private struct FieldCollector {
    let limits: ValidationLimits
    let plan: LayoutPlan
    let bytes: UnsafeBufferPointer<UInt8>
    var cncID: String?
    var partProgram: String?
    var time: Result<Int64, MessageTimeError>?
    var payloadRange: Range<Int>?
    /// With `payload: rest`: the members kept as variables, each from its name to its value's end.
    var variables: [Range<Int>] = []
    var leftOut = 0

    init(limits: ValidationLimits, plan: LayoutPlan, bytes: UnsafeBufferPointer<UInt8>) {
        self.limits = limits
        self.plan = plan
        self.bytes = bytes
        // One allocation for the members of a flat message, rather than one each time the list grows.
        if plan.payloadIsRest { variables.reserveCapacity(16) }
    }

    mutating func parseTopLevel(_ parser: inout JSONParser) throws(JSONParseError) {
        guard try parser.peek() == UInt8(ascii: "{") else {
            throw JSONParseError(reason: "not a JSON object", offset: parser.offset)
        }
        let start = parser.offset
        try parseObject(&parser, inPayload: false)
        if plan.payloadIsRest, leftOut == 0 { payloadRange = start..<parser.offset }
        try parser.expectEnd()
    }

    /// Parses an object member by member, so that what the layout does not read is only checked, never built.
    private mutating func parseObject(_ parser: inout JSONParser, inPayload: Bool) throws(JSONParseError) {
        try parser.expect(UInt8(ascii: "{"), "'{'")
        var seen = MemberNames()
        if try parser.peek() == UInt8(ascii: "}") {
            parser.index += 1
            return
        }
        let depth = inPayload ? 2 : 1
        let keepsVariables = !inPayload && plan.payloadIsRest
        while true {
            guard try parser.peek() == UInt8(ascii: "\"") else { throw parser.fail("expected a member name") }
            let keyOffset = parser.offset
            let key = try parser.string(build: true)
            if !seen.insert(key) {
                throw JSONParseError(reason: "duplicate member \"\(key.prefix(64))\"", offset: keyOffset)
            }
            try parser.expect(UInt8(ascii: ":"), "':'")
            switch plan.role(ofMember: key, inPayload: inPayload) {
            case .cncID?:
                cncID = try stringField(place(key, inPayload), &parser, depth: depth)
                if keepsVariables { leftOut += 1 }
            case .partProgram?:
                partProgram = try optionalStringField(place(key, inPayload), &parser, depth: depth)
                if keepsVariables { leftOut += 1 }
            case .time(let format)?:
                time = try timeField(place(key, inPayload), format, &parser, depth: depth)
                if keepsVariables { leftOut += 1 }
            case .payload?:
                let offset = parser.offset
                guard try parser.peek() == UInt8(ascii: "{") else {
                    let value = try parser.parseValue(depth: 1)
                    throw JSONParseError(reason: "field \"\(key)\" must be an object, not \(value.typeName)", offset: offset)
                }
                if plan.payloadMembers.isEmpty {
                    payloadRange = try parser.skipValue(depth: 1)
                } else {
                    try parseObject(&parser, inPayload: true)
                    payloadRange = offset..<parser.offset
                }
            case .tag?, nil:
                let value = try parser.skipValue(depth: depth)
                if keepsVariables { variables.append(keyOffset..<value.upperBound) }
            }
            let delimiter = try parser.peek()
            parser.index += 1
            if delimiter == UInt8(ascii: "}") { return }
            guard delimiter == UInt8(ascii: ",") else {
                parser.index -= 1
                throw parser.fail("expected ',' or '}'")
            }
        }
    }

    private func place(_ key: String, _ inPayload: Bool) -> MessageLayout.Place {
        inPayload ? .payloadMember(key) : .member(key)
    }

    private func stringField(_ place: MessageLayout.Place, _ parser: inout JSONParser, depth: Int) throws(JSONParseError) -> String {
        let offset = parser.offset
        let value = try parser.parseValue(depth: depth)
        guard case .string(let string) = value else {
            throw JSONParseError(reason: "\(MessageLayout.name(of: place)) must be a string, not \(value.typeName)", offset: offset)
        }
        return string
    }

    /// A string, or nil for null.
    private func optionalStringField(_ place: MessageLayout.Place, _ parser: inout JSONParser, depth: Int) throws(JSONParseError) -> String? {
        let offset = parser.offset
        switch try parser.parseValue(depth: depth) {
        case .string(let string): return string
        case .null: return nil
        case let value:
            throw JSONParseError(reason: "\(MessageLayout.name(of: place)) must be a string or null, not \(value.typeName)", offset: offset)
        }
    }

    /// A time as `format` says, from a string or from a number's own text (never through a
    /// `Double`, so that it is exact to the microsecond).
    private func timeField(_ place: MessageLayout.Place, _ format: TimeFormat, _ parser: inout JSONParser, depth: Int)
        throws(JSONParseError) -> Result<Int64, MessageTimeError>
    {
        let offset = parser.offset
        switch try parser.peek() {
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let range = try parser.skipValue(depth: depth)
            return MessageTime.microseconds(UnsafeBufferPointer(rebasing: bytes[range]), quoted: false, format: format)
        default:
            let value = try parser.parseValue(depth: depth)
            guard case .string(let text) = value else {
                throw JSONParseError(
                    reason: "\(MessageLayout.name(of: place)) must be a string or a number, not \(value.typeName)", offset: offset)
            }
            return MessageTime.microseconds(text, quoted: true, format: format)
        }
    }

    /// The fields, or the first thing wrong with them. The layout itself is read only to word a
    /// failure: on the way to a success only the plan's flags are.
    func result(topic: String) -> Result<ValidatedFields, ValidationFailure> {
        var cncID = self.cncID, partProgram = self.partProgram, time = self.time
        var tags: [MachineTag] = []
        let missingLevel = plan.forEachLevel(of: topic) { role, text in
            switch role {
            case .cncID: cncID = String(text)
            case .partProgram: partProgram = String(text)
            case .time(let format): time = MessageTime.microseconds(String(text), quoted: true, format: format)
            case .tag(let name): tags.append(MachineTag(name: name, value: String(text)))
            case .payload: break
            }
        }
        if let missingLevel { return failure("topic \"\(topic.prefix(128))\" has no level \(missingLevel + 1)", cncID: nil) }
        guard let cncID else { return failure("missing \(MessageLayout.name(of: plan.layout.cncID))", cncID: nil) }
        if plan.readsTime, time == nil, case .at(let place, _) = plan.layout.time {
            return failure("missing \(MessageLayout.name(of: place))", cncID: cncID)
        }
        guard let payloadRange = payloadRange ?? (plan.payloadIsRest ? 0..<0 : nil) else {
            guard case .member(let name) = plan.layout.payload else { return failure("missing payload", cncID: cncID) }
            return failure("missing field \"\(name)\"", cncID: cncID)
        }
        if let problem = CNCIdentifier.problem(cncID, maxLength: limits.maxCNCIDLength) {
            return failure("\(MessageLayout.name(of: plan.layout.cncID)) \(problem)", cncID: cncID)
        }
        if let partProgram, partProgram.utf8.count > limits.maxPartProgramLength, let place = plan.layout.partProgram {
            return failure("\(MessageLayout.name(of: place)) longer than \(limits.maxPartProgramLength) bytes", cncID: cncID)
        }
        var microseconds: Int64?
        switch time {
        case .success(let value)?: microseconds = value
        case .failure(let error)?:
            guard case .at(let place, _) = plan.layout.time else { break }
            return failure("\(MessageLayout.name(of: place)) \(error.reason)", cncID: cncID)
        case nil: break
        }
        var fields = ValidatedFields(cncID: cncID, partProgram: partProgram, timestamp: microseconds, payloadRange: payloadRange, tags: tags)
        if plan.payloadIsRest, leftOut > 0 { fields.builtPayload = builtPayload() }
        return .success(fields)
    }

    /// `{` and the kept members, separated by commas, and `}`: the variables of a flat message.
    private func builtPayload() -> [UInt8] {
        var payload: [UInt8] = []
        payload.reserveCapacity(variables.reduce(2) { $0 + $1.count + 1 })
        payload.append(UInt8(ascii: "{"))
        for (index, range) in variables.enumerated() {
            if index > 0 { payload.append(UInt8(ascii: ",")) }
            payload.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range]))
        }
        payload.append(UInt8(ascii: "}"))
        return payload
    }

    /// A failure that names the `cnc_id` read so far, when it is a valid one.
    func failure(_ reason: String, cncID: String?) -> Result<ValidatedFields, ValidationFailure> {
        let readable = cncID.flatMap { CNCIdentifier.isValid($0, maxLength: limits.maxCNCIDLength) ? $0 : nil } ?? ""
        return .failure(ValidationFailure(reason: reason, cncID: readable))
    }
}
