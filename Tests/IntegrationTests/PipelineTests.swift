import Foundation
import Testing

/// The real processes against the real broker and PostgreSQL that `scripts/test.sh` starts.
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct PipelineTests {
    static let sampleLines = [
        #"{"cnc_id": "CNC001","part_program": "program_01","timestamp": "1747379028","payload":{"status": "running","spin":200,"X-Axis":30,"#
            + #""Y-Axis":80}}"#,
        #"{"cnc_id": "CNC002","part_program": "program_02","timestamp": "1747379030","payload":{"status": "idle","spin":0,"X-Axis":0,"Y-Axis":0}}"#,
        #"{"cnc_id": "CNC001","part_program": "program_03","timestamp": "1747379035","payload":{"status": "error","spin":100,"X-Axis":25,"#
            + #""Y-Axis":75}}"#,
    ]

    /// `count` messages of machine CNC001, a second apart, running, with `payloadMembers` added
    /// to each payload to make it large.
    static func largeMessages(_ count: Int, payloadMembers: String) -> [String] {
        (0..<count).map { index in
            #"{"cnc_id":"CNC001","part_program":"p","timestamp":"\#(1_747_379_028 + index)","#
                + #""payload":{"status":"running","spin":1,"X-Axis":1,"Y-Axis":2,\#(payloadMembers)}}"#
        }
    }

    @Test("the seed's sample lines are stored with the right values")
    func sampleLinesAreStored() throws {
        let pipeline = try PipelineHarness()
        try pipeline.startPipeline()
        try pipeline.publish(Self.sampleLines)
        let stored = try pipeline.database.waitForCount("SELECT count(*) FROM machine_state", toReach: 3)
        #expect(stored == 3, "\(pipeline.logs())")

        let rows = try pipeline.database.rows(
            """
            SELECT cnc_id, cnc_type, part_program, extract(epoch FROM ts)::bigint, payload::text, topic
            FROM cnc_data ORDER BY ts
            """)
        #expect(
            rows.map { $0.map { $0 ?? "NULL" } } == [
                [
                    "CNC001", "CNCTypeA", "program_01", "1747379028", #"{"spin": 200, "X-Axis": 30, "Y-Axis": 80, "status": "running"}"#,
                    pipeline.topic,
                ],
                ["CNC002", "CNCTypeB", "program_02", "1747379030", #"{"spin": 0, "X-Axis": 0, "Y-Axis": 0, "status": "idle"}"#, pipeline.topic],
                ["CNC001", "CNCTypeA", "program_03", "1747379035", #"{"spin": 100, "X-Axis": 25, "Y-Axis": 75, "status": "error"}"#, pipeline.topic],
            ])
        let states = try pipeline.database.rows(
            """
            SELECT cnc_id, status, spindle_speed_rpm::text, axis_x_mm::text, axis_y_mm::text, axis_z_mm IS NULL
            FROM machine_state ORDER BY ts
            """)
        #expect(
            states.map { $0.map { $0 ?? "NULL" } } == [
                ["CNC001", "running", "200", "30", "80", "t"],
                ["CNC002", "idle", "0", "0", "0", "t"],
                ["CNC001", "error", "100", "25", "75", "t"],
            ])
        // Every row of both tables belongs to the same message.
        #expect(try pipeline.database.count("SELECT count(*) FROM cnc_data JOIN machine_state USING (message_id)") == 3)
        #expect(try pipeline.database.count("SELECT count(*) FROM rejected_messages") == 0)
        // The seed's samples are plausible and complete: no marks, no drift.
        #expect(try pipeline.database.count("SELECT count(*) FROM machine_state WHERE quality = '{}' AND unknown_variables = '{}'") == 3)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("odd values, impossible-looking states and unknown variables are stored with their marks, never refused")
    func oddValuesAreKeptAndMarked() throws {
        let pipeline = try PipelineHarness()
        try pipeline.startPipeline()
        try pipeline.publish([
            #"{"cnc_id":"CNC001","part_program":"odd-1","timestamp":"1747379100","payload":{"status":"idle","spin":30000,"X-Axis":1,"#
                + #""Y-Axis":2,"tool":"T4","spindle_load":"high"}}"#,
            #"{"cnc_id":"CNC002","part_program":"odd-2","timestamp":"1747379101","payload":{"status":"RUN","spin":0,"X-Axis":1,"Y-Axis":2}}"#,
            #"{"cnc_id":"CNC001","part_program":"odd-3","timestamp":"1747379102","payload":{"status":"RUN","spin":10,"X-Axis":1,"Y-Axis":2}}"#,
        ])
        let stored = try pipeline.database.waitForCount("SELECT count(*) FROM machine_state", toReach: 3)
        #expect(stored == 3, "\(pipeline.logs())")
        let rows = try pipeline.database.rows(
            """
            SELECT part_program, status, spindle_speed_rpm::text, array_to_string(quality, ','), array_to_string(unknown_variables, ',')
            FROM machine_state ORDER BY ts
            """)
        #expect(
            rows.map { $0.map { $0 ?? "NULL" } } == [
                ["odd-1", "idle", "30000", "range:spin", "tool,spindle_load"],
                ["odd-2", "running", "0", "running_without_spindle", ""],
                ["odd-3", "unknown", "10", "status:status", ""],
            ])
        // The raw payload keeps every variable, the unknown ones too.
        #expect(try pipeline.database.count("SELECT count(*) FROM cnc_data WHERE payload ? 'tool' AND payload ? 'spindle_load'") == 1)
        #expect(try pipeline.database.count("SELECT count(*) FROM rejected_messages") == 0)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("invalid messages land in rejected_messages with their reasons while valid ones keep flowing")
    func invalidMessagesAreRejected() throws {
        let pipeline = try PipelineHarness()
        try pipeline.startPipeline()
        let invalid: [(line: [UInt8], stage: String, reason: String)] = [
            (Array("not json at all".utf8), "ingest", "not a JSON object"),
            (Array(#"{"cnc_id": "CNC001","part_program": "p","timestamp": "1747379028""#.utf8), "ingest", "invalid JSON: unexpected end of input"),
            (Array(#"{"cnc_id": "CNC001","part_program": "p","timestamp": "1747379028"}"#.utf8), "ingest", #"missing field "payload""#),
            (
                Array(#"{"cnc_id": 7,"part_program": "p","timestamp": "1747379028","payload":{}}"#.utf8), "ingest",
                #"field "cnc_id" must be a string, not number"#
            ),
            (
                Array(#"{"cnc_id": "CNC001","part_program": "p","timestamp": "yesterday","payload":{}}"#.utf8), "ingest",
                #"field "timestamp" must be Unix seconds"#
            ),
            (Array(#"{"cnc_id": "CNC001","part_program": "p","timestamp": "1","payload":{"a":"\u0000"}}"#.utf8), "ingest", #"\u0000 is not allowed"#),
            (
                Array(#"{"cnc_id": "CNC001","part_program": "p","timestamp": "1","payload":{"status":"#.utf8) + [0xC3, 0x28] + Array("}}".utf8),
                "ingest", "invalid UTF-8"
            ),
            (
                Array(#"{"cnc_id": "CNC001","part_program": "p","timestamp": "1","payload":"#.utf8) + Array(repeating: UInt8(ascii: "["), count: 40)
                    + Array(repeating: UInt8(ascii: "]"), count: 40) + [UInt8(ascii: "}")], "ingest", "nesting deeper than 16"
            ),
            (
                Array(#"{"cnc_id": "CNC999","part_program": "p","timestamp": "1747379028","payload":{"status":"idle"}}"#.utf8), "router",
                #"unknown cnc_id "CNC999""#
            ),
            (
                Array(
                    (#"{"cnc_id": "CNC001","part_program": "p","timestamp": "1747379028","payload":{"status":"idle","spin":"fast","X-Axis":1,"#
                        + #""Y-Axis":2}}"#)
                        .utf8), "worker", #"CNCTypeA: variable "spin" must be a number"#
            ),
            (
                Array(
                    (#"{"cnc_id": "CNC002","part_program": "p","timestamp": "1747379028","payload":{"status":"idle","spin":1,"X-Axis":"999 mm","#
                        + #""Y-Axis":2}}"#)
                        .utf8), "worker", #"CNCTypeB: variable "X-Axis" must be a number, not string"#
            ),
            (
                Array(
                    ("{\"cnc_id\": \"CNC001\",\"part_program\": \"" + String(repeating: "x", count: 70_000)
                        + "\",\"timestamp\": \"1\",\"payload\":{}}").utf8), "ingest", "message too large"
            ),
        ]
        // Valid traffic before, between and after the invalid messages.
        try pipeline.emulator(["--count", "300", "--machines", "20"])
        try pipeline.publish(lines: invalid.map(\.line))
        try pipeline.emulator(["--count", "300", "--machines", "20", "--seed", "2"])

        let rejected = try pipeline.database.waitForCount("SELECT count(*) FROM rejected_messages", toReach: invalid.count)
        let stored = try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 600)
        #expect(rejected == invalid.count, "\(pipeline.logs())")
        #expect(stored == 600)
        let reasons = try pipeline.database.rows("SELECT stage, reason, raw FROM rejected_messages")
        for expected in invalid {
            let match = reasons.first { $0[0] == expected.stage && ($0[1] ?? "").contains(expected.reason) }
            #expect(
                match != nil, "no \(expected.stage) rejection containing \(expected.reason); got \(reasons.map { "\($0[0] ?? ""): \($0[1] ?? "")" })")
        }
        // The raw bytes are kept exactly (bytea hex), even when they are not UTF-8.
        let utf8Case = invalid[6].line
        let hex = "\\x" + utf8Case.map { String(format: "%02x", $0) }.joined()
        #expect(reasons.contains { $0[2] == hex })
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("SIGTERM to every process during a burst loses nothing: the rest arrives after a restart")
    func sigtermDuringBurstLosesNothing() throws {
        let pipeline = try PipelineHarness()
        try pipeline.startPipeline()
        let total = 5_000
        try pipeline.emulator(["--count", String(total), "--machines", "20"])
        // The broker has acknowledged every message; stop the pipeline while it is still busy.
        let failed = pipeline.stopAll()
        #expect(failed.isEmpty, "stages that did not exit cleanly: \(failed)\n\(pipeline.logs())")
        let afterStop = try pipeline.database.count("SELECT count(*) FROM cnc_data")
        // Every stage reports what it could not hand on; all of them must say 0.
        for counter in ["undelivered=", "unwritten="] {
            let values = pipeline.logs().components(separatedBy: counter).dropFirst().map { $0.prefix { $0.isNumber } }
            #expect(!values.isEmpty && values.allSatisfy { $0 == "0" }, "\(counter) \(values)")
        }

        // What the stopped ingest had not yet taken is still queued in its persistent session.
        try pipeline.startPipeline()
        let stored = try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: total)
        let final = try pipeline.database.waitForStableCount("SELECT count(*) FROM cnc_data")
        #expect(stored == total && final == total, "stored \(final) of \(total) (\(afterStop) before the restart)\n\(pipeline.logs())")
        #expect(try pipeline.database.count("SELECT count(*) FROM machine_state") == total)
        #expect(try pipeline.database.count("SELECT count(*) FROM rejected_messages") == 0)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("stages started in any order form a pipeline; messages wait for a late sink")
    func startOrderDoesNotMatter() throws {
        let pipeline = try PipelineHarness()
        try pipeline.startIngest()
        try pipeline.start("worker-a1", "worker", ["--type", "CNCTypeA"])
        try pipeline.start("worker-b1", "worker", ["--type", "CNCTypeB"])
        try pipeline.start("router", "router")
        try pipeline.publish(Self.sampleLines)
        Thread.sleep(forTimeInterval: 1)
        try pipeline.start("sink", "sink")
        #expect(try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 3) == 3, "\(pipeline.logs())")
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("a type whose workers are absent does not hold up the others; its messages wait for them")
    func absentWorkersHoldOnlyTheirType() throws {
        let pipeline = try PipelineHarness()
        try pipeline.start("sink", "sink")
        try pipeline.start("router", "router")
        try pipeline.start("worker-a1", "worker", ["--type", "CNCTypeA"])
        try pipeline.startIngest()
        // Machines alternate CNCTypeA (odd) and CNCTypeB (even): half the messages have no worker yet.
        try pipeline.emulator(["--count", "400", "--machines", "20"])
        #expect(try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 200) == 200, "\(pipeline.logs())")
        #expect(try pipeline.database.count("SELECT count(*) FROM cnc_data WHERE cnc_type = 'CNCTypeB'") == 0)
        try pipeline.start("worker-b1", "worker", ["--type", "CNCTypeB"])
        #expect(
            try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data WHERE cnc_type = 'CNCTypeB'", toReach: 200) == 200, "\(pipeline.logs())"
        )
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("while PostgreSQL is down the sink holds its batch and retries; writes resume on their own", arguments: ["fast", "immediate"])
    func databaseOutage(mode: String) throws {
        let pipeline = try PipelineHarness()
        let postgres = try PrivatePostgres()
        let database = TestDatabase(url: postgres.url)
        pipeline.overrides = ["DATABASE_URL": postgres.url]
        try pipeline.startPipeline()
        try pipeline.emulator(["--count", "200", "--machines", "20"])
        #expect(try database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 200) == 200, "\(pipeline.logs())")

        try postgres.stop(mode: mode)
        try pipeline.emulator(["--count", "300", "--machines", "20", "--seed", "2"])
        #expect(pipeline.stages["sink"]!.waitForLog("batch not written, will retry"), "\(pipeline.logs())")
        Thread.sleep(forTimeInterval: 2)
        try postgres.start()
        #expect(try database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 500) == 500, "\(pipeline.logs())")
        #expect(try database.waitForStableCount("SELECT count(*) FROM cnc_data") == 500)
        #expect(try database.count("SELECT count(*) FROM machine_state") == 500)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("SIGHUP reloads the type map without a restart")
    func sighupReloadsTheMap() throws {
        let pipeline = try PipelineHarness()
        try pipeline.startPipeline()
        let line =
            #"{"cnc_id": "LATHE-7","part_program": "p","timestamp": "1747379028","payload":{"status":"RUN","spin":900,"X-Axis":10,"Y-Axis":0}}"#
        try pipeline.publish([line])
        #expect(
            try pipeline.database.waitForCount("SELECT count(*) FROM rejected_messages WHERE stage = 'router'", toReach: 1) == 1, "\(pipeline.logs())"
        )

        let map = #"[{"cnc_id": "CNC001", "class_name": "CNCTypeA"}, {"cnc_id": "LATHE-7", "class_name": "CNCTypeB"}]"#
        try map.write(toFile: pipeline.mapPath, atomically: true, encoding: .utf8)
        pipeline.stages["router"]!.signal(SIGHUP)
        #expect(pipeline.stages["router"]!.waitForLog("type map reloaded"), "\(pipeline.logs())")
        try pipeline.publish([line])
        #expect(
            try pipeline.database.waitForCount("SELECT count(*) FROM machine_state WHERE cnc_id = 'LATHE-7' AND status = 'running'", toReach: 1) == 1,
            "\(pipeline.logs())")

        // A broken map is refused and the previous one stays in force.
        try "[{\"cnc_id\": \"X\"}]".write(toFile: pipeline.mapPath, atomically: true, encoding: .utf8)
        pipeline.stages["router"]!.signal(SIGHUP)
        #expect(pipeline.stages["router"]!.waitForLog("type map reload failed"))
        // A new reading: the same bytes again would be the same message, stored once.
        try pipeline.publish([line.replacingOccurrences(of: "1747379028", with: "1747379029")])
        #expect(try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data WHERE cnc_id = 'LATHE-7'", toReach: 2) == 2, "\(pipeline.logs())")
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("sinks started together apply each migration once")
    func concurrentSinksMigrateOnce() throws {
        let pipeline = try PipelineHarness()
        for index in 1...3 {
            try pipeline.start(
                "sink\(index)", "sink",
                ["--listen", "ipc://\(pipeline.directory)/sink\(index).ipc", "--ack-listen", "ipc://\(pipeline.directory)/acks\(index).ipc"])
        }
        for index in 1...3 {
            #expect(pipeline.stages["sink\(index)"]!.waitForLog("sink started"), "\(pipeline.logs())")
        }
        let migrations = try FileManager.default.contentsOfDirectory(atPath: "\(TestEnvironment.packageDirectory)/migrations").filter {
            $0.hasSuffix(".sql")
        }
        #expect(try pipeline.database.count("SELECT count(*) FROM schema_migrations") == migrations.count)
        #expect(pipeline.logs().components(separatedBy: "migration applied").count - 1 == migrations.count)
        #expect(pipeline.stopAll().isEmpty)
    }

    @Test("a bad setting stops a stage at once with a clear message")
    func badSettingsFailClearly() throws {
        let pipeline = try PipelineHarness()
        let worker = try pipeline.start("worker", "worker", ["--type", "NoSuchType"])
        #expect(worker.waitForExit(seconds: 10) != 0)
        #expect(worker.log.contains("no machine type named \"NoSuchType\""))
        try "not json".write(toFile: pipeline.mapPath, atomically: true, encoding: .utf8)
        let router = try pipeline.start("router", "router")
        #expect(router.waitForExit(seconds: 10) != 0)
        #expect(router.log.contains("type map"))
        let sink = try pipeline.start("sink", "sink", ["--migrations", "/nonexistent"])
        #expect(sink.waitForExit(seconds: 10) != 0)
        #expect(sink.log.contains("migrations directory"))
    }

    @Test("a batch of large messages is written once its frames reach 4 MB, before it is full by rows or by time")
    func largeMessagesEndABatchByBytes() throws {
        let pipeline = try PipelineHarness()
        // Neither the rows nor the time would end a batch during the test.
        pipeline.overrides["MES_BATCH_SIZE"] = "1000"
        pipeline.overrides["MES_FLUSH_INTERVAL_MS"] = "600000"
        try pipeline.startPipeline()
        // 100 messages of about 60 KB (3,000 sensor variables each), 50 a second, so that each
        // reaches the sink in a frame of its own: about 150 KB there, with the kept variables.
        let sensors = (1...3_000).map { #""sensor_\#($0)":\#(Double($0) / 8)"# }.joined(separator: ",")
        let lines = Self.largeMessages(100, payloadMembers: sensors)
        #expect(lines.allSatisfy { (55_000..<65_536).contains($0.utf8.count) })
        try pipeline.publish(lines, arguments: ["--rate", "50"])
        let early = try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 40, seconds: 60)
        #expect((40..<100).contains(early), "\(pipeline.logs())")
        // The rest waits for its batch's time, or for the sink to stop, which writes it.
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
        #expect(try pipeline.database.count("SELECT count(*) FROM cnc_data") == 100)
        #expect(try pipeline.database.count("SELECT count(*) FROM rejected_messages") == 0)
    }

    @Test("the router holds 4 MB of large messages for a type without workers, not 20,000 messages; they are stored once a worker comes")
    func heldLargeMessagesAreBoundedByBytes() async throws {
        let pipeline = try PipelineHarness()
        let metricsPort = try PrivateBroker.freePort()
        try pipeline.start("sink", "sink")
        try pipeline.start("router", "router", ["--metrics-listen", "127.0.0.1:\(metricsPort)"])
        try pipeline.startIngest()
        // 600 messages of 60 KB for CNCTypeA, whose worker is not there: 36 MB. ingest sends
        // them in frames of 4 (256 KB at most), so 4 MB is 18 frames, 72 messages.
        let lines = Self.largeMessages(600, payloadMembers: #""note":"\#(String(repeating: "n", count: 60_000))""#)
        try pipeline.publish(lines)
        let router = MetricsScrape(port: metricsPort)
        let series = #"cnc_router_held{cnc_type="CNCTypeA"}"#
        var held = try await router.waitForValue(series, toReach: 1) ?? 0
        // Steady for 2 s: the router has stopped reading input.
        var steadySince = Date()
        while Date().timeIntervalSince(steadySince) < 2, held < 600 {
            try await Task.sleep(for: .milliseconds(200))
            let now = try await router.value(series) ?? 0
            if now != held { (held, steadySince) = (now, Date()) }
        }
        #expect((64...80).contains(held), "held \(held) messages: \(pipeline.logs())")
        #expect(try pipeline.database.count("SELECT count(*) FROM cnc_data") == 0)
        try pipeline.start("worker-a1", "worker", ["--type", "CNCTypeA"])
        #expect(try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 600, seconds: 120) == 600, "\(pipeline.logs())")
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
        #expect(try pipeline.database.count("SELECT count(*) FROM cnc_data") == 600)
    }
}
