import Foundation

/// The plant's shifts: names with a start and an end in the plant's time zone, each day. A shift
/// that ends at or before its start ends the next day (night=22:00-06:00). Shifts may leave
/// gaps (no night shift) but never overlap.
public struct ShiftCalendar: Sendable, Equatable {
    /// One daily shift.
    public struct Shift: Sendable, Equatable {
        /// Letters, digits, spaces and `_`; unique within the calendar.
        public var name: String
        /// Minutes after midnight.
        public var start: Int
        /// Minutes after midnight, 0 to 1,439; never equal to `start`, and before it when the shift ends the next day.
        public var end: Int

        /// Minutes after the start of the day the shift starts, past 1,440 when it ends the next day.
        var endAfterStart: Int { end > start ? end : end + 1_440 }
    }

    /// The shifts in the order the text names them.
    public var shifts: [Shift]

    /// Reads `MES_SHIFTS`: `NAME=HH:MM-HH:MM` entries, comma-separated; empty entries are refused.
    /// - Throws: `BoardSettingError` naming the shift and what is wrong with it.
    public init(parsing text: String) throws(BoardSettingError) {
        var shifts: [Shift] = []
        for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let entry = entry.trimmingCharacters(in: .whitespaces)
            guard let equals = entry.firstIndex(of: "=") else {
                throw BoardSettingError("shift \"\(entry)\" is not NAME=HH:MM-HH:MM")
            }
            let name = String(entry[..<equals]), times = entry[entry.index(after: equals)...].split(separator: "-")
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == " " }) else {
                throw BoardSettingError("shift \"\(entry)\": a name is letters, digits, spaces and _")
            }
            guard times.count == 2, let start = Self.minutes(times[0]), let end = Self.minutes(times[1]) else {
                throw BoardSettingError("shift \"\(entry)\" is not NAME=HH:MM-HH:MM with times from 00:00 to 23:59")
            }
            guard start != end else { throw BoardSettingError("shift \"\(name)\" starts when it ends") }
            guard !shifts.contains(where: { $0.name == name }) else { throw BoardSettingError("shift \"\(name)\" is named twice") }
            shifts.append(Shift(name: name, start: start, end: end))
        }
        for (index, shift) in shifts.enumerated() {
            for other in shifts[(index + 1)...] where Self.overlap(shift, other) {
                throw BoardSettingError("shifts \"\(shift.name)\" and \"\(other.name)\" overlap")
            }
        }
        self.shifts = shifts
    }

    /// The shifts' names, in order: with `starts` and `ends`, the arrays PostgreSQL's `shift_windows` takes.
    public var names: [String] { shifts.map(\.name) }
    /// Each shift's start as `HH:MM`, in the order of `names`.
    public var starts: [String] { shifts.map { Self.text($0.start) } }
    /// Each shift's end as `HH:MM`, in the order of `names`.
    public var ends: [String] { shifts.map { Self.text($0.end) } }

    private static func minutes(_ text: Substring) -> Int? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":")
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy { ("0"..."9").contains($0) } }), let hours = Int(parts[0]),
            let minutes = Int(parts[1]), (0..<24).contains(hours), (0..<60).contains(minutes)
        else { return nil }
        return hours * 60 + minutes
    }

    private static func text(_ minutes: Int) -> String {
        let hours = minutes / 60, rest = minutes % 60
        return (hours < 10 ? "0" : "") + "\(hours):" + (rest < 10 ? "0" : "") + "\(rest)"
    }

    /// Whether two daily shifts share a minute, on any day.
    private static func overlap(_ first: Shift, _ second: Shift) -> Bool {
        for dayShift in [-1_440, 0, 1_440] {
            let start = second.start + dayShift, end = second.endAfterStart + dayShift
            if start < first.endAfterStart && first.start < end { return true }
        }
        return false
    }
}
