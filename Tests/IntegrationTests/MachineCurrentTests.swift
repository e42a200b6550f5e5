import Foundation
import Testing

/// `machine_current` through the real stages: the newest state of each machine by its own
/// timestamp, whatever the order of arrival.
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct MachineCurrentTests {
    static func line(_ machine: String, _ seconds: Int, _ status: String, _ program: String) -> String {
        #"{"cnc_id":"\#(machine)","part_program":"\#(program)","timestamp":"\#(seconds)","#
            + #""payload":{"status":"\#(status)","spin":1,"X-Axis":1,"Y-Axis":2}}"#
    }

    @Test("the newest state by the machine's timestamp wins: late messages in a later batch change nothing but last_heard_at")
    func newestWins() throws {
        let pipeline = try PipelineHarness()
        try pipeline.startPipeline()
        let database = pipeline.database
        try pipeline.publish([Self.line("CNC001", 1_747_379_300, "running", "newest")])
        #expect(try database.waitForCount("SELECT count(*) FROM machine_current", toReach: 1) == 1, "\(pipeline.logs())")

        // Older readings arrive late, in a batch of their own, with another machine's first one.
        try pipeline.publish([
            Self.line("CNC001", 1_747_379_100, "idle", "old-1"), Self.line("CNC001", 1_747_379_200, "error", "old-2"),
            Self.line("CNC002", 1_747_379_150, "idle", "first"),
        ])
        #expect(try database.waitForCount("SELECT count(*) FROM machine_state", toReach: 4) == 4, "\(pipeline.logs())")
        #expect(try database.waitForCount("SELECT count(*) FROM machine_current", toReach: 2) == 2)
        let current = "SELECT cnc_id, part_program, status, extract(epoch FROM ts)::bigint::text FROM machine_current ORDER BY cnc_id"
        #expect(try database.rows(current) == [["CNC001", "newest", "running", "1747379300"], ["CNC002", "first", "idle", "1747379150"]])
        // Heard from: the late messages' arrival, not the newest state's.
        #expect(
            try database.count(
                """
                SELECT count(*) FROM machine_current c
                WHERE last_heard_at = (SELECT max(received_at) FROM cnc_data d WHERE d.cnc_id = c.cnc_id)
                """) == 2)

        // A newer reading takes over; the same message again (a redelivery) changes nothing.
        let newer = Self.line("CNC001", 1_747_379_400, "setup", "newer")
        try pipeline.publish([newer])
        #expect(try database.waitForCount("SELECT count(*) FROM machine_current WHERE part_program = 'newer'", toReach: 1) == 1)
        try pipeline.publish([newer, Self.line("CNC002", 1_747_379_151, "running", "second")])
        #expect(try database.waitForCount("SELECT count(*) FROM machine_current WHERE part_program = 'second'", toReach: 1) == 1)
        #expect(
            try database.rows(current) == [["CNC001", "newer", "setup", "1747379400"], ["CNC002", "second", "running", "1747379151"]])
        #expect(try database.count("SELECT count(*) FROM machine_state") == 6)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("the migration fills machine_current from what is stored already: each machine's newest state")
    func migrationBackfills() throws {
        let pipeline = try PipelineHarness()
        // A sink of the release before: the migrations up to 004.
        let before = "\(pipeline.directory)/migrations-before"
        try FileManager.default.createDirectory(atPath: before, withIntermediateDirectories: true)
        let all = "\(TestEnvironment.packageDirectory)/migrations"
        for file in try FileManager.default.contentsOfDirectory(atPath: all) where file < "005" {
            try FileManager.default.copyItem(atPath: "\(all)/\(file)", toPath: "\(before)/\(file)")
        }
        pipeline.overrides["MES_MIGRATIONS_DIR"] = before
        #expect(try pipeline.start("sink", "sink").waitForLog("sink started"), "\(pipeline.logs())")
        // Rows as that release stored them.
        let database = pipeline.database
        for (index, (machine, seconds, status, program)) in [
            ("CNC001", 1_747_379_300, "running", "newest"), ("CNC001", 1_747_379_100, "idle", "old"), ("CNC002", 1_747_379_150, "error", "only"),
        ].enumerated() {
            let id = "00000000-0000-8000-8000-00000000000\(index)"
            _ = try database.rows(
                """
                INSERT INTO cnc_data (message_id, cnc_id, cnc_type, part_program, ts, payload, topic, received_at)
                VALUES ('\(id)', '\(machine)', 'CNCTypeA', '\(program)', to_timestamp(\(seconds)), '{}', 't', now());
                INSERT INTO machine_state (message_id, cnc_id, cnc_type, ts, part_program, status)
                VALUES ('\(id)', '\(machine)', 'CNCTypeA', to_timestamp(\(seconds)), '\(program)', '\(status)')
                """)
        }
        #expect(try database.count("SELECT count(*) FROM pg_tables WHERE tablename = 'machine_current'") == 0)

        // The upgraded sink applies 005.
        try pipeline.kill("sink")
        pipeline.overrides["MES_MIGRATIONS_DIR"] = all
        let sink = try pipeline.restart("sink")
        #expect(sink.waitForLog("sink started"), "\(pipeline.logs())")
        #expect(
            try database.rows("SELECT cnc_id, part_program, status FROM machine_current ORDER BY cnc_id")
                == [["CNC001", "newest", "running"], ["CNC002", "only", "error"]])
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }
}
