import Testing

@testable import CollectorCore

/// 2025-12-06T03:00:05Z, the anchor most cases are built on.
private let anchorSeconds: Int64 = 1_764_990_005
private let anchor: Int64 = anchorSeconds * 1_000_000
/// 2025-10-26T00:00:00Z: 2025-12-06T00:00:00Z less 41 days (6 in December, 30 in November, 5 in October).
private let october26: Int64 = (anchorSeconds - 3 * 3_600 - 5 - 41 * 86_400) * 1_000_000

private let autoForms = "must be Unix seconds, Unix milliseconds or RFC 3339, not "
private let rfcForm = "must be an RFC 3339 time such as 2025-12-06T03:00:05Z"
private let outOfRange = "is out of range: 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z"

private func read(_ text: String, quoted: Bool, _ format: TimeFormat) -> Result<Int64, MessageTimeError> {
    MessageTime.microseconds(text, quoted: quoted, format: format)
}

struct TimeCase: Sendable, CustomTestStringConvertible {
    var text: String
    var quoted: Bool
    var format: TimeFormat
    var microseconds: Int64

    init(_ text: String, quoted: Bool, _ format: TimeFormat, _ microseconds: Int64) {
        self.text = text
        self.quoted = quoted
        self.format = format
        self.microseconds = microseconds
    }

    var testDescription: String { "\(format.rawValue) \(quoted ? text.debugDescription : text)" }
}

struct TimeFailureCase: Sendable, CustomTestStringConvertible {
    var text: String
    var quoted: Bool
    var format: TimeFormat
    /// A part the reason must contain.
    var reason: String

    init(_ text: String, quoted: Bool, _ format: TimeFormat, _ reason: String) {
        self.text = text
        self.quoted = quoted
        self.format = format
        self.reason = reason
    }

    var testDescription: String { "\(format.rawValue) \(quoted ? text.debugDescription : text)" }
}

@Suite("MessageTime")
struct MessageTimeTests {
    static let numberCases: [TimeCase] = [
        // Unix seconds, whole and fractional, as a number and as text.
        TimeCase("1764990005", quoted: false, .unixSeconds, anchor),
        TimeCase("1764990005", quoted: true, .unixSeconds, anchor),
        TimeCase("1764990005", quoted: false, .auto, anchor),
        TimeCase("1764990005", quoted: true, .auto, anchor),
        TimeCase("1764990006.5", quoted: false, .unixSeconds, anchor + 1_500_000),
        TimeCase("1764990006.5", quoted: true, .unixSeconds, anchor + 1_500_000),
        TimeCase("1764990006.5", quoted: false, .auto, anchor + 1_500_000),
        TimeCase("1764990006.5", quoted: true, .auto, anchor + 1_500_000),
        TimeCase("1764990005.000001", quoted: false, .unixSeconds, anchor + 1),
        TimeCase("1764990005.123456", quoted: false, .unixSeconds, anchor + 123_456),
        // Exponents.
        TimeCase("1.7649900065e9", quoted: false, .unixSeconds, anchor + 1_500_000),
        TimeCase("1.7649900065E+9", quoted: true, .auto, anchor + 1_500_000),
        TimeCase("1764990006500e-3", quoted: false, .unixSeconds, anchor + 1_500_000),
        TimeCase("1764990006500e-3", quoted: false, .auto, anchor + 1_500_000),
        TimeCase("17649900065E-1", quoted: false, .auto, anchor + 1_500_000),
        TimeCase("0.0000017649900065e15", quoted: false, .unixSeconds, anchor + 1_500_000),
        TimeCase("1.764990005e12", quoted: false, .unixMilliseconds, anchor),
        TimeCase("1.764990005e12", quoted: false, .auto, anchor),
        TimeCase("1764990005000000e-3", quoted: false, .unixMilliseconds, anchor),
        // Unix milliseconds, 13 digits, as a number and as text; fractions are exact to the microsecond.
        TimeCase("1764990005000", quoted: false, .unixMilliseconds, anchor),
        TimeCase("1764990005000", quoted: true, .unixMilliseconds, anchor),
        TimeCase("1764990005123", quoted: false, .auto, anchor + 123_000),
        TimeCase("1764990005123", quoted: true, .auto, anchor + 123_000),
        TimeCase("1764990005000.5", quoted: false, .unixMilliseconds, anchor + 500),
        TimeCase("1764990005000.001", quoted: true, .unixMilliseconds, anchor + 1),
        TimeCase("1764990005000.5", quoted: false, .auto, anchor + 500),
        // auto's boundary: below 1e11 seconds, from 1e11 on milliseconds.
        TimeCase("99999999999", quoted: false, .auto, 99_999_999_999 * 1_000_000),
        TimeCase("99999999999", quoted: true, .auto, 99_999_999_999 * 1_000_000),
        TimeCase("99999999999.999999", quoted: false, .auto, 99_999_999_999_999_999),
        TimeCase("9.9999999999e10", quoted: false, .auto, 99_999_999_999 * 1_000_000),
        TimeCase("100000000000", quoted: false, .auto, 100_000_000_000 * 1_000),
        TimeCase("100000000000", quoted: true, .auto, 100_000_000_000 * 1_000),
        TimeCase("1e11", quoted: false, .auto, 100_000_000_000 * 1_000),
        TimeCase("100000000000.0", quoted: false, .auto, 100_000_000_000 * 1_000),
        TimeCase("100000000000", quoted: false, .unixSeconds, 100_000_000_000 * 1_000_000),
        TimeCase("99999999999", quoted: false, .unixMilliseconds, 99_999_999_999 * 1_000),
        // Rounding at the 7th fraction digit, halves away from zero (not to even).
        TimeCase("1.0000004", quoted: false, .unixSeconds, 1_000_000),
        TimeCase("1.00000049999999999", quoted: false, .unixSeconds, 1_000_000),
        TimeCase("1.0000005", quoted: false, .unixSeconds, 1_000_001),
        TimeCase("1.0000015", quoted: false, .unixSeconds, 1_000_002),
        TimeCase("1.0000025", quoted: false, .unixSeconds, 1_000_003),
        TimeCase("1.0000009", quoted: true, .auto, 1_000_001),
        TimeCase("1764990005.9999995", quoted: false, .unixSeconds, anchor + 1_000_000),
        TimeCase("1764990005.1234565", quoted: false, .unixSeconds, anchor + 123_457),
        TimeCase("1764990005.12345649", quoted: false, .unixSeconds, anchor + 123_456),
        TimeCase("1000.0005", quoted: false, .unixMilliseconds, 1_000_001),
        TimeCase("1000.0004999", quoted: false, .unixMilliseconds, 1_000_000),
        TimeCase("0.0000005", quoted: false, .unixSeconds, 1),
        TimeCase("0.00000049", quoted: false, .unixSeconds, 0),
        TimeCase("5e-7", quoted: false, .unixSeconds, 1),
        TimeCase("4.9e-7", quoted: false, .unixSeconds, 0),
        // Zero, the epoch, however written.
        TimeCase("0", quoted: false, .auto, 0),
        TimeCase("0", quoted: true, .unixMilliseconds, 0),
        TimeCase("-0", quoted: false, .unixSeconds, 0),
        TimeCase("-0.0e5", quoted: false, .auto, 0),
        TimeCase("0e1000000000", quoted: false, .unixSeconds, 0),
        TimeCase("1e-1000000000", quoted: false, .unixSeconds, 0),
        // The last accepted microsecond.
        TimeCase("253402300799.999999", quoted: false, .unixSeconds, MessageTime.latest),
        TimeCase("253402300799.9999994", quoted: false, .unixSeconds, MessageTime.latest),
        TimeCase("253402300799999.999", quoted: false, .unixMilliseconds, MessageTime.latest),
        TimeCase("253402300799999.999", quoted: true, .auto, MessageTime.latest),
        TimeCase("253402300799", quoted: false, .unixSeconds, 253_402_300_799 * 1_000_000),
    ]

    @Test("numbers", arguments: numberCases)
    func numbers(_ testCase: TimeCase) {
        #expect(read(testCase.text, quoted: testCase.quoted, testCase.format) == .success(testCase.microseconds))
    }

    static let rfc3339Cases: [TimeCase] = [
        TimeCase("2025-12-06T03:00:05Z", quoted: true, .rfc3339, anchor),
        TimeCase("2025-12-06t03:00:05z", quoted: true, .rfc3339, anchor),
        TimeCase("2025-12-06 03:00:05Z", quoted: true, .rfc3339, anchor),
        TimeCase("2025-12-06T03:00:05Z", quoted: true, .auto, anchor),
        TimeCase("2025-12-06 03:00:05z", quoted: true, .auto, anchor),
        // Fractions of 1, 3, 6 and 9 digits, rounded to the microsecond.
        TimeCase("2025-12-06T03:00:05.5Z", quoted: true, .rfc3339, anchor + 500_000),
        TimeCase("2025-12-06T03:00:05.123Z", quoted: true, .rfc3339, anchor + 123_000),
        TimeCase("2025-12-06T03:00:05.123456Z", quoted: true, .rfc3339, anchor + 123_456),
        TimeCase("2025-12-06T03:00:05.123456789Z", quoted: true, .rfc3339, anchor + 123_457),
        TimeCase("2025-12-06T03:00:05.123456499Z", quoted: true, .rfc3339, anchor + 123_456),
        TimeCase("2025-12-06T03:00:05.0000005Z", quoted: true, .auto, anchor + 1),
        TimeCase("2025-12-06T03:00:05.9999995Z", quoted: true, .rfc3339, anchor + 1_000_000),
        TimeCase("2025-12-06T03:00:05.000000000000000000000000000001Z", quoted: true, .rfc3339, anchor),
        // Offsets: local time minus offset is UTC.
        TimeCase("2025-12-06T08:30:05+05:30", quoted: true, .rfc3339, anchor),
        TimeCase("2025-12-05T19:00:05-08:00", quoted: true, .rfc3339, anchor),
        TimeCase("2025-12-05T19:00:05.25-08:00", quoted: true, .auto, anchor + 250_000),
        TimeCase("2025-12-06T03:00:05+00:00", quoted: true, .rfc3339, anchor),
        TimeCase("2025-12-06T03:00:05-00:00", quoted: true, .rfc3339, anchor),
        TimeCase("2025-12-07T02:59:05+23:59", quoted: true, .rfc3339, anchor),
        // A daylight-saving change: the same wall-clock time an hour apart.
        TimeCase("2025-10-26T02:30:00+02:00", quoted: true, .rfc3339, october26 + 1_800_000_000),
        TimeCase("2025-10-26T00:30:00Z", quoted: true, .rfc3339, october26 + 1_800_000_000),
        TimeCase("2025-10-26T02:30:00+01:00", quoted: true, .rfc3339, october26 + 5_400_000_000),
        TimeCase("2025-10-26T01:30:00Z", quoted: true, .rfc3339, october26 + 5_400_000_000),
        // Leap days (2000-03-01T00:00:00Z is 951868800; 2024-02-29 is `date -u -d 2024-02-29 +%s`).
        TimeCase("2000-02-29T00:00:00Z", quoted: true, .rfc3339, (951_868_800 - 86_400) * 1_000_000),
        TimeCase("2000-03-01T00:00:00Z", quoted: true, .rfc3339, 951_868_800 * 1_000_000),
        TimeCase("2024-02-29T00:00:00Z", quoted: true, .rfc3339, 1_709_164_800 * 1_000_000),
        TimeCase("2024-03-01T00:00:00Z", quoted: true, .rfc3339, (1_709_164_800 + 86_400) * 1_000_000),
        // A leap second is the first instant of the next minute (2017-01-01T00:00:00Z is 1483228800).
        TimeCase("2016-12-31T23:59:60Z", quoted: true, .rfc3339, 1_483_228_800 * 1_000_000),
        TimeCase("2016-12-31T23:59:60.5Z", quoted: true, .rfc3339, 1_483_228_800 * 1_000_000),
        TimeCase("2016-12-31T23:59:59.999999Z", quoted: true, .rfc3339, 1_483_228_800 * 1_000_000 - 1),
        TimeCase("2017-01-01T00:59:60+01:00", quoted: true, .rfc3339, 1_483_228_800 * 1_000_000),
        // The ends of the range.
        TimeCase("1970-01-01T00:00:00Z", quoted: true, .rfc3339, 0),
        TimeCase("1970-01-01T00:00:00Z", quoted: true, .auto, 0),
        TimeCase("1970-01-01T01:00:00+01:00", quoted: true, .rfc3339, 0),
        TimeCase("1969-12-31T16:00:00-08:00", quoted: true, .rfc3339, 0),
        TimeCase("9999-12-31T23:59:59Z", quoted: true, .rfc3339, 253_402_300_799 * 1_000_000),
        TimeCase("9999-12-31T23:59:59.999999Z", quoted: true, .rfc3339, MessageTime.latest),
        TimeCase("9999-12-31T23:59:59.9999994Z", quoted: true, .auto, MessageTime.latest),
        TimeCase("9999-12-31T23:59:59.999999Z", quoted: true, .rfc3339, 253_402_300_799_999_999),
    ]

    @Test("RFC 3339", arguments: rfc3339Cases)
    func rfc3339(_ testCase: TimeCase) {
        #expect(read(testCase.text, quoted: testCase.quoted, testCase.format) == .success(testCase.microseconds))
    }

    @Test("a daylight-saving change: the same local time twice, exactly an hour apart")
    func daylightSaving() throws {
        let summer = try read("2025-10-26T02:30:00+02:00", quoted: true, .rfc3339).get()
        let winter = try read("2025-10-26T02:30:00+01:00", quoted: true, .rfc3339).get()
        #expect(winter - summer == 3_600_000_000)
        #expect(summer == (try read("2025-10-26T00:30:00Z", quoted: true, .auto).get()))
        #expect(winter == (try read("2025-10-26T01:30:00Z", quoted: true, .auto).get()))
    }

    @Test("midnight of every first of the month from 1970 to 2400 matches a day count kept by hand")
    func everyMonth() throws {
        let monthLengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var days: Int64 = 0
        for year in 1970...2400 {
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            for month in 1...12 {
                let text = "\(year)-\(month < 10 ? "0" : "")\(month)-01T00:00:00Z"
                #expect(try read(text, quoted: true, .rfc3339).get() == days * 86_400_000_000, "\(text)")
                days += Int64(month == 2 && leap ? 29 : monthLengths[month - 1])
            }
        }
        // Also before the epoch, where the day count is negative: 1969-12-31 and 1600-03-01.
        #expect(MessageTime.daysFromCivil(year: 1969, month: 12, day: 31) == -1)
        #expect(MessageTime.daysFromCivil(year: 1600, month: 3, day: 1) == -135_080)
        #expect(MessageTime.daysFromCivil(year: 0, month: 3, day: 1) == -719_468)
    }

    static let failureCases: [TimeFailureCase] = [
        // Garbage in auto names all three forms.
        TimeFailureCase("", quoted: true, .auto, autoForms + #""""#),
        TimeFailureCase("-", quoted: true, .auto, autoForms + #""-""#),
        TimeFailureCase("1e", quoted: true, .auto, autoForms + #""1e""#),
        TimeFailureCase("12:00", quoted: true, .auto, autoForms + #""12:00""#),
        TimeFailureCase("yesterday", quoted: true, .auto, autoForms + #""yesterday""#),
        TimeFailureCase("2025-13-01T00:00:00Z", quoted: true, .auto, autoForms),
        TimeFailureCase("2025-00-01T00:00:00Z", quoted: true, .auto, autoForms),
        TimeFailureCase("2025-12-06T24:00:00Z", quoted: true, .auto, autoForms),
        TimeFailureCase("2025-12-06T03:00:05", quoted: true, .auto, autoForms),
        TimeFailureCase("2025-12-06T03:00:05.123", quoted: true, .auto, autoForms),
        TimeFailureCase("2025-02-29T00:00:00Z", quoted: true, .auto, autoForms),
        TimeFailureCase("1900-02-29T00:00:00Z", quoted: true, .auto, autoForms),
        TimeFailureCase("1.", quoted: true, .auto, autoForms),
        TimeFailureCase(".5", quoted: true, .auto, autoForms),
        TimeFailureCase("1e+", quoted: false, .auto, autoForms),
        TimeFailureCase("01764990005", quoted: true, .auto, autoForms),
        TimeFailureCase("+1764990005", quoted: true, .auto, autoForms),
        TimeFailureCase(" 1764990005", quoted: true, .auto, autoForms),
        TimeFailureCase("1764990005 ", quoted: true, .auto, autoForms),
        TimeFailureCase("0x10", quoted: true, .auto, autoForms),
        TimeFailureCase("NaN", quoted: true, .auto, autoForms),
        // Garbage in rfc3339 names the form.
        TimeFailureCase("", quoted: true, .rfc3339, rfcForm + #", not """#),
        TimeFailureCase("12:00", quoted: true, .rfc3339, rfcForm + #", not "12:00""#),
        TimeFailureCase("2025-13-01T00:00:00Z", quoted: true, .rfc3339, rfcForm + #", not "2025-13-01T00:00:00Z""#),
        TimeFailureCase("2025-12-06T24:00:00Z", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-12-06T03:60:00Z", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-12-06T03:00:61Z", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-12-32T03:00:05Z", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-04-31T03:00:05Z", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-12-00T03:00:05Z", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-02-29T00:00:00Z", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("1900-02-29T00:00:00Z", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-12-06T03:00:05", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-12-06T03:00:05.Z", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-12-06T03:00:05ZZ", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-12-06T03:00:05Z ", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-12-06T03:00:05+0530", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-12-06T03:00:05+05", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-12-06T03:00:05+24:00", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-12-06T03:00:05+05:60", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-12-06T03:00:05+05:30:00", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-12-06X03:00:05Z", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-12-06  03:00:05Z", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-12-6T03:00:05Z", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("25-12-06T03:00:05Z", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025/12/06T03:00:05Z", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-12-06T3:00:05Z", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("2025-12-06T03:00Z", quoted: true, .rfc3339, rfcForm),
        TimeFailureCase("1764990005", quoted: true, .rfc3339, rfcForm + #", not "1764990005""#),
        // An unquoted number cannot be RFC 3339.
        TimeFailureCase("1764990005", quoted: false, .rfc3339, rfcForm + " in a string, not the number \"1764990005\""),
        // Unix seconds and milliseconds name their form.
        TimeFailureCase("2025-12-06T03:00:05Z", quoted: true, .unixSeconds, #"must be Unix seconds (a number), not "2025-12-06T03:00:05Z""#),
        TimeFailureCase(
            "2025-12-06T03:00:05Z", quoted: true, .unixMilliseconds, #"must be Unix milliseconds (a number), not "2025-12-06T03:00:05Z""#),
        TimeFailureCase("", quoted: true, .unixSeconds, #"must be Unix seconds (a number), not """#),
        TimeFailureCase("1e", quoted: true, .unixMilliseconds, #"must be Unix milliseconds (a number), not "1e""#),
        TimeFailureCase("1,5", quoted: true, .unixSeconds, "must be Unix seconds (a number)"),
        // Out of range: before 1970, negative numbers, after 9999.
        TimeFailureCase("1969-12-31T23:59:59.999999Z", quoted: true, .rfc3339, outOfRange + #", not "1969-12-31T23:59:59.999999Z""#),
        TimeFailureCase("1970-01-01T00:30:00+01:00", quoted: true, .auto, outOfRange),
        TimeFailureCase("0000-01-01T00:00:00Z", quoted: true, .rfc3339, outOfRange),
        TimeFailureCase("-1", quoted: false, .auto, outOfRange + #", not "-1""#),
        TimeFailureCase("-1", quoted: true, .auto, outOfRange),
        TimeFailureCase("-1", quoted: false, .unixSeconds, outOfRange),
        TimeFailureCase("-1764990005000", quoted: false, .unixMilliseconds, outOfRange),
        TimeFailureCase("-0.0000001", quoted: false, .unixSeconds, outOfRange),
        TimeFailureCase("-1e-1000000", quoted: false, .auto, outOfRange),
        TimeFailureCase("253402300799.9999995", quoted: false, .unixSeconds, outOfRange),
        TimeFailureCase("253402300800", quoted: false, .unixSeconds, outOfRange),
        TimeFailureCase("253402300799999.9995", quoted: false, .unixMilliseconds, outOfRange),
        TimeFailureCase("253402300800000", quoted: true, .auto, outOfRange + #", not "253402300800000" (read as Unix milliseconds)"#),
        TimeFailureCase("9999-12-31T23:59:59.9999995Z", quoted: true, .rfc3339, outOfRange),
        TimeFailureCase("9999-12-31T23:59:60Z", quoted: true, .rfc3339, outOfRange),
        TimeFailureCase("9999-12-31T23:00:00-01:00", quoted: true, .rfc3339, outOfRange),
        // Microseconds in auto are read as milliseconds and so out of range.
        TimeFailureCase("1764990005000000", quoted: false, .auto, outOfRange + #", not "1764990005000000" (read as Unix milliseconds)"#),
        TimeFailureCase("1764990005000000", quoted: true, .auto, outOfRange),
        // Absurd sizes.
        TimeFailureCase("1e1000000000", quoted: false, .auto, outOfRange),
        TimeFailureCase("1e1000000000", quoted: false, .unixSeconds, outOfRange),
        TimeFailureCase("1e99999999999999999999999999999", quoted: false, .unixMilliseconds, outOfRange),
        TimeFailureCase("9223372036854775807", quoted: false, .unixSeconds, outOfRange),
        TimeFailureCase("18446744073709551616", quoted: false, .auto, outOfRange),
        TimeFailureCase("1" + String(repeating: "0", count: 499), quoted: false, .auto, outOfRange),
        TimeFailureCase("1" + String(repeating: "0", count: 499), quoted: true, .unixSeconds, outOfRange),
    ]

    @Test("refused", arguments: failureCases)
    func refused(_ testCase: TimeFailureCase) {
        switch read(testCase.text, quoted: testCase.quoted, testCase.format) {
        case .success(let value):
            Issue.record("read as \(value)")
        case .failure(let error):
            #expect(error.reason.contains(testCase.reason), "\(error.reason)")
            #expect(error.description == error.reason)
        }
    }

    @Test("the reason for auto garbage, in full")
    func fullReason() {
        #expect(
            read("yesterday", quoted: true, .auto)
                == .failure(MessageTimeError(reason: #"must be Unix seconds, Unix milliseconds or RFC 3339, not "yesterday""#)))
    }

    @Test("the text in a reason is cut to 40 characters and escaped")
    func reasonCut() throws {
        let long = String(repeating: "é", count: 39) + "xyz"
        guard case .failure(let error) = read(long, quoted: true, .auto) else {
            Issue.record("accepted")
            return
        }
        #expect(error.reason == autoForms + "\"" + String(repeating: "é", count: 39) + "x\"")
        guard case .failure(let escaped) = read("a\"b\nc", quoted: true, .unixSeconds) else {
            Issue.record("accepted")
            return
        }
        #expect(escaped.reason == #"must be Unix seconds (a number), not "a\"b\nc""#)
    }

    @Test("absurd inputs are refused or read quickly", .timeLimit(.minutes(1)))
    func absurdInputs() {
        let million = 1_000_000
        let clock = ContinuousClock()
        let start = clock.now
        // A million digits, an exponent of a million digits, a fraction of a million zeros.
        #expect(read("9" + String(repeating: "0", count: million), quoted: false, .auto).isOutOfRange)
        #expect(read("1e" + String(repeating: "9", count: million), quoted: false, .unixSeconds).isOutOfRange)
        #expect(read("1e-" + String(repeating: "9", count: million), quoted: false, .unixSeconds) == .success(0))
        #expect(read("0." + String(repeating: "0", count: million) + "1e1000000", quoted: false, .auto) == .success(100_000))
        #expect(read("1" + String(repeating: "0", count: million) + "e-1000000", quoted: true, .auto) == .success(1_000_000))
        #expect(read(String(repeating: "9", count: 500), quoted: false, .unixMilliseconds).isOutOfRange)
        let fraction = "2025-12-06T03:00:05." + String(repeating: "4", count: million) + "Z"
        #expect(read(fraction, quoted: true, .rfc3339) == .success(anchor + 444_444))
        #expect(clock.now - start < .seconds(5))
    }

    @Test("reads a number inside a larger buffer without copying it")
    func bufferSlice() {
        let message = Array(#"{"timestamp":1764990006.5,"ts":"2025-12-06T03:00:05Z"}"#.utf8)
        message.withUnsafeBufferPointer { buffer in
            let number = UnsafeBufferPointer(rebasing: buffer[13..<25])
            #expect(MessageTime.microseconds(number, quoted: false, format: .auto) == .success(anchor + 1_500_000))
            let text = UnsafeBufferPointer(rebasing: buffer[32..<52])
            #expect(MessageTime.microseconds(text, quoted: true, format: .rfc3339) == .success(anchor))
        }
    }

    @Test("format names as a source description spells them")
    func formatNames() {
        #expect(TimeFormat.allCases.map(\.rawValue) == ["auto", "unix_s", "unix_ms", "rfc3339"])
        #expect(TimeFormat(rawValue: "unix_ms") == .unixMilliseconds)
        #expect(TimeFormat(rawValue: "iso8601") == nil)
    }

    @Test("the constants")
    func constants() throws {
        #expect(MessageTime.earliest == 0)
        #expect(MessageTime.latest == 253_402_300_799 * 1_000_000 + 999_999)
        #expect(MessageTime.millisecondsFrom == 100_000_000_000)
        // 1e11 milliseconds is 1973-03-03T09:46:40Z; 1e11 seconds lies in the year 5138.
        #expect(try read("1973-03-03T09:46:40Z", quoted: true, .auto).get() == 100_000_000_000_000)
        #expect(try read("5138-11-16T09:46:40Z", quoted: true, .auto).get() == 100_000_000_000_000_000)
    }
}

extension Result<Int64, MessageTimeError> {
    fileprivate var isOutOfRange: Bool {
        if case .failure(let error) = self { return error.reason.hasPrefix("is out of range") }
        return false
    }
}
