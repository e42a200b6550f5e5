import Foundation
import Testing

/// Day partitions and retention through the real sink: partitions are made ahead and for any
/// day a message brings; retention drops whole expired days and nothing younger.
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct RetentionTests {
    /// A CNCTypeA message of CNC001 at `seconds`, its part program named after them.
    static func line(_ seconds: Int, _ status: String) -> String { MachineCurrentTests.line("CNC001", seconds, status, "p\(seconds)") }

    static func partition(_ table: String, _ seconds: Int) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd"
        return "\(table)_p\(formatter.string(from: Date(timeIntervalSince1970: Double(seconds))))"
    }

    @Test("retention drops the day partitions wholly older than MES_RETENTION_DAYS and keeps every row of a day that ends after the cutoff")
    func retentionDropsWholeDays() throws {
        let pipeline = try PipelineHarness()
        try pipeline.startPipeline()
        let database = pipeline.database
        let now = Int(Date().timeIntervalSince1970)
        // The day partitions ahead: today and the two days after, made once the sink runs.
        let ahead = (0...2).map { "'\(Self.partition("cnc_data", now + $0 * 86_400))'" }.joined(separator: ", ")
        #expect(try database.waitForCount("SELECT count(*) FROM pg_tables WHERE tablename IN (\(ahead))", toReach: 3) == 3, "\(pipeline.logs())")
        // Retention of 5 days: the cutoff falls within a day; a row just before that day's
        // start is in an expired day, one just after it is older than the cutoff but its day is not.
        let cutoff = now - 5 * 86_400
        let cutoffDay = cutoff - cutoff % 86_400
        let times = [now - 10 * 86_400, cutoffDay - 1, cutoffDay + 1, now - 3 * 86_400, now]
        try pipeline.publish(times.enumerated().map { Self.line($0.element, $0.offset % 2 == 0 ? "running" : "idle") })
        #expect(try database.waitForCount("SELECT count(*) FROM machine_state", toReach: times.count) == times.count, "\(pipeline.logs())")
        #expect(try database.count("SELECT count(*) FROM machine_status_intervals WHERE ended_at <= to_timestamp(\(cutoff))") > 0)

        // A sink with retention keeps the partitions as it connects.
        try pipeline.kill("sink")
        pipeline.overrides["MES_RETENTION_DAYS"] = "5"
        let sink = try pipeline.restart("sink")
        #expect(sink.waitForLog("expired day partitions dropped"), "\(pipeline.logs())")
        for table in ["cnc_data", "machine_state"] {
            let kept = try database.rows("SELECT extract(epoch FROM ts)::bigint::text FROM \(table) ORDER BY ts").map { $0[0].flatMap { Int($0) } }
            #expect(kept == Array(times.dropFirst(2)), "\(table)")
            for gone in times.prefix(2) {
                #expect(try database.count("SELECT count(*) FROM pg_tables WHERE tablename = '\(Self.partition(table, gone))'") == 0)
            }
        }
        #expect(try database.count("SELECT count(*) FROM machine_status_intervals WHERE ended_at <= to_timestamp(\(cutoff))") == 0)
        #expect(try database.count("SELECT count(*) FROM machine_status_intervals WHERE ended_at > to_timestamp(\(cutoff)) OR ended_at IS NULL") > 0)
        // The pipeline goes on: a message of a dropped day gets its partition again.
        try pipeline.publish([Self.line(times[0] + 1, "idle")])
        #expect(try database.waitForCount("SELECT count(*) FROM machine_state", toReach: 4) == 4, "\(pipeline.logs())")

        // Another sink's retention may drop a day this sink has written: it makes the day again,
        // and counts and logs it as any partition a batch needed.
        let day = now - 4 * 86_400
        try pipeline.publish([Self.line(day, "idle")])
        #expect(try database.waitForCount("SELECT count(*) FROM machine_state", toReach: 5) == 5, "\(pipeline.logs())")
        try database.connect().execute("DROP TABLE \(Self.partition("cnc_data", day)), \(Self.partition("machine_state", day))")
        try pipeline.publish([Self.line(day + 1, "running")])
        #expect(try database.waitForCount("SELECT count(*) FROM machine_state", toReach: 5) == 5, "\(pipeline.logs())")
        #expect(try database.count("SELECT count(*) FROM cnc_data WHERE ts = to_timestamp(\(day + 1))") == 1)
        let notices = sink.log.split(separator: "\n").filter {
            $0.contains("day partitions made for rows") && $0.contains(Self.partition("cnc_data", day))
        }
        #expect(notices.count == 2, "\(pipeline.logs())")
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }
}
