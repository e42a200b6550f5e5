import Testing

@testable import Sink

@Suite("Day partitions")
struct DayPartitionsTests {
    /// Microseconds since 1970, and their day; 1_764_374_400_000_000 is 2025-11-29 00:00:00 UTC.
    static let days: [(Int64, Int64)] = [
        (0, 0), (86_400_000_000 - 1, 0), (86_400_000_000, 1), (-1, -1), (-86_400_000_000, -1), (-86_400_000_001, -2),
        (1_764_374_400_000_000, 20_421),
    ]

    @Test(
        "a timestamp's day is counted from 1970-01-01 UTC, the day's first microsecond included and its last too",
        arguments: Self.days)
    func day(_ microseconds: Int64, _ day: Int64) {
        #expect(DayPartitions.day(ofMicroseconds: microseconds) == day)
    }

    @Test("the days made ahead are today and the two after it")
    func daysAhead() {
        #expect(DayPartitions.daysAhead(ofMicroseconds: 1_764_374_400_000_000 + 3_600_000_000) == [20_421, 20_422, 20_423])
    }
}
