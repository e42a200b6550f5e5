import Foundation
import Testing

/// Cuts the power of the collector's machine while messages flow, with ingest's journal on a
/// file system that loses what was never synced (`PowerCutDisk`), then boots it again and counts
/// every message the broker acknowledged to the publisher. The broker and PostgreSQL stand for
/// servers of their own, which keep their power: what the broker counted as delivered to
/// ingest's session it never sends again, and the rest it redelivers.
@Suite(
    "Power cut", .serialized,
    .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)")
)
struct PowerCutTests {
    /// Messages per test (`POWER_CUT_MESSAGES`), published at 1 000 a second.
    static let messageCount = Int(ProcessInfo.processInfo.environment["POWER_CUT_MESSAGES"] ?? "") ?? 3_000

    struct Outcome: CustomStringConvertible {
        var setting: String
        var acknowledged: Int
        var stored: Int
        var duplicated: Int
        var missing: [Int]
        var cut: PowerCutDisk.Report

        var lost: Int { acknowledged - stored }

        var description: String {
            """
            power cut, MES_JOURNAL_SYNC_MS \(setting): \(acknowledged) messages acknowledged by the broker, \(stored) stored, \(lost) lost, \
            \(duplicated) duplicated (cut at a \(cut.operation) of \(cut.path ?? "-"), \(cut.reason): \(cut.unsyncedBytes) bytes in \
            \(cut.unsyncedFiles) files and \(cut.unsyncedDirectories) directories unsynced)\
            \(missing.isEmpty ? "" : "; lost numbers \(missing.prefix(20).map(String.init).joined(separator: ","))\(missing.count > 20 ? ",…" : "")")
            """
        }
    }

    /// Numbered messages over 20 machines, all valid.
    static func numberedLines(_ count: Int, tag: String) -> [String] {
        (1...count).map { number in
            let machine = "CNC" + String(repeating: "0", count: 3 - String(number % 20 + 1).count) + String(number % 20 + 1)
            return #"{"cnc_id": "\#(machine)","part_program": "\#(tag)-\#(number)","timestamp": "\#(1_747_379_000 + number)","#
                + #""payload":{"status": "running","spin":\#(number % 900),"X-Axis":1,"Y-Axis":2}}"#
        }
    }

    /// Publishes numbered messages, cuts the power at the first moment the journal holds
    /// anything unsynced once a fifth of them are stored, boots, starts every stage again, and
    /// counts what was stored. `journalSync` nil keeps ingest's default.
    static func cutPower(journalSync: String?) throws -> Outcome {
        let pipeline = try PipelineHarness()
        let disk = try PowerCutDisk(directory: "\(pipeline.directory)/power")
        defer { disk.unmount() }
        pipeline.overrides = ["MES_JOURNAL_DIR": "\(disk.mountPoint)/journal", "MES_REDELIVER_AFTER_MS": "1500"]
        if let journalSync { pipeline.overrides["MES_JOURNAL_SYNC_MS"] = journalSync }
        try pipeline.startPipeline()
        let count = Self.messageCount, tag = "power-\(journalSync ?? "default")"
        let file = "\(pipeline.directory)/numbered.json"
        try numberedLines(count, tag: tag).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let emulator = try pipeline.startEmulator(["--file", file, "--rate", "1000"])
        _ = try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: count / 5)

        // Every stage runs on the machine that loses power.
        let machine = pipeline.stages.keys.sorted()
        let report = try disk.cut(victims: machine.map { pipeline.stages[$0]!.process.processIdentifier })
        for stage in machine { try pipeline.kill(stage) }
        try disk.boot()
        try pipeline.startPipeline()
        try pipeline.waitForEmulator(emulator)

        let acknowledged = try #require(
            emulator.log.firstMatch(of: /([0-9]+) acknowledged by the broker/).flatMap { Int($0.1) }, "\(emulator.log)")
        let distinct = "SELECT count(DISTINCT part_program) FROM cnc_data"
        // Once every message is in, or once the broker's redeliveries and the journal's replay are over.
        if try pipeline.database.waitForCount(distinct, toReach: acknowledged, seconds: journalSync == nil ? 60 : 8) < acknowledged {
            _ = try pipeline.database.waitForStableCount(distinct, quietSeconds: 4)
        }
        let stored = try pipeline.database.count(distinct)
        let rows = try pipeline.database.count("SELECT count(*) FROM cnc_data")
        let states = try pipeline.database.count("SELECT count(*) FROM machine_state")
        let missing = try pipeline.database.rows(
            """
            SELECT n FROM generate_series(1, \(count)) AS n
            WHERE NOT EXISTS (SELECT 1 FROM cnc_data WHERE part_program = '\(tag)-' || n) ORDER BY n
            """
        ).compactMap { $0.first.flatMap { $0 }.flatMap { Int($0) } }
        #expect(states == rows, "machine_state has \(states) rows, cnc_data \(rows)")
        #expect(try pipeline.database.count("SELECT count(*) FROM rejected_messages") == 0)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
        return Outcome(
            setting: journalSync ?? "default", acknowledged: acknowledged, stored: stored, duplicated: rows - stored, missing: missing, cut: report)
    }

    @Test("by default the journal is on disk before the broker hears PUBACK: a power cut loses nothing")
    func durableByDefault() throws {
        let outcome = try Self.cutPower(journalSync: nil)
        print(outcome)
        #expect(outcome.acknowledged == Self.messageCount)
        #expect(outcome.lost == 0, "\(outcome)")
        #expect(outcome.duplicated == 0, "\(outcome)")
    }

    /// The cut comes at the first change that finds the journal unsynced: the rounds written
    /// since the last sync, whose PUBACKs went out before the journal's next write or sync, are
    /// gone from the journal, and the newest of them cannot have reached PostgreSQL yet (the
    /// sink waits for a batch).
    @Test("with MES_JOURNAL_SYNC_MS=100 a power cut loses what the broker counted as delivered and the journal had not synced")
    func syncEvery100Milliseconds() throws {
        let outcome = try Self.cutPower(journalSync: "100")
        print(outcome)
        #expect(outcome.acknowledged == Self.messageCount)
        #expect(outcome.lost > 0, "\(outcome)")
        #expect(outcome.duplicated == 0, "\(outcome)")
    }
}
