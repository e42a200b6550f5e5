import Testing

@testable import CollectorCore

@Suite("Numbers sent as text")
struct JSONNumberTextTests {
    @Test(
        "a text whose whole is a JSON number is that number, as the JSON parser reads it",
        arguments: [
            ("0", 0), ("-0", 0), ("7", 7), ("1200", 1_200), ("-12", -12), ("1.5", 1.5), ("-0.25", -0.25), ("10.50", 10.5),
            ("-2e3", -2_000), ("2E3", 2_000), ("1e+2", 100), ("1e-2", 0.01), ("0e0", 0), ("0.5E-1", 0.05), ("1e308", 1e308),
            ("123456789012345678", 123_456_789_012_345_678),
        ] as [(String, Double)])
    func accepted(_ text: String, _ expected: Double) throws {
        #expect(JSONNumberText.value(of: text) == expected)
        #expect(try JSONParser.parse(Array(text.utf8)) == .number(expected))
    }

    @Test(
        "any other text is no number",
        arguments: [
            "", "-", "01", "-01", "00", "1.", ".5", "-.5", "+1", " 1", "1 ", "\t1", "1\n", "1e", "1e+", "1E-", "e1", "1.e1", "1.5.2", "1e2.5",
            "--1", "1-", "NaN", "nan", "Infinity", "-Infinity", "inf", "0x10", "0b1", "1_000", "1,5", "1e400", "-1e400", "١", "１", "1\u{0}",
            "12 mm",
        ])
    func refused(_ text: String) {
        #expect(JSONNumberText.value(of: text) == nil)
    }
}
