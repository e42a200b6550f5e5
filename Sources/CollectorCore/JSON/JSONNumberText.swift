/// A number sent as text, such as `"1200"`: plants' gateways often quote the numbers they pass on.
public enum JSONNumberText {
    /// The number `text` spells when the whole of it is a JSON number (`-`? int (`.` digits)?
    /// ([eE] [+-]? digits)?, int being `0` or digits not starting with `0`), read as a JSON number
    /// is; nil for any other text (empty, spaces, `+1`, `1.`, `.5`, `NaN`, `0x10`, ...) and for a
    /// number too large for a Double, as the JSON parser refuses one.
    public static func value(of text: String) -> Double? {
        guard spellsNumber(text.utf8), let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// Whether `bytes` are exactly a JSON number, by its grammar.
    private static func spellsNumber(_ bytes: String.UTF8View) -> Bool {
        var iterator = bytes.makeIterator()
        var byte = iterator.next()
        /// Skips the digits from `byte` on; how many there were.
        func digits() -> Int {
            var count = 0
            while let digit = byte, isDigit(digit) {
                count += 1
                byte = iterator.next()
            }
            return count
        }
        if byte == UInt8(ascii: "-") { byte = iterator.next() }
        if byte == UInt8(ascii: "0") {
            byte = iterator.next()
        } else if digits() == 0 {
            return false
        }
        if byte == UInt8(ascii: ".") {
            byte = iterator.next()
            guard digits() > 0 else { return false }
        }
        if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            byte = iterator.next()
            if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") { byte = iterator.next() }
            guard digits() > 0 else { return false }
        }
        return byte == nil
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }
}
