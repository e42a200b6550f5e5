import TestSupport
import Testing

@testable import CollectorCore

private func parse(_ text: String, maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
    try JSONParser.parse(Array(text.utf8), maxDepth: maxDepth)
}

private func obj(_ members: (String, JSONValue)...) -> JSONValue {
    Fixtures.object(members)
}

struct ParseCase: Sendable, CustomTestStringConvertible {
    var text: String
    var value: JSONValue
    var testDescription: String { text.debugDescription }
}

struct ParseFailureCase: Sendable, CustomTestStringConvertible {
    var bytes: [UInt8]
    var reason: String
    var offset: Int
    var maxDepth = 64

    init(_ text: String, _ reason: String, at offset: Int, maxDepth: Int = 64) {
        self.bytes = Array(text.utf8)
        self.reason = reason
        self.offset = offset
        self.maxDepth = maxDepth
    }

    init(bytes: [UInt8], _ reason: String, at offset: Int) {
        self.bytes = bytes
        self.reason = reason
        self.offset = offset
    }

    var testDescription: String { String(decoding: bytes, as: UTF8.self).debugDescription }
}

@Suite("JSONParser")
struct JSONParserTests {
    static let valueCases: [ParseCase] = [
        ParseCase(text: "null", value: .null),
        ParseCase(text: "true", value: .bool(true)),
        ParseCase(text: "false", value: .bool(false)),
        ParseCase(text: " \t\r\n 7 \n", value: .number(7)),
        ParseCase(text: #""""#, value: .string("")),
        ParseCase(text: #""abc""#, value: .string("abc")),
        ParseCase(text: #""é😀""#, value: .string("é😀")),
        ParseCase(text: "[]", value: .array([])),
        ParseCase(text: "[ ]", value: .array([])),
        ParseCase(text: "{}", value: obj()),
        ParseCase(text: "{ }", value: obj()),
        ParseCase(text: #"[1,"a",null,true,[],{}]"#, value: .array([.number(1), .string("a"), .null, .bool(true), .array([]), obj()])),
        ParseCase(text: #"{"b":1,"a":[2,{"c":null}]}"#, value: obj(("b", .number(1)), ("a", .array([.number(2), obj(("c", .null))])))),
        ParseCase(text: #" { "z" : 1 , "y" : "2" } "#, value: obj(("z", .number(1)), ("y", .string("2")))),
        ParseCase(text: #"{"":0}"#, value: obj(("", .number(0)))),
    ]

    @Test("values", arguments: valueCases)
    func values(_ testCase: ParseCase) throws {
        #expect(try parse(testCase.text) == testCase.value)
    }

    @Test("object members keep document order")
    func memberOrder() throws {
        guard case .object(let object) = try parse(#"{"z":1,"a":2,"m":3}"#) else {
            Issue.record("not an object")
            return
        }
        #expect(object.keys == ["z", "a", "m"])
        #expect(object["a"] == .number(2))
        #expect(object["q"] == nil)
    }

    static let escapeCases: [ParseCase] = [
        ParseCase(text: #""a\nb""#, value: .string("a\nb")),
        ParseCase(text: #""\"\\\/\b\f\n\r\t""#, value: .string("\"\\/\u{8}\u{C}\n\r\t")),
        ParseCase(text: #""\u00e9""#, value: .string("\u{E9}")),
        ParseCase(text: #""\u00E9""#, value: .string("\u{E9}")),
        ParseCase(text: #""caf\u00e9!""#, value: .string("caf\u{E9}!")),
        ParseCase(text: #""\u20AC""#, value: .string("€")),
        ParseCase(text: #""\u0001""#, value: .string("\u{1}")),
        ParseCase(text: #""\uffff""#, value: .string("\u{FFFF}")),
        ParseCase(text: #""\ud83d\ude00""#, value: .string("\u{1F600}")),
        ParseCase(text: #""\uD834\uDD1E""#, value: .string("\u{1D11E}")),
        ParseCase(text: #""\udbff\udfff""#, value: .string("\u{10FFFF}")),
        ParseCase(text: #""x\ud800\udc00y""#, value: .string("x\u{10000}y")),
        ParseCase(text: #""a\u0062c""#, value: .string("abc")),
        ParseCase(text: #""é\n€""#, value: .string("é\n€")),
        ParseCase(text: #"{"k\u0065y":1}"#, value: obj(("key", .number(1)))),
    ]

    @Test("escapes decode to the right scalars", arguments: escapeCases)
    func escapes(_ testCase: ParseCase) throws {
        let value = try parse(testCase.text)
        #expect(value == testCase.value)
        // Compare scalars too: String == is canonical equivalence, this is exact.
        if case .string(let got) = value, case .string(let want) = testCase.value {
            #expect(Array(got.unicodeScalars) == Array(want.unicodeScalars))
        }
    }

    @Test("a surrogate pair becomes one scalar")
    func surrogatePair() throws {
        guard case .string(let string) = try parse(#""\ud83d\ude00""#) else {
            Issue.record("not a string")
            return
        }
        #expect(string.unicodeScalars.map(\.value) == [0x1F600])
        #expect(Array(string.utf8) == [0xF0, 0x9F, 0x98, 0x80])
    }

    static let validNumbers: [(String, Double)] = [
        ("0", 0), ("-0", 0), ("7", 7), ("-7", -7), ("123", 123), ("1.25", 1.25), ("-0.5", -0.5), ("0.0", 0),
        ("1e5", 100_000), ("1E5", 100_000), ("1e+5", 100_000), ("1E-2", 0.01), ("-1.5e10", -1.5e10), ("0e0", 0),
        ("12345678901234567168", 12_345_678_901_234_567_168), ("1.7976931348623157e308", 1.7976931348623157e308),
        ("2.5e-308", 2.5e-308), ("0.1", 0.1),
    ]

    @Test("valid RFC 8259 numbers", arguments: validNumbers)
    func validNumber(_ text: String, _ expected: Double) throws {
        #expect(try parse(text) == .number(expected))
        #expect(try parse("[\(text)]") == .array([.number(expected)]))
    }

    static let failureCases: [ParseFailureCase] = [
        // Numbers (RFC 8259 grammar).
        ParseFailureCase("01", "unexpected data after the JSON value", at: 1),
        ParseFailureCase("-01", "unexpected data after the JSON value", at: 2),
        ParseFailureCase("1.", "invalid number", at: 2),
        ParseFailureCase("1.e5", "invalid number", at: 2),
        ParseFailureCase("-", "invalid number", at: 1),
        ParseFailureCase("--1", "invalid number", at: 1),
        ParseFailureCase("-a", "invalid number", at: 1),
        ParseFailureCase("1e", "invalid number", at: 2),
        ParseFailureCase("1e+", "invalid number", at: 3),
        ParseFailureCase("1E-x", "invalid number", at: 3),
        ParseFailureCase(".5", "unexpected character", at: 0),
        ParseFailureCase("+1", "unexpected character", at: 0),
        ParseFailureCase("0x10", "unexpected data after the JSON value", at: 1),
        ParseFailureCase("NaN", "unexpected character", at: 0),
        ParseFailureCase("Infinity", "unexpected character", at: 0),
        ParseFailureCase("-Infinity", "invalid number", at: 1),
        ParseFailureCase("[1,.5]", "unexpected character", at: 3),
        // Out of range.
        ParseFailureCase("1e400", "number out of range", at: 0),
        ParseFailureCase("-1e309", "number out of range", at: 0),
        ParseFailureCase("[0, 1.8e308]", "number out of range", at: 4),
        ParseFailureCase(#"{"a":-2e999}"#, "number out of range", at: 5),
        // Literals.
        ParseFailureCase("tru", "unexpected end of input", at: 0),
        ParseFailureCase("trux", "invalid literal", at: 0),
        ParseFailureCase("nul", "unexpected end of input", at: 0),
        ParseFailureCase("nulL", "invalid literal", at: 0),
        ParseFailureCase("True", "unexpected character", at: 0),
        ParseFailureCase("falsey", "unexpected data after the JSON value", at: 5),
        // Structure.
        ParseFailureCase("", "unexpected end of input", at: 0),
        ParseFailureCase("  ", "unexpected end of input", at: 2),
        ParseFailureCase("[", "unexpected end of input", at: 1),
        ParseFailureCase("[1,]", "unexpected character", at: 3),
        ParseFailureCase("[1 2]", "expected ',' or ']'", at: 3),
        ParseFailureCase("{", "unexpected end of input", at: 1),
        ParseFailureCase(#"{"a" 1}"#, "expected ':'", at: 5),
        ParseFailureCase(#"{"a":1,}"#, "expected a member name", at: 7),
        ParseFailureCase(#"{"a":1 "b":2}"#, "expected ',' or '}'", at: 7),
        ParseFailureCase("{1:2}", "expected a member name", at: 1),
        ParseFailureCase("{'a':1}", "expected a member name", at: 1),
        ParseFailureCase("]", "unexpected character", at: 0),
        ParseFailureCase("1 2", "unexpected data after the JSON value", at: 2),
        ParseFailureCase("{}{}", "unexpected data after the JSON value", at: 2),
        // Strings.
        ParseFailureCase(#""abc"#, "unterminated string", at: 4),
        ParseFailureCase(#""\"#, "unterminated string", at: 2),
        ParseFailureCase(#""\x""#, "invalid escape", at: 3),
        ParseFailureCase(#""\'""#, "invalid escape", at: 3),
        ParseFailureCase(#""\u12""#, "unterminated string", at: 3),
        ParseFailureCase(#""\u12G4""#, #"invalid \u escape"#, at: 5),
        ParseFailureCase(#""\u0000""#, #"\u0000 is not allowed"#, at: 7),
        ParseFailureCase(#""\ud800""#, "unpaired surrogate escape", at: 7),
        ParseFailureCase(#""\ud800x""#, "unpaired surrogate escape", at: 7),
        ParseFailureCase(#""\udfff""#, "unpaired surrogate escape", at: 7),
        ParseFailureCase(#""\ud800\ud800""#, "unpaired surrogate escape", at: 13),
        ParseFailureCase(#""\ud800\u0041""#, "unpaired surrogate escape", at: 13),
        ParseFailureCase(bytes: [0x22, 0x61, 0x00, 0x22], "NUL byte in string", at: 2),
        ParseFailureCase(bytes: [0x22, 0x09, 0x22], "control character in string", at: 1),
        ParseFailureCase(bytes: [0x22, 0x1F, 0x22], "control character in string", at: 1),
        ParseFailureCase(bytes: [0x22, 0x0A, 0x22], "control character in string", at: 1),
        // Duplicate member names, at every level, however spelled.
        ParseFailureCase(#"{"a":1,"a":2}"#, #"duplicate member "a""#, at: 7),
        ParseFailureCase(#"{"a":1,"\u0061":2}"#, #"duplicate member "a""#, at: 7),
        ParseFailureCase(#"[{"x":{"b":1,"b":1}}]"#, #"duplicate member "b""#, at: 13),
        // UTF-8 is checked before parsing.
        ParseFailureCase(bytes: [0x22, 0xC3, 0x28, 0x22], "invalid UTF-8", at: 1),
        ParseFailureCase(bytes: [0x5B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x5D], "invalid UTF-8", at: 2),
        // Depth.
        ParseFailureCase("[[[[]]]]", "nesting deeper than 3 levels", at: 3, maxDepth: 3),
        ParseFailureCase(#"{"a":{"b":{"c":{}}}}"#, "nesting deeper than 3 levels", at: 15, maxDepth: 3),
        ParseFailureCase(#"[{"a":[]}]"#, "nesting deeper than 2 levels", at: 6, maxDepth: 2),
        ParseFailureCase("[]", "nesting deeper than 0 levels", at: 0, maxDepth: 0),
    ]

    @Test("rejections with reason and offset", arguments: failureCases)
    func failures(_ testCase: ParseFailureCase) {
        #expect(throws: JSONParseError(reason: testCase.reason, offset: testCase.offset)) {
            try JSONParser.parse(testCase.bytes, maxDepth: testCase.maxDepth)
        }
    }

    /// Regression: names were checked against a list of all earlier ones, so an object of a few
    /// thousand members took seconds; past a few members they now go into a set.
    @Test("objects of many members: every earlier name is still checked for duplicates", arguments: [1, 15, 16, 17, 18, 100, 5_999])
    func duplicatesInLargeObjects(count: Int) throws {
        let names = (0..<count).map { "\"v\($0)\":0" }
        let distinct = "{" + names.joined(separator: ",") + "}"
        guard case .object(let object) = try parse(distinct) else {
            Issue.record("not an object")
            return
        }
        #expect(object.keys == (0..<count).map { "v\($0)" })
        for duplicate in Set([0, count / 2, count - 1]) {
            let text = String(distinct.dropLast()) + ",\"v\(duplicate)\":1}"
            #expect(throws: JSONParseError(reason: "duplicate member \"v\(duplicate)\"", offset: distinct.utf8.count)) { try parse(text) }
        }
    }

    @Test("the error's description names the reason and the offset")
    func errorDescription() {
        #expect(JSONParseError(reason: "invalid number", offset: 3).description == "invalid number at byte 3")
    }

    @Test("nesting exactly at the limit is accepted")
    func depthLimit() throws {
        let deepest = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try parse(deepest) }
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParseError(reason: "nesting deeper than 64 levels", offset: 64)) { try parse(tooDeep) }
        #expect(throws: Never.self) { try parse("[[[]]]", maxDepth: 3) }
        #expect(throws: Never.self) { try parse(#"{"a":{"b":{}}}"#, maxDepth: 3) }
        #expect(throws: Never.self) { try parse("1", maxDepth: 0) }
    }

    @Test("very deep input fails cleanly instead of exhausting the stack")
    func veryDeepInput() {
        let bomb = String(repeating: "[", count: 200_000)
        #expect(throws: JSONParseError(reason: "nesting deeper than 64 levels", offset: 64)) { try parse(bomb) }
        let objects = String(repeating: #"{"a":"#, count: 100_000)
        #expect(throws: JSONParseError.self) { try parse(objects) }
    }

    // MARK: - Serialisation

    static let serialisationCases: [(JSONValue, String)] = [
        (.null, "null"),
        (.bool(true), "true"),
        (.number(1), "1"),
        (.number(-42), "-42"),
        (.number(1.5), "1.5"),
        (.number(0.1), "0.1"),
        (.string("a\"b\\c\nd\re\tf\u{1}g\u{1F}é"), #""a\"b\\c\nd\re\tf\u0001g\u001fé""#),
        (.array([]), "[]"),
        (obj(), "{}"),
        (obj(("b", .number(1)), ("a", .array([.null, .bool(false)]))), #"{"b":1,"a":[null,false]}"#),
    ]

    @Test("serialised text", arguments: serialisationCases)
    func serialisedText(_ value: JSONValue, _ expected: String) throws {
        #expect(value.serialized() == expected)
        #expect(try parse(expected) == value)
    }

    @Test("serialise then parse gives the same value (seeded random documents)")
    func roundTrip() throws {
        var random = TestRandom(seed: 2024)
        for _ in 0..<2_000 {
            let value = Self.randomValue(&random, depth: 0)
            let text = value.serialized()
            let parsed = try JSONParser.parse(Array(text.utf8))
            #expect(parsed == value, "\(text)")
            // Exact bytes, not just canonically equivalent strings, survive.
            #expect(Array(parsed.serialized().utf8) == Array(text.utf8))
        }
    }

    @Test("round trip of the sample payloads and awkward numbers")
    func roundTripExamples() throws {
        for line in Fixtures.sampleBytes {
            let value = try JSONParser.parse(line)
            #expect(try JSONParser.parse(Array(value.serialized().utf8)) == value)
        }
        for number in [
            1e15, 1e20, -1e300, Double.leastNonzeroMagnitude, 123_456_789.125, 1.0 / 3.0, Double.greatestFiniteMagnitude, -0.0, 999_999_999_999_999,
        ] {
            let text = JSONValue.number(number).serialized()
            #expect(try parse(text) == .number(number), "\(text)")
        }
    }

    @Test("JSONObject.set keeps the position of an existing member and appends a new one; remove drops it")
    func objectEditing() {
        var object = JSONObject(members: [.init(key: "a", value: .number(1)), .init(key: "b", value: .number(2))])
        object.set("a", .string("x"))
        object.set("c", .null)
        #expect(object.keys == ["a", "b", "c"])
        #expect(object["a"] == .string("x"))
        object.remove("b")
        #expect(object.keys == ["a", "c"])
    }

    @Test("type names used in rejection reasons")
    func typeNames() {
        #expect(
            [JSONValue.null, .bool(true), .number(1), .string(""), .array([]), obj()].map(\.typeName)
                == ["null", "boolean", "number", "string", "array", "object"])
    }

    static func randomValue(_ random: inout TestRandom, depth: Int) -> JSONValue {
        switch random.below(depth > 4 ? 4 : 6) {
        case 0: return .null
        case 1: return .bool(random.below(2) == 0)
        case 2:
            switch random.below(3) {
            case 0: return .number(Double(Int64(truncatingIfNeeded: random.next()) >> random.below(64)))
            case 1: return .number(Double(random.below(2_000_001) - 1_000_000) / 1000)
            default:
                var number: Double
                repeat { number = Double(bitPattern: random.next()) } while !number.isFinite
                return .number(number)
            }
        case 3: return .string(randomString(&random))
        case 4: return .array((0..<random.below(5)).map { _ in randomValue(&random, depth: depth + 1) })
        default:
            var object = JSONObject()
            for _ in 0..<random.below(5) {
                let key = randomString(&random)
                if object[key] == nil { object.set(key, randomValue(&random, depth: depth + 1)) }
            }
            return .object(object)
        }
    }

    static let scalarPool: [Unicode.Scalar] = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{1}", "\u{8}", "\u{C}", "\u{1F}", "\u{7F}",
        "é", "\u{301}", "€", "\u{FFFF}", "\u{FEFF}", "\u{10000}", "\u{1F600}", "\u{10FFFF}", "\u{E000}", "\u{D7FF}",
    ]

    static func randomString(_ random: inout TestRandom) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<random.below(8) { scalars.append(scalarPool[random.below(scalarPool.count)]) }
        return String(scalars)
    }
}
