/// The value of an ASCII digit; nil for any other byte.
@inline(__always)
func digitValue(_ byte: UInt8) -> Int? {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte &- UInt8(ascii: "0")) : nil
}

/// A JSON number's text read as an exact decimal: the digits of its integer and fraction parts, one after the other,
/// with the decimal point `pointAfter` digits from the start once the exponent has moved it.
package struct DecimalNumber {
    let text: UnsafeBufferPointer<UInt8>
    let negative: Bool
    /// The integer part's digits are `text[integerStart..<integerStart + integerCount]`.
    let integerStart: Int
    let integerCount: Int
    /// The fraction's digits are `text[fractionStart..<fractionStart + fractionCount]`.
    let fractionStart: Int
    let fractionCount: Int
    /// The exponent, clamped to ±`exponentCap` so that no arithmetic on it overflows.
    let exponent: Int
    /// Every digit is 0.
    let isZero: Bool

    static let exponentCap = 1_000_000_000_000

    /// Nil when `text` is not exactly a JSON number.
    package init?(_ text: UnsafeBufferPointer<UInt8>) {
        let count = text.count
        var index = 0
        var allZero = true
        let negative = index < count && text[index] == UInt8(ascii: "-")
        if negative { index += 1 }

        let integerStart = index
        guard index < count, let first = digitValue(text[index]) else { return nil }
        index += 1
        if first != 0 {
            allZero = false
            while index < count, digitValue(text[index]) != nil {
                index += 1
            }
        }
        let integerCount = index - integerStart

        var fractionStart = index
        var fractionCount = 0
        if index < count && text[index] == UInt8(ascii: ".") {
            index += 1
            fractionStart = index
            while index < count, let digit = digitValue(text[index]) {
                if digit != 0 { allZero = false }
                index += 1
            }
            fractionCount = index - fractionStart
            guard fractionCount > 0 else { return nil }
        }

        var exponent = 0
        if index < count && (text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E")) {
            index += 1
            var exponentNegative = false
            if index < count && (text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-")) {
                exponentNegative = text[index] == UInt8(ascii: "-")
                index += 1
            }
            let exponentStart = index
            while index < count, let digit = digitValue(text[index]) {
                if exponent < Self.exponentCap {
                    exponent = min(exponent * 10 + digit, Self.exponentCap)
                }
                index += 1
            }
            guard index > exponentStart else { return nil }
            if exponentNegative { exponent = -exponent }
        }
        guard index == count else { return nil }

        self.text = text
        self.negative = negative
        self.integerStart = integerStart
        self.integerCount = integerCount
        self.fractionStart = fractionStart
        self.fractionCount = fractionCount
        self.exponent = exponent
        self.isZero = allZero
    }

    @inline(__always)
    private func digit(_ position: Int) -> Int64 {
        let byte = position < integerCount ? text[integerStart + position] : text[fractionStart + position - integerCount]
        return Int64(byte &- UInt8(ascii: "0"))
    }

    /// |number| × 10^`scale`: its whole part, and whether the first digit dropped is 5 or more (rounding half away
    /// from zero); nil when the whole part exceeds `limit`. Linear in the digits, whatever the exponent.
    package func scaled(by scale: Int, limit: Int64) -> (truncated: Int64, roundsUp: Bool)? {
        let digitCount = integerCount + fractionCount
        let pointAfter = integerCount + exponent + scale
        var value: Int64 = 0
        let wholeDigits = min(max(pointAfter, 0), digitCount)
        for position in 0..<wholeDigits {
            value = value * 10 + digit(position)
            if value > limit { return nil }
        }
        if pointAfter > digitCount && value != 0 {
            // Trailing zeros the exponent adds; value grows tenfold each time, so this ends within 19 rounds.
            for _ in 0..<(pointAfter - digitCount) {
                value *= 10
                if value > limit { return nil }
            }
        }
        let roundsUp = pointAfter >= 0 && pointAfter < digitCount && digit(pointAfter) >= 5
        return (value, roundsUp)
    }
}

extension DecimalNumber {
    /// Whether `text` is exactly a number as JSON writes one (RFC 8259), so that it can be copied
    /// into a JSON document as it is: the one reading of the number grammar outside the parser.
    package static func isJSONNumber(_ text: some Collection<UInt8>) -> Bool {
        text.withContiguousStorageIfAvailable { DecimalNumber($0) != nil } ?? Array(text).withUnsafeBufferPointer { DecimalNumber($0) != nil }
    }
}
