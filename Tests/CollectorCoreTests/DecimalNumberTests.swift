import Testing

@testable import CollectorCore

@Suite("DecimalNumber")
struct DecimalNumberTests {
    @Test("a number as JSON writes it is one, from a String's bytes or any other collection; anything else is not")
    func jsonNumbers() {
        for text in ["0", "-1", "12.5", "1e3", "1.5E-2", "1200", "-0.0e+7"] {
            #expect(DecimalNumber.isJSONNumber(text.utf8), "\(text)")
            #expect(DecimalNumber.isJSONNumber(text.utf8.lazy.map { $0 }), "\(text)")
        }
        for text in ["", "-", "01", "1.", ".5", "+1", "NaN", "inf", "0x10", "1e", "12 5", " 1"] {
            #expect(!DecimalNumber.isJSONNumber(text.utf8), "\(text)")
        }
    }
}
