import Foundation
import Testing

/// Offline intervals through the real stages: a machine silent beyond its type's `offline_after`
/// goes offline, by the collector's clock while it is silent; the interval ends when it speaks.
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct OfflineTests {
    /// A CNCTypeA message of CNC001 at `seconds`, its part program named after them.
    static func line(_ seconds: Int, _ status: String) -> String { MachineCurrentTests.line("CNC001", seconds, status, "p\(seconds)") }

    @Test("a machine silent beyond its type's offline_after is offline until it speaks again; the sink counts it and mesctl status lists it")
    func silentMachineGoesOffline() async throws {
        let pipeline = try PipelineHarness()
        // CNCTypeA's description with a short threshold; the default stays at a minute.
        let description = "\(pipeline.typesDirectory)/CNCTypeA.yaml"
        try (try String(contentsOfFile: description, encoding: .utf8) + "\noffline_after: 2s\n").write(
            toFile: description, atomically: true, encoding: .utf8)
        let port = try PrivateBroker.freePort()
        pipeline.overrides["MES_METRICS_LISTEN"] = "127.0.0.1:\(port)"
        try pipeline.start("sink", "sink")
        pipeline.overrides["MES_METRICS_LISTEN"] = "off"
        try pipeline.startPipeline(sink: false)
        let database = pipeline.database
        #expect(try database.waitForCount("SELECT count(*) FROM machine_types", toReach: 4) == 4, "\(pipeline.logs())")
        #expect(try database.rows("SELECT extract(epoch FROM offline_after)::bigint::text FROM machine_types WHERE cnc_type = 'CNCTypeA'") == [["2"]])
        #expect(
            try database.rows("SELECT extract(epoch FROM offline_after)::bigint::text FROM machine_types WHERE cnc_type = 'CNCTypeB'") == [["60"]])

        let first = Int(Date().timeIntervalSince1970)
        try pipeline.publish([Self.line(first, "running")])
        let offline = "SELECT count(*) FROM machine_status_intervals WHERE cnc_id = 'CNC001' AND status = 'offline' AND ended_at IS NULL"
        #expect(try database.waitForCount(offline, toReach: 1, seconds: 30) == 1, "\(pipeline.logs())")
        // It begins where the threshold ran out after the last state, on the machine's time axis.
        #expect(
            try database.rows(
                """
                SELECT status, (extract(epoch FROM started_at)::bigint - \(first))::text, (extract(epoch FROM ended_at)::bigint - \(first))::text
                FROM machine_status_intervals WHERE cnc_id = 'CNC001' ORDER BY started_at
                """) == [["running", "0", "2"], ["offline", "2", nil]])
        #expect(try await MetricsScrape(port: port).waitForValue("cnc_machines_offline", toReach: 1) == 1)
        let status = try MesctlTests.mesctl(pipeline, ["status", "--target", "sink=127.0.0.1:\(port)"])
        #expect(status.status == 0, "\(status.output)")
        #expect(status.output.contains("machines offline: 1") && status.output.contains("CNC001"), "\(status.output)")
        #expect(status.output.contains("machines offline 1"), "\(status.output)")

        // It speaks again: the offline interval ends at that message, which starts the next (and
        // two seconds later the sweep may find it silent again).
        let again = first + 5
        try pipeline.publish([Self.line(again, "idle")])
        #expect(try database.waitForCount("SELECT count(*) FROM machine_status_intervals WHERE status = 'idle'", toReach: 1) == 1)
        let intervals = try database.rows(
            """
            SELECT status, (extract(epoch FROM started_at)::bigint - \(first))::text, (extract(epoch FROM ended_at)::bigint - \(first))::text
            FROM machine_status_intervals WHERE cnc_id = 'CNC001' ORDER BY started_at
            """)
        #expect(intervals.prefix(3).map { Array($0.prefix(2)) } == [["running", "0"], ["offline", "2"], ["idle", "5"]], "\(intervals)")
        #expect(intervals.prefix(2).map(\.last) == [Optional("2"), Optional("5")], "\(intervals)")
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }
}
