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
        let made = try inShortTransaction(on: connection) { () throws(PostgresError) in
            try connection.execute(
                "SELECT * FROM ensure_day_partitions(ARRAY(SELECT date '1970-01-01' + day FROM unnest($1::int[]) AS day))", parameters: [list])
        }
        known.formUnion(missing)
        return made.compactMap { $0.first ?? nil }
    }

    /// The days from today (UTC, by `nowMicroseconds`) to `daysAhead` after it.
    static func daysAhead(ofMicroseconds nowMicroseconds: Int64) -> Set<Int64> {
        let today = day(ofMicroseconds: nowMicroseconds)
        return Set(today...(today + daysAhead))
    }

    /// Drops every day partition wholly older than `retentionDays` before the database's now,
    /// then deletes the intervals and parts that ended before that; returns the partitions dropped.
    mutating func dropExpired(retentionDays: Int, on connection: PostgresConnection) throws(PostgresError) -> [String] {
        let cutoff = "now() - interval '\(retentionDays) days'"
        let dropped = try inShortTransaction(on: connection) { () throws(PostgresError) in
            try connection.execute("SELECT * FROM drop_day_partitions_before(\(cutoff))").compactMap { $0.first ?? nil }
        }
        if !dropped.isEmpty { known.removeAll() }
        // After the drop's commit: the deletes hold no lock on the partitioned tables.
        try connection.execute(
            """
            DELETE FROM machine_status_intervals WHERE ended_at <= \(cutoff);
            DELETE FROM machine_parts_made WHERE ts < \(cutoff)
            """)
        return dropped
    }

    /// Making or dropping a partition locks both parent tables exclusively: a reader holding one
    /// makes it wait at most `lockTimeout`, and everyone queued behind it no longer; the caller
    /// tries again later.
    private func inShortTransaction<Result>(on connection: PostgresConnection, _ body: () throws(PostgresError) -> Result) throws(PostgresError)
        -> Result
    {
        try connection.transaction(settingLocally: ["lock_timeout": Self.lockTimeout], body)
    }

    static let lockTimeout = "5s"

    mutating func forget() {
        known.removeAll()
    }
}
