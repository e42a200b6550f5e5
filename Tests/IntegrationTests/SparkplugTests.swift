import Foundation
import Testing

/// Ingest as a Sparkplug B host application (docs/sparkplug.md), end to end, against edge nodes
/// of two real implementations: pysparkplug (Sparkplug/edge_node.py) and mqtt-spb-wrapper
/// (Sparkplug/spbwrapper_edge_node.py). They need different protobuf and paho versions, so each
/// runs with the Python of a venv of its own, which scripts/test.sh makes and names in
/// CNC_SPARKPLUG_PYTHON and CNC_SPBWRAPPER_PYTHON.
///
/// Every test has a broker of its own: the Sparkplug namespace (spBv1.0/#, the retained STATE)
/// is one for the whole broker, and other suites run beside this one.
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct SparkplugTests {
    /// How long a test waits for what should take well under a second: a failing run ends soon.
    static let patience = 15.0

    /// A CNC machine behind an edge node: its variables are the metric names of its DBIRTH. A
    /// threshold of an hour keeps the silence sweep out: every offline interval here is a death's.
    static let cncType = """
        name: SparkplugCNC
        description: A CNC machine, a device of a Sparkplug B edge node
        offline_after: 1h
        status:
          variable: Execution
          map: {ACTIVE: running, READY: idle, STOPPED: stopped, ALARM: error}
        fields:
          spindle_speed_rpm: {variable: Spindle/Speed, plausible: [0, 24000]}
          part_count: {variable: PartCount}
        extra:
          program: {variable: Program, type: text}
        """

    /// The edge node itself, a machine gateway: its NBIRTH and NDATA are a machine's of their own.
    static let gatewayType = """
        name: SparkplugGateway
        description: A Sparkplug B edge node that gateways CNC machines
        offline_after: 1h
        status:
          variable: Gateway/State
          map: {RUNNING: running, STOPPED: stopped}
        extra:
          uptime_s: {variable: Uptime}
        """

    /// Devices and edge nodes of both groups; a machine missing here would be refused by the router.
    static let typeMap =
        #"[{"cnc_id": "CNC101", "class_name": "SparkplugCNC"}, {"cnc_id": "CNC102", "class_name": "SparkplugCNC"}, "#
        + #"{"cnc_id": "CNC103", "class_name": "SparkplugCNC"}, {"cnc_id": "CNC201", "class_name": "SparkplugCNC"}, "#
        + #"{"cnc_id": "lineA", "class_name": "SparkplugGateway"}, {"cnc_id": "lineB", "class_name": "SparkplugGateway"}, "#
        + #"{"cnc_id": "lineC", "class_name": "SparkplugGateway"}]"#

    /// The Sparkplug source of one group, as a plant describes it.
    static func cellsSource(group: String) -> String {
        """
        name: cells
        description: the machining cells' edge nodes of \(group)
        topic: spBv1.0/\(group)/#
        sparkplug: {machine: device, part_program: Program}
        """
    }

    /// A pipeline on a broker of its own with the Sparkplug types and map, and the host's waits
    /// short enough for a test: what it is to start is up to the test.
    static func preparedPipeline() throws -> (PipelineHarness, PrivateBroker) {
        let pipeline = try PipelineHarness()
        let broker = try PrivateBroker(directory: "\(pipeline.directory)/broker")
        pipeline.overrides["MQTT_URL"] = broker.url
        pipeline.overrides["MES_SPARKPLUG_REORDER_MS"] = "300"
        // Far longer than the rebirth that names held DATA takes (milliseconds), and short enough
        // that DATA a birth failed to name comes out unnamed within a test's patience.
        pipeline.overrides["MES_SPARKPLUG_BIRTH_WAIT_MS"] = "5000"
        try cncType.write(toFile: "\(pipeline.typesDirectory)/SparkplugCNC.yaml", atomically: true, encoding: .utf8)
        try gatewayType.write(toFile: "\(pipeline.typesDirectory)/SparkplugGateway.yaml", atomically: true, encoding: .utf8)
        try typeMap.write(toFile: pipeline.mapPath, atomically: true, encoding: .utf8)
        return (pipeline, broker)
    }

    /// Sink, router and a worker per Sparkplug type: all but ingest.
    static func startStagesBehindIngest(_ pipeline: PipelineHarness) throws {
        try pipeline.start("sink", "sink")
        try pipeline.start("router", "router")
        try pipeline.start("worker-cnc", "worker", ["--type", "SparkplugCNC"])
        try pipeline.start("worker-gateway", "worker", ["--type", "SparkplugGateway"])
    }

    /// The whole pipeline, its ingest the Sparkplug host of group plant1; returns once ingest has subscribed.
    static func startedPipeline() throws -> (PipelineHarness, PrivateBroker) {
        let (pipeline, broker) = try preparedPipeline()
        _ = try SourceTests.sources(pipeline, ["cells.yaml": cellsSource(group: "plant1")])
        try startStagesBehindIngest(pipeline)
        try pipeline.startIngest()
        return (pipeline, broker)
    }

    /// The Python of the venv that `variable` names, or why there is none.
    static func python(_ variable: String, with package: String) throws -> String {
        guard let path = ProcessInfo.processInfo.environment[variable], !path.isEmpty else {
            throw HarnessError(
                "\(variable) is not set: it names the python of a venv with \(package) installed, which scripts/test.sh makes; "
                    + "run the tests through scripts/test.sh")
        }
        guard FileManager.default.isExecutableFile(atPath: path) else { throw HarnessError("\(variable)=\(path) is not an executable") }
        return path
    }

    /// A pysparkplug edge node `node` of `group` with `devices`, once its births are out.
    static func pysparkplugEdgeNode(
        _ pipeline: PipelineHarness, _ broker: PrivateBroker, group: String = "plant1", node: String = "lineA", devices: [String]
    ) throws -> SparkplugPeer {
        let edgeNode = try SparkplugPeer(
            python: try python("CNC_SPARKPLUG_PYTHON", with: "pysparkplug==0.6.1"), script: "edge_node.py",
            arguments: [
                "edge", "--broker", "127.0.0.1:\(broker.port)", "--group", group, "--node", node, "--devices", devices.joined(separator: ","),
            ],
            name: "edge-\(group)-\(node)", directory: pipeline.directory)
        try edgeNode.waitFor("births")
        return edgeNode
    }

    /// The pipeline and an edge node lineA whose devices CNC101 and CNC102 have each sent one DDATA, stored.
    static func twoDevicesReporting() throws -> (PipelineHarness, PrivateBroker, SparkplugPeer) {
        let (pipeline, broker) = try startedPipeline()
        let edgeNode = try pysparkplugEdgeNode(pipeline, broker, devices: ["CNC101", "CNC102"])
        try edgeNode.perform("ddata CNC101")
        try edgeNode.perform("ddata CNC102")
        let stored = try pipeline.database.waitForCount("SELECT count(*) FROM machine_state", toReach: 5, seconds: patience)
        #expect(stored == 5, "\(pipeline.logs())")
        return (pipeline, broker, edgeNode)
    }

    /// A Sparkplug client that reports every host STATE it sees, once it has subscribed.
    static func stateWatcher(_ pipeline: PipelineHarness, _ broker: PrivateBroker, name: String) throws -> SparkplugPeer {
        let watcher = try SparkplugPeer(
            python: try python("CNC_SPARKPLUG_PYTHON", with: "pysparkplug==0.6.1"), script: "edge_node.py",
            arguments: ["watch-state", "--broker", "127.0.0.1:\(broker.port)"], name: name, directory: pipeline.directory)
        try watcher.waitFor("subscribed")
        return watcher
    }

    /// Stops ingest with SIGTERM (a clean stop: it publishes STATE offline itself).
    static func stopIngest(_ pipeline: PipelineHarness, name: String = "ingest") throws {
        let ingest = try #require(pipeline.stages[name])
        ingest.signal(SIGTERM)
        #expect(ingest.waitForExit() == 0, "\(ingest.log)")
    }

    /// What stored machine payloads say, per message: cnc_id, message type, seq and `columns`
    /// (SQL over cnc_data d and machine_state s), in the order ingest received them.
    static func storedMessages(_ pipeline: PipelineHarness, _ columns: String, where condition: String = "true") throws -> [[String?]] {
        try pipeline.database.rows(
            """
            SELECT d.cnc_id, d.payload->'sparkplug'->>'message', d.payload->'sparkplug'->>'seq', \(columns)
            FROM cnc_data d JOIN machine_state s USING (cnc_id, ts, message_id) WHERE \(condition)
            ORDER BY d.received_at, (d.payload->'sparkplug'->>'seq')::int
            """)
    }

    @Test("births name DATA sent by alias: cnc_data keeps the names and the metrics as sent, machine_state is typed; a clean NDEATH")
    func birthsNameDataSentByAlias() throws {
        let (pipeline, broker) = try Self.startedPipeline()
        let edgeNode = try Self.pysparkplugEdgeNode(pipeline, broker, devices: ["CNC101", "CNC102"])
        try edgeNode.perform("ddata CNC101")
        try edgeNode.perform("ddata CNC102 READY")
        try edgeNode.perform("ndata")
        let database = pipeline.database
        #expect(try database.waitForCount("SELECT count(*) FROM machine_state", toReach: 6, seconds: Self.patience) == 6, "\(pipeline.logs())")

        let machineRows = try Self.storedMessages(
            pipeline, "s.cnc_type, s.status, s.spindle_speed_rpm::text, s.part_count::text, s.part_program, s.extra::text",
            where: "d.cnc_id <> 'lineA'")
        #expect(
            machineRows == [
                ["CNC101", "DBIRTH", "1", "SparkplugCNC", "idle", "1000", "0", "O1234", #"{"program": "O1234"}"#],
                ["CNC102", "DBIRTH", "2", "SparkplugCNC", "idle", "1000", "0", "O1234", #"{"program": "O1234"}"#],
                // DATA carries what changed; the payload, every metric's last value, the program included.
                ["CNC101", "DDATA", "3", "SparkplugCNC", "running", "1100", "1", "O1234", #"{"program": "O1234"}"#],
                ["CNC102", "DDATA", "4", "SparkplugCNC", "idle", "1100", "1", "O1234", #"{"program": "O1234"}"#],
            ])
        // Alias-only DATA stored under the names of its birth, the metrics it sent beside them by
        // name and datatype; the birth's row lists its metrics whole, with their aliases.
        let dataPayload = try database.rows(
            """
            SELECT payload->>'Spindle/Speed', payload->>'PartCount', payload->>'Execution', (payload->'sparkplug' ? 'unnamed')::text,
                   (payload->'sparkplug'->'sent')::text, (payload->'sparkplug' ? 'metrics')::text
            FROM cnc_data WHERE cnc_id = 'CNC101' AND payload->'sparkplug'->>'message' = 'DDATA'
            """)
        #expect(
            dataPayload == [
                ["1100", "1", "ACTIVE", "false", #"{"Execution": "String", "PartCount": "Int64", "Spindle/Speed": "Double"}"#, "false"]
            ])
        let birthList = try database.rows(
            """
            SELECT jsonb_path_query_array(payload, '$.sparkplug.metrics[*] ? (@.name == "Spindle/Speed" || @.name == "PartCount").alias')::text,
                   jsonb_path_query_array(payload, '$.sparkplug.metrics[*] ? (@.name == "Spindle/Speed").datatype')::text
            FROM cnc_data WHERE cnc_id = 'CNC101' AND payload->'sparkplug'->>'message' = 'DBIRTH'
            """)
        #expect(birthList == [["[11, 13]", #"["Double"]"#]])
        // The edge node's own messages are the machine lineA's.
        let gatewayRows = try Self.storedMessages(
            pipeline, "s.cnc_type, s.status, d.payload->>'Gateway/State', (d.payload ? 'Uptime')::text, (d.payload->'sparkplug' ? 'unnamed')::text",
            where: "d.cnc_id = 'lineA'")
        #expect(
            gatewayRows == [
                ["lineA", "NBIRTH", "0", "SparkplugGateway", "running", "RUNNING", "true", "false"],
                ["lineA", "NDATA", "5", "SparkplugGateway", "running", "RUNNING", "true", "false"],
            ])
        let tags = try database.rows("SELECT cnc_id, tags::text FROM machine_current ORDER BY cnc_id")
        #expect(
            tags == [
                ["CNC101", #"{"sparkplug_group": "plant1", "sparkplug_edge_node": "lineA"}"#],
                ["CNC102", #"{"sparkplug_group": "plant1", "sparkplug_edge_node": "lineA"}"#],
                ["lineA", #"{"sparkplug_group": "plant1"}"#],
            ])
        // Events reach the sink straight from ingest, not with the rows: they may come a batch later.
        #expect(try database.waitForCount("SELECT count(*) FROM machine_events", toReach: 3, seconds: Self.patience) == 3)
        let births = try database.rows("SELECT cnc_id, event, detail->>'bdSeq', topic FROM machine_events ORDER BY cnc_id")
        #expect(
            births == [
                ["CNC101", "birth", "0", "spBv1.0/plant1/DBIRTH/lineA/CNC101"],
                ["CNC102", "birth", "0", "spBv1.0/plant1/DBIRTH/lineA/CNC102"],
                ["lineA", "birth", "0", "spBv1.0/plant1/NBIRTH/lineA"],
            ])
        #expect(edgeNode.reports("ncmd").isEmpty, "a host that saw the births asks for no rebirth:\n\(edgeNode.log)")

        // The edge node leaves cleanly: its NDEATH, the birth's bdSeq, makes all three offline.
        try edgeNode.quit()
        let offlineAtDeath = """
            SELECT count(*) FROM machine_status_intervals i JOIN machine_events e ON e.cnc_id = i.cnc_id AND e.event = 'death'
            WHERE i.status = 'offline' AND i.ended_at IS NULL AND i.started_at = e.at
            """
        #expect(try database.waitForCount(offlineAtDeath, toReach: 3, seconds: 15) == 3, "\(pipeline.logs())")
        let rejections = try database.rows("SELECT reason FROM rejected_messages")
        #expect(rejections == [])
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("a DDEATH makes its device offline at once, until its next DBIRTH; the node's NDEATH concerns the machines still born")
    func deviceDeath() throws {
        let (pipeline, broker, edgeNode) = try Self.twoDevicesReporting()
        let database = pipeline.database

        try edgeNode.perform("ddeath CNC102")
        let offline = "SELECT count(*) FROM machine_status_intervals WHERE status = 'offline'"
        #expect(try database.waitForCount(offline, toReach: 1, seconds: Self.patience) == 1, "\(pipeline.logs())")
        let death = try database.rows(
            """
            SELECT e.cnc_id, e.topic, e.detail->>'device', (i.started_at = e.at)::text, (i.ended_at IS NULL)::text
            FROM machine_events e JOIN machine_status_intervals i ON i.cnc_id = e.cnc_id AND i.status = 'offline'
            WHERE e.event = 'death'
            """)
        #expect(death == [["CNC102", "spBv1.0/plant1/DDEATH/lineA/CNC102", "CNC102", "true", "true"]])
        let open = try database.rows("SELECT cnc_id, status FROM machine_status_intervals WHERE ended_at IS NULL ORDER BY cnc_id")
        #expect(open == [["CNC101", "running"], ["CNC102", "offline"], ["lineA", "running"]])

        // The device is back: its DBIRTH ends the offline interval, which stays in its history.
        try edgeNode.perform("dbirth CNC102")
        #expect(try database.waitForCount("SELECT count(*) FROM machine_state WHERE cnc_id = 'CNC102'", toReach: 3, seconds: Self.patience) == 3)
        let history = try database.rows(
            """
            SELECT i.status, (i.started_at = e.at)::text, (i.ended_at IS NULL)::text
            FROM machine_status_intervals i LEFT JOIN machine_events e ON e.cnc_id = i.cnc_id AND e.event = 'death'
            WHERE i.cnc_id = 'CNC102' ORDER BY i.started_at
            """)
        #expect(
            history == [["idle", "false", "false"], ["running", "false", "false"], ["offline", "true", "false"], ["running", "false", "true"]])

        try edgeNode.perform("ddeath CNC102")
        try edgeNode.quit()
        let deaths = "SELECT count(*) FROM machine_events WHERE event = 'death'"
        #expect(try database.waitForCount(deaths, toReach: 4, seconds: Self.patience) == 4, "\(pipeline.logs())")
        let deathTopics = try database.rows("SELECT cnc_id, topic FROM machine_events WHERE event = 'death' ORDER BY cnc_id, at")
        #expect(
            deathTopics == [
                ["CNC101", "spBv1.0/plant1/NDEATH/lineA"], ["CNC102", "spBv1.0/plant1/DDEATH/lineA/CNC102"],
                ["CNC102", "spBv1.0/plant1/DDEATH/lineA/CNC102"], ["lineA", "spBv1.0/plant1/NDEATH/lineA"],
            ])
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("an edge node killed with SIGKILL: its Will makes every machine of it offline from the moment it arrived")
    func nodeDeathByWill() throws {
        let (pipeline, broker, edgeNode) = try Self.twoDevicesReporting()
        let database = pipeline.database

        let killedAt = Date().timeIntervalSince1970
        edgeNode.kill()
        // The types' threshold is an hour: only the death can make them offline now.
        let offline = "SELECT count(*) FROM machine_status_intervals WHERE status = 'offline' AND ended_at IS NULL"
        #expect(try database.waitForCount(offline, toReach: 3, seconds: 10) == 3, "\(pipeline.logs())")
        let deaths = try database.rows(
            """
            SELECT e.cnc_id, e.topic, e.detail->>'bdSeq', (i.started_at = e.at)::text, extract(epoch FROM e.at)::float8::text
            FROM machine_events e JOIN machine_status_intervals i ON i.cnc_id = e.cnc_id AND i.status = 'offline'
            WHERE e.event = 'death' ORDER BY e.cnc_id
            """)
        #expect(
            deaths.map { Array($0.prefix(4)) } == [
                ["CNC101", "spBv1.0/plant1/NDEATH/lineA", "0", "true"], ["CNC102", "spBv1.0/plant1/NDEATH/lineA", "0", "true"],
                ["lineA", "spBv1.0/plant1/NDEATH/lineA", "0", "true"],
            ], "\(pipeline.logs())")
        // From when ingest received the Will, which the broker sent as the connection dropped.
        for death in deaths {
            let at = Double(death[4] ?? "") ?? 0
            #expect(at >= killedAt - 0.05 && at < killedAt + 3, "death of \(death[0] ?? "-") at \(at), the edge node killed at \(killedAt)")
        }
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("a sequence gap not filled in time: sequence_gap events, a rebirth the edge node answers, and DATA after it named")
    func sequenceGap() throws {
        let (pipeline, broker) = try Self.startedPipeline()
        let edgeNode = try Self.pysparkplugEdgeNode(pipeline, broker, devices: ["CNC101"])
        try edgeNode.perform("ddata CNC101")
        // NBIRTH 0, DBIRTH 1, DDATA 2; 3, 4 and 5 never sent; DDATA 6.
        #expect(try edgeNode.perform("skip 3")["skipped"] as? [Int] == [3, 4, 5])
        try edgeNode.perform("ddata CNC101")
        let rebirth = try edgeNode.waitFor("rebirth")
        #expect(rebirth.first?["bdSeq"] as? Int == 0, "a rebirth keeps the connection's bdSeq")
        let database = pipeline.database
        #expect(
            try database.waitForCount("SELECT count(*) FROM machine_events WHERE event = 'birth'", toReach: 4, seconds: Self.patience) == 4,
            "\(pipeline.logs())")
        let gaps = try database.rows(
            """
            SELECT cnc_id, detail->>'expected_seq', detail->>'received_seq', detail->>'missing' FROM machine_events
            WHERE event = 'sequence_gap' ORDER BY cnc_id
            """)
        #expect(gaps == [["CNC101", "3", "6", "3"], ["lineA", "3", "6", "3"]], "\(pipeline.logs())")
        let rebirthRequests = try database.rows("SELECT cnc_id, topic, detail->>'reason' FROM machine_events WHERE event = 'rebirth_requested'")
        #expect(
            rebirthRequests == [
                ["lineA", "spBv1.0/plant1/NCMD/lineA", "sequence gap"]
            ])

        // After the rebirth the sequence starts again: NBIRTH 0, DBIRTH 1, DDATA 2, by alias.
        try edgeNode.perform("ddata CNC101")
        #expect(
            try database.waitForCount("SELECT count(*) FROM machine_state WHERE cnc_id = 'CNC101'", toReach: 5, seconds: Self.patience) == 5,
            "\(pipeline.logs())")
        let machineRows = try Self.storedMessages(
            pipeline, "s.status, d.payload->>'Spindle/Speed', (d.payload->'sparkplug' ? 'unnamed')::text", where: "d.cnc_id = 'CNC101'")
        #expect(
            machineRows == [
                ["CNC101", "DBIRTH", "1", "idle", "1000", "false"],
                ["CNC101", "DDATA", "2", "running", "1100", "false"],
                ["CNC101", "DDATA", "6", "running", "1200", "false"],
                ["CNC101", "DBIRTH", "1", "running", "1200", "false"],
                ["CNC101", "DDATA", "2", "running", "1300", "false"],
            ])
        try edgeNode.quit()
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("ingest restarted between the births and the DATA: the DATA is held, the host asks for a rebirth, and it is stored named")
    func collectorRestartBetweenBirthAndData() throws {
        let (pipeline, broker) = try Self.startedPipeline()
        let edgeNode = try Self.pysparkplugEdgeNode(pipeline, broker, devices: ["CNC101"])
        let database = pipeline.database
        #expect(
            try database.waitForCount("SELECT count(*) FROM machine_events WHERE event = 'birth'", toReach: 2, seconds: Self.patience) == 2,
            "\(pipeline.logs())")
        try Self.stopIngest(pipeline)
        try pipeline.startIngest()

        // The new ingest knows no birth: this DATA, aliases only, cannot be named yet.
        let sent = try edgeNode.perform("ddata CNC101")
        try edgeNode.waitFor("rebirth")
        #expect(
            try database.waitForCount("SELECT count(*) FROM machine_state WHERE cnc_id = 'CNC101'", toReach: 3, seconds: 10) == 3,
            "\(pipeline.logs())")
        let machineRows = try Self.storedMessages(
            pipeline, "s.status, d.payload->>'Spindle/Speed', d.payload->>'Execution', (d.payload->'sparkplug' ? 'unnamed')::text",
            where: "d.cnc_id = 'CNC101'")
        #expect(
            machineRows == [
                ["CNC101", "DBIRTH", "1", "idle", "1000", "READY", "false"],
                ["CNC101", "DDATA", "\(sent["seq"] as? Int ?? -1)", "running", "1100", "ACTIVE", "false"],
                ["CNC101", "DBIRTH", "1", "running", "1100", "ACTIVE", "false"],
            ])
        // Events reach the sink straight from ingest, not with the rows: wait for the last of them.
        #expect(try database.waitForCount("SELECT count(*) FROM machine_events WHERE event = 'birth'", toReach: 4, seconds: Self.patience) == 4)
        let rebirthRequests = try database.rows("SELECT cnc_id, detail->>'reason' FROM machine_events WHERE event = 'rebirth_requested'")
        #expect(rebirthRequests == [["lineA", "no birth"]])
        let commands = edgeNode.reports("ncmd").map { report in
            (report["metrics"] as? [[String: Any]] ?? []).map { "\($0["name"] as? String ?? "-")=\($0["value"] as? Bool == true)" }
        }
        #expect(commands == [["Node Control/Rebirth=true"]], "one NCMD, the rebirth:\n\(edgeNode.log)")
        try edgeNode.quit()
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("two ingests, each the host of its own group with its own client id, host id and journal, both storing")
    func twoIngestsTwoGroups() throws {
        let (pipeline, broker) = try Self.preparedPipeline()
        try Self.startStagesBehindIngest(pipeline)
        for group in ["plant1", "plant2"] {
            let sources = "\(pipeline.directory)/sources-\(group)"
            try FileManager.default.createDirectory(atPath: sources, withIntermediateDirectories: true)
            try Self.cellsSource(group: group).write(toFile: "\(sources)/cells.yaml", atomically: true, encoding: .utf8)
            pipeline.overrides["MES_SOURCES_DIR"] = sources
            pipeline.overrides["MQTT_CLIENT_ID"] = "\(pipeline.clientID)-\(group)"
            pipeline.overrides["MES_SPARKPLUG_HOST_ID"] = "collector-\(group)"
            pipeline.overrides["MES_JOURNAL_DIR"] = "\(pipeline.directory)/journal-\(group)"
            let ingest = try pipeline.start("ingest-\(group)", "ingest")
            #expect(ingest.waitForLog("connected and subscribed"), "\(pipeline.logs())")
        }
        let watcher = try Self.stateWatcher(pipeline, broker, name: "state-watcher")
        let states = try watcher.waitFor("state", count: 2)
        #expect(
            Set(states.map { "\($0["host_id"] as? String ?? "-") online=\($0["online"] as? Bool ?? false)" })
                == ["collector-plant1 online=true", "collector-plant2 online=true"])

        let edgeNodes = [
            try Self.pysparkplugEdgeNode(pipeline, broker, group: "plant1", node: "lineA", devices: ["CNC101"]),
            try Self.pysparkplugEdgeNode(pipeline, broker, group: "plant2", node: "lineB", devices: ["CNC201"]),
        ]
        for (edgeNode, device) in zip(edgeNodes, ["CNC101", "CNC201"]) { try edgeNode.perform("ddata \(device)") }
        let database = pipeline.database
        #expect(try database.waitForCount("SELECT count(*) FROM machine_state", toReach: 6, seconds: Self.patience) == 6, "\(pipeline.logs())")
        let topics = try database.rows("SELECT cnc_id, topic FROM cnc_data ORDER BY cnc_id, received_at")
        #expect(
            topics == [
                ["CNC101", "spBv1.0/plant1/DBIRTH/lineA/CNC101"], ["CNC101", "spBv1.0/plant1/DDATA/lineA/CNC101"],
                ["CNC201", "spBv1.0/plant2/DBIRTH/lineB/CNC201"], ["CNC201", "spBv1.0/plant2/DDATA/lineB/CNC201"],
                ["lineA", "spBv1.0/plant1/NBIRTH/lineA"], ["lineB", "spBv1.0/plant2/NBIRTH/lineB"],
            ])
        #expect(try database.count("SELECT count(*) FROM cnc_data WHERE payload->'sparkplug' ? 'unnamed'") == 0)
        #expect(try database.waitForCount("SELECT count(*) FROM machine_events WHERE event = 'birth'", toReach: 4, seconds: Self.patience) == 4)
        for edgeNode in edgeNodes { try edgeNode.quit() }
        #expect(
            try database.waitForCount("SELECT count(*) FROM machine_events WHERE event = 'death'", toReach: 4, seconds: Self.patience) == 4,
            "\(pipeline.logs())")
        // Each ingest took its own group's messages only: an NBIRTH, a DBIRTH and a DDATA.
        for group in ["plant1", "plant2"] {
            try Self.stopIngest(pipeline, name: "ingest-\(group)")
            let log = pipeline.stages["ingest-\(group)"]!.log
            #expect(log.contains("accepted=3 "), "\(log)")
        }
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("the host's STATE as a Sparkplug client sees it: online while ingest runs, offline after SIGTERM, and after SIGKILL by the Will")
    func hostState() throws {
        let (pipeline, broker) = try Self.preparedPipeline()
        pipeline.overrides["MES_SPARKPLUG_HOST_ID"] = "mes-collector"
        _ = try SourceTests.sources(pipeline, ["cells.yaml": Self.cellsSource(group: "plant1")])
        try Self.startStagesBehindIngest(pipeline)
        try pipeline.startIngest()
        let watcher = try Self.stateWatcher(pipeline, broker, name: "state-watcher")
        func state(_ report: [String: Any]) -> String {
            "\(report["host_id"] as? String ?? "-") online=\(report["online"] as? Bool ?? false) retained=\(report["retained"] as? Bool ?? false)"
        }

        let online = try watcher.waitFor("state")[0]
        #expect(state(online) == "mes-collector online=true retained=true", "\(watcher.log)")
        let firstTime = online["timestamp"] as? Int ?? 0
        #expect(abs(Double(firstTime) / 1000 - Date().timeIntervalSince1970) < 30, "STATE timestamp \(firstTime) is not now")

        try Self.stopIngest(pipeline)
        let cleanStop = try watcher.waitFor("state", count: 2)[1]
        #expect(state(cleanStop) == "mes-collector online=false retained=false", "\(watcher.log)")
        #expect(cleanStop["timestamp"] as? Int == firstTime, "offline carries the time of the online it ends")

        try pipeline.startIngest()
        let again = try watcher.waitFor("state", count: 3)[2]
        #expect(state(again) == "mes-collector online=true retained=false", "\(watcher.log)")
        let secondTime = again["timestamp"] as? Int ?? 0
        #expect(secondTime > firstTime)

        try pipeline.kill("ingest")
        let will = try watcher.waitFor("state", count: 4)[3]
        #expect(state(will) == "mes-collector online=false retained=false", "\(watcher.log)")
        #expect(will["timestamp"] as? Int == secondTime, "the Will carries the time of its connection's online")
        try watcher.quit()

        // The Will was retained: a client that comes now learns the host is offline.
        let latecomer = try Self.stateWatcher(pipeline, broker, name: "state-latecomer")
        let retained = try latecomer.waitFor("state")[0]
        #expect(state(retained) == "mes-collector online=false retained=true", "\(latecomer.log)")
        try latecomer.quit()
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("an mqtt-spb-wrapper edge node: births and alias-only DATA stored named; after an ingest restart its rebirth names DATA again")
    func spbwrapperEdgeNode() throws {
        let (pipeline, broker) = try Self.startedPipeline()
        let edgeNode = try SparkplugPeer(
            python: try Self.python("CNC_SPBWRAPPER_PYTHON", with: "mqtt-spb-wrapper==2.1.2"), script: "spbwrapper_edge_node.py",
            arguments: ["--broker", "127.0.0.1:\(broker.port)", "--group", "plant1", "--node", "lineC", "--device", "CNC103"],
            name: "edge-spbwrapper", directory: pipeline.directory)
        try edgeNode.waitFor("births")
        try edgeNode.perform("ddata CNC103")
        try edgeNode.perform("ndata")
        let database = pipeline.database
        #expect(try database.waitForCount("SELECT count(*) FROM machine_state", toReach: 4, seconds: Self.patience) == 4, "\(pipeline.logs())")

        try Self.stopIngest(pipeline)
        try pipeline.startIngest()
        try edgeNode.perform("ddata CNC103 STOPPED")
        try edgeNode.waitFor("rebirth")
        #expect(try database.waitForCount("SELECT count(*) FROM machine_state", toReach: 7, seconds: Self.patience) == 7, "\(pipeline.logs())")
        let rows = try Self.storedMessages(
            pipeline,
            "s.cnc_type, s.status, coalesce(d.payload->>'Spindle/Speed', d.payload->>'Gateway/State'), (d.payload->'sparkplug' ? 'unnamed')::text")
        #expect(
            rows == [
                ["lineC", "NBIRTH", "0", "SparkplugGateway", "running", "RUNNING", "false"],
                ["CNC103", "DBIRTH", "1", "SparkplugCNC", "idle", "1000", "false"],
                ["CNC103", "DDATA", "2", "SparkplugCNC", "running", "1100", "false"],
                ["lineC", "NDATA", "3", "SparkplugGateway", "running", "RUNNING", "false"],
                ["CNC103", "DDATA", "4", "SparkplugCNC", "stopped", "1200", "false"],
                ["lineC", "NBIRTH", "0", "SparkplugGateway", "running", "RUNNING", "false"],
                ["CNC103", "DBIRTH", "1", "SparkplugCNC", "stopped", "1200", "false"],
            ])
        let birthNames = try database.rows(
            "SELECT jsonb_path_query_array(payload, '$.sparkplug.metrics[*].name')::text FROM cnc_data WHERE topic LIKE '%/NBIRTH/%'")
        #expect(
            birthNames
                == [
                    [#"["bdSeq", "Uptime", "Gateway/State", "Node Control/Rebirth"]"#],
                    [#"["bdSeq", "Uptime", "Gateway/State", "Node Control/Rebirth"]"#],
                ])
        try edgeNode.quit()
        #expect(
            try database.waitForCount("SELECT count(*) FROM machine_events WHERE event = 'death'", toReach: 2, seconds: Self.patience) == 2,
            "\(pipeline.logs())")
        #expect(try database.count("SELECT count(*) FROM rejected_messages") == 0)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("bad input through the broker: bytes that are no protobuf, a datatype against the birth, a topic without its device")
    func badInput() throws {
        let (pipeline, broker) = try Self.startedPipeline()
        let edgeNode = try Self.pysparkplugEdgeNode(pipeline, broker, devices: ["CNC101"])
        let database = pipeline.database
        #expect(try database.waitForCount("SELECT count(*) FROM machine_state", toReach: 2, seconds: Self.patience) == 2, "\(pipeline.logs())")

        try edgeNode.perform("raw spBv1.0/plant1/DDATA/lineA/CNC101 ffffffffff")
        try edgeNode.perform("wrong-datatype CNC101")
        try edgeNode.perform("raw spBv1.0/plant1/DDATA/lineA 0801")
        #expect(try database.waitForCount("SELECT count(*) FROM rejected_messages", toReach: 3, seconds: Self.patience) == 3, "\(pipeline.logs())")
        let rejections = try database.rows("SELECT stage, topic, cnc_id, encode(raw, 'hex'), reason FROM rejected_messages ORDER BY received_at")
        #expect(
            rejections.map { Array($0.prefix(3)) } == [
                ["ingest", "spBv1.0/plant1/DDATA/lineA/CNC101", nil],
                ["ingest", "spBv1.0/plant1/DDATA/lineA/CNC101", "CNC101"],
                ["ingest", "spBv1.0/plant1/DDATA/lineA", nil],
            ], "\(rejections)")
        if rejections.count == 3 {
            // Each with its bytes as they came, and why.
            #expect(rejections[0][3] == "ffffffffff" && rejections[2][3] == "0801", "\(rejections)")
            #expect(rejections[0][4]?.hasPrefix("Sparkplug B: not a Sparkplug B payload (protobuf: ") == true, "\(rejections[0])")
            #expect(rejections[1][4] == #"Sparkplug B: metric "Spindle/Speed" is a String here but a Double in its birth"#)
            #expect(
                rejections[2][4] == #"Sparkplug B: DDATA topic "spBv1.0/plant1/DDATA/lineA" lacks the device: spBv1.0/GROUP/DDATA/EDGE_NODE/DEVICE"#)
        }

        // Ingest goes on: the next DATA, in sequence after the refused one, is stored named.
        #expect(pipeline.stages["ingest"]?.process.isRunning == true, "\(pipeline.logs())")
        try edgeNode.perform("ddata CNC101")
        #expect(try database.waitForCount("SELECT count(*) FROM machine_state", toReach: 3, seconds: Self.patience) == 3, "\(pipeline.logs())")
        let dataRows = try database.rows(
            "SELECT payload->>'Spindle/Speed', (payload->'sparkplug' ? 'unnamed')::text FROM cnc_data WHERE topic LIKE '%/DDATA/%'")
        #expect(
            dataRows
                == [["1100", "false"]])
        #expect(try database.count("SELECT count(*) FROM machine_events WHERE event IN ('sequence_gap', 'rebirth_requested')") == 0)
        try edgeNode.quit()
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }
}

/// A Python program of Tests/IntegrationTests/Sparkplug run for a test: it takes commands on its
/// standard input, one a line, and reports what it did as JSON lines in its log, which the
/// pipeline's logs include.
final class SparkplugPeer {
    let name: String
    let logPath: String
    private let process = Process()
    private let input = Pipe()

    static var scriptDirectory: String { "\(TestEnvironment.packageDirectory)/Tests/IntegrationTests/Sparkplug" }

    init(python: String, script: String, arguments: [String], name: String, directory: String) throws {
        self.name = name
        logPath = "\(directory)/\(name).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-u", "\(Self.scriptDirectory)/\(script)"] + arguments
        process.standardInput = input
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// What it reported of `event` so far, in order.
    func reports(_ event: String) -> [[String: Any]] {
        log.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.filter { $0["event"] as? String == event }
    }

    /// Waits until it has reported `event` `count` times; returns those reports.
    @discardableResult
    func waitFor(_ event: String, count: Int = 1, seconds: Double = 15) throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(seconds)
        var found = reports(event)
        while found.count < count && Date() < deadline && process.isRunning {
            Thread.sleep(forTimeInterval: 0.02)
            found = reports(event)
        }
        found = reports(event)
        guard found.count >= count else {
            throw HarnessError("\(name) reported \(event) \(found.count) times, not \(count), within \(seconds) s:\n\(log)")
        }
        return found
    }

    /// Sends one command and waits until it is done (published); returns its report.
    @discardableResult
    func perform(_ command: String) throws -> [String: Any] {
        let done = reports("done").count
        input.fileHandleForWriting.write(Data("\(command)\n".utf8))
        return try waitFor("done", count: done + 1)[done]
    }

    /// Leaves as the program does on "quit" (an edge node: with its NDEATH), and waits for its end.
    func quit() throws {
        input.fileHandleForWriting.write(Data("quit\n".utf8))
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        guard !process.isRunning, process.terminationStatus == 0 else { throw HarnessError("\(name) did not quit cleanly:\n\(log)") }
    }

    /// SIGKILL: the broker sees the connection drop and publishes the Will.
    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit {
        kill()
    }
}
