import Foundation
import Testing

/// The stages over `tcp://` with CURVE, against the test broker and database.
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct CurveTests {
    @Test("over tcp:// with CURVE the samples are stored; a client with the wrong server key, or whose key is not allowed, delivers nothing")
    func curvePipeline() throws {
        let pipeline = try PipelineHarness()
        let keys = "\(pipeline.directory)/keys", clients = "\(pipeline.directory)/keys/clients"
        try FileManager.default.createDirectory(atPath: clients, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for name in ["router", "sink", "ingest", "worker", "rogue"] {
            let keygen = try StageProcess(
                executable: "router", arguments: ["curve-keypair", "\(keys)/\(name)"], name: "keygen-\(name)", environment: pipeline.environment,
                logDirectory: pipeline.directory)
            #expect(keygen.waitForExit() == 0, "\(keygen.log)")
        }
        // The router connects to the sink, so it is one of the sink's clients too.
        for name in ["ingest", "worker", "router"] {
            try FileManager.default.copyItem(atPath: "\(keys)/\(name).key", toPath: "\(clients)/\(name).key")
        }
        let ports = try (0..<4).map { _ in try PrivateBroker.freePort() }
        let workerEndpoint = ["CNCTypeA": "tcp://127.0.0.1:\(ports[2])", "CNCTypeB": "tcp://127.0.0.1:\(ports[3])"]
        pipeline.overrides = [
            "MES_ROUTER_ENDPOINT": "tcp://127.0.0.1:\(ports[0])",
            "MES_SINK_ENDPOINT": "tcp://127.0.0.1:\(ports[1])",
            "MES_WORKER_LISTEN": workerEndpoint.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
            "MES_CURVE_ROUTER_KEY_FILE": "\(keys)/router.key",
            "MES_CURVE_SINK_KEY_FILE": "\(keys)/sink.key",
            "MES_CURVE_CLIENTS_DIR": clients,
        ]
        let start = { (name: String, executable: String, arguments: [String], key: String) in
            pipeline.overrides["MES_CURVE_SECRET_KEY_FILE"] = "\(keys)/\(key).key_secret"
            try pipeline.start(name, executable, arguments)
        }
        try start("sink", "sink", [], "sink")
        try start("router", "router", [], "router")
        for type in ["CNCTypeA", "CNCTypeB"] {
            try start("worker-\(type)", "worker", ["--type", type, "--input", workerEndpoint[type]!], "worker")
        }
        pipeline.overrides["MES_CURVE_SECRET_KEY_FILE"] = "\(keys)/ingest.key_secret"
        try pipeline.startIngest()
        try pipeline.publish(PipelineTests.sampleLines)
        #expect(try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 3) == 3, "\(pipeline.logs())")
        #expect(pipeline.stages["router"]!.log.contains("client authenticated"), "\(pipeline.logs())")
        pipeline.stages["ingest"]!.signal(SIGTERM)
        #expect(pipeline.stages["ingest"]!.waitForExit() == 0)

        // A client that knows the wrong server key, then one whose own key is not allowed: each
        // receives messages from the broker, and none of them reaches the router or the sink.
        let good = pipeline.overrides
        let rogues: [(name: String, overrides: [String: String])] = [
            ("rogue-wrong-server-key", ["MES_CURVE_ROUTER_KEY_FILE": "\(keys)/rogue.key", "MES_CURVE_SINK_KEY_FILE": "\(keys)/rogue.key"]),
            ("rogue-not-allowed", ["MES_CURVE_SECRET_KEY_FILE": "\(keys)/rogue.key_secret"]),
        ]
        for rogue in rogues {
            pipeline.overrides = good.merging(rogue.overrides) { $1 }
            pipeline.overrides["MQTT_CLIENT_ID"] = "\(pipeline.clientID)-\(rogue.name)"
            pipeline.overrides["MES_JOURNAL_DIR"] = "\(pipeline.directory)/journal-\(rogue.name)"
            let stage = try pipeline.start(rogue.name, "ingest")
            #expect(stage.waitForLog("connected and subscribed"), "\(pipeline.logs())")
            // New part programs: the same bytes again would be the same three messages.
            try pipeline.publish(PipelineTests.sampleLines.map { $0.replacingOccurrences(of: "program_0", with: "\(rogue.name)_") })
            Thread.sleep(forTimeInterval: 3)
            #expect(try pipeline.database.count("SELECT count(*) FROM cnc_data") == 3, "\(rogue.name) delivered\n\(pipeline.logs())")
            #expect(try pipeline.database.count("SELECT count(*) FROM rejected_messages") == 0)
            stage.signal(SIGKILL)
            _ = stage.waitForExit()
        }
        #expect(pipeline.stages["router"]!.log.contains("refused a client whose key is not in MES_CURVE_CLIENTS_DIR"), "\(pipeline.logs())")

        // The real ingest's session kept what the rogues were sent: those messages do arrive.
        pipeline.overrides = good
        try pipeline.startIngest()
        #expect(try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 9) == 9, "\(pipeline.logs())")
        #expect(pipeline.stopAll().filter { !$0.hasPrefix("rogue") }.isEmpty, "\(pipeline.logs())")
    }
}
