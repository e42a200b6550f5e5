import CollectorCore
import Foundation
import Testing

/// Kills stages with SIGKILL while numbered messages flow, restarts them, and checks that
/// every number arrives exactly once: the journal, the acknowledgements and the content ids at
/// work against the real processes, broker and database.
@Suite(
    "Fault injection", .serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)")
)
struct FaultTests {
    /// Messages per test (`FAULT_MESSAGES`); scripts/fault-soak.sh runs larger sizes.
    static let messageCount = Int(ProcessInfo.processInfo.environment["FAULT_MESSAGES"] ?? "") ?? 4_000
    /// How long the database outage lasts (`FAULT_OUTAGE_SECONDS`).
    static let outageSeconds = Double(ProcessInfo.processInfo.environment["FAULT_OUTAGE_SECONDS"] ?? "") ?? 5

    /// Writes the numbered lines to a file of the pipeline's and returns its path.
    static func numberedFile(_ pipeline: PipelineHarness, count: Int, tag: String) throws -> String {
        let file = "\(pipeline.directory)/numbered-\(tag).json"
        try numberedLines(count, tag: tag).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Numbered lines over 20 machines of both types; every tenth is invalid (no payload).
    static func numberedLines(_ count: Int, tag: String) -> [String] {
        (1...count).map { number in
            let machine = "CNC" + String(repeating: "0", count: 3 - String(number % 20 + 1).count) + String(number % 20 + 1)
            let head = #"{"cnc_id": "\#(machine)","part_program": "\#(tag)-\#(number)","timestamp": "\#(1_747_379_000 + number)""#
            return number % 10 == 0 ? head + "}" : head + #","payload":{"status": "running","spin":\#(number % 900),"X-Axis":1,"Y-Axis":2}}"#
        }
    }

    /// Starts publishing the numbered lines at `rate` messages a second; returns the publisher.
    static func publishNumbered(_ pipeline: PipelineHarness, count: Int, tag: String, rate: Int) throws -> StageProcess {
        try pipeline.startEmulator(["--file", try numberedFile(pipeline, count: count, tag: tag), "--rate", String(rate)])
    }

    /// Checks that each of the `count` numbered messages is stored once, as a row or a rejection.
    static func expectEveryNumberOnce(_ pipeline: PipelineHarness, count: Int, tag: String, database: TestDatabase? = nil) throws {
        let valid = count - count / 10
        let database = database ?? pipeline.database
        let stored = try database.waitForCount("SELECT count(*) FROM cnc_data", toReach: valid, seconds: 90)
        let rejected = try database.waitForCount("SELECT count(*) FROM rejected_messages", toReach: count / 10, seconds: 30)
        #expect(stored == valid, "stored \(stored) of \(valid)\n\(pipeline.logs())")
        #expect(rejected == count / 10, "rejected \(rejected) of \(count / 10)")
        #expect(try database.waitForStableCount("SELECT count(*) FROM cnc_data") == valid)
        #expect(try database.count("SELECT count(DISTINCT part_program) FROM cnc_data") == valid)
        #expect(try database.count("SELECT count(*) FROM machine_state") == valid)
        let missing = try database.count(
            """
            SELECT count(*) FROM generate_series(1, \(count)) AS n
            WHERE n % 10 <> 0 AND NOT EXISTS (SELECT 1 FROM cnc_data WHERE part_program = '\(tag)-' || n)
            """)
        #expect(missing == 0, "numbers missing: \(missing)")
        #expect(try database.count("SELECT count(*) FROM rejected_messages WHERE stage <> 'ingest'") == 0)
    }

    @Test(
        "SIGKILL of a stage while messages flow, then a restart: every message stored once",
        arguments: [
            ["ingest"], ["router"], ["worker-a1", "worker-b1"], ["sink"],
        ])
    func killAndRestart(victims: [String]) throws {
        let pipeline = try PipelineHarness()
        pipeline.overrides = ["MES_REDELIVER_AFTER_MS": "1500"]
        try pipeline.startPipeline()
        let count = Self.messageCount, tag = "kill-" + victims.joined(separator: "+")
        let emulator = try Self.publishNumbered(pipeline, count: count, tag: tag, rate: 4000)
        Thread.sleep(forTimeInterval: 0.4)
        for victim in victims { try pipeline.kill(victim) }
        Thread.sleep(forTimeInterval: 0.3)
        for victim in victims { try pipeline.restart(victim) }
        try pipeline.waitForEmulator(emulator)
        try Self.expectEveryNumberOnce(pipeline, count: count, tag: tag)
        if victims[0].hasPrefix("worker") {
            // The router found the killed workers gone and gave their machines to the others.
            #expect(pipeline.stages["router"]!.log.components(separatedBy: "worker gone").count - 1 == victims.count, "\(pipeline.logs())")
        }
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("SIGKILL of every stage, twice, while messages flow: every message stored once")
    func killEverything() throws {
        let pipeline = try PipelineHarness()
        pipeline.overrides = ["MES_REDELIVER_AFTER_MS": "1500"]
        try pipeline.startPipeline()
        let count = Self.messageCount * 3 / 2, tag = "kill-all"
        let emulator = try Self.publishNumbered(pipeline, count: count, tag: tag, rate: 4000)
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

    @Test("SIGTERM to every stage in a random order while messages flow, then a restart: every message stored once")
    func sigtermInAnyOrder() throws {
        let pipeline = try PipelineHarness()
        try pipeline.startPipeline()
        let count = Self.messageCount, tag = "sigterm"
        let emulator = try Self.publishNumbered(pipeline, count: count, tag: tag, rate: 4000)
        Thread.sleep(forTimeInterval: 0.4)
        var generator = SplitMix64(seed: UInt64(Date().timeIntervalSince1970))
        let order = pipeline.stages.keys.sorted().shuffled(using: &generator)
        for name in order { pipeline.stages[name]!.signal(SIGTERM) }
        for name in order {
            #expect(pipeline.stages[name]!.waitForExit(seconds: 40) == 0, "\(name) (order \(order))\n\(pipeline.logs())")
        }
        try pipeline.startPipeline()
        try pipeline.waitForEmulator(emulator)
        try Self.expectEveryNumberOnce(pipeline, count: count, tag: tag)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("PostgreSQL stopped with -m immediate while messages flow, then started again: every message stored once")
    func databaseOutage() throws {
        let pipeline = try PipelineHarness()
        let postgres = try PrivatePostgres()
        let database = TestDatabase(url: postgres.url)
        pipeline.overrides = ["DATABASE_URL": postgres.url]
        try pipeline.startPipeline()
        let count = Self.messageCount, tag = "outage"
        let emulator = try Self.publishNumbered(pipeline, count: count, tag: tag, rate: 2000)
        Thread.sleep(forTimeInterval: 0.5)
        try postgres.stop(mode: "immediate")
        Thread.sleep(forTimeInterval: Self.outageSeconds)
        try postgres.start()
        try pipeline.waitForEmulator(emulator)
        try Self.expectEveryNumberOnce(pipeline, count: count, tag: tag, database: database)
        // Back-pressure, not growth: no stage held more than the 64 MiB the pipeline is built for.
        for (name, stage) in pipeline.stages {
            let peak = try #require(stage.peakResidentMegabytes, "\(name) is not running")
            #expect(peak < 64, "\(name) peaked at \(peak) MiB during the outage")
        }
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("the broker restarted twice while it delivers a queued backlog: every message stored once")
    func brokerRestarts() throws {
        let pipeline = try PipelineHarness()
        let broker = try PrivateBroker(directory: "\(pipeline.directory)/broker")
        pipeline.overrides = ["MQTT_URL": broker.url]
        try pipeline.startPipeline()
        try pipeline.kill("ingest")
        let count = Self.messageCount, tag = "broker"
        try pipeline.emulator(["--file", try Self.numberedFile(pipeline, count: count, tag: tag)])
        // The backlog waits in ingest's session, across a restart that saves it to disk.
        broker.stop()
        try broker.start()
        try pipeline.startIngest()
        _ = try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: count / 4)
        broker.stop()
        Thread.sleep(forTimeInterval: 1)
        try broker.start()
        try Self.expectEveryNumberOnce(pipeline, count: count, tag: tag)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("the link to the broker goes silent, then comes back: ingest notices, reconnects, and every message is stored once")
    func networkCut() throws {
        let pipeline = try PipelineHarness()
        let broker = try PrivateBroker(directory: "\(pipeline.directory)/broker")
        let proxy = try TCPProxy(upstreamPort: broker.port)
        // ingest reaches the broker only through the proxy; the emulator publishes directly.
        pipeline.overrides = ["MQTT_URL": "mqtt://127.0.0.1:\(proxy.port)", "MQTT_KEEPALIVE": "5"]
        try pipeline.startPipeline()
        pipeline.overrides["MQTT_URL"] = broker.url
        let count = Self.messageCount, tag = "cut"
        let emulator = try Self.publishNumbered(pipeline, count: count, tag: tag, rate: 400)
        Thread.sleep(forTimeInterval: 2)
        // Messages and acknowledgements in flight vanish; the broker will send those again.
        proxy.setDropping(true)
        #expect(pipeline.stages["ingest"]!.waitForLog("broker connection failed", seconds: 30), "\(pipeline.logs())")
        proxy.closeAll()
        proxy.setDropping(false)
        try pipeline.waitForEmulator(emulator)
        try Self.expectEveryNumberOnce(pipeline, count: count, tag: tag)
        #expect(pipeline.stages["ingest"]!.log.components(separatedBy: "connected and subscribed").count >= 3, "\(pipeline.logs())")
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }
}
