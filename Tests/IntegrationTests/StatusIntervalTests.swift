import Foundation
import Testing

/// `machine_status_intervals` through the real stages: the same messages give the same
/// intervals in every order of arrival, one message a batch or all in one.
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct StatusIntervalTests {
    /// A machine's readings: seconds after the base, status.
    static let readings: [(Int, String)] = [
        (100, "idle"), (110, "idle"), (120, "running"), (130, "running"), (140, "error"), (150, "running"), (160, "running"), (170, "idle"),
    ]
    /// Their intervals: status, start, end (nil: open).
    static let expected: [[String?]] = [
        ["idle", "100", "120"], ["running", "120", "140"], ["error", "140", "150"], ["running", "150", "170"], ["idle", "170", nil],
    ]
    static let base = 1_747_379_000

    static func line(_ machine: String, _ reading: (Int, String)) -> String {
        #"{"cnc_id":"\#(machine)","part_program":"p\#(reading.0)","timestamp":"\#(base + reading.0)","#
            + #""payload":{"status":"\#(reading.1)","spin":1,"X-Axis":1,"Y-Axis":2}}"#
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
        #expect(try database.waitForCount("SELECT count(*) FROM machine_state", toReach: 40) == 40, "\(pipeline.logs())")
        // A redelivery of an old message changes nothing.
        try pipeline.publish([Self.line("CNC003", Self.readings[2])])

        for machine in machines {
            let intervals = try database.rows(
                """
                SELECT status, (extract(epoch FROM started_at)::bigint - \(Self.base))::text,
                       (extract(epoch FROM ended_at)::bigint - \(Self.base))::text
                FROM machine_status_intervals WHERE cnc_id = '\(machine)' ORDER BY started_at
                """)
            #expect(intervals == Self.expected, "\(machine)")
        }
        // The same as computed from scratch over every row.
        #expect(
            try database.count(
                """
                SELECT count(*) FROM (
                    SELECT cnc_id, ts, message_id, status, lead(ts) OVER (PARTITION BY cnc_id ORDER BY ts, message_id) AS ended_at
                    FROM (SELECT *, lag(status) OVER (PARTITION BY cnc_id ORDER BY ts, message_id) AS before FROM machine_state) s
                    WHERE before IS DISTINCT FROM status
                ) reference FULL JOIN machine_status_intervals i
                    ON (i.cnc_id, i.started_at, i.started_by) = (reference.cnc_id, reference.ts, reference.message_id)
                WHERE i.cnc_id IS NULL OR reference.cnc_id IS NULL OR i.status <> reference.status
                   OR i.ended_at IS DISTINCT FROM reference.ended_at
                """) == 0)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }
}
