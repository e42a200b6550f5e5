import Foundation
import HTTPFetch
import StageRuntime
import Testing

/// The mtconnect stage against an MTConnect agent (MTConnect/agent.py: the standard's probe,
/// current and sample documents from a bounded buffer whose sequence numbers and instanceId
/// behave as the standard says), with the real router, worker, sink and PostgreSQL.
@Suite("MTConnect source", .serialized)
struct MTConnectTests {
    /// The test agent, on a free loopback port.
    final class Agent {
        let process = Process()
        let port: Int

        init(directory: String, buffer: Int = 1_000, device: String = "Mill01") throws {
            let portFile = "\(directory)/agent-\(UInt32.random(in: 0...UInt32.max)).port"
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", "\(TestEnvironment.packageDirectory)/Tests/IntegrationTests/MTConnect/agent.py", portFile, "--buffer", String(buffer),
                "--device", device,
            ]
            try process.run()
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, !FileManager.default.fileExists(atPath: portFile) { Thread.sleep(forTimeInterval: 0.05) }
            guard let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text) else {
                throw HarnessError("the test agent did not start")
            }
            self.port = port
        }

        deinit { stop() }

        /// SIGKILL: a child of the test process may inherit a mask that blocks SIGTERM.
        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        var address: HTTPFetcher.Address { HTTPFetcher.Address(host: "127.0.0.1", port: port) }

        private func control(_ path: String) throws {
            _ = try HTTPFetcher.get(address, path, timeoutMilliseconds: 5_000, maxBytes: 1 << 20)
        }

        /// Observations at one time: `DATA_ITEM VALUE` each.
        func observe(_ observations: [String]) throws {
            let query = observations.map { "d=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) }.joined(separator: "&")
            try control("/observe?\(query)")
            // One time a call: the next call's observations are a message of their own.
            Thread.sleep(forTimeInterval: 0.002)
        }

        func restart() throws { try control("/restart") }

        /// The next `count` answers are bad as `mode` says (agent.py).
        func misbehave(_ mode: String, count: Int = 1) throws { try control("/misbehave?mode=\(mode)&n=\(count)") }
    }

    static let typeMap =
        #"[{"cnc_id": "Mill01", "class_name": "MTConnectMill", "line": "Line 9"}, {"cnc_id": "Mill02", "class_name": "MTConnectMill"}]"#

    /// A pipeline with one worker for MTConnectMill, the agent described, and the mtconnect stage.
    static func pipeline(_ agent: Agent, start: Bool = true, offlineAfter: String? = nil) throws -> PipelineHarness {
        let pipeline = try PipelineHarness()
        if let offlineAfter {
            let description = "\(pipeline.typesDirectory)/MTConnectMill.yaml"
            try (try String(contentsOfFile: description, encoding: .utf8) + "\noffline_after: \(offlineAfter)\n").write(
                toFile: description, atomically: true, encoding: .utf8)
        }
        try typeMap.write(toFile: pipeline.mapPath, atomically: true, encoding: .utf8)
        _ = try SourceTests.sources(
            pipeline, ["mills.yaml": "name: mills\nmtconnect: {agent: \"http://127.0.0.1:\(agent.port)\", interval_ms: 50, count: 100}\n"])
        pipeline.overrides["MES_STATE_DIR"] = "\(pipeline.directory)/state"
        pipeline.overrides["MES_MTCONNECT_REDELIVER_AFTER_MS"] = "3000"
        try pipeline.start("sink", "sink")
        try pipeline.start("router", "router")
        try pipeline.start("worker", "worker", ["--type", "MTConnectMill"])
        if start { try startSource(pipeline) }
        return pipeline
    }

    /// The rejections, reason and message, and the part counts stored, for a failure's report.
    static func rejections(_ pipeline: PipelineHarness) -> String {
        let rows = (try? pipeline.database.rows("SELECT reason, convert_from(raw, 'UTF8') FROM rejected_messages ORDER BY rejected_at")) ?? []
        let counts = (try? pipeline.database.rows("SELECT string_agg(coalesce(payload->>'PartCount', '-'), ',' ORDER BY ts) FROM cnc_data")) ?? []
        return rows.map { "\($0[0] ?? ""): \($0[1] ?? "")" }.joined(separator: "\n") + "\npart counts: \(counts.first?.first.flatMap { $0 } ?? "")"
    }

    static func startSource(_ pipeline: PipelineHarness, name: String = "mtconnect", _ arguments: [String] = []) throws {
        let source = try pipeline.start(name, "mtconnect", arguments)
        guard source.waitForLog("mtconnect starting") else { throw HarnessError("mtconnect did not start:\n\(pipeline.logs())") }
    }

    static let partCounts =
        "SELECT count(DISTINCT payload->>'PartCount') FROM cnc_data WHERE cnc_id = 'Mill01' AND payload->>'PartCount' ~ '^[0-9]+$'"
    static let repeated =
        "SELECT count(*) FROM (SELECT payload->>'PartCount' FROM cnc_data WHERE cnc_id = 'Mill01' AND payload->'mtconnect' @> "
        + #"'{"observations": [{"key": "PartCount"}]}' GROUP BY 1 HAVING count(*) > 1) AS twice"#

    @Test("an agent's observations are stored typed: status from Execution, spindle, feed, parts, tool, the fault with its native code")
    func observationsStored() throws {
        let agent = try Agent(directory: TestEnvironment.runtimeBase)
        let pipeline = try Self.pipeline(agent)
        defer {
            pipeline.stopAll()
            agent.stop()
        }
        try agent.observe(["avail AVAILABLE", "mode AUTOMATIC", "exec ACTIVE", "pgm O1234", "pc 41", "tool 7", "speed 1200", "feed 25", "load 30"])
        try agent.observe(["system FAULT 1001 Spindle over temperature"])
        let stored = try pipeline.database.waitForCount(
            "SELECT count(*) FROM machine_state WHERE cnc_id = 'Mill01' AND alarm_code = '1001'", toReach: 1, seconds: 30)
        #expect(stored == 1, "\(pipeline.logs())")
        let state = try pipeline.database.rows(
            """
            SELECT status, spindle_speed_rpm::text, feed_rate_mm_min::text, part_count::text, tool, alarm_text, part_program,
                   extra->>'controller_mode', cnc_type
            FROM machine_state WHERE cnc_id = 'Mill01' AND alarm_code = '1001'
            """)
        #expect(state == [["running", "1200", "1500", "41", "7", "Spindle over temperature", "O1234", "AUTOMATIC", "MTConnectMill"]])
        // The observations as the agent sent them, beside the values.
        let fault = try pipeline.database.rows(
            """
            SELECT o->>'level', o->>'native_code', o->>'condition_type' FROM cnc_data,
                   jsonb_array_elements(payload->'mtconnect'->'observations') AS o
            WHERE cnc_id = 'Mill01' AND o->>'id' = 'system' AND o->>'level' = 'FAULT'
            """)
        #expect(fault == [["FAULT", "1001", "SYSTEM"]])
        #expect(try pipeline.database.count("SELECT count(*) FROM rejected_messages") == 0)
    }

    @Test("a device the agent calls UNAVAILABLE is offline at once, from the observation's time; AVAILABLE again ends it")
    func unavailableIsOffline() throws {
        let agent = try Agent(directory: TestEnvironment.runtimeBase)
        let pipeline = try Self.pipeline(agent)
        defer {
            pipeline.stopAll()
            agent.stop()
        }
        // From the first running on: before the first observation the agent's values are all UNAVAILABLE.
        let intervals = """
            SELECT status, ended_at IS NULL FROM machine_status_intervals WHERE cnc_id = 'Mill01'
              AND started_at >= (SELECT min(started_at) FROM machine_status_intervals WHERE cnc_id = 'Mill01' AND status = 'running')
            ORDER BY started_at
            """
        try agent.observe(["avail AVAILABLE", "mode AUTOMATIC", "exec ACTIVE", "pc 1"])
        try agent.observe(["mode MANUAL"])
        #expect(
            try pipeline.database.waitForCount(
                "SELECT count(*) FROM machine_status_intervals WHERE cnc_id = 'Mill01' AND status = 'setup'", toReach: 1, seconds: 30) == 1,
            "\(pipeline.logs())")
        try agent.observe(["avail UNAVAILABLE", "exec UNAVAILABLE"])
        let offline = try pipeline.database.waitForCount(
            "SELECT count(*) FROM machine_status_intervals WHERE cnc_id = 'Mill01' AND status = 'offline' AND ended_at IS NULL",
            toReach: 1, seconds: 30)
        #expect(offline == 1, "\(pipeline.logs())")
        // From the state that said so, long before the silence threshold (60 s).
        #expect(
            try pipeline.database.count(
                """
                SELECT count(*) FROM machine_status_intervals i JOIN machine_state s ON s.message_id = i.started_by
                WHERE i.cnc_id = 'Mill01' AND i.status = 'offline' AND i.ended_at IS NULL AND s.status = 'offline' AND s.ts = i.started_at
                  AND s.extra->>'availability' = 'UNAVAILABLE'
                """) == 1)
        try agent.observe(["avail AVAILABLE", "mode AUTOMATIC", "exec READY"])
        _ = try pipeline.database.waitForCount(
            "SELECT count(*) FROM machine_status_intervals WHERE cnc_id = 'Mill01' AND status = 'idle'", toReach: 1, seconds: 30)
        let rows = try pipeline.database.rows(intervals)
        #expect(
            rows == [["running", "f"], ["setup", "f"], ["offline", "f"], ["idle", "t"]], "\(rows)\n\(Self.rejections(pipeline))")
    }

    @Test("a device the agent reports nothing of is stored again as it stands every heartbeat_ms, at the agent's time")
    func heartbeat() throws {
        let agent = try Agent(directory: TestEnvironment.runtimeBase)
        let pipeline = try Self.pipeline(agent, start: false)
        defer {
            pipeline.stopAll()
            agent.stop()
        }
        _ = try SourceTests.sources(
            pipeline, ["mills.yaml": "name: mills\nmtconnect: {agent: \"http://127.0.0.1:\(agent.port)\", interval_ms: 50, heartbeat_ms: 1000}\n"])
        try Self.startSource(pipeline)
        try agent.observe(["avail AVAILABLE", "exec READY", "pc 3"])
        let heartbeats = try pipeline.database.waitForCount(
            "SELECT count(*) FROM cnc_data WHERE cnc_id = 'Mill01' AND payload->'mtconnect' ? 'heartbeat' AND payload->>'PartCount' = '3'",
            toReach: 2, seconds: 30)
        #expect(heartbeats >= 2, "\(pipeline.logs())")
        // Each as it stands: idle, one interval, no part made. (Before the observations, the
        // agent's first values, all UNAVAILABLE, may have had a heartbeat of their own.)
        #expect(
            try pipeline.database.count(
                "SELECT count(*) FROM machine_state s JOIN cnc_data d USING (message_id) WHERE d.payload->'mtconnect' ? 'heartbeat' "
                    + "AND d.payload->>'PartCount' = '3' AND s.status <> 'idle'") == 0)
        #expect(try pipeline.database.count("SELECT count(*) FROM machine_status_intervals WHERE cnc_id = 'Mill01' AND status = 'idle'") == 1)
        #expect(try pipeline.database.count("SELECT count(*) FROM machine_parts_made WHERE cnc_id = 'Mill01'") == 0)
    }

    @Test("a quiet machine whose agent answers stays as it is past its offline_after; once the agent is gone it goes offline after it")
    func agentGone() throws {
        let agent = try Agent(directory: TestEnvironment.runtimeBase)
        let pipeline = try Self.pipeline(agent, start: false, offlineAfter: "3s")
        defer {
            pipeline.stopAll()
            agent.stop()
        }
        _ = try SourceTests.sources(
            pipeline, ["mills.yaml": "name: mills\nmtconnect: {agent: \"http://127.0.0.1:\(agent.port)\", interval_ms: 100, heartbeat_ms: 1000}\n"])
        try Self.startSource(pipeline)
        try agent.observe(["avail AVAILABLE", "exec READY", "pc 3"])
        let idle = "SELECT count(*) FROM machine_status_intervals WHERE cnc_id = 'Mill01' AND status = 'idle' AND ended_at IS NULL"
        #expect(try pipeline.database.waitForCount(idle, toReach: 1, seconds: 30) == 1, "\(pipeline.logs())")
        // Twice the threshold without a change: still idle, one interval.
        Thread.sleep(forTimeInterval: 6)
        let sinceIdle = """
            SELECT status FROM machine_status_intervals WHERE cnc_id = 'Mill01'
              AND started_at >= (SELECT started_at FROM machine_status_intervals WHERE cnc_id = 'Mill01' AND status = 'idle')
            ORDER BY started_at
            """
        #expect(try pipeline.database.rows(sinceIdle) == [["idle"]], "\(pipeline.logs())")
        agent.stop()
        let offline = "SELECT count(*) FROM machine_status_intervals WHERE cnc_id = 'Mill01' AND status = 'offline' AND ended_at IS NULL"
        #expect(try pipeline.database.waitForCount(offline, toReach: 1, seconds: 30) == 1, "\(pipeline.logs())")
        #expect(try pipeline.database.rows(sinceIdle) == [["idle"], ["offline"]])
    }

    @Test("SIGKILL of the source between samples and their commit: every observation stored once, none lost")
    func killedSourceStoresOnce() throws {
        let agent = try Agent(directory: TestEnvironment.runtimeBase)
        let pipeline = try Self.pipeline(agent)
        defer {
            pipeline.stopAll()
            agent.stop()
        }
        // Killed at once, before anything is acknowledged, then while observations come.
        try pipeline.kill("mtconnect")
        try Self.startSource(pipeline)
        try agent.observe(["avail AVAILABLE", "exec ACTIVE", "pc 0"])
        for count in 1...60 {
            try agent.observe(["pc \(count)"])
            if count == 30 {
                try pipeline.kill("mtconnect")
                try Self.startSource(pipeline)
            }
        }
        #expect(
            try pipeline.database.waitForCount(Self.partCounts, toReach: 61, seconds: 60) == 61, "\(Self.rejections(pipeline))\n\(pipeline.logs())")
        _ = try pipeline.database.waitForStableCount("SELECT count(*) FROM cnc_data WHERE cnc_id = 'Mill01'")
        #expect(try pipeline.database.count(Self.repeated) == 0)
    }

    @Test("a source killed before the sink acknowledged anything, what it sent lost with the stages after it: it follows on from its start")
    func killedBeforeFirstAcknowledgement() throws {
        let agent = try Agent(directory: TestEnvironment.runtimeBase)
        let pipeline = try Self.pipeline(agent, start: false)
        defer {
            pipeline.stopAll()
            agent.stop()
        }
        // No acknowledgement can come; what the source sends waits in the router and the worker.
        try pipeline.kill("sink")
        try Self.startSource(pipeline)
        // The observations come after the source first met the agent: its start is committed.
        let start = "\(pipeline.directory)/state/mtconnect/mills.position"
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: start), Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(FileManager.default.fileExists(atPath: start), "\(pipeline.logs())")
        try agent.observe(["avail AVAILABLE", "exec ACTIVE", "pc 0"])
        for count in 1...10 { try agent.observe(["pc \(count)"]) }
        Thread.sleep(forTimeInterval: 1)
        for stage in ["mtconnect", "worker", "router"] { try pipeline.kill(stage) }
        for stage in ["sink", "router", "worker"] { try pipeline.restart(stage) }
        try Self.startSource(pipeline)
        #expect(
            try pipeline.database.waitForCount(Self.partCounts, toReach: 11, seconds: 60) == 11, "\(Self.rejections(pipeline))\n\(pipeline.logs())")
    }

    @Test("an agent that restarts, and one whose buffer moved past the position: a sequence gap for the machine, then it follows again")
    func gaps() throws {
        let agent = try Agent(directory: TestEnvironment.runtimeBase, buffer: 40)
        let pipeline = try Self.pipeline(agent)
        defer {
            pipeline.stopAll()
            agent.stop()
        }
        try agent.observe(["avail AVAILABLE", "exec ACTIVE", "pc 1"])
        #expect(try pipeline.database.waitForCount(Self.partCounts, toReach: 1, seconds: 30) == 1, "\(pipeline.logs())")
        try agent.restart()
        try agent.observe(["avail AVAILABLE", "exec READY", "pc 2"])
        let restarted = try pipeline.database.waitForCount(
            "SELECT count(*) FROM machine_events WHERE cnc_id = 'Mill01' AND event = 'sequence_gap' "
                + "AND detail->>'reason' LIKE 'the agent restarted%'",
            toReach: 1, seconds: 30)
        #expect(restarted == 1, "\(pipeline.logs())")
        #expect(try pipeline.database.waitForCount(Self.partCounts, toReach: 2, seconds: 30) == 2)
        // Stopped while the agent's buffer of 40 moves on by 100: its position is gone.
        pipeline.stages["mtconnect"]?.signal(SIGTERM)
        _ = pipeline.stages["mtconnect"]?.waitForExit(seconds: 20)
        for count in 3...102 { try agent.observe(["pc \(count)"]) }
        try Self.startSource(pipeline)
        let moved = try pipeline.database.waitForCount(
            "SELECT count(*) FROM machine_events WHERE cnc_id = 'Mill01' AND event = 'sequence_gap' "
                + "AND detail->>'reason' LIKE '%no longer holds%'",
            toReach: 1, seconds: 30)
        #expect(moved == 1, "\(pipeline.logs())")
        try agent.observe(["pc 500"])
        #expect(
            try pipeline.database.waitForCount(
                "SELECT count(*) FROM cnc_data WHERE cnc_id = 'Mill01' AND payload->>'PartCount' = '500'", toReach: 1, seconds: 30) == 1,
            "\(Self.rejections(pipeline))\n\(pipeline.logs())")
    }

    @Test("an agent that does not answer in time, or is gone, is retried; the source keeps running and resumes")
    func unreachableAgent() throws {
        let agent = try Agent(directory: TestEnvironment.runtimeBase)
        let pipeline = try Self.pipeline(agent)
        defer {
            pipeline.stopAll()
            agent.stop()
        }
        try agent.observe(["avail AVAILABLE", "exec ACTIVE", "pc 1"])
        #expect(try pipeline.database.waitForCount(Self.partCounts, toReach: 1, seconds: 30) == 1)
        _ = try HTTPFetcher.get(agent.address, "/slow?s=12", timeoutMilliseconds: 5_000, maxBytes: 1 << 20)
        #expect(pipeline.stages["mtconnect"]?.waitForLog("no answer", seconds: 40) == true, "\(pipeline.logs())")
        _ = try HTTPFetcher.get(agent.address, "/slow?s=0", timeoutMilliseconds: 20_000, maxBytes: 1 << 20)
        try agent.observe(["pc 2"])
        #expect(try pipeline.database.waitForCount(Self.partCounts, toReach: 2, seconds: 60) == 2, "\(pipeline.logs())")
    }

    @Test("bad answers (malformed XML, a web page, too large, an error, another XML): logged and counted, none stored, the source goes on")
    func badAnswers() async throws {
        let agent = try Agent(directory: TestEnvironment.runtimeBase)
        let pipeline = try Self.pipeline(agent, start: false)
        defer {
            pipeline.stopAll()
            agent.stop()
        }
        pipeline.overrides["MES_MTCONNECT_MAX_DOCUMENT_BYTES"] = "32768"
        let port = try PrivateBroker.freePort()
        try Self.startSource(pipeline, ["--metrics-listen", "127.0.0.1:\(port)"])
        let metrics = MetricsScrape(port: port)
        try agent.observe(["avail AVAILABLE", "exec ACTIVE", "pc 1"])
        #expect(try pipeline.database.waitForCount(Self.partCounts, toReach: 1, seconds: 30) == 1, "\(pipeline.logs())")
        let cases = [
            ("malformed", "unreadable", "it was cut short"), ("html", "unreadable", "with content type text/html, not XML"),
            ("huge", "too_large", "the answer exceeds 32768 bytes"), ("error", "error", "INVALID_REQUEST: the agent is being configured"),
            ("notmtconnect", "unreadable", "the document is a Something, not MTConnectDevices"),
        ]
        for (index, (mode, outcome, reason)) in cases.enumerated() {
            let series = "cnc_mtconnect_requests_total{outcome=\"\(outcome)\"}"
            let before = try await metrics.value(series) ?? 0
            try agent.misbehave(mode)
            #expect(try await metrics.waitForValue(series, toReach: before + 1) == before + 1, "\(mode)")
            #expect(pipeline.stages["mtconnect"]?.waitForLog(reason) == true, "\(mode): \(pipeline.logs())")
            try agent.observe(["pc \(index + 2)"])
            #expect(try pipeline.database.waitForCount(Self.partCounts, toReach: index + 2, seconds: 30) == index + 2, "\(mode)")
        }
        #expect(try pipeline.database.count("SELECT count(*) FROM rejected_messages") == 0)
        #expect(try pipeline.database.count("SELECT count(*) FROM machine_events") == 0)
        #expect(try pipeline.database.count(Self.repeated) == 0)
    }

    @Test("two sources share the agents by MES_MTCONNECT_SOURCES, each following its own; a name no source has is refused")
    func sharedAgents() throws {
        let mills = try Agent(directory: TestEnvironment.runtimeBase), lathes = try Agent(directory: TestEnvironment.runtimeBase, device: "Mill02")
        let pipeline = try Self.pipeline(mills, start: false)
        defer {
            pipeline.stopAll()
            mills.stop()
            lathes.stop()
        }
        _ = try SourceTests.sources(
            pipeline,
            [
                "mills.yaml": "name: mills\nmtconnect: {agent: \"http://127.0.0.1:\(mills.port)\", interval_ms: 50}\n",
                "lathes.yaml": "name: lathes\nmtconnect: {agent: \"http://127.0.0.1:\(lathes.port)\", interval_ms: 50}\n",
            ])
        let wrong = try pipeline.start("mtconnect-wrong", "mtconnect", ["--sources", "mills,drills"])
        #expect(wrong.waitForExit(seconds: 20).map { $0 != 0 } == true)
        #expect(wrong.log.contains("no source with the key mtconnect"), "\(wrong.log)")
        try Self.startSource(pipeline, name: "mtconnect-1", ["--sources", "mills"])
        try Self.startSource(pipeline, name: "mtconnect-2", ["--sources", " lathes "])
        try mills.observe(["avail AVAILABLE", "exec ACTIVE", "pc 1"])
        try lathes.observe(["avail AVAILABLE", "exec READY", "pc 7"])
        let stored = try pipeline.database.waitForCount(
            "SELECT count(DISTINCT cnc_id) FROM machine_state WHERE part_count IN (1, 7)", toReach: 2, seconds: 30)
        #expect(stored == 2, "\(pipeline.logs())")
        #expect(pipeline.stages["mtconnect-1"]?.log.contains("agents=mills=http://127.0.0.1:\(mills.port)") == true)
        #expect(pipeline.stages["mtconnect-1"]?.log.contains("lathes") == false)
        #expect(pipeline.stages["mtconnect-2"]?.log.contains("agents=lathes=") == true)
    }
}
