import Foundation
import Logging
import Prometheus
import Testing

@testable import StageRuntime

@Suite("Metrics server")
struct MetricsServerTests {
    @Test("MES_METRICS_LISTEN takes an address (ListenAddressTests), or off or 0 for no server")
    func listen() throws {
        #expect(try MetricsListen.parse("[::1]:9200") == ListenAddress(host: "::1", port: 9200))
        #expect(try MetricsListen.parse("off") == nil)
        #expect(try MetricsListen.parse(" 0") == nil)
    }

    @Test("a listen setting without host or port is refused", arguments: ["9101", ":9101", "host:", "host:70000", "host:x"])
    func badListen(_ text: String) {
        #expect(throws: SettingError.self) { try MetricsListen.parse(text) }
    }

    @Test("dotted metric labels are scraped as snake_case names with their dimensions")
    func names() {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        factory.makeCounter(label: "cnc.test.rows.written.total", dimensions: [("table", "cnc_data")]).increment(by: 3)
        let text = String(
            decoding: MetricsServer.response(
                to: .success(HTTPRequestHead(method: "GET", path: "/metrics")), registry: registry, health: StageHealth()
            ).body, as: UTF8.self)
        #expect(text.contains(#"cnc_test_rows_written_total{table="cnc_data"} 3"#), "\(text)")
    }

    @Test("each metric made with its help is written with a HELP line, counters, gauges and histograms alike")
    func help() {
        let registry = PrometheusCollectorRegistry()
        let factory = HelpfulMetricsFactory(prometheus: PrometheusMetricsFactory(registry: registry))
        factory.makeCounter(label: MetricHelp.label("cnc.test.help.total", help: "Things counted"), dimensions: [("kind", "a")]).increment(by: 2)
        factory.makeMeter(label: MetricHelp.label("cnc.test.help.open", help: "Things open"), dimensions: []).set(Double(1))
        factory.makeRecorder(label: MetricHelp.label("cnc.test.help.size", help: "Size of things"), dimensions: [], aggregate: true).record(Double(3))
        factory.makeTimer(label: MetricHelp.label("cnc.test.help.seconds", help: "Time of things"), dimensions: []).recordNanoseconds(100_000_000)
        factory.makeCounter(label: "cnc.test.nohelp.total", dimensions: []).increment(by: 1)
        let text = registry.emitToString()
        for line in [
            "# HELP cnc_test_help_total Things counted", "# HELP cnc_test_help_open Things open", "# HELP cnc_test_help_size Size of things",
            "# HELP cnc_test_help_seconds Time of things", #"cnc_test_help_total{kind="a"} 2"#, "cnc_test_help_size_count 1",
        ] {
            #expect(text.contains(line + "\n"), "\(line) in \(text)")
        }
        #expect(!text.contains("# HELP cnc_test_nohelp_total"))
    }

    @Test(
        "paths, methods and health answer with their status",
        arguments: [
            ("GET", "/metrics", false, false, 200),
            ("GET", "/healthz", false, false, 503),
            ("GET", "/healthz", true, false, 200),
            ("GET", "/readyz", true, false, 503),
            ("GET", "/readyz", false, true, 503),
            ("GET", "/readyz", true, true, 200),
            ("HEAD", "/readyz", true, true, 200),
            ("GET", "/", true, true, 404),
            ("GET", "/metrics/x", true, true, 404),
            ("POST", "/metrics", true, true, 405),
        ] as [(String, String, Bool, Bool, Int)])
    func routes(_ method: String, _ path: String, _ alive: Bool, _ ready: Bool, _ status: Int) {
        let health = StageHealth()
        health.setReady(ready)
        health.setAlive(alive)
        if alive { health.setReady(ready) }
        let response = MetricsServer.response(
            to: .success(HTTPRequestHead(method: method, path: path)), registry: PrometheusCollectorRegistry(), health: health)
        #expect(response.status == status)
        #expect(response.encoded().starts(with: Array("HTTP/1.1 \(status) ".utf8)))
    }

    @Test("over a socket: /metrics, 404, a malformed request and one past the size limit")
    func overSocket() async throws {
        let registry = PrometheusCollectorRegistry()
        PrometheusMetricsFactory(registry: registry).makeCounter(label: "cnc.test.socket.total", dimensions: []).increment(by: 5)
        let server = try MetricsServer(
            listen: ListenAddress(host: "127.0.0.1", port: 0), registry: registry, health: StageHealth(), logger: Logger(label: "test"))
        let running = Task { try await server.run() }
        defer { running.cancel() }

        let metrics = try Self.exchange(port: server.port, "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n")
        #expect(metrics.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(metrics.contains("\ncnc_test_socket_total 5\n"), "\(metrics)")
        let body = metrics.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        #expect(metrics.contains("Content-Length: \(body.utf8.count)\r\n"))

        #expect(try Self.exchange(port: server.port, "GET /nothing HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 404 "))
        #expect(try Self.exchange(port: server.port, "HELLO\r\n\r\n").hasPrefix("HTTP/1.1 400 "))
        let huge = "GET /metrics HTTP/1.1\r\nX: " + String(repeating: "a", count: 3 * MetricsServer.requestLimit) + "\r\n\r\n"
        #expect(try Self.exchange(port: server.port, huge).hasPrefix("HTTP/1.1 431 "))
        // Still serving after all of those.
        #expect(try Self.exchange(port: server.port, "GET /healthz HTTP/1.0\r\n\r\n").hasPrefix("HTTP/1.1 503 "))
        running.cancel()
        try await running.value
    }

    /// Sends `request` on a new connection and reads the answer until the server closes.
    private static func exchange(port: Int, _ request: String) throws -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw SettingError(reason: "connect: \(String(cString: strerror(errno)))") }
        let bytes = Array(request.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { break }
            offset += sent
        }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            answer += chunk[..<count]
        }
        return String(decoding: answer, as: UTF8.self)
    }
}
