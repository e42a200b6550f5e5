import Foundation
import Testing

/// Kills stages with SIGKILL while numbered messages flow, restarts them, and checks that
/// every number arrives exactly once: the journal, the acknowledgements and the content ids at
/// work against the real processes, broker and database.
@Suite("Fault injection", .serialized)
struct FaultTests {
    /// Numbered lines over 20 machines of both types; every tenth is invalid (no payload).
    static func numberedLines(_ count: Int, tag: String) -> [String] {
        (1...count).map { number in
            let machine = "CNC" + String(repeating: "0", count: 3 - String(number % 20 + 1).count) + String(number % 20 + 1)
            let head = #"{"cnc_id": "\#(machine)","part_program": "\#(tag)-\#(number)","timestamp": "\#(1_747_379_000 + number)""#
            return number % 10 == 0 ? head + "}" : head + #","payload":{"status": "running","spin":\#(number % 900),"X-Axis":1,"Y-Axis":2}}"#
        }
    }

    /// Checks that each of the `count` numbered messages is stored once, as a row or a rejection.
    static func expectEveryNumberOnce(_ pipeline: PipelineHarness, count: Int, tag: String) throws {
        let valid = count - count / 10
        let database = pipeline.database
        let stored = try database.waitForCount("SELECT count(*) FROM cnc_data", toReach: valid, seconds: 90)
        let rejected = try database.waitForCount("SELECT count(*) FROM rejected_messages", toReach: count / 10, seconds: 30)
        #expect(stored == valid, "stored \(stored) of \(valid)\n\(pipeline.logs())")
        #expect(rejected == count / 10, "rejected \(rejected) of \(count / 10)")
        #expect(try database.waitForStableCount("SELECT count(*) FROM cnc_data") == valid)
        #expect(try database.count("SELECT count(DISTINCT part_program) FROM cnc_data") == valid)
        #expect(try database.count("SELECT count(*) FROM machine_state") == valid)
        let missing = try database.count("""
            SELECT count(*) FROM generate_series(1, \(count)) AS n
            WHERE n % 10 <> 0 AND NOT EXISTS (SELECT 1 FROM cnc_data WHERE part_program = '\(tag)-' || n)
            """)
        #expect(missing == 0, "numbers missing: \(missing)")
        #expect(try database.count("SELECT count(*) FROM rejected_messages WHERE stage <> 'ingest'") == 0)
    }

    @Test("SIGKILL of a stage while messages flow, then a restart: every message stored once", arguments: [
        ["ingest"], ["router"], ["worker-a1", "worker-b1"], ["sink"],
    ])
    func killAndRestart(victims: [String]) throws {
        let pipeline = try PipelineHarness()
        pipeline.overrides = ["MES_REDELIVER_AFTER_MS": "1500"]
        try pipeline.startPipeline()
        let count = 4_000, tag = "kill-" + victims.joined(separator: "+")
        let file = "\(pipeline.directory)/numbered.json"
        try Self.numberedLines(count, tag: tag).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let emulator = try pipeline.startEmulator(["--file", file, "--rate", "4000"])
        Thread.sleep(forTimeInterval: 0.4)
        for victim in victims { try pipeline.kill(victim) }
        Thread.sleep(forTimeInterval: 0.3)
        for victim in victims { try pipeline.restart(victim) }
        try pipeline.waitForEmulator(emulator)
        try Self.expectEveryNumberOnce(pipeline, count: count, tag: tag)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("SIGKILL of every stage, twice, while messages flow: every message stored once")
    func killEverything() throws {
        let pipeline = try PipelineHarness()
        pipeline.overrides = ["MES_REDELIVER_AFTER_MS": "1500"]
        try pipeline.startPipeline()
        let count = 6_000, tag = "kill-all"
        let file = "\(pipeline.directory)/numbered.json"
        try Self.numberedLines(count, tag: tag).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let emulator = try pipeline.startEmulator(["--file", file, "--rate", "4000"])
        let everyStage = ["ingest", "router", "worker-a1", "worker-a2", "worker-b1", "worker-b2", "sink"]
        for _ in 0..<2 {
            Thread.sleep(forTimeInterval: 0.4)
            for stage in everyStage { try pipeline.kill(stage) }
            Thread.sleep(forTimeInterval: 0.2)
            for stage in everyStage.reversed() where stage != "ingest" { try pipeline.restart(stage) }
            try pipeline.startIngest()
        }
        try pipeline.waitForEmulator(emulator)
        try Self.expectEveryNumberOnce(pipeline, count: count, tag: tag)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }
}
