import LibPQ

/// The day partitions of `cnc_data` and `machine_state` (migration 007), as one connection
/// knows them: made ahead of need and for any other day a batch brings, dropped by retention.
/// The database's functions do the work, so the migration and the sink share one definition.
struct DayPartitions {
    /// Days since 1970-01-01 (UTC) known to have partitions. A batch whose transaction fails
    /// forgets them, since the partitions it made went with it.
    private var known: Set<Int64> = []

    static let microsecondsPerDay: Int64 = 86_400_000_000
    /// Today and this many days after it are made ahead, so a batch seldom waits for DDL.
    static let daysAhead: Int64 = 2

    static func day(ofMicroseconds microseconds: Int64) -> Int64 {
        microseconds >= 0 ? microseconds / microsecondsPerDay : (microseconds + 1) / microsecondsPerDay - 1
    }

    /// Makes the partitions of `days` that are missing; returns the names it made.
    mutating func ensure(days: Set<Int64>, on connection: PostgresConnection) throws(PostgresError) -> [String] {
        let missing = days.subtracting(known)
        guard !missing.isEmpty else { return [] }
        let list = "{" + missing.sorted().map(String.init).joined(separator: ",") + "}"
        let made = try connection.execute(
            "SELECT * FROM ensure_day_partitions(ARRAY(SELECT date '1970-01-01' + day FROM unnest($1::int[]) AS day))", parameters: [list])
        known.formUnion(missing)
        return made.compactMap { $0.first ?? nil }
    }

    /// The days from today (UTC, by `nowMicroseconds`) to `daysAhead` after it.
    static func daysAhead(ofMicroseconds nowMicroseconds: Int64) -> Set<Int64> {
        let today = day(ofMicroseconds: nowMicroseconds)
        return Set(today...(today + daysAhead))
    }

    /// Drops every day partition wholly older than `retentionDays` before the database's now,
    /// and the intervals and parts that ended before that; returns the partitions dropped. A
    /// reader holding a table makes it wait at most `lockTimeout`, then the next round tries again.
    mutating func dropExpired(retentionDays: Int, on connection: PostgresConnection) throws(PostgresError) -> [String] {
        let cutoff = "now() - interval '\(retentionDays) days'"
        do throws(PostgresError) {
            try connection.execute("BEGIN; SET LOCAL lock_timeout = '5s'")
            let dropped = try connection.execute("SELECT * FROM drop_day_partitions_before(\(cutoff))").compactMap { $0.first ?? nil }
            try connection.execute(
                """
                DELETE FROM machine_status_intervals WHERE ended_at <= \(cutoff);
                DELETE FROM machine_parts_made WHERE ts < \(cutoff);
                COMMIT
                """)
            if !dropped.isEmpty { known.removeAll() }
            return dropped
        } catch {
            if error.kind == .statement { _ = try? connection.execute("ROLLBACK") }
            throw error
        }
    }

    mutating func forget() {
        known.removeAll()
    }
}
