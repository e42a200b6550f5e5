/// The form a message's time is sent in (a source description's `time.format`).
public enum TimeFormat: String, Sendable, CaseIterable {
    /// A number (quoted or not) below ``MessageTime/millisecondsFrom`` is Unix seconds, from it on Unix
    /// milliseconds; a string that is not a number is RFC 3339.
    case auto
    /// Unix seconds, a number or a string holding one; fractions allowed.
    case unixSeconds = "unix_s"
    /// Unix milliseconds, a number or a string holding one; fractions allowed.
    case unixMilliseconds = "unix_ms"
    /// An RFC 3339 time in a string, such as `2025-12-06T03:00:05Z` or `2025-12-06T04:00:05.25+01:00`.
    case rfc3339
}

/// Why a message's time could not be read.
public struct MessageTimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Completes "field \"NAME\" ..." : starts with a verb phrase such as "must be ..." or "is out of range ...".
    public var reason: String
    /// The reason alone.
    public var description: String { reason }

    /// An error with this reason.
    public init(reason: String) {
        self.reason = reason
    }
}

/// A time a message carries, read exactly to the microsecond.
///
/// Numbers follow the JSON number grammar (`-`? int (`.` digits)? ([eE] [+-]? digits)?), quoted or not, and are read
/// as exact decimals, never through `Double`: digits past the microsecond round it, halves away from zero.
/// In ``TimeFormat/auto`` a number whose absolute value is below ``millisecondsFrom`` (1e11, which as seconds
/// is the year 5138 and as milliseconds 1973-03-03) is Unix seconds and from it on Unix milliseconds; a string that
/// is not a number is read as RFC 3339. So microseconds (16 digits) read in `auto` are milliseconds, out of range.
///
/// RFC 3339: `YYYY-MM-DD`, then `T`, `t` or one space, `HH:MM:SS`, an optional `.` with one or more fraction
/// digits (rounded to the microsecond), then `Z`, `z`, `+HH:MM` or `-HH:MM`. A leap second (`:60`, at any minute,
/// since a local offset moves it) is taken as the first instant of the next minute, its fraction ignored, so that
/// `23:59:60.5Z` is `00:00:00Z` of the next day and times never go backwards.
///
/// Every accepted instant lies in ``earliest``...``latest``. A negative number is out of range, unless it is zero
/// (`-0`, `-0.0`).
public enum MessageTime {
    /// Earliest and latest accepted instants, microseconds since the Unix epoch:
    /// 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z.
    public static let earliest: Int64 = 0
    /// The latest accepted instant, 9999-12-31T23:59:59.999999Z.
    public static let latest: Int64 = 253_402_300_799_999_999
    /// Below this a number read in `auto` is Unix seconds, from it on Unix milliseconds.
    public static let millisecondsFrom: Int64 = 100_000_000_000

    /// Microseconds since the Unix epoch of `text`, which is either a JSON number's literal text
    /// (`quoted == false`, e.g. the bytes `1764990006.5` or `1.7649900065e9`) or the contents of a
    /// JSON string (`quoted == true`, already unescaped, e.g. `2025-12-06T03:00:05Z` or `1764990006000`).
    /// On failure, the reason completes the sentence `field "timestamp" ...`, e.g.
    /// `must be Unix seconds, Unix milliseconds or RFC 3339, not "yesterday"`.
    ///
    /// `auto` reads a number (quoted or not) whose absolute value is below ``millisecondsFrom`` as Unix seconds,
    /// from it on as Unix milliseconds, and a string that is not a number as RFC 3339.
    /// Allocates nothing unless it fails.
    public static func microseconds(_ text: UnsafeBufferPointer<UInt8>, quoted: Bool, format: TimeFormat) -> Result<Int64, MessageTimeError> {
        switch format {
        case .auto:
            if let number = DecimalNumber(text) {
                return autoNumber(number, text)
            }
            if quoted, let instant = rfc3339(text) {
                return checkedInstant(instant, text)
            }
            return .failure(malformed(text, expected: "Unix seconds, Unix milliseconds or RFC 3339"))
        case .unixSeconds:
            guard let number = DecimalNumber(text) else {
                return .failure(malformed(text, expected: "Unix seconds (a number)"))
            }
            return scaledNumber(number, scale: 6, text, readAs: nil)
        case .unixMilliseconds:
            guard let number = DecimalNumber(text) else {
                return .failure(malformed(text, expected: "Unix milliseconds (a number)"))
            }
            return scaledNumber(number, scale: 3, text, readAs: nil)
        case .rfc3339:
            guard quoted else {
                return .failure(notAString(text))
            }
            guard let instant = rfc3339(text) else {
                return .failure(malformed(text, expected: "an RFC 3339 time such as 2025-12-06T03:00:05Z"))
            }
            return checkedInstant(instant, text)
        }
    }

    /// The same for a `String` (for tests and tools).
    public static func microseconds(_ text: String, quoted: Bool, format: TimeFormat) -> Result<Int64, MessageTimeError> {
        var text = text
        return text.withUTF8 { microseconds($0, quoted: quoted, format: format) }
    }

    // MARK: Numbers

    /// `auto`: seconds below `millisecondsFrom`, milliseconds from it on.
    private static func autoNumber(_ number: DecimalNumber, _ text: UnsafeBufferPointer<UInt8>) -> Result<Int64, MessageTimeError> {
        if number.negative && !number.isZero {
            return .failure(outOfRange(text, readAs: nil))
        }
        // |x| >= 1e11 exactly when floor(|x| * 1e6) >= 1e17, since 1e17 is a whole number.
        if let seconds = number.scaled(by: 6, limit: latest), seconds.truncated < millisecondsFrom * 1_000_000 {
            let value = seconds.truncated + (seconds.roundsUp ? 1 : 0)
            guard value <= latest else { return .failure(outOfRange(text, readAs: "Unix seconds")) }
            return .success(value)
        }
        return scaledNumber(number, scale: 3, text, readAs: "Unix milliseconds")
    }

    /// The number times 10^`scale`, rounded to a whole microsecond and checked against the range.
    private static func scaledNumber(
        _ number: DecimalNumber, scale: Int, _ text: UnsafeBufferPointer<UInt8>, readAs: StaticString?
    ) -> Result<Int64, MessageTimeError> {
        if number.negative && !number.isZero {
            return .failure(outOfRange(text, readAs: readAs))
        }
        guard let scaled = number.scaled(by: scale, limit: latest) else {
            return .failure(outOfRange(text, readAs: readAs))
        }
        let value = scaled.truncated + (scaled.roundsUp ? 1 : 0)
        guard value <= latest else { return .failure(outOfRange(text, readAs: readAs)) }
        return .success(value)
    }

    private static func checkedInstant(_ instant: Int64, _ text: UnsafeBufferPointer<UInt8>) -> Result<Int64, MessageTimeError> {
        guard instant >= earliest && instant <= latest else {
            return .failure(outOfRange(text, readAs: nil))
        }
        return .success(instant)
    }

    // MARK: RFC 3339

    /// Microseconds since the epoch of an RFC 3339 time (possibly before 1970 or after 9999), or nil when the text is
    /// not one.
    private static func rfc3339(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        let count = text.count
        // YYYY-MM-DDTHH:MM:SSZ is the shortest form.
        guard count >= 20 else { return nil }
        let year = digits(text, 0, 4)
        let month = digits(text, 5, 2)
        let day = digits(text, 8, 2)
        let hour = digits(text, 11, 2)
        let minute = digits(text, 14, 2)
        let second = digits(text, 17, 2)
        guard year >= 0, month >= 1, month <= 12, day >= 1, hour >= 0, hour <= 23, minute >= 0, minute <= 59, second >= 0,
            second <= 60,
            text[4] == UInt8(ascii: "-"), text[7] == UInt8(ascii: "-"),
            text[10] == UInt8(ascii: "T") || text[10] == UInt8(ascii: "t") || text[10] == UInt8(ascii: " "),
            text[13] == UInt8(ascii: ":"), text[16] == UInt8(ascii: ":"),
            day <= daysInMonth(year: year, month: month)
        else { return nil }

        var index = 19
        var fraction: Int64 = 0
        if text[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < count, let digit = digitValue(text[index]) {
                let position = index - start
                if position < 6 {
                    fraction = fraction * 10 + Int64(digit)
                } else if position == 6 && digit >= 5 {
                    fraction += 1
                }
                index += 1
            }
            guard index > start else { return nil }
            for _ in min(index - start, 6)..<6 { fraction *= 10 }
        }

        guard index < count else { return nil }
        var offsetSeconds = 0
        switch text[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard count - index == 6, text[index + 3] == UInt8(ascii: ":") else { return nil }
            let offsetHours = digits(text, index + 1, 2)
            let offsetMinutes = digits(text, index + 4, 2)
            guard offsetHours >= 0, offsetHours <= 23, offsetMinutes >= 0, offsetMinutes <= 59 else { return nil }
            offsetSeconds = (offsetHours * 60 + offsetMinutes) * 60
            if text[index] == UInt8(ascii: "-") { offsetSeconds = -offsetSeconds }
            index += 6
        default:
            return nil
        }
        guard index == count else { return nil }

        if second == 60 {
            // A leap second: the first instant of the next minute.
            fraction = 0
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3_600 + minute * 60 + second - offsetSeconds)
        return seconds * 1_000_000 + fraction
    }

    /// The value of `length` ASCII digits at `start`, or -1 when one is not a digit.
    @inline(__always)
    private static func digits(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) -> Int {
        var value = 0
        for index in start..<start + length {
            guard let digit = digitValue(text[index]) else { return -1 }
            value = value * 10 + digit
        }
        return value
    }

    private static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2:
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            return leap ? 29 : 28
        case 4, 6, 9, 11:
            return 30
        default:
            return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (the era-based days-from-civil algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400 // 0...399
        let shiftedMonth = month > 2 ? month - 3 : month + 9 // March is 0
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1 // 0...365
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear // 0...146096
        return era * 146_097 + dayOfEra - 719_468
    }

    // MARK: Reasons (built only on failure)

    @inline(never)
    private static func malformed(_ text: UnsafeBufferPointer<UInt8>, expected: StaticString) -> MessageTimeError {
        MessageTimeError(reason: "must be \(expected), not \(shown(text))")
    }

    @inline(never)
    private static func notAString(_ text: UnsafeBufferPointer<UInt8>) -> MessageTimeError {
        MessageTimeError(reason: "must be an RFC 3339 time such as 2025-12-06T03:00:05Z in a string, not the number \(shown(text))")
    }

    @inline(never)
    private static func outOfRange(_ text: UnsafeBufferPointer<UInt8>, readAs: StaticString?) -> MessageTimeError {
        var reason = "is out of range: 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z, not \(shown(text))"
        if let readAs { reason += " (read as \(readAs))" }
        return MessageTimeError(reason: reason)
    }

    /// The text cut to 40 characters, quoted and escaped.
    private static func shown(_ text: UnsafeBufferPointer<UInt8>) -> String {
        // 40 characters need at most 40 * 4 bytes unless they combine; a scalar cut in half decodes as U+FFFD.
        let decoded = String(decoding: UnsafeBufferPointer(rebasing: text.prefix(400)), as: UTF8.self)
        return String(decoded.prefix(40)).debugDescription
    }
}
