import Foundation
import Testing

/// `mesctl` against the real pipeline, broker and database.
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct MesctlTests {
    /// Runs mesctl to completion; returns its exit status and output.
    static func mesctl(_ pipeline: PipelineHarness, _ arguments: [String]) throws -> (status: Int32?, output: String) {
        let run = try StageProcess(
            executable: "mesctl", arguments: arguments, name: "mesctl-\(UInt32.random(in: 0...UInt32.max))", environment: pipeline.environment,
            logDirectory: pipeline.directory)
        return (run.waitForExit(seconds: 60), run.log)
    }

    @Test("drift lists each type's unknown variables and quality marks; a worker logs a new variable once")
    func driftAndMarks() throws {
        let pipeline = try PipelineHarness()
        try pipeline.startPipeline()
        let lines =
            (0..<4).map { number in
                #"{"cnc_id":"CNC001","part_program":"p","timestamp":"\#(1_747_379_100 + number)","payload":{"status":"idle","spin":30000,"#
                    + #""X-Axis":1,"Y-Axis":2,"tool":"T\#(number)"}}"#
            } + [#"{"cnc_id":"CNC002","part_program":"p","timestamp":"1747379200","payload":{"status":"running","spin":0,"X-Axis":1,"Y-Axis":2}}"#]
        try pipeline.publish(lines)
        #expect(try pipeline.database.waitForCount("SELECT count(*) FROM machine_state", toReach: 5) == 5, "\(pipeline.logs())")

        // The machines' timestamps are from 2025: look back far enough.
        let drift = try Self.mesctl(pipeline, ["drift", "--hours", "100000"])
        #expect(drift.status == 0, "\(drift.output)")
        let rows = drift.output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(rows.contains { $0.prefix(4) == ["CNCTypeA", "tool", "4", "1"] }, "\(drift.output)")
        #expect(rows.contains { $0.prefix(4) == ["CNCTypeA", "range:spin", "4", "1"] }, "\(drift.output)")
        #expect(rows.contains { $0.prefix(4) == ["CNCTypeB", "running_without_spindle", "1", "1"] }, "\(drift.output)")
        // Two workers share CNCTypeA's messages: each logs "tool" at most once.
        let workerLogs = ["worker-a1", "worker-a2"].compactMap { pipeline.stages[$0]?.log }
        let notices = workerLogs.map { $0.components(separatedBy: "a variable this type does not know").count - 1 }
        #expect(notices.allSatisfy { $0 <= 1 } && notices.reduce(0, +) >= 1, "\(notices)")
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("rejected lists refusals by reason; replay after a map fix stores them once and marks them; a refusal after replay clears the mark")
    func rejectedAndReplay() throws {
        let pipeline = try PipelineHarness()
        try pipeline.startPipeline()
        let unknown =
            #"{"cnc_id": "LATHE-7","part_program": "p","timestamp": "1747379028","payload":{"status":"running","spin":900,"X-Axis":10,"Y-Axis":0}}"#
        let refused = #"{"cnc_id": "CNC001","part_program": "p","timestamp": "1747379030","payload":{"status":"running","X-Axis":10,"Y-Axis":0}}"#
        try pipeline.publish([unknown, refused])
        let database = pipeline.database
        #expect(try database.waitForCount("SELECT count(*) FROM rejected_messages", toReach: 2) == 2, "\(pipeline.logs())")

        let listed = try Self.mesctl(pipeline, ["rejected"])
        #expect(listed.status == 0, "\(listed.output)")
        #expect(listed.output.contains("unknown cnc_id \"LATHE-7\""), "\(listed.output)")
        #expect(listed.output.contains("CNCTypeA:"), "\(listed.output)")

        // Fix the map for LATHE-7, then replay what the router and the workers refused.
        let map = #"[{"cnc_id": "CNC001", "class_name": "CNCTypeA"}, {"cnc_id": "LATHE-7", "class_name": "CNCTypeB"}]"#
        try map.write(toFile: pipeline.mapPath, atomically: true, encoding: .utf8)
        pipeline.stages["router"]!.signal(SIGHUP)
        #expect(pipeline.stages["router"]!.waitForLog("type map reloaded"), "\(pipeline.logs())")
        let dryRun = try Self.mesctl(pipeline, ["replay", "--dry-run"])
        #expect(dryRun.status == 0 && dryRun.output.contains("would replay 2 rejected messages"), "\(dryRun.output)")
        let replay = try Self.mesctl(pipeline, ["replay"])
        #expect(replay.status == 0 && replay.output.contains("replayed 2 of 2 rejected messages; 2 marked replayed"), "\(replay.output)")
        #expect(try database.waitForCount("SELECT count(*) FROM cnc_data WHERE cnc_id = 'LATHE-7'", toReach: 1) == 1, "\(pipeline.logs())")
        // CNC001's message is still refused by its plugin: the refusal clears the replay mark.
        #expect(try database.waitForCount("SELECT count(*) FROM rejected_messages WHERE cnc_id = 'CNC001' AND replayed_at IS NULL", toReach: 1) == 1)
        #expect(try database.count("SELECT count(*) FROM rejected_messages WHERE cnc_id = 'LATHE-7' AND replayed_at IS NOT NULL") == 1)

        // Replaying again sends only what is still refused, and stores nothing twice.
        let again = try Self.mesctl(pipeline, ["replay"])
        #expect(again.status == 0 && again.output.contains("replayed 1 of 1"), "\(again.output)")
        Thread.sleep(forTimeInterval: 1)
        #expect(try database.waitForStableCount("SELECT count(*) FROM cnc_data") == 1)
        #expect(try database.count("SELECT count(*) FROM rejected_messages") == 2)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("check-config passes a good setup and names what is wrong in a bad one")
    func checkConfig() throws {
        let pipeline = try PipelineHarness()
        let good = try Self.mesctl(pipeline, ["check-config", "--connect"])
        #expect(good.status == 0, "\(good.output)")
        #expect(good.output.contains("ok    type map"), "\(good.output)")
        #expect(good.output.contains("ok    DATABASE_URL: connected"), "\(good.output)")

        try #"[{"cnc_id": "CNC001", "class_name": "NoSuchPlugin"}]"#.write(toFile: pipeline.mapPath, atomically: true, encoding: .utf8)
        pipeline.overrides = ["MES_ROUTER_ENDPOINT": "udp://nowhere"]
        let bad = try Self.mesctl(pipeline, ["check-config"])
        #expect(bad.status == 1, "\(bad.output)")
        #expect(bad.output.contains("error type map") && bad.output.contains("NoSuchPlugin"), "\(bad.output)")
        #expect(bad.output.contains("error endpoints") && bad.output.contains("udp://nowhere"), "\(bad.output)")
    }

    @Test("status reads every stage's metrics: readiness, counts, the type map and its reloads, the board's /health; a stopped stage is down")
    func status() throws {
        let pipeline = try PipelineHarness()
        var targets: [String] = []
        for (name, executable, arguments) in [
            ("sink", "sink", []), ("router", "router", []), ("worker-a1", "worker", ["--type", "CNCTypeA"]),
            ("worker-b1", "worker", ["--type", "CNCTypeB"]),
        ] {
            let port = try PrivateBroker.freePort()
            try pipeline.start(name, executable, arguments + ["--metrics-listen", "127.0.0.1:\(port)"])
            targets += ["--target", "\(name)=127.0.0.1:\(port)"]
        }
        let ingestPort = try PrivateBroker.freePort()
        try pipeline.startIngest(["--metrics-listen", "127.0.0.1:\(ingestPort)"])
        targets += ["--target", "ingest=127.0.0.1:\(ingestPort)"]
        let boardMetricsPort = try PrivateBroker.freePort()
        pipeline.overrides["MES_METRICS_LISTEN"] = "127.0.0.1:\(boardMetricsPort)"
        let board = try BoardTests.startBoard(pipeline).replacingOccurrences(of: "http://", with: "")
        targets += ["--target", "board=127.0.0.1:\(boardMetricsPort)", "--board", board]
        try pipeline.publish(PipelineTests.sampleLines)
        #expect(try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 3) == 3, "\(pipeline.logs())")
        let map = #"[{"cnc_id": "CNC001", "class_name": "CNCTypeA"}]"#
        try map.write(toFile: pipeline.mapPath, atomically: true, encoding: .utf8)
        pipeline.stages["router"]!.signal(SIGHUP)
        #expect(pipeline.stages["router"]!.waitForLog("type map reloaded"), "\(pipeline.logs())")

        let up = try Self.mesctl(pipeline, ["status", "--interval", "0.2"] + targets)
        #expect(up.status == 0, "\(up.output)")
        for expected in [
            "received 3", "rows 3", "map 1 machines", "reloads ok 1 failed 0", "broker connected", "database connected", "stored 2", "refreshes ",
            "pages \(board) /health ok",
        ] {
            #expect(up.output.contains(expected), "\(expected) not in\n\(up.output)")
        }
        // The board's state is its /health: where nothing serves the pages, it is not ready.
        let nowhere = "127.0.0.1:\(try PrivateBroker.freePort())"
        let unanswered = try Self.mesctl(pipeline, ["status", "--interval", "0.2"] + targets + ["--board", nowhere])
        #expect(unanswered.status == 1 && unanswered.output.contains("pages \(nowhere) do not answer"), "\(unanswered.output)")
        pipeline.stages["sink"]!.signal(SIGTERM)
        #expect(pipeline.stages["sink"]!.waitForExit() == 0)
        let down = try Self.mesctl(pipeline, ["status", "--interval", "0.2"] + targets)
        #expect(down.status == 1 && down.output.contains("down"), "\(down.output)")
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }
}
