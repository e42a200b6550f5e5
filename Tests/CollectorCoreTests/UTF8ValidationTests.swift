import TestSupport
import Testing

@testable import CollectorCore

struct UTF8Case: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    /// The offset of the first invalid byte, nil when valid.
    var invalidAt: Int?
    var testDescription: String { name }
}

@Suite("UTF-8 validation")
struct UTF8ValidationTests {
    static let validCases: [UTF8Case] = [
        UTF8Case(name: "empty", bytes: [], invalidAt: nil),
        UTF8Case(name: "ASCII", bytes: Array("hello {\"a\":1}".utf8), invalidAt: nil),
        UTF8Case(name: "NUL is valid UTF-8", bytes: [0x00], invalidAt: nil),
        UTF8Case(name: "U+007F", bytes: [0x7F], invalidAt: nil),
        UTF8Case(name: "U+0080 (smallest 2-byte)", bytes: [0xC2, 0x80], invalidAt: nil),
        UTF8Case(name: "é", bytes: [0xC3, 0xA9], invalidAt: nil),
        UTF8Case(name: "U+07FF (largest 2-byte)", bytes: [0xDF, 0xBF], invalidAt: nil),
        UTF8Case(name: "U+0800 (smallest 3-byte)", bytes: [0xE0, 0xA0, 0x80], invalidAt: nil),
        UTF8Case(name: "€", bytes: [0xE2, 0x82, 0xAC], invalidAt: nil),
        UTF8Case(name: "U+D7FF (just below the surrogates)", bytes: [0xED, 0x9F, 0xBF], invalidAt: nil),
        UTF8Case(name: "U+E000 (just above the surrogates)", bytes: [0xEE, 0x80, 0x80], invalidAt: nil),
        UTF8Case(name: "U+FFFF", bytes: [0xEF, 0xBF, 0xBF], invalidAt: nil),
        UTF8Case(name: "U+10000 (smallest 4-byte)", bytes: [0xF0, 0x90, 0x80, 0x80], invalidAt: nil),
        UTF8Case(name: "😀", bytes: [0xF0, 0x9F, 0x98, 0x80], invalidAt: nil),
        UTF8Case(name: "U+10FFFF (largest)", bytes: [0xF4, 0x8F, 0xBF, 0xBF], invalidAt: nil),
        UTF8Case(name: "mixed text", bytes: Array("a é € 😀 z".utf8), invalidAt: nil),
    ]

    static let invalidCases: [UTF8Case] = [
        UTF8Case(name: "lone continuation byte", bytes: [0x80], invalidAt: 0),
        UTF8Case(name: "lone 0xBF", bytes: [0xBF], invalidAt: 0),
        UTF8Case(name: "overlong NUL", bytes: [0xC0, 0x80], invalidAt: 0),
        UTF8Case(name: "overlong 2-byte (0xC1)", bytes: [0xC1, 0xBF], invalidAt: 0),
        UTF8Case(name: "overlong 3-byte", bytes: [0xE0, 0x80, 0xAF], invalidAt: 0),
        UTF8Case(name: "overlong 3-byte U+07FF", bytes: [0xE0, 0x9F, 0xBF], invalidAt: 0),
        UTF8Case(name: "overlong 4-byte", bytes: [0xF0, 0x8F, 0xBF, 0xBF], invalidAt: 0),
        UTF8Case(name: "surrogate U+D800", bytes: [0xED, 0xA0, 0x80], invalidAt: 0),
        UTF8Case(name: "surrogate U+DFFF", bytes: [0xED, 0xBF, 0xBF], invalidAt: 0),
        UTF8Case(name: "surrogate pair encoded as two 3-byte forms (CESU-8)", bytes: [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80], invalidAt: 0),
        UTF8Case(name: "above U+10FFFF", bytes: [0xF4, 0x90, 0x80, 0x80], invalidAt: 0),
        UTF8Case(name: "lead 0xF5", bytes: [0xF5, 0x80, 0x80, 0x80], invalidAt: 0),
        UTF8Case(name: "lead 0xF8 (5-byte form)", bytes: [0xF8, 0x88, 0x80, 0x80, 0x80], invalidAt: 0),
        UTF8Case(name: "0xFE", bytes: [0xFE], invalidAt: 0),
        UTF8Case(name: "0xFF", bytes: [0xFF], invalidAt: 0),
        UTF8Case(name: "truncated 2-byte at the end", bytes: [0xC3], invalidAt: 0),
        UTF8Case(name: "truncated 3-byte at the end", bytes: [0xE2, 0x82], invalidAt: 0),
        UTF8Case(name: "truncated 4-byte at the end", bytes: [0xF0, 0x9F, 0x98], invalidAt: 0),
        UTF8Case(name: "truncated 2-byte before ASCII", bytes: [0xC3, 0x28], invalidAt: 0),
        UTF8Case(name: "bad second byte of 3", bytes: [0xE2, 0x28, 0xA1], invalidAt: 0),
        UTF8Case(name: "bad third byte of 3", bytes: [0xE2, 0x82, 0x28], invalidAt: 0),
        UTF8Case(name: "bad third byte of 4", bytes: [0xF0, 0x9F, 0x28, 0x80], invalidAt: 0),
        UTF8Case(name: "bad fourth byte of 4", bytes: [0xF0, 0x9F, 0x98, 0x28], invalidAt: 0),
        UTF8Case(name: "offset after ASCII", bytes: Array("ab".utf8) + [0xC3], invalidAt: 2),
        UTF8Case(name: "offset after a 2-byte character", bytes: Array("é".utf8) + [0x80], invalidAt: 2),
        UTF8Case(name: "offset after mixed text", bytes: Array("a€".utf8) + [0xED, 0xA0, 0x80], invalidAt: 4),
        UTF8Case(name: "first of two errors", bytes: Array("x😀y".utf8) + [0xFF, 0x41, 0xC0], invalidAt: 6),
    ]

    @Test("offset of the first invalid byte", arguments: validCases + invalidCases)
    func firstInvalid(_ testCase: UTF8Case) {
        #expect(testCase.bytes.firstInvalidUTF8 == testCase.invalidAt)
    }

    @Test("every scalar's encoding is valid, every surrogate's is not")
    func allScalars() {
        var invalidScalars = 0
        for value in stride(from: UInt32(0), through: 0x10FFFF, by: 1) {
            if let scalar = Unicode.Scalar(value) {
                let bytes = Array(String(Character(scalar)).utf8)
                if bytes.firstInvalidUTF8 != nil { invalidScalars += 1 }
            } else {
                // A surrogate, encoded the generalised way.
                let bytes: [UInt8] = [0xE0 | UInt8(value >> 12), 0x80 | UInt8((value >> 6) & 0x3F), 0x80 | UInt8(value & 0x3F)]
                if bytes.firstInvalidUTF8 != 0 { invalidScalars += 1 }
            }
        }
        #expect(invalidScalars == 0)
    }

    @Test("agrees with the standard library's strict decoder on seeded random input")
    func agreesWithStandardLibrary() {
        var random = TestRandom(seed: 8)
        // Bytes biased towards the interesting range, so that multi-byte sequences are common.
        let pool: [UInt8] = [
            0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5,
            0xFF,
        ]
        var sawValid = 0, sawInvalid = 0
        for _ in 0..<30_000 {
            let count = random.below(9)
            let bytes = (0..<count).map { _ in random.below(3) == 0 ? UInt8(truncatingIfNeeded: random.next()) : pool[random.below(pool.count)] }
            let offset = bytes.firstInvalidUTF8
            let standard = String(validating: bytes, as: UTF8.self)
            #expect((offset == nil) == (standard != nil), "\(bytes)")
            if let offset {
                sawInvalid += 1
                // Everything before the offset is valid on its own.
                #expect(String(validating: bytes[..<offset], as: UTF8.self) != nil, "\(bytes)")
            } else {
                sawValid += 1
            }
        }
        #expect(sawValid > 1_000 && sawInvalid > 1_000)
    }
}
