import TestSupport
import Testing

@testable import CNCPlugins
@testable import CollectorCore

/// The byte offset of the first (or `nth`) occurrence of `needle` in `text`, plus `plus`.
private func offset(of needle: String, in text: String, nth: Int = 1, plus: Int = 0) -> Int {
    let haystack = Array(text.utf8), pattern = Array(needle.utf8)
    var found = 0
    for start in 0...(haystack.count - pattern.count) where Array(haystack[start..<start + pattern.count]) == pattern {
        found += 1
        if found == nth { return start + plus }
    }
    fatalError("\(needle) not found \(nth) times in \(text)")
}

private func M(
    cncID: String? = #""CNC001""#, partProgram: String? = #""P1""#, timestamp: String? = #""1747379028""#,
    payload: String? = #"{"spin":1}"#, extra: String? = nil
) -> String {
    Fixtures.message(cncID: cncID, partProgram: partProgram, timestamp: timestamp, payload: payload, extra: extra)
}
private func B(_ text: String) -> [UInt8] { Array(text.utf8) }

struct AcceptCase: Sendable, CustomTestStringConvertible {
    var name: String
    var raw: [UInt8]
    var cncID: String
    var partProgram: String?
    var timestamp: Int64
    /// The exact JSON text of `payload` within the message.
    var payloadText: String
    var testDescription: String { name }
}

struct RejectCase: Sendable, CustomTestStringConvertible {
    var name: String
    var raw: [UInt8]
    var reason: String
    /// The cnc_id the failure must report ("" when none was readable).
    var cncID: String
    var limits = ValidationLimits()
    var testDescription: String { name }
}

@Suite("MessageValidator")
struct MessageValidatorTests {
    // MARK: - Accepted messages

    static let sampleCases: [AcceptCase] = [
        AcceptCase(
            name: "sample line 1", raw: Fixtures.sampleBytes[0], cncID: "CNC001", partProgram: "program_01", timestamp: 1_747_379_028_000_000,
            payloadText: #"{"status": "running","spin":200,"X-Axis":30,"Y-Axis":80}"#),
        AcceptCase(
            name: "sample line 2", raw: Fixtures.sampleBytes[1], cncID: "CNC002", partProgram: "program_02", timestamp: 1_747_379_030_000_000,
            payloadText: #"{"status": "idle","spin":0,"X-Axis":0,"Y-Axis":0}"#),
        AcceptCase(
            name: "sample line 3", raw: Fixtures.sampleBytes[2], cncID: "CNC001", partProgram: "program_03", timestamp: 1_747_379_035_000_000,
            payloadText: #"{"status": "error","spin":100,"X-Axis":25,"Y-Axis":75}"#),
        // The seed file's lines end in CRLF; the emulator keeps the CR.
        AcceptCase(
            name: "sample line 1 with CR", raw: Fixtures.sampleBytes[0] + [0x0D], cncID: "CNC001", partProgram: "program_01",
            timestamp: 1_747_379_028_000_000, payloadText: #"{"status": "running","spin":200,"X-Axis":30,"Y-Axis":80}"#),
    ]

    static let otherAcceptCases: [AcceptCase] = [
        AcceptCase(
            name: "numeric timestamp", raw: B(M(timestamp: "1747379028")), cncID: "CNC001", partProgram: "P1",
            timestamp: 1_747_379_028_000_000, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "fractional numeric timestamp", raw: B(M(timestamp: "1747379028.5")), cncID: "CNC001", partProgram: "P1",
            timestamp: 1_747_379_028_500_000, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "fractional string timestamp", raw: B(M(timestamp: #""1747379028.5""#)), cncID: "CNC001", partProgram: "P1",
            timestamp: 1_747_379_028_500_000, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "microsecond string timestamp", raw: B(M(timestamp: #""1747379028.123456""#)), cncID: "CNC001", partProgram: "P1",
            timestamp: 1_747_379_028_123_456, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "timestamp zero", raw: B(M(timestamp: #""0""#)), cncID: "CNC001", partProgram: "P1", timestamp: 0, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "latest timestamp", raw: B(M(timestamp: #""9999-12-31T23:59:59.999999Z""#)), cncID: "CNC001", partProgram: "P1",
            timestamp: 253_402_300_799_999_999, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "the largest Unix seconds, below 1e11", raw: B(M(timestamp: "99999999999")), cncID: "CNC001", partProgram: "P1",
            timestamp: 99_999_999_999_000_000, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "Unix milliseconds as text", raw: B(M(timestamp: #""1764990006000""#)), cncID: "CNC001", partProgram: "P1",
            timestamp: 1_764_990_006_000_000, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "Unix milliseconds as a number with a fraction", raw: B(M(timestamp: "1764990006123.456")), cncID: "CNC001",
            partProgram: "P1", timestamp: 1_764_990_006_123_456, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "RFC 3339 with Z", raw: B(M(timestamp: #""2025-12-06T03:00:05Z""#)), cncID: "CNC001", partProgram: "P1",
            timestamp: 1_764_990_005_000_000, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "RFC 3339 with an offset and microseconds", raw: B(M(timestamp: #""2025-10-26T02:30:00.000001+01:00""#)), cncID: "CNC001",
            partProgram: "P1", timestamp: 1_761_442_200_000_001, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "seconds in exponent form, as text", raw: B(M(timestamp: #""1e5""#)), cncID: "CNC001", partProgram: "P1",
            timestamp: 100_000_000_000, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "no part_program: no program loaded", raw: B(M(partProgram: nil)), cncID: "CNC001", partProgram: nil,
            timestamp: 1_747_379_028_000_000, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "part_program null: no program loaded", raw: B(M(partProgram: "null")), cncID: "CNC001", partProgram: nil,
            timestamp: 1_747_379_028_000_000, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "extra top-level fields", raw: B(M(extra: #""site":"plant-7","meta":{"a":[1,2.5,{"b":null}],"c":"x"},"flag":true"#)),
            cncID: "CNC001", partProgram: "P1", timestamp: 1_747_379_028_000_000, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "fields in another order, extra field first",
            raw: B(#"{"x":[],"payload":{"a":{"b":[1]}},"timestamp":5,"part_program":"Q","cnc_id":"M-1"}"#),
            cncID: "M-1", partProgram: "Q", timestamp: 5_000_000, payloadText: #"{"a":{"b":[1]}}"#),
        AcceptCase(
            name: "whitespace around everything",
            raw: B(" \r\n\t{ \"cnc_id\" : \"CNC001\" ,\n \"part_program\":\"P1\", \"timestamp\" : \"1\" , \"payload\" : { } }\r\n "),
            cncID: "CNC001", partProgram: "P1", timestamp: 1_000_000, payloadText: "{ }"),
        AcceptCase(
            name: "escaped member name", raw: B(#"{"cnc\u005fid":"CNC001","part_program":"P1","timestamp":"1","payload":{}}"#),
            cncID: "CNC001", partProgram: "P1", timestamp: 1_000_000, payloadText: "{}"),
        AcceptCase(
            name: "every allowed cnc_id character", raw: B(M(cncID: #""Line-1.cell_2:CNC9zZ""#)), cncID: "Line-1.cell_2:CNC9zZ",
            partProgram: "P1", timestamp: 1_747_379_028_000_000, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "64-byte cnc_id", raw: B(M(cncID: "\"" + String(repeating: "A", count: 64) + "\"")), cncID: String(repeating: "A", count: 64),
            partProgram: "P1", timestamp: 1_747_379_028_000_000, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "256-byte part_program", raw: B(M(partProgram: "\"" + String(repeating: "p", count: 256) + "\"")), cncID: "CNC001",
            partProgram: String(repeating: "p", count: 256), timestamp: 1_747_379_028_000_000, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "256-byte part_program of 2-byte characters", raw: B(M(partProgram: "\"" + String(repeating: "é", count: 128) + "\"")),
            cncID: "CNC001", partProgram: String(repeating: "é", count: 128), timestamp: 1_747_379_028_000_000, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "empty part_program", raw: B(M(partProgram: #""""#)), cncID: "CNC001", partProgram: "",
            timestamp: 1_747_379_028_000_000, payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "escapes in part_program", raw: B(M(partProgram: #""Progr\u00e4mm \"7\" \ud83d\ude00""#)), cncID: "CNC001",
            partProgram: "Progr\u{E4}mm \"7\" \u{1F600}", timestamp: 1_747_379_028_000_000,
            payloadText: #"{"spin":1}"#),
        AcceptCase(
            name: "payload with nested values and unicode", raw: B(M(payload: #"{"s":"é😀\n","a":[true,false,null,-1.5e3],"o":{}}"#)),
            cncID: "CNC001", partProgram: "P1", timestamp: 1_747_379_028_000_000, payloadText: #"{"s":"é😀\n","a":[true,false,null,-1.5e3],"o":{}}"#),
    ]

    @Test("accepted messages yield their fields and the payload's range", arguments: sampleCases + otherAcceptCases)
    func accepts(_ testCase: AcceptCase) throws {
        let fields = try MessageValidator().validate(testCase.raw).get()
        #expect(fields.cncID == testCase.cncID)
        #expect(fields.partProgram == testCase.partProgram)
        #expect(fields.timestamp == testCase.timestamp)
        #expect(fields.payloadRange.lowerBound >= 0 && fields.payloadRange.upperBound <= testCase.raw.count)
        #expect(String(decoding: testCase.raw[fields.payloadRange], as: UTF8.self) == testCase.payloadText)
    }

    @Test("the sample lines' payload bytes re-parse to the right objects")
    func samplePayloadsReparse() throws {
        let expected: [JSONValue] = [
            Fixtures.object([("status", .string("running")), ("spin", .number(200)), ("X-Axis", .number(30)), ("Y-Axis", .number(80))]),
            Fixtures.object([("status", .string("idle")), ("spin", .number(0)), ("X-Axis", .number(0)), ("Y-Axis", .number(0))]),
            Fixtures.object([("status", .string("error")), ("spin", .number(100)), ("X-Axis", .number(25)), ("Y-Axis", .number(75))]),
        ]
        for (line, object) in zip(Fixtures.sampleBytes, expected) {
            let fields = try MessageValidator().validate(line).get()
            #expect(try JSONParser.parse(Array(line[fields.payloadRange])) == object)
            let message = try Fixtures.cncMessage(line)
            #expect(try JSONValue.object(message.parsePayload()) == object)
        }
    }

    @Test("the repository's sample_data.json lines, as the emulator reads them, are all accepted")
    func repositorySampleFile() throws {
        let data = try Fixtures.repositoryFile("sample_data/sample_data.json")
        let lines = data.split(separator: UInt8(ascii: "\n")).map { Array($0) }.filter { !$0.allSatisfy { $0 == 0x0D || $0 == 0x20 } }
        #expect(lines.count == 3)
        for (line, expected) in zip(lines, Fixtures.sampleBytes) {
            #expect(line.filter { $0 != 0x0D } == expected)
            let fields = try MessageValidator().validate(line).get()
            #expect(fields.cncID == (try MessageValidator().validate(expected).get()).cncID)
        }
    }

    @Test("messages up to the size limit are accepted, one byte more is not")
    func sizeLimitBoundary() throws {
        let limits = ValidationLimits(maxMessageBytes: 200)
        let base = M(extra: #""pad":"""#)
        let padded = M(extra: "\"pad\":\"" + String(repeating: "x", count: 200 - base.utf8.count) + "\"")
        #expect(padded.utf8.count == 200)
        #expect(throws: Never.self) { try MessageValidator(limits: limits).validate(B(padded)).get() }
        let over = M(extra: "\"pad\":\"" + String(repeating: "x", count: 201 - base.utf8.count) + "\"")
        #expect(
            MessageValidator(limits: limits).validate(B(over))
                == .failure(ValidationFailure(reason: "message too large: 201 bytes, limit 200", cncID: "")))
    }

    @Test("nesting up to the depth limit is accepted (the message's own object counts)")
    func depthBoundary() throws {
        // message 1 + payload 2 + 14 arrays = 16 levels.
        let payload = #"{"a":"# + String(repeating: "[", count: 14) + String(repeating: "]", count: 14) + "}"
        #expect(throws: Never.self) { try MessageValidator().validate(B(M(payload: payload))).get() }
        let smaller = ValidationLimits(maxDepth: 2)
        #expect(throws: Never.self) { try MessageValidator(limits: smaller).validate(B(M(payload: #"{"a":1}"#))).get() }
    }

    // MARK: - Rejected messages

    static let structureCases: [RejectCase] = {
        let truncatedAfterField = #"{"cnc_id":"CNC001","part_program":"P1""#
        let missingComma = #"{"cnc_id":"CNC001" "part_program":"P1","timestamp":"1","payload":{}}"#
        let sample = Fixtures.sampleLines[0]
        let sampleCut = String(sample.dropLast(2))
        return [
            RejectCase(name: "empty", raw: [], reason: "empty message", cncID: ""),
            RejectCase(name: "not JSON", raw: B("status=running spin=200"), reason: "not a JSON object", cncID: ""),
            RejectCase(name: "top-level array", raw: B(#"[{"cnc_id":"CNC001"}]"#), reason: "not a JSON object", cncID: ""),
            RejectCase(name: "top-level string", raw: B(#""CNC001""#), reason: "not a JSON object", cncID: ""),
            RejectCase(name: "top-level number", raw: B("42"), reason: "not a JSON object", cncID: ""),
            RejectCase(name: "top-level null", raw: B("null"), reason: "not a JSON object", cncID: ""),
            RejectCase(name: "whitespace only", raw: B(" \n"), reason: "invalid JSON: unexpected end of input at byte 2", cncID: ""),
            RejectCase(name: "unquoted member names", raw: B("{cnc_id:1}"), reason: "invalid JSON: expected a member name at byte 1", cncID: ""),
            RejectCase(name: "just an open brace", raw: B("{"), reason: "invalid JSON: unexpected end of input at byte 1", cncID: ""),
            RejectCase(
                name: "truncated after a field", raw: B(truncatedAfterField),
                reason: "invalid JSON: unexpected end of input at byte \(truncatedAfterField.utf8.count)", cncID: "CNC001"),
            RejectCase(
                name: "truncated inside cnc_id", raw: B(#"{"cnc_id":"CNC0"#), reason: "invalid JSON: unterminated string at byte 15", cncID: ""),
            RejectCase(
                name: "truncated inside the payload", raw: B(sampleCut),
                reason: "invalid JSON: unexpected end of input at byte \(sampleCut.utf8.count)", cncID: "CNC001"),
            RejectCase(
                name: "truncated after a member name", raw: B(#"{"cnc_id""#), reason: "invalid JSON: unexpected end of input at byte 9", cncID: ""),
            RejectCase(name: "missing comma", raw: B(missingComma), reason: "invalid JSON: expected ',' or '}' at byte 19", cncID: "CNC001"),
            RejectCase(
                name: "trailing comma", raw: B(#"{"cnc_id":"CNC001",}"#), reason: "invalid JSON: expected a member name at byte 19", cncID: "CNC001"),
            RejectCase(name: "empty object", raw: B("{}"), reason: "missing field \"cnc_id\"", cncID: ""),
        ]
    }()

    static let fieldCases: [RejectCase] = [
        RejectCase(name: "missing cnc_id", raw: B(M(cncID: nil)), reason: #"missing field "cnc_id""#, cncID: ""),
        RejectCase(name: "missing timestamp", raw: B(M(timestamp: nil)), reason: #"missing field "timestamp""#, cncID: "CNC001"),
        RejectCase(name: "missing payload", raw: B(M(payload: nil)), reason: #"missing field "payload""#, cncID: "CNC001"),
        RejectCase(
            name: "missing payload and timestamp reports the first missing in contract order",
            raw: B(M(timestamp: nil, payload: nil)), reason: #"missing field "timestamp""#, cncID: "CNC001"),

        RejectCase(name: "cnc_id number", raw: B(M(cncID: "1")), reason: #"field "cnc_id" must be a string, not number"#, cncID: ""),
        RejectCase(name: "cnc_id null", raw: B(M(cncID: "null")), reason: #"field "cnc_id" must be a string, not null"#, cncID: ""),
        RejectCase(name: "cnc_id boolean", raw: B(M(cncID: "true")), reason: #"field "cnc_id" must be a string, not boolean"#, cncID: ""),
        RejectCase(name: "cnc_id array", raw: B(M(cncID: #"["CNC001"]"#)), reason: #"field "cnc_id" must be a string, not array"#, cncID: ""),
        RejectCase(name: "cnc_id object", raw: B(M(cncID: #"{"id":"CNC001"}"#)), reason: #"field "cnc_id" must be a string, not object"#, cncID: ""),
        RejectCase(
            name: "part_program number", raw: B(M(partProgram: "7")), reason: #"field "part_program" must be a string or null, not number"#,
            cncID: "CNC001"),
        RejectCase(
            name: "part_program object", raw: B(M(partProgram: "{}")), reason: #"field "part_program" must be a string or null, not object"#,
            cncID: "CNC001"),
        RejectCase(
            name: "timestamp boolean", raw: B(M(timestamp: "true")), reason: #"field "timestamp" must be a string or a number, not boolean"#,
            cncID: "CNC001"),
        RejectCase(
            name: "timestamp null", raw: B(M(timestamp: "null")), reason: #"field "timestamp" must be a string or a number, not null"#,
            cncID: "CNC001"),
        RejectCase(
            name: "timestamp array", raw: B(M(timestamp: "[1747379028]")), reason: #"field "timestamp" must be a string or a number, not array"#,
            cncID: "CNC001"),
        RejectCase(
            name: "timestamp object", raw: B(M(timestamp: #"{"s":1}"#)), reason: #"field "timestamp" must be a string or a number, not object"#,
            cncID: "CNC001"),
        RejectCase(name: "payload string", raw: B(M(payload: #""x""#)), reason: #"field "payload" must be an object, not string"#, cncID: "CNC001"),
        RejectCase(
            name: "payload array", raw: B(M(payload: #"[{"spin":1}]"#)), reason: #"field "payload" must be an object, not array"#, cncID: "CNC001"),
        RejectCase(name: "payload null", raw: B(M(payload: "null")), reason: #"field "payload" must be an object, not null"#, cncID: "CNC001"),
        RejectCase(name: "payload number", raw: B(M(payload: "1")), reason: #"field "payload" must be an object, not number"#, cncID: "CNC001"),

        RejectCase(name: "empty cnc_id", raw: B(M(cncID: #""""#)), reason: #"field "cnc_id" is empty"#, cncID: ""),
        RejectCase(
            name: "cnc_id with a space", raw: B(M(cncID: #""CNC 001""#)), reason: #"field "cnc_id" has characters outside A-Z a-z 0-9 . _ : -"#,
            cncID: ""),
        RejectCase(
            name: "cnc_id with a slash", raw: B(M(cncID: #""CNC/001""#)), reason: #"field "cnc_id" has characters outside A-Z a-z 0-9 . _ : -"#,
            cncID: ""),
        RejectCase(
            name: "cnc_id with a non-ASCII letter", raw: B(M(cncID: #""CNC\u00e9""#)),
            reason: #"field "cnc_id" has characters outside A-Z a-z 0-9 . _ : -"#, cncID: ""),
        RejectCase(
            name: "cnc_id with a newline escape", raw: B(M(cncID: #""CNC\n""#)),
            reason: #"field "cnc_id" has characters outside A-Z a-z 0-9 . _ : -"#, cncID: ""),
        RejectCase(
            name: "cnc_id too long", raw: B(M(cncID: "\"" + String(repeating: "A", count: 65) + "\"")),
            reason: #"field "cnc_id" longer than 64 bytes"#, cncID: ""),
        RejectCase(
            name: "cnc_id longer than a custom limit", raw: B(M(cncID: #""CNC0001""#)), reason: #"field "cnc_id" longer than 6 bytes"#, cncID: "",
            limits: ValidationLimits(maxCNCIDLength: 6)),
        RejectCase(
            name: "part_program too long", raw: B(M(partProgram: "\"" + String(repeating: "p", count: 257) + "\"")),
            reason: #"field "part_program" longer than 256 bytes"#, cncID: "CNC001"),
        RejectCase(
            name: "part_program of 2-byte characters too long", raw: B(M(partProgram: "\"" + String(repeating: "é", count: 129) + "\"")),
            reason: #"field "part_program" longer than 256 bytes"#, cncID: "CNC001"),
    ]

    static let timestampCases: [RejectCase] = {
        func notATime(_ text: String) -> RejectCase {
            RejectCase(
                name: "timestamp \"\(text)\"", raw: B(M(timestamp: "\"\(text)\"")),
                reason: "field \"timestamp\" must be Unix seconds, Unix milliseconds or RFC 3339, not \"\(text)\"", cncID: "CNC001")
        }
        func outOfRange(_ given: String, milliseconds: Bool = false) -> String {
            "field \"timestamp\" is out of range: 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z, not \"\(given)\""
                + (milliseconds ? " (read as Unix milliseconds)" : "")
        }
        let huge = M(timestamp: "1e400")
        return [
            "abc", ".5", "1.", "1.2.3", "", " 1747379028", "1747379028 ", "+1", "0x10", "1,5", "NaN", "inf",
            String(repeating: "0", count: 23) + "1747379028", "2025-02-29T00:00:00Z", "2025-12-06T03:00:05",
        ].map(notATime) + [
            RejectCase(name: "negative numeric timestamp", raw: B(M(timestamp: "-1")), reason: outOfRange("-1"), cncID: "CNC001"),
            RejectCase(name: "negative text timestamp", raw: B(M(timestamp: #""-1""#)), reason: outOfRange("-1"), cncID: "CNC001"),
            RejectCase(name: "slightly negative numeric timestamp", raw: B(M(timestamp: "-0.5")), reason: outOfRange("-0.5"), cncID: "CNC001"),
            RejectCase(
                name: "numeric milliseconds after 9999", raw: B(M(timestamp: "253402300800000")),
                reason: outOfRange("253402300800000", milliseconds: true), cncID: "CNC001"),
            RejectCase(
                name: "16-digit microseconds", raw: B(M(timestamp: "1764990006000000")),
                reason: outOfRange("1764990006000000", milliseconds: true), cncID: "CNC001"),
            RejectCase(name: "numeric timestamp 1e20", raw: B(M(timestamp: "1e20")), reason: outOfRange("1e20", milliseconds: true), cncID: "CNC001"),
            RejectCase(
                name: "RFC 3339 before 1970", raw: B(M(timestamp: #""1969-12-31T23:59:59Z""#)), reason: outOfRange("1969-12-31T23:59:59Z"),
                cncID: "CNC001"),
            RejectCase(
                name: "string timestamp far out of range", raw: B(M(timestamp: #""99999999999999999999""#)),
                reason: outOfRange("99999999999999999999", milliseconds: true), cncID: "CNC001"),
            RejectCase(
                name: "numeric timestamp beyond Double", raw: B(huge),
                reason: "invalid JSON: number out of range at byte \(offset(of: "1e400", in: huge))", cncID: "CNC001"),
        ]
    }()

    static let limitCases: [RejectCase] = {
        let tooDeepPayload = #"{"a":"# + String(repeating: "[", count: 15) + String(repeating: "]", count: 15) + "}"
        let tooDeep = M(payload: tooDeepPayload)
        let tooDeepExtra = M(extra: #""meta":"# + String(repeating: "[", count: 16) + String(repeating: "]", count: 16))
        let tooDeepTimestamp = M(timestamp: String(repeating: "[", count: 16) + String(repeating: "]", count: 16))
        let big = M(extra: "\"pad\":\"" + String(repeating: "x", count: 65_536) + "\"")
        return [
            RejectCase(name: "oversized (default limit)", raw: B(big), reason: "message too large: \(big.utf8.count) bytes, limit 65536", cncID: ""),
            RejectCase(
                name: "oversized (custom limit)", raw: Fixtures.sampleBytes[0],
                reason: "message too large: \(Fixtures.sampleBytes[0].count) bytes, limit 100", cncID: "",
                limits: ValidationLimits(maxMessageBytes: 100)),
            RejectCase(
                name: "payload nested one level too deep", raw: B(tooDeep),
                reason: "invalid JSON: nesting deeper than 16 levels at byte \(offset(of: #"{"a":"#, in: tooDeep, plus: 5 + 14))", cncID: "CNC001"),
            RejectCase(
                name: "extra field nested too deep", raw: B(tooDeepExtra),
                reason: "invalid JSON: nesting deeper than 16 levels at byte \(offset(of: "[", in: tooDeepExtra, plus: 15))", cncID: "CNC001"),
            RejectCase(
                name: "timestamp nested too deep", raw: B(tooDeepTimestamp),
                reason: "invalid JSON: nesting deeper than 16 levels at byte \(offset(of: "[", in: tooDeepTimestamp, plus: 15))", cncID: "CNC001"),
            RejectCase(
                name: "payload too deep for a custom limit", raw: B(M(payload: #"{"a":{}}"#)),
                reason: "invalid JSON: nesting deeper than 2 levels at byte \(offset(of: #"{"a":{}}"#, in: M(payload: #"{"a":{}}"#), plus: 5))",
                cncID: "CNC001", limits: ValidationLimits(maxDepth: 2)),
        ]
    }()

    static let encodingCases: [RejectCase] = {
        let head = B(#"{"cnc_id":"CNC001","part_program":"P"#)
        let tail = B(#"","timestamp":"1747379028","payload":{"spin":1}}"#)
        func inPartProgram(_ name: String, _ bad: [UInt8], at extra: Int = 0) -> RejectCase {
            RejectCase(name: name, raw: head + bad + tail, reason: "invalid UTF-8 at byte \(head.count + extra)", cncID: "")
        }
        let line = Fixtures.sampleBytes[0]
        let idHead = B(#"{"cnc_id":"CNC"#)
        return [
            inPartProgram("overlong 2-byte form of '/'", [0xC0, 0xAF]),
            inPartProgram("overlong 3-byte form", [0xE0, 0x80, 0xAF]),
            inPartProgram("overlong 4-byte form", [0xF0, 0x80, 0x80, 0xAF]),
            inPartProgram("UTF-8-encoded surrogate U+D800", [0xED, 0xA0, 0x80]),
            inPartProgram("UTF-8-encoded surrogate U+DFFF", [0xED, 0xBF, 0xBF]),
            inPartProgram("truncated 3-byte sequence", [0xE2, 0x82]),
            inPartProgram("truncated 4-byte sequence", [0xF0, 0x9F, 0x98]),
            inPartProgram("lone continuation byte", [0x80]),
            inPartProgram("0xFF byte", [0xFF]),
            inPartProgram("above U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
            inPartProgram("bad byte after valid multibyte text", Array("é€".utf8) + [0xC3, 0x28], at: 5),
            RejectCase(
                name: "truncated multibyte at the very end", raw: line + [0xE2, 0x82], reason: "invalid UTF-8 at byte \(line.count)", cncID: ""),
            RejectCase(
                name: "invalid UTF-8 inside cnc_id", raw: idHead + [0xC3] + B(#"","part_program":"P","timestamp":"1","payload":{}}"#),
                reason: "invalid UTF-8 at byte \(idHead.count)", cncID: ""),
        ]
    }()

    static let stringCases: [RejectCase] = {
        let head = B(#"{"cnc_id":"CNC001","part_program":"P"#)
        let tail = B(#"","timestamp":"1747379028","payload":{"spin":1}}"#)
        let nulOutside = B(#"{"cnc_id":"CNC001","#) + [0] + B(#""part_program":"P","timestamp":"1","payload":{}}"#)
        let escapedNUL = M(payload: #"{"status":"a\u0000"}"#)
        let escapedNULInID = M(cncID: #""CNC\u0000""#)
        let escapedNULInKey = M(payload: #"{"sta\u0000tus":"a"}"#)
        let loneHigh = M(payload: #"{"status":"\ud800"}"#)
        let loneLow = M(payload: #"{"status":"\udc00x"}"#)
        let highThenLetter = M(payload: #"{"status":"\ud800\u0041"}"#)
        let highThenEscape = M(payload: #"{"status":"\ud83d\n"}"#)
        let highAtEnd = M(partProgram: #""\ud83d""#)
        return [
            RejectCase(
                name: "raw NUL in a string", raw: head + [0] + tail, reason: "invalid JSON: NUL byte in string at byte \(head.count)", cncID: "CNC001"
            ),
            RejectCase(name: "raw NUL between members", raw: nulOutside, reason: "invalid JSON: expected a member name at byte 19", cncID: "CNC001"),
            RejectCase(
                name: "raw control character in a string", raw: head + [0x01] + tail,
                reason: "invalid JSON: control character in string at byte \(head.count)", cncID: "CNC001"),
            RejectCase(
                name: "raw tab in a string", raw: head + [0x09] + tail,
                reason: "invalid JSON: control character in string at byte \(head.count)", cncID: "CNC001"),
            RejectCase(
                name: "\\u0000 escape in the payload", raw: B(escapedNUL),
                reason: #"invalid JSON: \u0000 is not allowed at byte "# + "\(offset(of: #"\u0000"#, in: escapedNUL, plus: 6))", cncID: "CNC001"),
            RejectCase(
                name: "\\u0000 escape in cnc_id", raw: B(escapedNULInID),
                reason: #"invalid JSON: \u0000 is not allowed at byte "# + "\(offset(of: #"\u0000"#, in: escapedNULInID, plus: 6))", cncID: ""),
            RejectCase(
                name: "\\u0000 escape in a payload member name", raw: B(escapedNULInKey),
                reason: #"invalid JSON: \u0000 is not allowed at byte "# + "\(offset(of: #"\u0000"#, in: escapedNULInKey, plus: 6))",
                cncID: "CNC001"),
            RejectCase(
                name: "lone high surrogate escape", raw: B(loneHigh),
                reason: "invalid JSON: unpaired surrogate escape at byte \(offset(of: #"\ud800"#, in: loneHigh, plus: 6))", cncID: "CNC001"),
            RejectCase(
                name: "lone low surrogate escape", raw: B(loneLow),
                reason: "invalid JSON: unpaired surrogate escape at byte \(offset(of: #"\udc00"#, in: loneLow, plus: 6))", cncID: "CNC001"),
            RejectCase(
                name: "high surrogate followed by a non-surrogate escape", raw: B(highThenLetter),
                reason: "invalid JSON: unpaired surrogate escape at byte \(offset(of: #"\ud800"#, in: highThenLetter, plus: 12))", cncID: "CNC001"),
            RejectCase(
                name: "high surrogate followed by another escape", raw: B(highThenEscape),
                reason: "invalid JSON: unpaired surrogate escape at byte \(offset(of: #"\ud83d"#, in: highThenEscape, plus: 6))", cncID: "CNC001"),
            RejectCase(
                name: "high surrogate at the end of part_program", raw: B(highAtEnd),
                reason: "invalid JSON: unpaired surrogate escape at byte \(offset(of: #"\ud83d"#, in: highAtEnd, plus: 6))", cncID: "CNC001"),
            RejectCase(
                name: "unknown escape", raw: B(M(partProgram: #""\x41""#)),
                reason: "invalid JSON: invalid escape at byte \(offset(of: #"\x"#, in: M(partProgram: #""\x41""#), plus: 2))", cncID: "CNC001"),
        ]
    }()

    static let duplicateAndTrailingCases: [RejectCase] = {
        let duplicateID = #"{"cnc_id":"CNC001","cnc_id":"CNC002","part_program":"P","timestamp":"1","payload":{}}"#
        let duplicatePayload = M(extra: #""payload":{}"#)
        let duplicateExtra = M(extra: #""x":1,"x":2"#)
        let duplicateInPayload = M(payload: #"{"spin":1,"spin":2}"#)
        let duplicateEscaped = M(payload: #"{"spin":1,"\u0073pin":2}"#)
        let duplicateNested = M(payload: #"{"a":{"b":1,"c":[{"d":1,"d":1}]}}"#)
        let valid = Fixtures.sampleLines[0]
        return [
            RejectCase(
                name: "duplicate cnc_id", raw: B(duplicateID), reason: #"invalid JSON: duplicate member "cnc_id" at byte 19"#, cncID: "CNC001"),
            RejectCase(
                name: "duplicate payload", raw: B(duplicatePayload),
                reason: #"invalid JSON: duplicate member "payload" at byte "# + "\(offset(of: #""payload""#, in: duplicatePayload, nth: 2))",
                cncID: "CNC001"),
            RejectCase(
                name: "duplicate extra field", raw: B(duplicateExtra),
                reason: #"invalid JSON: duplicate member "x" at byte "# + "\(offset(of: #""x""#, in: duplicateExtra, nth: 2))", cncID: "CNC001"),
            RejectCase(
                name: "duplicate key inside payload", raw: B(duplicateInPayload),
                reason: #"invalid JSON: duplicate member "spin" at byte "# + "\(offset(of: #""spin""#, in: duplicateInPayload, nth: 2))",
                cncID: "CNC001"),
            RejectCase(
                name: "duplicate key inside payload, spelled with an escape", raw: B(duplicateEscaped),
                reason: #"invalid JSON: duplicate member "spin" at byte "# + "\(offset(of: #""\u0073pin""#, in: duplicateEscaped))", cncID: "CNC001"),
            RejectCase(
                name: "duplicate key nested in payload", raw: B(duplicateNested),
                reason: #"invalid JSON: duplicate member "d" at byte "# + "\(offset(of: #""d""#, in: duplicateNested, nth: 2))", cncID: "CNC001"),
            RejectCase(
                name: "trailing garbage", raw: B(valid + "x"),
                reason: "invalid JSON: unexpected data after the JSON value at byte \(valid.utf8.count)", cncID: "CNC001"),
            RejectCase(
                name: "trailing second object", raw: B(valid + "{}"),
                reason: "invalid JSON: unexpected data after the JSON value at byte \(valid.utf8.count)", cncID: "CNC001"),
            RejectCase(
                name: "two messages on one line", raw: B(valid + "\n" + valid),
                reason: "invalid JSON: unexpected data after the JSON value at byte \(valid.utf8.count + 1)", cncID: "CNC001"),
            RejectCase(
                name: "trailing comma after the object", raw: B(valid + " ,"),
                reason: "invalid JSON: unexpected data after the JSON value at byte \(valid.utf8.count + 1)", cncID: "CNC001"),
            RejectCase(
                name: "trailing NUL", raw: B(valid) + [0],
                reason: "invalid JSON: unexpected data after the JSON value at byte \(valid.utf8.count)", cncID: "CNC001"),
        ]
    }()

    @Test(
        "rejections carry the exact reason and the cnc_id when it was readable",
        arguments: structureCases + fieldCases + timestampCases + limitCases + encodingCases + stringCases + duplicateAndTrailingCases)
    func rejects(_ testCase: RejectCase) {
        let result = MessageValidator(limits: testCase.limits).validate(testCase.raw)
        switch result {
        case .success(let fields):
            Issue.record("accepted: \(fields)")
        case .failure(let failure):
            #expect(failure.reason == testCase.reason)
            #expect(failure.cncID == testCase.cncID)
            #expect(failure.description == failure.reason)
        }
    }

    @Test("every generated case name is unique (so a failing case can be found)")
    func caseNamesAreUnique() {
        let names =
            (Self.structureCases + Self.fieldCases + Self.timestampCases + Self.limitCases + Self.encodingCases + Self.stringCases
            + Self.duplicateAndTrailingCases).map(\.name)
        #expect(Set(names).count == names.count)
    }

    @Test("a payload of thousands of members is accepted; a late duplicate of any field or variable is not")
    func manyMembers() throws {
        let variables = (0..<5_000).map { "\"v\($0)\":0" }.joined(separator: ",")
        let extras = (0..<40).map { "\"x\($0)\":0" }.joined(separator: ",")
        let message = M(payload: "{" + variables + "}", extra: extras)
        let fields = try MessageValidator().validate(B(message)).get()
        #expect(B(message)[fields.payloadRange] == B("{" + variables + "}")[...])
        func reason(_ text: String) -> String {
            guard case .failure(let failure) = MessageValidator().validate(B(text)) else { return "accepted" }
            return failure.reason
        }
        #expect(reason(M(payload: "{" + variables + #","v7":1}"#)).hasPrefix(#"invalid JSON: duplicate member "v7""#))
        #expect(reason(M(extra: extras + #","cnc_id":"CNC002""#)).hasPrefix(#"invalid JSON: duplicate member "cnc_id""#))
    }

    // MARK: - Robustness

    @Test("no mutation of the sample lines crashes the validator; results are consistent")
    func mutatedSamplesNeverCrash() throws {
        var random = TestRandom(seed: 0xC0FFEE)
        let interesting: [UInt8] = [
            0x00, 0x01, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x3A, 0x2C, 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xFF, 0x75, 0x30, 0x2D, 0x2E,
            0x65,
        ]
        let validator = MessageValidator()
        var accepted = 0, rejected = 0
        for iteration in 0..<20_000 {
            var bytes = Fixtures.sampleBytes[iteration % 3]
            for _ in 0..<(1 + random.below(4)) {
                switch random.below(5) {
                case 0 where !bytes.isEmpty:
                    bytes[random.below(bytes.count)] ^= UInt8(truncatingIfNeeded: 1 << random.below(8))
                case 1:
                    let byte = random.below(2) == 0 ? interesting[random.below(interesting.count)] : UInt8(truncatingIfNeeded: random.next())
                    bytes.insert(byte, at: random.below(bytes.count + 1))
                case 2 where !bytes.isEmpty:
                    bytes.removeSubrange(random.below(bytes.count)...)
                case 3 where !bytes.isEmpty:
                    bytes.remove(at: random.below(bytes.count))
                default:
                    if !bytes.isEmpty { bytes[random.below(bytes.count)] = interesting[random.below(interesting.count)] }
                }
            }
            switch validator.validate(bytes) {
            case .success(let fields):
                accepted += 1
                #expect(fields.payloadRange.upperBound <= bytes.count)
                #expect(CNCIdentifier.isValid(fields.cncID))
                #expect(fields.timestamp.map { $0 >= 0 && $0 <= 253_402_300_799_999_999 } == true)
                // Whatever the validator accepts, the full parser accepts too, and the payload is an object.
                #expect(throws: Never.self) { try JSONParser.parse(bytes, maxDepth: 16) }
                let payload = try? JSONParser.parse(Array(bytes[fields.payloadRange]))
                if case .object = payload {} else { Issue.record("payload of accepted \(bytes) is not an object") }
            case .failure(let failure):
                rejected += 1
                #expect(!failure.reason.isEmpty)
            }
        }
        // The mutations must exercise both outcomes, or the loop proves little.
        #expect(accepted > 100)
        #expect(rejected > 10_000)
    }

    @Test("random bytes never crash the validator")
    func randomBytesNeverCrash() {
        var random = TestRandom(seed: 42)
        for _ in 0..<5_000 {
            let count = random.below(64)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if random.below(2) == 0 { bytes.insert(UInt8(ascii: "{"), at: 0) }
            if case .failure(let failure) = MessageValidator().validate(bytes) {
                #expect(!failure.reason.isEmpty)
            }
        }
    }
}

/// Regression: when parsing stopped after `cnc_id` was read, the failure used to report the
/// raw `cnc_id` even when it broke the id rules (arbitrary text into `rejected_messages.cnc_id`),
/// whereas the field-check path blanked it. Both paths must report only a valid id.
@Suite("MessageValidator: cnc_id reported in failures")
struct MessageValidatorFailureIDTests {
    @Test(
        "a parse failure never reports an invalid cnc_id",
        arguments: [
            #"{"cnc_id":"bad id!","part_program":"#,
            #"{"cnc_id":"CNC/../x","part_program":"P","timestamp":"1","payload":{}} trailing"#,
            "{\"cnc_id\":\"" + String(repeating: "A", count: 100) + "\",\"payload\":[]}",
        ])
    func invalidIDNotReported(_ text: String) {
        guard case .failure(let failure) = MessageValidator().validate(Array(text.utf8)) else {
            Issue.record("accepted")
            return
        }
        #expect(failure.cncID == "", "reason: \(failure.reason)")
    }

    @Test("the field-check path blanks an invalid cnc_id (the behaviour the parse path should match)")
    func fieldCheckPathBlanks() {
        let text = #"{"cnc_id":"bad id!","part_program":"P","timestamp":"1","payload":{}}"#
        #expect(
            MessageValidator().validate(Array(text.utf8))
                == .failure(
                    ValidationFailure(
                        reason: #"field "cnc_id" has characters outside A-Z a-z 0-9 . _ : -"#, cncID: "")))
    }
}
