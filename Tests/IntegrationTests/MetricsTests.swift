import Foundation
import Testing

/// Every stage's `/metrics`, `/healthz` and `/readyz`, scraped from the real processes.
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct MetricsTests {
    @Test("the stages count the sample lines and a rejection; the sink is not ready while PostgreSQL is down")
    func countsAndReadiness() async throws {
        let pipeline = try PipelineHarness()
        let postgres = try PrivatePostgres()
        let database = TestDatabase(url: postgres.url)
        pipeline.overrides = ["DATABASE_URL": postgres.url]
        var ports: [String: Int] = [:]
        for name in ["ingest", "router", "worker-a1", "worker-b1", "sink"] { ports[name] = try PrivateBroker.freePort() }
        func listen(_ name: String) -> [String] { ["--metrics-listen", "127.0.0.1:\(ports[name]!)"] }
        try pipeline.start("sink", "sink", listen("sink"))
        try pipeline.start("router", "router", listen("router"))
        try pipeline.start("worker-a1", "worker", ["--type", "CNCTypeA"] + listen("worker-a1"))
        try pipeline.start("worker-b1", "worker", ["--type", "CNCTypeB"] + listen("worker-b1"))
        try pipeline.startIngest(listen("ingest"))
        let ingest = MetricsScrape(port: ports["ingest"]!), router = MetricsScrape(port: ports["router"]!)
        let workerA = MetricsScrape(port: ports["worker-a1"]!), workerB = MetricsScrape(port: ports["worker-b1"]!)
        let sink = MetricsScrape(port: ports["sink"]!)

        for stage in [ingest, router, workerA, workerB, sink] {
            #expect(try await stage.waitForStatus("/readyz", 200) == 200, "port \(stage.port): \(pipeline.logs())")
            #expect(try await stage.get("/healthz").status == 200)
            #expect(try await stage.get("/nothing").status == 404)
        }

        try pipeline.publish(PipelineTests.sampleLines)
        #expect(try database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 3) == 3, "\(pipeline.logs())")
        #expect(try await sink.waitForValue(#"cnc_sink_rows_written_total{table="cnc_data"}"#, toReach: 3) == 3)
        #expect(try await sink.value(#"cnc_sink_rows_written_total{table="machine_state"}"#) == 3)
        #expect(try await sink.value(#"cnc_sink_rows_written_total{table="rejected_messages"}"#) == 0)
        #expect(try await sink.value("cnc_sink_database_connected") == 1)
        #expect(try await sink.value("cnc_sink_last_write_timestamp_seconds") ?? 0 > 1_700_000_000)
        #expect(try await sink.value("cnc_sink_batches_total") ?? 0 >= 1)
        #expect(try await sink.value("cnc_sink_batch_rows_count") ?? 0 >= 1)
        #expect(try await sink.value("cnc_sink_write_duration_seconds_count") ?? 0 >= 1)
        #expect(try await ingest.value("cnc_ingest_received_total") == 3)
        #expect(try await ingest.value("cnc_ingest_accepted_total") == 3)
        #expect(try await ingest.value("cnc_ingest_broker_connected") == 1)
        #expect(try await ingest.waitForValue("cnc_ingest_acknowledged_total", toReach: 3) == 3)
        #expect(try await router.value(#"cnc_router_routed_total{cnc_type="CNCTypeA"}"#) == 2)
        #expect(try await router.value(#"cnc_router_routed_total{cnc_type="CNCTypeB"}"#) == 1)
        #expect(try await router.value(#"cnc_router_held{cnc_type="CNCTypeA"}"#) == 0)
        #expect(try await workerA.value(#"cnc_worker_stored_total{cnc_type="CNCTypeA"}"#) == 2)
        #expect(try await workerB.value(#"cnc_worker_stored_total{cnc_type="CNCTypeB"}"#) == 1)

        // The dashboard asks only for series the stages export.
        var exported = ""
        for stage in [ingest, router, workerA, workerB, sink] { exported += try await stage.get("/metrics").body }
        let dashboard = try String(contentsOfFile: "\(TestEnvironment.packageDirectory)/deploy/grafana/cnc-collector.json", encoding: .utf8)
        // cnc_type is the one label that looks like a metric name.
        let names = Set(dashboard.matches(of: /cnc_[a-z_]+/).map { String($0.output) }).subtracting(["cnc_type"])
        #expect(names.count > 20)
        for name in names.sorted() {
            #expect(exported.contains("\n\(name){") || exported.contains("\n\(name) "), "the dashboard uses \(name), which no stage exports")
        }

        // Rejections are counted by class, never by their text.
        try pipeline.publish(["not json at all", #"{"cnc_id": "CNC999","part_program": "p","timestamp": "1747379028","payload":{"status":"idle"}}"#])
        #expect(try await sink.waitForValue(#"cnc_sink_rows_written_total{table="rejected_messages"}"#, toReach: 2) == 2, "\(pipeline.logs())")
        #expect(try await ingest.value(#"cnc_ingest_rejected_total{reason="json"}"#) == 1)
        #expect(try await ingest.value("cnc_ingest_received_total") == 5)
        #expect(try await router.value(#"cnc_router_rejected_total{reason="unknown_cnc_id"}"#) == 1)
        #expect(try await ingest.get("/metrics").body.contains("not a JSON object") == false)

        try postgres.stop()
        #expect(try await sink.waitForStatus("/readyz", 503) == 503, "\(pipeline.logs())")
        #expect(try await sink.value("cnc_sink_database_connected") == 0)
        #expect(try await sink.get("/healthz").status == 200)
        #expect(try await ingest.get("/readyz").status == 200)
        try postgres.start()
        #expect(try await sink.waitForStatus("/readyz", 200) == 200, "\(pipeline.logs())")
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }
}
