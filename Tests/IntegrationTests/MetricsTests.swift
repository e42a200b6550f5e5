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
        let ports = try Self.startServingMetrics(pipeline)
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
        #expect(try await router.value(#"cnc_router_workers{cnc_type="CNCTypeA"}"#) == 1)
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

    /// The shipped `deploy/prometheus.yml` (its `cnc-local-*` jobs, on the test's ports) run by a
    /// real Prometheus against a real pipeline, and every query of the shipped dashboard asked
    /// of it: each is valid PromQL and finds data.
    @Test("a real Prometheus scrapes every stage with the shipped configuration and answers every dashboard query")
    func prometheusAndDashboard() async throws {
        let shipped = try String(contentsOfFile: "\(TestEnvironment.packageDirectory)/deploy/prometheus.yml", encoding: .utf8)
        let check = Process()
        check.executableURL = URL(fileURLWithPath: try PrivatePrometheus.executable("promtool"))
        check.arguments = ["check", "config", "\(TestEnvironment.packageDirectory)/deploy/prometheus.yml"]
        check.standardOutput = FileHandle.nullDevice
        try check.run()
        check.waitUntilExit()
        #expect(check.terminationStatus == 0, "promtool check config refuses deploy/prometheus.yml")

        let pipeline = try PipelineHarness()
        // The stages deploy/supervisord.conf runs, with the local ports deploy/prometheus.yml scrapes.
        let stages: [(name: String, shippedPort: Int, command: String, arguments: [String])] = [
            ("sink", 9103, "sink", []), ("router", 9102, "router", []),
            ("worker-a1", 9110, "worker", ["--type", "CNCTypeA"]), ("worker-a2", 9111, "worker", ["--type", "CNCTypeA"]),
            ("worker-b1", 9120, "worker", ["--type", "CNCTypeB"]), ("worker-b2", 9121, "worker", ["--type", "CNCTypeB"]),
            ("worker-mtconnect1", 9130, "worker", ["--type", "MTConnectMill"]), ("ingest", 9101, "ingest", []), ("mtconnect", 9105, "mtconnect", []),
        ]
        var configuration = shipped.replacingOccurrences(of: "scrape_interval: 10s", with: "scrape_interval: 1s")
        for stage in stages {
            #expect(
                shipped.contains("\"127.0.0.1:\(stage.shippedPort)\""), "deploy/prometheus.yml does not scrape \(stage.name) on \(stage.shippedPort)")
            let port = try PrivateBroker.freePort()
            configuration = configuration.replacingOccurrences(of: "\"127.0.0.1:\(stage.shippedPort)\"", with: "\"127.0.0.1:\(port)\"")
            let arguments = stage.arguments + ["--metrics-listen", "127.0.0.1:\(port)"]
            if stage.name == "ingest" { try pipeline.startIngest(arguments) } else { try pipeline.start(stage.name, stage.command, arguments) }
        }
        let prometheus = try PrivatePrometheus(configuration: configuration, directory: "\(pipeline.directory)/prometheus")
        try await prometheus.waitUntilReady()
        // Every stage scraped, and up, before the traffic: rates need samples from before it.
        var up: Double?
        let scraped = Date().addingTimeInterval(30)
        repeat {
            try await Task.sleep(for: .milliseconds(500))
            up = try await prometheus.query(#"sum(up{job=~"cnc-local-.*"})"#).series.first.flatMap(Self.sampleValue)
        } while up != Double(stages.count) && Date() < scraped
        let targets = await prometheus.targets()
        #expect(up == Double(stages.count), "\(targets)")

        // Traffic for every panel: valid messages of both types, invalid ones (ingest and
        // workers refuse them) and machines the map does not know (the router refuses them).
        let emulator = try pipeline.startEmulator(["--loop", "--count", "1500", "--rate", "300", "--machines", "24", "--invalid-share", "0.1"])
        try pipeline.waitForEmulator(emulator)

        let dashboard =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: "\(TestEnvironment.packageDirectory)/deploy/grafana/cnc-collector.json")))
            as? [String: Any] ?? [:]
        let expressions = (dashboard["panels"] as? [[String: Any]] ?? []).flatMap { panel in
            (panel["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }
        }
        #expect(expressions.count > 20)
        // Filters on `> 0` find nothing where nothing was refused: the sink refused nothing.
        let mayBeEmpty = ["cnc_sink_rejected_total"]
        for expression in expressions {
            var answer = try await prometheus.query(expression)
            let deadline = Date().addingTimeInterval(10)
            while answer.status == "success" && answer.series.isEmpty && !mayBeEmpty.contains(where: expression.contains) && Date() < deadline {
                try await Task.sleep(for: .milliseconds(500))
                answer = try await prometheus.query(expression)
            }
            #expect(answer.status == "success", "\(expression): \(answer.error ?? "")")
            if !mayBeEmpty.contains(where: expression.contains) {
                #expect(!answer.series.isEmpty, "the dashboard query \(expression) finds nothing")
            }
        }
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    /// Every long-running stage, the board included, after some traffic (so that the labelled
    /// series exist too), checked by Prometheus's own linter: every metric has its HELP, counters
    /// end in `_total`, units are base units.
    @Test("promtool check metrics passes on the /metrics of every stage")
    func promtoolChecksEveryStage() async throws {
        let pipeline = try PipelineHarness()
        var ports = try Self.startServingMetrics(pipeline)
        ports["board"] = try PrivateBroker.freePort()
        let unknownVariable =
            #"{"cnc_id":"CNC001","part_program":"p","timestamp":"1747379040","payload":{"status":"idle","spin":0,"#
            + #""X-Axis":0,"Y-Axis":0,"coolant":1}}"#
        try pipeline.publish(PipelineTests.sampleLines + ["not json at all", unknownVariable])
        #expect(try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 4) == 4, "\(pipeline.logs())")
        pipeline.overrides["MES_METRICS_LISTEN"] = "127.0.0.1:\(ports["board"]!)"
        _ = try BoardTests.startBoard(pipeline)

        for (name, port) in ports.sorted(by: { $0.key < $1.key }) {
            let stage = MetricsScrape(port: port)
            #expect(try await stage.waitForStatus("/metrics", 200) == 200, "\(name): \(pipeline.logs())")
            let text = try await stage.get("/metrics").body
            #expect(text.contains("# HELP "), "\(name) serves no HELP: \(text)")
            let (status, complaints) = try PrivatePrometheus.checkMetrics(text)
            #expect(status == 0, "promtool check metrics on \(name)'s /metrics:\n\(complaints)")
        }
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    /// Starts the sink, the router, a worker of each type and ingest, each serving its metrics on
    /// a free port; returns the ports by stage.
    static func startServingMetrics(_ pipeline: PipelineHarness) throws -> [String: Int] {
        var ports: [String: Int] = [:]
        for name in ["ingest", "router", "worker-a1", "worker-b1", "sink"] { ports[name] = try PrivateBroker.freePort() }
        func listen(_ name: String) -> [String] { ["--metrics-listen", "127.0.0.1:\(ports[name]!)"] }
        try pipeline.start("sink", "sink", listen("sink"))
        try pipeline.start("router", "router", listen("router"))
        try pipeline.start("worker-a1", "worker", ["--type", "CNCTypeA"] + listen("worker-a1"))
        try pipeline.start("worker-b1", "worker", ["--type", "CNCTypeB"] + listen("worker-b1"))
        try pipeline.startIngest(listen("ingest"))
        return ports
    }

    /// The value of one series of an instant vector, as Prometheus's API returns it.
    static func sampleValue(_ series: [String: Any]) -> Double? {
        ((series["value"] as? [Any])?.last as? String).flatMap(Double.init)
    }
}
