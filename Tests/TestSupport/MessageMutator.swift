import CNCPlugins
import CollectorCore
import Ingest

/// Makes hostile variants of valid messages for the validator fuzz test.
///
/// Input `n` of seed `s` depends on nothing else, so any one input can be made again alone. A
/// message is first taken apart into members (raw JSON text, so that the parts can hold invalid
/// UTF-8 or broken escapes), changed member by member (wrong types, missing, duplicated and
/// unknown fields, edge values, deep nesting, many members), put back together and then,
/// often, damaged byte by byte (flips, insertions, deletions, truncation, splicing).
package struct MessageMutator {
    /// One `"key":value` pair, both as raw bytes.
    package struct Member {
        var key: [UInt8]
        var value: [UInt8]
    }

    /// The kinds of change, recorded per input for the summary.
    package enum Mutation: String, CaseIterable {
        case fieldValue, payloadValue, removeField, duplicateField, unknownField, escapedName, shuffle
        case deepNesting, manyMembers, hugeString, hugeNumber, nearSizeLimit
        case byteFlip, byteSet, insertToken, deleteRange, duplicateRange, truncate, splice, trailingData
    }

    /// A message being changed. The payload's members are kept apart, so that changing one
    /// variable does not mean parsing the payload again; a `payload` member with an empty value
    /// stands for them.
    package struct Draft {
        var members: [Member]
        var payload: [Member]

        var bytes: [UInt8] {
            let payloadKey = MessageMutator.quoted("payload")
            return MessageMutator.object(
                members.map { member in
                    member.key == payloadKey && member.value.isEmpty ? Member(key: member.key, value: MessageMutator.object(payload)) : member
                })
        }
    }

    package let seeds: [[UInt8]]
    private let drafts: [Draft]

    package init(seeds: [[UInt8]]) {
        self.seeds = seeds
        drafts = seeds.map { seed in
            guard case .object(let object) = try? JSONParser.parse(seed), case .object(let payload)? = object["payload"] else {
                fatalError("fuzz seed is not a message")
            }
            return Draft(
                members: object.members.map { Member(key: Self.quoted($0.key), value: $0.key == "payload" ? [] : Array($0.value.serialized().utf8)) },
                payload: payload.members.map { Member(key: Self.quoted($0.key), value: Array($0.value.serialized().utf8)) }
            )
        }
    }

    /// Input `index` of the run seeded with `seed`, and the changes made to it.
    package func input(_ index: UInt64, seed: UInt64) -> (bytes: [UInt8], mutations: [Mutation]) {
        var random = TestRandom(seed: seed ^ (index &* 0xD6E8_FEB8_6659_FD93))
        var mutations: [Mutation] = []
        var draft = drafts[random.below(drafts.count)]
        // Members first: a quarter of the inputs get no structural change.
        for _ in 0..<random.below(4) {
            mutateMembers(&draft, &random, &mutations)
        }
        var bytes = draft.bytes
        // Then bytes: half of the inputs stay well-formed so that the worker path is exercised.
        if random.below(2) == 0 {
            for _ in 0..<(1 + random.below(3)) {
                mutateBytes(&bytes, &random, &mutations)
            }
        }
        return (bytes, mutations)
    }

    // MARK: - Members

    private static let fields = ["cnc_id", "part_program", "timestamp", "payload"]
    private static let variables = ["status", "spin", "X-Axis", "Y-Axis", "Z-Axis", "feed", "alarm"]

    private func mutateMembers(_ draft: inout Draft, _ random: inout TestRandom, _ mutations: inout [Mutation]) {
        let mutation: Mutation = [
            .fieldValue, .fieldValue, .fieldValue, .payloadValue, .payloadValue, .payloadValue, .removeField, .duplicateField,
            .unknownField, .escapedName, .shuffle, .deepNesting, .hugeString, .hugeNumber,
        ][random.below(14)]
        mutations.append(mutation)
        switch mutation {
        case .fieldValue:
            let field = Self.fields[random.below(Self.fields.count)]
            Self.set(field, to: Self.value(for: field, &random), in: &draft.members)
        case .payloadValue:
            let name = random.below(5) == 0 ? Self.randomString(&random) : Self.variables[random.below(Self.variables.count)]
            setVariable(name, to: Self.value(for: name, &random), in: &draft)
        case .removeField:
            if random.below(4) == 0, !draft.payload.isEmpty {
                draft.payload.remove(at: random.below(draft.payload.count))
            } else if !draft.members.isEmpty {
                draft.members.remove(at: random.below(draft.members.count))
            }
        case .duplicateField:
            if random.below(4) == 0, !draft.payload.isEmpty {
                Self.duplicate(in: &draft.payload, &random)
            } else {
                Self.duplicate(in: &draft.members, &random)
            }
        case .unknownField:
            let member = Member(key: Self.quoted(Self.randomString(&random)), value: Self.value(for: "", &random))
            draft.members.insert(member, at: random.below(draft.members.count + 1))
        case .escapedName:
            // "cnc_id" spelled with escapes is the same member to a JSON reader.
            if !draft.members.isEmpty {
                let index = random.below(draft.members.count)
                draft.members[index].key = Array(
                    draft.members[index].key.map { byte in
                        byte == UInt8(ascii: "\"") || random.below(3) != 0 ? [byte] : Array("\\u00\(String(byte, radix: 16))".utf8)
                    }.joined())
            }
        case .shuffle:
            draft.members.shuffle(using: &random)
            draft.payload.shuffle(using: &random)
        case .deepNesting:
            place(Self.nestings[random.below(Self.nestings.count)], variable: "status", in: &draft, &random)
        case .hugeString:
            place(
                Self.hugeStrings[random.below(Self.hugeStrings.count)], variable: random.below(2) == 0 ? "alarm" : Self.randomString(&random),
                in: &draft, &random)
        case .hugeNumber:
            place(
                Self.hugeNumbers[random.below(Self.hugeNumbers.count)], variable: Self.variables[random.below(Self.variables.count)], in: &draft,
                &random)
        default:
            break
        }
        // Rare, because they are large: many payload members (the cost of the duplicate check)
        // and a message right at the size limit.
        if random.below(500) == 0 {
            mutations.append(.manyMembers)
            draft.payload += Self.manyMembers[random.below(Self.manyMembers.count)]
            if !draft.members.contains(where: { $0.key == Self.quoted("payload") }) {
                draft.members.append(Member(key: Self.quoted("payload"), value: []))
            }
        }
        if random.below(500) == 0 {
            mutations.append(.nearSizeLimit)
            let padding = max(0, 65_536 - draft.bytes.count - 10 + random.below(3) - 1)
            draft.members.append(
                Member(
                    key: Self.quoted("pad"), value: [UInt8(ascii: "\"")] + Array(repeating: UInt8(ascii: "x"), count: padding) + [UInt8(ascii: "\"")])
            )
        }
    }

    /// Puts a value in one of the four fields or, as often, in a payload variable.
    private func place(_ value: [UInt8], variable: String, in draft: inout Draft, _ random: inout TestRandom) {
        if random.below(2) == 0 {
            Self.set(Self.fields[random.below(Self.fields.count)], to: value, in: &draft.members)
        } else {
            setVariable(variable, to: value, in: &draft)
        }
    }

    /// Sets a payload variable; a payload that another change made something else becomes an object again.
    private func setVariable(_ name: String, to value: [UInt8], in draft: inout Draft) {
        Self.set("payload", to: [], in: &draft.members)
        Self.set(name, to: value, in: &draft.payload)
    }

    private static func set(_ key: String, to value: [UInt8], in members: inout [Member]) {
        let quotedKey = quoted(key)
        if let index = members.firstIndex(where: { $0.key == quotedKey }) {
            members[index].value = value
        } else {
            members.append(Member(key: quotedKey, value: value))
        }
    }

    private static func duplicate(in members: inout [Member], _ random: inout TestRandom) {
        guard !members.isEmpty else { return }
        var copy = members[random.below(members.count)]
        if random.below(2) == 0 && !copy.value.isEmpty { copy.value = value(for: "", &random) }
        members.insert(copy, at: random.below(members.count + 1))
    }

    // MARK: - Large values, made once

    /// Arrays and objects nested around the depth limit and far beyond it.
    private static let nestings: [[UInt8]] = [13, 14, 15, 16, 17, 64, 1_000, 30_000].flatMap { (depth: Int) -> [[UInt8]] in
        let arrays: [UInt8] = Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth)
        var objects: [UInt8] = Array(Array(repeating: Array(#"{"a":"#.utf8), count: depth).joined())
        objects.append(UInt8(ascii: "1"))
        objects += Array(repeating: UInt8(ascii: "}"), count: depth)
        return [arrays, objects]
    }

    /// Strings at the field limits and near or over the message limit, in 1- to 4-byte characters,
    /// escapes and combining marks.
    private static let hugeStrings: [[UInt8]] = [255, 256, 257, 4_096, 60_000, 70_000].flatMap { length in
        ["p", "é", "😀", "\\u00e9", "e\u{301}"].map { unit in
            let unit = Array(unit.utf8)
            return [UInt8(ascii: "\"")] + Array(Array(repeating: unit, count: max(1, length / unit.count)).joined()) + [UInt8(ascii: "\"")]
        }
    }

    /// Numbers of many digits, with and without sign, fraction and exponent.
    private static let hugeNumbers: [[UInt8]] = [20, 309, 400, 5_000, 50_000].flatMap { digits in
        let integer = Array(repeating: UInt8(ascii: "9"), count: digits)
        let fraction = Array("0.".utf8) + Array(repeating: UInt8(ascii: "0"), count: digits) + [UInt8(ascii: "1")]
        return [
            integer, fraction, [UInt8(ascii: "-")] + integer, integer + Array("e-99999".utf8), fraction + Array("e+400".utf8),
            [UInt8(ascii: "1")] + Array("e\(digits)".utf8),
        ]
    }

    /// Hundreds to thousands of distinct payload members.
    private static let manyMembers: [[Member]] = [100, 1_000, 6_000].map { count in
        (0..<count).map { Member(key: quoted("v\($0)"), value: [UInt8(ascii: "0")]) }
    }

    // MARK: - Values

    /// Values that are valid somewhere, at a boundary, of the wrong type, or broken.
    private static let anyValues: [String] = [
        "0", "-0", "1", "-1", "0.5", "1e3", "1E+2", "-1.5e-3", "1e308", "1e309", "-1e309", "1e-400", "01", "1.", ".5", "+1", "-",
        "NaN", "Infinity", "0x10", "1_000", "true", "false", "null", "nul", "tru", "[]", "{}", "[1,2]", "[1,]", #"{"a":1}"#, #"{"a"}"#,
        #""""#, #""x""#, #""\u0000""#, #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\ud800\ud800""#, #""\ud83d\ude00""#,
        #""\uD83D\uDE00""#, #""\x""#, #""\u12""#, #""\u12g4""#, #""a\"b""#, #""tab\tnew\nline""#, #""'; DROP TABLE cnc_data; --""#,
        #""Robert'); DELETE FROM rejected_messages WHERE ('1'='1""#, #""$$ OR 1=1 $$""#, #""\\x00""#, "\"\u{7F}\u{85}\u{2028}\"",
        "\"e\u{301}\u{301}\u{301}\"", "\"\u{FEFF}\"", "\"\u{10FFFF}\"",
    ]

    private static let fieldValues: [String: [String]] = [
        "cnc_id": [
            #""CNC001""#, #""CNC002""#, #""CNC999""#, #""""#, #""CNC 001""#, #""CNC001\n""#, #""CNC-1.a_b:c""#, #""CNC001é""#,
            "\"" + String(repeating: "A", count: 64) + "\"", "\"" + String(repeating: "A", count: 65) + "\"",
            #""CNC001'; DROP TABLE cnc_data; --""#, #""CNC\u0030\u0030\u0031""#,
        ],
        "part_program": [
            #""""#, #""program_01""#, "\"" + String(repeating: "p", count: 256) + "\"", "\"" + String(repeating: "p", count: 257) + "\"",
            "\"" + String(repeating: "é", count: 128) + "\"", "\"" + String(repeating: "é", count: 129) + "\"",
        ],
        "timestamp": [
            #""1747379028""#, "1747379028", #""1747379028.25""#, "1747379028.25", #""0""#, "0", "-0", #""253402300799""#,
            "253402300799", #""253402300800""#, "253402300800", #""-1""#, "-1", #""1.""#, #"".5""#, #""1e5""#, "1e5", #"" 1""#,
            #""1.2.3""#, "\"" + String(repeating: "0", count: 22) + "1747379028\"", "\"" + String(repeating: "0", count: 23) + "1747379028\"",
            "\"１２\"", #""0x10""#, "1e-7", "253402300799.4999999", "253402300799.5",
        ],
        "status": [
            #""running""#, #""RUN""#, #""idle""#, #""ready""#, #""stopped""#, #""setup""#, #""maintenance""#, #""error""#,
            #""ALARM""#, #""Running""#, #""İdle""#, #""""#,
        ],
        "spin": ["0", "200", "6000", "6000.5", "24000", "24001", "200.5", "-1"],
        "X-Axis": ["0", "-1000", "1000", "1000.0001", "-400", "400.5"],
        "Y-Axis": ["0", "-200", "200", "200.0001", "-1000", "1000"],
        "Z-Axis": ["0", "-600", "600", "-1500", "1500.5"],
        "feed": ["0", "10000", "10001", "20000", "20001"],
        "alarm": [#""""#, #""E42""#, "\"" + String(repeating: "a", count: 64) + "\"", "\"" + String(repeating: "a", count: 65) + "\""],
    ]

    private static func value(for name: String, _ random: inout TestRandom) -> [UInt8] {
        if let values = fieldValues[name], random.below(2) == 0 {
            return Array(values[random.below(values.count)].utf8)
        }
        switch random.below(8) {
        case 0: return quoted(randomString(&random))
        case 1: return Array(String(Double(bitPattern: random.next())).utf8)
        default: return Array(anyValues[random.below(anyValues.count)].utf8)
        }
    }

    /// A short string mixing allowed `cnc_id` characters with others.
    private static func randomString(_ random: inout TestRandom) -> String {
        let alphabet: [String] = [
            "A", "z", "0", "9", ".", "_", ":", "-", " ", "'", "\"", "\\", ";", "/", "é", "😀", "\u{301}", "\u{0}", "\u{1F}", "%", "{", "}",
        ]
        return String((0..<random.below(12)).map { _ in alphabet[random.below(alphabet.count)] }.joined())
    }

    // MARK: - Bytes

    /// Byte sequences that break or bend JSON and UTF-8.
    private static let tokens: [[UInt8]] =
        [
            "{", "}", "[", "]", "\"", "\\", ",", ":", " ", "\t", "\r\n", "0", "-", ".", "e", "n", "t", "\\u", "\\u0000", "\\ud800", "\\udfff",
            "\\\"", "//", "/*", "'", "\u{0}",
        ].map { Array($0.utf8) } + [
            [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF],
            [0xF4, 0x90, 0x80, 0x80], [0xF5], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFF], [0xFE], [0x80], [0xBF], [0xC3], [0xE2, 0x82],
            [0xF0, 0x9F, 0x98], [0xEF, 0xBB, 0xBF], [0x00], [0x7F], [0x1F],
        ]

    private func mutateBytes(_ bytes: inout [UInt8], _ random: inout TestRandom, _ mutations: inout [Mutation]) {
        let mutation: Mutation = [.byteFlip, .byteSet, .insertToken, .insertToken, .deleteRange, .duplicateRange, .truncate, .splice, .trailingData][
            random.below(9)]
        mutations.append(mutation)
        let position = random.below(bytes.count + 1)
        switch mutation {
        case .byteFlip:
            if position < bytes.count { bytes[position] ^= UInt8(1) << UInt8(random.below(8)) }
        case .byteSet:
            if position < bytes.count { bytes[position] = UInt8(truncatingIfNeeded: random.next()) }
        case .insertToken:
            bytes.insert(contentsOf: Self.tokens[random.below(Self.tokens.count)], at: position)
        case .deleteRange:
            bytes.removeSubrange(position..<min(bytes.count, position + 1 + random.below(8)))
        case .duplicateRange:
            let slice = bytes[position..<min(bytes.count, position + 1 + random.below(32))]
            bytes.insert(contentsOf: slice, at: random.below(bytes.count + 1))
        case .truncate:
            bytes.removeSubrange(position...)
        case .splice:
            let other = seeds[random.below(seeds.count)]
            bytes = Array(bytes[..<position]) + other[random.below(other.count + 1)...]
        case .trailingData:
            let tails: [[UInt8]] = [
                Array("x".utf8), Array("{}".utf8), Array(" \r\n".utf8), [0x00], Array(",".utf8), seeds[random.below(seeds.count)],
            ]
            bytes += tails[random.below(tails.count)]
        default:
            break
        }
    }

    // MARK: - Text

    package static func quoted(_ text: String) -> [UInt8] {
        Array(JSONValue.string(text).serialized().utf8)
    }

    package static func object(_ members: [Member]) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        for (index, member) in members.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes += member.key
            bytes.append(UInt8(ascii: ":"))
            bytes += member.value
        }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}
