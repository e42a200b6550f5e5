import Foundation
import Logging
import SchemaMigrations
import Sink
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
        // A database as the release before left it: the migrations up to 004, and rows.
        let database = pipeline.database
        try MigrationRunner(directory: "\(TestEnvironment.packageDirectory)/migrations", logger: Logger(label: "test"))
            .apply(on: try database.connect(), through: "004_machine_state_for_mes")
        for (index, (machine, seconds, status, program)) in [
            ("CNC001", 1_747_379_300, "running", "newest"), ("CNC001", 1_747_379_100, "idle", "old"), ("CNC002", 1_747_379_150, "error", "only"),
            ("CNC002", 1_747_200_000, "idle", "a day before"),
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

        // The upgraded sink applies the rest: machine_current filled, every row kept in its day's partition.
        #expect(try pipeline.start("sink", "sink").waitForLog("sink started"), "\(pipeline.logs())")
        #expect(
            try database.rows("SELECT cnc_id, part_program, status FROM machine_current ORDER BY cnc_id")
                == [["CNC001", "newest", "running"], ["CNC002", "only", "error"]])
        for table in ["cnc_data", "machine_state"] {
            #expect(
                try database.rows("SELECT tableoid::regclass::text, count(*)::text FROM \(table) GROUP BY 1 ORDER BY 1")
                    == [["\(table)_p20250514", "1"], ["\(table)_p20250516", "3"]])
            // One index a row costs in the table and each partition: the key by machine and time,
            // unique as message_id was. (The board's index of marked states holds only those.)
            #expect(
                try database.rows(
                    """
                    SELECT DISTINCT count(*)::text FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                    WHERE (c.relname = '\(table)' OR c.relname LIKE '\(table)\\_p%') AND i.indpred IS NULL GROUP BY c.relname
                    """
                ) == [["1"]])
            #expect(
                try database.rows("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = '\(table)_pkey'")
                    == [["PRIMARY KEY (cnc_id, ts, message_id)"]])
        }
        #expect(
            try database.rows("SELECT cnc_id, status, ended_at IS NULL FROM machine_status_intervals ORDER BY cnc_id, started_at").map {
                $0.compactMap { $0 }
            } == [
                ["CNC001", "idle", "f"], ["CNC001", "offline", "f"], ["CNC001", "running", "t"], ["CNC002", "idle", "f"], ["CNC002", "offline", "f"],
                ["CNC002", "error", "t"],
            ])
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }
}
