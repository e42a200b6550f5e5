import Foundation
import Testing

/// Message sources (docs/sources.md) in the real pipeline: what plants send, published by
/// paho-mqtt, the client most gateways' Python bridges use.
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct SourceTests {
    /// The topic-per-machine source of a plant: flat payloads, an RFC 3339 time of its own name.
    static func hallSource(_ pipeline: PipelineHarness) -> String {
        """
        name: hall
        description: one topic per machine, flat payloads
        topic: \(base(pipeline))/plant/{site}/{line}/{cnc_id}/data
        time: {field: ts, format: rfc3339}
        part_program: {field: program}
        payload: rest
        """
    }

    /// The harness's topic less its last level: a prefix of the pipeline's own.
    static func base(_ pipeline: PipelineHarness) -> String {
        String(pipeline.topic[..<pipeline.topic.lastIndex(of: "/")!])
    }

    /// A sources directory of the pipeline's holding `files` (name → YAML), set for ingest.
    static func sources(_ pipeline: PipelineHarness, _ files: [String: String]) throws -> String {
        let directory = "\(pipeline.directory)/sources"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8) }
        pipeline.overrides["MES_SOURCES_DIR"] = directory
        return directory
    }

    /// The numbered lines of the fault tests less their time, in a file of the pipeline's; every
    /// tenth has no payload and is refused.
    static func timelessNumberedFile(_ pipeline: PipelineHarness, count: Int, tag: String) throws -> String {
        let lines = FaultTests.numberedLines(count, tag: tag).map {
            $0.replacingOccurrences(of: #","timestamp": "\d+""#, with: "", options: .regularExpression)
        }
        guard !lines.contains(where: { $0.contains("timestamp") }) else { throw HarnessError("a numbered line kept its timestamp") }
        let file = "\(pipeline.directory)/timeless-\(tag).json"
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Publishes (topic, message) pairs at QoS 0 with paho-mqtt, in order.
    static func publishWithPaho(_ pipeline: PipelineHarness, _ messages: [(String, String)]) throws {
        let url = URL(string: TestEnvironment.mqttURL!)!
        let file = "\(pipeline.directory)/paho-\(UInt32.random(in: 0...UInt32.max)).json"
        let pairs = messages.map { [$0.0, $0.1] }
        try JSONSerialization.data(withJSONObject: pairs).write(to: URL(fileURLWithPath: file))
        let script = """
            import json, sys
            import paho.mqtt.client as mqtt
            try:
                client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
            except AttributeError:  # paho-mqtt 1.x
                client = mqtt.Client()
            client.connect(sys.argv[1], int(sys.argv[2]))
            client.loop_start()
            for topic, payload in json.load(open(sys.argv[3])):
                client.publish(topic, payload.encode(), qos=0).wait_for_publish()
            client.disconnect()
            client.loop_stop()
            """
        try ChildProcess.run("/usr/bin/python3", ["-c", script, url.host!, String(url.port!), file])
    }

    @Test("a topic-per-machine plant and the original envelope on one ingest: every time form, text numbers, no program")
    func plantMessages() throws {
        let pipeline = try PipelineHarness()
        try Self.sources(pipeline, ["hall.yaml": Self.hallSource(pipeline), "envelope.yaml": "name: envelope\ntopic: \(pipeline.topic)\n"])
        try pipeline.startPipeline()
        let base = Self.base(pipeline), topic = pipeline.topic
        func envelope(_ machine: String, _ time: String, program: String? = #""P1""#, spin: String = "1") -> (String, String) {
            let programMember = program.map { #""part_program":\#($0),"# } ?? ""
            return (
                topic,
                #"{"cnc_id":"\#(machine)",\#(programMember)"timestamp":\#(time),"#
                    + #""payload":{"status":"running","spin":\#(spin),"X-Axis":1,"Y-Axis":2}}"#
            )
        }
        try Self.publishWithPaho(
            pipeline,
            [
                (
                    "\(base)/plant/hall1/line2/CNC001/data",
                    #"{"ts":"2025-12-06T03:00:05.123456Z","program":"P7","status":"running","spin":"1200","X-Axis":1.5,"Y-Axis":2}"#
                ),
                (
                    "\(base)/plant/hall1/line3/CNC002/data",
                    #"{"ts":"2025-12-06T04:00:05+01:00","program":null,"status":"idle","spin":0,"X-Axis":0,"Y-Axis":0}"#
                ),
                // The same wall-clock time on either side of the end of summer time in Berlin.
                envelope("CNC001", #""2025-10-26T02:30:00+02:00""#),
                envelope("CNC001", #""2025-10-26T02:30:00+01:00""#),
                envelope("CNC002", "1764990006000"),
                envelope("CNC002", #""1764990007000""#),
                envelope("CNC001", "1764990008.5"),
                envelope("CNC002", #""1764990009""#, program: "null"),
                envelope("CNC002", #""1764990010""#, program: nil),
                envelope("CNC001", #""1764990011""#, spin: #""0""#),
                envelope("CNC001", #""yesterday""#),
            ])
        #expect(try pipeline.database.waitForCount("SELECT count(*) FROM machine_state", toReach: 10) == 10, "\(pipeline.logs())")
        #expect(try pipeline.database.waitForCount("SELECT count(*) FROM rejected_messages", toReach: 1) == 1, "\(pipeline.logs())")
        let rows = try pipeline.database.rows(
            """
            SELECT d.cnc_id, (extract(epoch FROM d.ts) * 1000000)::bigint::text, coalesce(d.part_program, 'NULL'),
                   coalesce(s.part_program, 'NULL'), s.spindle_speed_rpm::text, array_to_string(s.quality, ',')
            FROM cnc_data d JOIN machine_state s USING (cnc_id, ts, message_id) ORDER BY d.ts
            """)
        #expect(
            rows.map { $0.map { $0 ?? "-" } } == [
                ["CNC001", "1761438600000000", "P1", "P1", "1", ""],
                ["CNC001", "1761442200000000", "P1", "P1", "1", ""],
                ["CNC002", "1764990005000000", "NULL", "NULL", "0", ""],
                ["CNC001", "1764990005123456", "P7", "P7", "1200", "text:spin"],
                ["CNC002", "1764990006000000", "P1", "P1", "1", ""],
                ["CNC002", "1764990007000000", "P1", "P1", "1", ""],
                ["CNC001", "1764990008500000", "P1", "P1", "1", ""],
                ["CNC002", "1764990009000000", "NULL", "NULL", "1", ""],
                ["CNC002", "1764990010000000", "NULL", "NULL", "1", ""],
                ["CNC001", "1764990011000000", "P1", "P1", "0", "text:spin"],
            ], "\(pipeline.logs())")
        // A flat message's payload is its variables: the fields read as the machine's time and program are left out.
        #expect(
            try pipeline.database.rows("SELECT payload::text FROM cnc_data WHERE part_program = 'P7'")
                == [[#"{"spin": "1200", "X-Axis": 1.5, "Y-Axis": 2, "status": "running"}"#]])
        #expect(
            try pipeline.database.rows("SELECT cnc_id, tags::text FROM machine_current ORDER BY cnc_id") == [
                ["CNC001", #"{"line": "line2", "site": "hall1"}"#], ["CNC002", #"{"line": "line3", "site": "hall1"}"#],
            ])
        #expect(
            try pipeline.database.rows("SELECT reason FROM rejected_messages") == [
                [#"field "timestamp" must be Unix seconds, Unix milliseconds or RFC 3339, not "yesterday""#]
            ])
        // The interval of no program starts with NULL too, the "no program" every MES table shows.
        #expect(try pipeline.database.count("SELECT count(*) FROM machine_status_intervals WHERE cnc_id = 'CNC002' AND part_program IS NULL") >= 1)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("a broken description stops ingest at start, naming the file, the line, the column and the field")
    func brokenDescription() throws {
        let pipeline = try PipelineHarness()
        let directory = try Self.sources(pipeline, ["hall.yaml": Self.hallSource(pipeline).replacingOccurrences(of: "rfc3339", with: "iso")])
        let ingest = try pipeline.start("ingest", "ingest")
        #expect(ingest.waitForExit(seconds: 30) != 0)
        #expect(
            ingest.log.contains(#"\#(directory)/hall.yaml:4:27: time.format: "iso" is not one of auto, unix_s, unix_ms, rfc3339"#),
            "\(ingest.log)")
    }

    @Test("a source added while ingest runs applies on SIGHUP; a broken one leaves the rest in force")
    func reload() throws {
        let pipeline = try PipelineHarness()
        let directory = try Self.sources(pipeline, ["envelope.yaml": "name: envelope\ntopic: \(pipeline.topic)\n"])
        try pipeline.startPipeline()
        try Self.hallSource(pipeline).write(toFile: "\(directory)/hall.yaml", atomically: true, encoding: .utf8)
        try "name: broken\ntopic: a/#/b\n".write(toFile: "\(directory)/broken.yaml", atomically: true, encoding: .utf8)
        let ingest = try #require(pipeline.stages["ingest"])
        ingest.signal(SIGHUP)
        #expect(ingest.waitForLog("sources reloaded"), "\(pipeline.logs())")
        #expect(ingest.log.contains("broken.yaml:2:8: topic: not a topic filter: # must be the last level"), "\(ingest.log)")
        try Self.publishWithPaho(
            pipeline,
            [
                (
                    "\(Self.base(pipeline))/plant/hall9/line1/CNC001/data",
                    #"{"ts":"2025-12-06T03:00:05Z","program":"P7","status":"running","spin":5,"X-Axis":1,"Y-Axis":2}"#
                ),
                (
                    pipeline.topic,
                    #"{"cnc_id":"CNC002","part_program":"P2","timestamp":"1764990006","payload":{"status":"idle","spin":0,"X-Axis":1,"Y-Axis":2}}"#
                ),
            ])
        #expect(try pipeline.database.waitForCount("SELECT count(*) FROM machine_state", toReach: 2) == 2, "\(pipeline.logs())")
        #expect(try pipeline.database.rows("SELECT tags->>'site' FROM machine_current WHERE cnc_id = 'CNC001'") == [["hall9"]])
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("messages without a time keep their first receipt's across kill -9 of ingest and the broker's redeliveries: one row each")
    func receiveTime() throws {
        let pipeline = try PipelineHarness()
        try Self.sources(pipeline, ["received.yaml": "name: received\ntopic: \(pipeline.topic)\ntime: received\n"])
        let count = FaultTests.messageCount, tag = "received"
        let file = try Self.timelessNumberedFile(pipeline, count: count, tag: tag)
        try pipeline.startPipeline()
        let emulator = try pipeline.startEmulator(["--file", file, "--rate", "4000"])
        var redelivered = 0
        for _ in 0..<3 {
            Thread.sleep(forTimeInterval: 0.3)
            try pipeline.kill("ingest")
            Thread.sleep(forTimeInterval: 0.2)
            try pipeline.restart("ingest")
            redelivered += pipeline.stages["ingest"]!.waitForLog("the broker delivered messages again", seconds: 3) ? 1 : 0
        }
        try pipeline.waitForEmulator(emulator)
        try FaultTests.expectEveryNumberOnce(pipeline, count: count, tag: tag)
        #expect(try pipeline.database.count("SELECT count(*) - count(DISTINCT message_id) FROM cnc_data") == 0)
        // Each row's time is when ingest first received it, not a time the message carried.
        #expect(try pipeline.database.count("SELECT count(*) FROM cnc_data WHERE abs(extract(epoch FROM ts - received_at)) > 0.5") == 0)
        print("receive-time test: the broker's redeliveries were recognised after \(redelivered) of 3 kills")
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("the broker's redelivery of messages whose acknowledgements were lost keeps their first times: one row each")
    func receiveTimeRedelivery() throws {
        let pipeline = try PipelineHarness()
        let broker = try PrivateBroker(directory: "\(pipeline.directory)/broker")
        let proxy = try TCPProxy(upstreamPort: broker.port)
        try Self.sources(pipeline, ["received.yaml": "name: received\ntopic: \(pipeline.topic)\ntime: received\n"])
        // ingest reaches the broker only through the proxy; the emulator publishes directly.
        pipeline.overrides["MQTT_URL"] = "mqtt://127.0.0.1:\(proxy.port)"
        try pipeline.startPipeline()
        pipeline.overrides["MQTT_URL"] = broker.url
        let count = 400, tag = "acks-lost"
        let file = try Self.timelessNumberedFile(pipeline, count: count, tag: tag)
        // ingest receives and journals messages, but the broker never hears their acknowledgements:
        // it stops at its in-flight window and, on the next connection, sends those again.
        proxy.setDroppingUpstream(true)
        let emulator = try pipeline.startEmulator(["--file", file, "--rate", "200"])
        let ingest = try #require(pipeline.stages["ingest"])
        _ = try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 10, seconds: 30)
        Thread.sleep(forTimeInterval: 1)
        proxy.closeAll()
        proxy.setDroppingUpstream(false)
        #expect(ingest.waitForLog("the broker delivered messages again", seconds: 30), "\(pipeline.logs())")
        try pipeline.waitForEmulator(emulator)
        try FaultTests.expectEveryNumberOnce(pipeline, count: count, tag: tag)
        #expect(try pipeline.database.count("SELECT count(*) - count(DISTINCT message_id) FROM cnc_data") == 0)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }
}
