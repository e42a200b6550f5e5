import CollectorCore
import Foundation
import Testing

/// More than one instance of a stage, and stages on different hosts.
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct ScaleOutTests {
    @Test("two ingests share one subscription ($share): each message is taken by one of them and stored once", arguments: ["3.1.1", "5"])
    func sharedSubscription(protocolVersion: String) throws {
        let pipeline = try PipelineHarness()
        pipeline.overrides = ["MQTT_TOPIC": "$share/cnc/\(pipeline.topic)", "MQTT_PROTOCOL": protocolVersion]
        try pipeline.start("sink", "sink")
        try pipeline.start("router", "router")
        try pipeline.start("worker-a", "worker", ["--type", "CNCTypeA"])
        try pipeline.start("worker-b", "worker", ["--type", "CNCTypeB"])
        for name in ["ingest-1", "ingest-2"] {
            pipeline.overrides["MQTT_CLIENT_ID"] = "\(pipeline.clientID)-\(name)"
            pipeline.overrides["MES_JOURNAL_DIR"] = "\(pipeline.directory)/journal-\(name)"
            let ingest = try pipeline.start(name, "ingest")
            #expect(ingest.waitForLog("connected and subscribed"), "\(pipeline.logs())")
        }
        pipeline.overrides["MQTT_TOPIC"] = pipeline.topic
        let count = 2_000, tag = "share-\(protocolVersion)"
        try pipeline.emulator(["--file", try FaultTests.numberedFile(pipeline, count: count, tag: tag)])
        try FaultTests.expectEveryNumberOnce(pipeline, count: count, tag: tag)
        let accepted = try ["ingest-1", "ingest-2"].map { name -> Int in
            pipeline.stages[name]!.signal(SIGTERM)
            #expect(pipeline.stages[name]!.waitForExit() == 0)
            let log = pipeline.stages[name]!.log
            return Int(log.components(separatedBy: "accepted=").last?.prefix { $0.isNumber } ?? "") ?? -1
        }
        #expect(accepted.allSatisfy { $0 > 0 } && accepted.reduce(0, +) == count - count / 10, "accepted per ingest: \(accepted)")
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test(
        "stages on three hosts, this one and two network namespaces, over tcp://: every message lands once",
        .enabled(if: TestNetwork.isAvailable, "needs root and iproute2"))
    func acrossHosts() throws {
        let network = try TestNetwork()
        let pipeline = try PipelineHarness()
        let ports = try (0..<5).map { _ in try PrivateBroker.freePort() }
        let (routerPort, sinkPort, acknowledgementPort, workerAPort, workerBPort) = (ports[0], ports[1], ports[2], ports[3], ports[4])
        // Cleartext tcp:// between hosts, as a plant network without CURVE (CurveTests covers CURVE).
        pipeline.overrides = ["MES_ALLOW_INSECURE_TCP": "1"]

        // This host: the sink (next to PostgreSQL) and ingest (next to the broker).
        pipeline.overrides["MES_SINK_LISTEN"] = ["127.0.0.1", network.hostToA, network.hostToB].map { "tcp://\($0):\(sinkPort)" }.joined(
            separator: ",")
        pipeline.overrides["MES_ACK_LISTEN"] = "tcp://127.0.0.1:\(acknowledgementPort)"
        try pipeline.start("sink", "sink")
        // Namespace a: the router, serving the workers on the a-b link.
        pipeline.overrides["MES_ROUTER_LISTEN"] = "tcp://\(network.a):\(routerPort)"
        pipeline.overrides["MES_WORKER_LISTEN"] = "CNCTypeA=tcp://\(network.aToB):\(workerAPort),CNCTypeB=tcp://\(network.aToB):\(workerBPort)"
        pipeline.overrides["MES_SINK_ENDPOINT"] = "tcp://\(network.hostToA):\(sinkPort)"
        try pipeline.start("router", "router", launcher: network.launcher(network.namespaceA))
        // Namespace b: one worker per type.
        pipeline.overrides["MES_SINK_ENDPOINT"] = "tcp://\(network.hostToB):\(sinkPort)"
        try pipeline.start(
            "worker-a", "worker", ["--type", "CNCTypeA", "--input", "tcp://\(network.aToB):\(workerAPort)"],
            launcher: network.launcher(network.namespaceB))
        try pipeline.start(
            "worker-b", "worker", ["--type", "CNCTypeB", "--input", "tcp://\(network.aToB):\(workerBPort)"],
            launcher: network.launcher(network.namespaceB))
        // This host again: ingest sends to the router in a, rejections to the sink here.
        pipeline.overrides["MES_ROUTER_ENDPOINT"] = "tcp://\(network.a):\(routerPort)"
        pipeline.overrides["MES_SINK_ENDPOINT"] = "tcp://127.0.0.1:\(sinkPort)"
        pipeline.overrides["MES_ACK_ENDPOINT"] = "tcp://127.0.0.1:\(acknowledgementPort)"
        try pipeline.startIngest()

        try pipeline.publish(PipelineTests.sampleLines)
        let count = 1_000, tag = "hosts"
        try pipeline.emulator(["--file", try FaultTests.numberedFile(pipeline, count: count, tag: tag)])
        #expect(
            try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data WHERE part_program LIKE 'program_0%'", toReach: 3) == 3,
            "\(pipeline.logs())")
        #expect(
            try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 3 + count - count / 10) == 3 + count - count / 10,
            "\(pipeline.logs())")
        #expect(try pipeline.database.waitForStableCount("SELECT count(*) FROM cnc_data") == 3 + count - count / 10)
        #expect(try pipeline.database.count("SELECT count(*) FROM rejected_messages") == count / 10)
        // The router and the workers ran on the other hosts; what ingest journaled was acknowledged.
        #expect(pipeline.stages["router"]!.log.contains("tcp://\(network.a):\(routerPort)"), "\(pipeline.logs())")
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
        #expect(pipeline.logs().contains("unacknowledged=0"), "\(pipeline.logs())")
    }

    @Test("two workers per type: each machine's messages go to one worker and are stored in the order the machine sent them")
    func machineOrderAcrossWorkers() async throws {
        let pipeline = try PipelineHarness()
        let metricsPort = try PrivateBroker.freePort()
        try pipeline.start("sink", "sink")
        try pipeline.start("router", "router", ["--metrics-listen", "127.0.0.1:\(metricsPort)"])
        for name in ["a1", "a2", "b1", "b2"] {
            try pipeline.start("worker-\(name)", "worker", ["--type", name.hasPrefix("a") ? "CNCTypeA" : "CNCTypeB"])
        }
        let router = MetricsScrape(port: metricsPort)
        #expect(try await router.waitForStatus("/readyz", 200) == 200, "\(pipeline.logs())")
        for type in ["CNCTypeA", "CNCTypeB"] {
            #expect(try await router.waitForValue(#"cnc_router_workers{cnc_type="\#(type)"}"#, toReach: 2) == 2, "\(pipeline.logs())")
        }
        try pipeline.startIngest()
        let count = 20_000, tag = "order"
        try pipeline.emulator(["--file", try FaultTests.numberedFile(pipeline, count: count, tag: tag)])
        try FaultTests.expectEveryNumberOnce(pipeline, count: count, tag: tag)
        // Rows are written in the order the sink takes them, each with its own stored_at.
        let misordered = try pipeline.database.count(
            """
            SELECT count(*) FROM (SELECT ts, lag(ts) OVER (PARTITION BY cnc_id ORDER BY stored_at, ts) AS before FROM cnc_data) AS stored
            WHERE before > ts
            """)
        #expect(misordered == 0, "rows stored after a later message of their machine")
        let workers = ["a1", "a2", "b1", "b2"].map { pipeline.stages["worker-\($0)"]! }
        let stopped = pipeline.stopAll()
        #expect(stopped.isEmpty, "\(pipeline.logs())")
        let storedByWorkers = workers.reduce(0) { total, worker in
            total + (Int(worker.log.components(separatedBy: "stored=").last?.prefix { $0.isNumber } ?? "") ?? 0)
        }
        #expect(storedByWorkers == count - count / 10, "\(pipeline.logs())")
    }
}
