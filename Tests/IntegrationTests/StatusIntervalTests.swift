import CollectorCore
import Foundation
import Testing

/// `machine_status_intervals` and `machine_parts_made` through the real stages: the same
/// messages give the same intervals, offline ones included, and the same parts in every order of
/// arrival, one message a batch or all in one.
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct StatusIntervalTests {
    /// A machine's readings: seconds after the base, status, part counter (reset to 0 at 220).
    /// Silences of 50 s and 80 s exceed the 30 s offline threshold the test sets.
    static let readings: [(Int, String, Int)] = [
        (100, "idle", 5), (110, "idle", 5), (120, "running", 6), (130, "running", 7), (140, "error", 7), (150, "running", 8),
        (200, "running", 8), (210, "running", 9), (220, "idle", 0), (300, "idle", 1), (310, "idle", 3),
    ]
    /// Their intervals: status, start, end (nil: open).
    static let expected: [[String?]] = [
        ["idle", "100", "120"], ["running", "120", "140"], ["error", "140", "150"], ["running", "150", "180"], ["offline", "180", "200"],
        ["running", "200", "220"], ["idle", "220", "250"], ["offline", "250", "300"], ["idle", "300", nil],
    ]
    /// Their parts made: seconds after the base, parts.
    static let expectedParts: [[String?]] = [["120", "1"], ["130", "1"], ["150", "1"], ["210", "1"], ["300", "1"], ["310", "2"]]
    static let base = 1_747_379_000

    static func line(_ machine: String, _ reading: (Int, String, Int)) -> String {
        #"{"cnc_id":"\#(machine)","part_program":"p\#(reading.0)","timestamp":"\#(base + reading.0)","#
            + #""payload":{"status":"\#(reading.1)","spin":1,"X-Axis":1,"Y-Axis":2,"parts":\#(reading.2)}}"#
    }

    /// The intervals stored for `machine`. The sweep ends the open interval of a machine silent
    /// for 30 s by the collector's clock and opens an offline one after it, as it should: that
    /// pair reads as the open interval it replaced, which the stored messages alone give.
    static func intervals(_ machine: String, in database: TestDatabase) throws -> [[String?]] {
        var rows = try database.rows(
            """
            SELECT status, (extract(epoch FROM started_at)::bigint - \(base))::text, (extract(epoch FROM ended_at)::bigint - \(base))::text
            FROM machine_status_intervals WHERE cnc_id = '\(machine)' ORDER BY started_at
            """)
        if rows.count >= 2, rows.last == ["offline", "340", nil], rows[rows.count - 2].last == "340" {
            rows.removeLast()
            rows[rows.count - 1][2] = nil
        }
        return rows
    }

    /// A permutation of 0..<count from a seed, repeatable.
    static func order(_ count: Int, seed: UInt64) -> [Int] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var order = Array(0..<count)
        for index in stride(from: count - 1, to: 0, by: -1) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            order.swapAt(index, Int((state >> 33) % UInt64(index + 1)))
        }
        return order
    }

    @Test("every order of arrival gives the same intervals, with a batch boundary between each newer message and older one")
    func everyOrderTheSame() throws {
        let pipeline = try PipelineHarness()
        pipeline.overrides["MES_OFFLINE_AFTER_S"] = "30"
        // CNCTypeA with a part counter.
        let description = "\(pipeline.typesDirectory)/CNCTypeA.yaml"
        try (try String(contentsOfFile: description, encoding: .utf8) + "  part_count: {variable: parts}\n").write(
            toFile: description, atomically: true, encoding: .utf8)
        try pipeline.startPipeline()
        let database = pipeline.database
        // CNCTypeA machines, one permutation each, one message a batch; the last machine gets all in one.
        let machines = ["CNC003", "CNC005", "CNC007", "CNC009", "CNC011"]
        for (index, machine) in machines.dropLast().enumerated() {
            let order = Self.order(Self.readings.count, seed: UInt64(index + 1))
            for (sent, reading) in order.enumerated() {
                try pipeline.publish([Self.line(machine, Self.readings[reading])])
                #expect(
                    try database.waitForCount("SELECT count(*) FROM machine_state WHERE cnc_id = '\(machine)'", toReach: sent + 1) == sent + 1,
                    "\(pipeline.logs())")
            }
        }
        try pipeline.publish(Self.order(Self.readings.count, seed: 9).map { Self.line(machines.last!, Self.readings[$0]) })
        #expect(try database.waitForCount("SELECT count(*) FROM machine_state", toReach: 55) == 55, "\(pipeline.logs())")
        // A redelivery of an old message changes nothing.
        try pipeline.publish([Self.line("CNC003", Self.readings[2])])

        for machine in machines {
            #expect(try Self.intervals(machine, in: database) == Self.expected, "\(machine)")
            #expect(
                try database.rows(
                    """
                    SELECT (extract(epoch FROM ts)::bigint - \(Self.base))::text, parts::text
                    FROM machine_parts_made WHERE cnc_id = '\(machine)' ORDER BY ts
                    """
                ) == Self.expectedParts, "\(machine)")
        }
        // Availability over the readings' range, whole and by 100 s: the open interval is cut at
        // the range's end. Every machine's, whatever the order its messages came in.
        for machine in machines {
            #expect(
                try database.rows(
                    """
                    SELECT (extract(epoch FROM period_start)::bigint - \(Self.base))::text, running_s::text, idle_s::text, error_s::text,
                           offline_s::text, known_s::text, round(running_share::numeric, 4)::text, parts_made::text
                    FROM machine_availability(to_timestamp(\(Self.base + 100)), to_timestamp(\(Self.base + 310)))
                    WHERE cnc_id = '\(machine)'
                    UNION ALL
                    SELECT (extract(epoch FROM period_start)::bigint - \(Self.base))::text, running_s::text, idle_s::text, error_s::text,
                           offline_s::text, known_s::text, round(running_share::numeric, 4)::text, parts_made::text
                    FROM machine_availability(to_timestamp(\(Self.base + 100)), to_timestamp(\(Self.base + 310)), interval '100 s')
                    WHERE cnc_id = '\(machine)'
                    """)
                    == [
                        ["100", "70", "60", "10", "70", "210", "0.3333", "5"], ["100", "50", "20", "10", "20", "100", "0.5000", "3"],
                        ["200", "20", "30", "0", "50", "100", "0.2000", "1"], ["300", "0", "10", "0", "0", "10", "0.0000", "1"],
                    ], "\(machine)")
        }
        // The same as computed from scratch over every row, the sweep's open offline intervals aside.
        #expect(
            try database.count(
                """
                WITH states AS (
                    SELECT cnc_id, ts, message_id, status, lead(ts) OVER (PARTITION BY cnc_id ORDER BY ts, message_id) AS next FROM machine_state
                ), marked AS (
                    SELECT cnc_id, ts, message_id, status FROM states
                    UNION ALL SELECT cnc_id, ts + interval '30 s', message_id, 'offline' FROM states WHERE next > ts + interval '30 s'
                ), reference AS (
                    SELECT cnc_id, ts, message_id, status, lead(ts) OVER (PARTITION BY cnc_id ORDER BY ts, message_id) AS ended_at
                    FROM (SELECT *, lag(status) OVER (PARTITION BY cnc_id ORDER BY ts, message_id) AS before FROM marked) m
                    WHERE before IS DISTINCT FROM status
                )
                SELECT count(*) FROM reference FULL JOIN (
                    SELECT * FROM machine_status_intervals WHERE NOT (status = 'offline' AND ended_at IS NULL)) i
                    ON (i.cnc_id, i.started_at, i.started_by) = (reference.cnc_id, reference.ts, reference.message_id)
                WHERE i.cnc_id IS NULL OR reference.cnc_id IS NULL OR i.status <> reference.status
                   OR (i.ended_at IS DISTINCT FROM reference.ended_at AND NOT (reference.ended_at IS NULL AND EXISTS (
                       SELECT FROM machine_status_intervals o
                       WHERE o.cnc_id = i.cnc_id AND o.status = 'offline' AND o.ended_at IS NULL AND o.started_at = i.ended_at)))
                """) == 0)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")

        // The time before each interval and the parts' running totals are those of a rebuild from
        // every row (the sweep's work on the silent machines undone: it closed their open intervals).
        let intervalColumns =
            "cnc_id, started_at, started_by, status, part_program, "
            + ((MachineState.Status.allCases.map(\.rawValue) + ["offline"]).map { "\($0)_before" }.joined(separator: ", "))
        let stored = try database.rows(
            """
            SELECT \(intervalColumns), CASE WHEN EXISTS (
                SELECT FROM machine_status_intervals o WHERE o.cnc_id = i.cnc_id AND o.status = 'offline' AND o.ended_at IS NULL
                AND o.started_at = i.ended_at) THEN NULL ELSE i.ended_at END
            FROM machine_status_intervals i WHERE NOT (status = 'offline' AND ended_at IS NULL) ORDER BY cnc_id, started_at
            """)
        let storedParts = try database.rows("SELECT * FROM machine_parts_made ORDER BY cnc_id, ts")
        _ = try database.rows("SELECT rebuild_machine_timeline(interval '30 s')")
        #expect(try database.rows("SELECT \(intervalColumns), ended_at FROM machine_status_intervals ORDER BY cnc_id, started_at") == stored)
        #expect(try database.rows("SELECT * FROM machine_parts_made ORDER BY cnc_id, ts") == storedParts)
    }
}
