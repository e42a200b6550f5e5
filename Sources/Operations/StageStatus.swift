import CollectorCore
import Foundation
import StageRuntime
import SystemCalls

/// `mesctl status`: each stage's readiness and figures, read from its metrics endpoint twice,
/// `interval` apart, for the rates. The board's readiness is its own `/health`, where it serves
/// its pages: its metrics endpoint's `/readyz` does not follow it.
public enum StageStatus {
    /// A stage's metrics endpoint.
    public struct Target: Sendable, Equatable {
        public var name: String
        public var host: String
        public var port: Int
    }

    /// The endpoints of the local supervisord deployment (deploy/supervisord.conf).
    public static let localTargets = [
        "ingest=127.0.0.1:9101", "router=127.0.0.1:9102", "sink=127.0.0.1:9103",
        "worker-a-0=127.0.0.1:9110", "worker-a-1=127.0.0.1:9111", "worker-b-0=127.0.0.1:9120", "worker-b-1=127.0.0.1:9121",
        "board=127.0.0.1:9104",
    ]

    /// Where the board serves its pages by default (`MES_BOARD_LISTEN`'s default).
    public static let localBoard = Target(name: "board", host: "127.0.0.1", port: 8080)

    /// Parses `NAME=HOST:PORT` entries.
    public static func targets(_ entries: [String]) throws -> [Target] {
        try entries.map { entry in
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let target = address(parts[1], name: parts[0]) else {
                throw SettingError(reason: "status target \"\(entry)\" must be NAME=HOST:PORT")
            }
            return target
        }
    }

    /// `HOST:PORT` ([IPv6]:PORT) as a target called `name`; nil when it is not one.
    static func address(_ text: String, name: String) -> Target? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port) else {
            return nil
        }
        return Target(name: name, host: String(text[..<colon]), port: port)
    }

    /// One line per target: name, endpoint, state, and what its metrics say. A target whose
    /// metrics are the board's is ready when `/health` at `board`, where it serves its pages,
    /// answers 200.
    public static func report(_ targets: [Target], board: Target, intervalSeconds: Double) -> [[String]] {
        let first = targets.map(scrape)
        Thread.sleep(forTimeInterval: intervalSeconds)
        return zip(targets, zip(first, targets.map(scrape))).map { target, samples in
            let endpoint = "\(target.host):\(target.port)"
            guard let before = samples.0, var after = samples.1 else { return [target.name, endpoint, "down", ""] }
            var figures = summary(before, after, seconds: intervalSeconds)
            if after.has(boardMetric) {
                let (ready, health) = boardHealth(board)
                after.ready = ready
                figures += ", \(health)"
            }
            return [target.name, endpoint, after.ready ? "ready" : "not ready", figures]
        }
    }

    /// A series only the board's metrics have.
    static let boardMetric = "board_refreshes_total"

    /// Whether the board at `board` has read the database (its `/health` answers 200), and in words.
    static func boardHealth(_ board: Target) -> (ready: Bool, words: String) {
        let pages = "pages \(board.host):\(board.port)"
        guard let health = get(board, "/health") else { return (false, "\(pages) do not answer") }
        return health.status == 200 ? (true, "\(pages) /health ok") : (false, "\(pages) /health \(health.status): not yet read the database")
    }

    struct Sample {
        var ready: Bool
        /// Series (`name{labels}`) to values.
        var values: [String: Double]

        /// The sum over every series of a metric, or the value of one series (`name{labels}`).
        func total(_ name: String) -> Double {
            values.reduce(0) { $0 + ($1.key == name || $1.key.hasPrefix(name + "{") ? $1.value : 0) }
        }

        func has(_ name: String) -> Bool { values.keys.contains { $0 == name || $0.hasPrefix(name + "{") } }

        /// `label=value` for each series of a metric.
        func byLabel(_ name: String) -> String {
            values.filter { $0.key.hasPrefix(name + "{") }.map { key, value in
                let label = key.dropFirst(name.count + 1).dropLast().split(separator: "=").last
                return "\(label.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } ?? "")=\(Int(value))"
            }.sorted().joined(separator: " ")
        }
    }

    static func summary(_ before: Sample, _ after: Sample, seconds: Double) -> String {
        func count(_ name: String) -> String { String(Int(after.total(name))) }
        func rate(_ name: String) -> String { String(format: "%.0f/s", max(0, after.total(name) - before.total(name)) / seconds) }
        let now = Date().timeIntervalSince1970
        if after.has("cnc_ingest_received_total") {
            return
                "received \(count("cnc_ingest_received_total")) (\(rate("cnc_ingest_received_total"))), rejected "
                + "\(count("cnc_ingest_rejected_total")), "
                + "waiting for acknowledgement \(count("cnc_ingest_journal_waiting")), redelivered \(count("cnc_ingest_redelivered_total")), "
                + "broker \(after.total("cnc_ingest_broker_connected") == 1 ? "connected" : "DISCONNECTED"), reconnects "
                + "\(count("cnc_ingest_reconnects_total"))"
        }
        if after.has("cnc_router_routed_total") {
            let loaded = after.total("cnc_router_map_loaded_timestamp_seconds")
            return "routed \(count("cnc_router_routed_total")) (\(rate("cnc_router_routed_total"))), rejected \(count("cnc_router_rejected_total")), "
                + "held [\(after.byLabel("cnc_router_held"))], map \(count("cnc_router_map_machines")) machines loaded "
                + "\(loaded > 0 ? "\(Int(now - loaded)) s ago" : "?"), "
                + "reloads ok \(count(#"cnc_router_map_reloads_total{result="ok"}"#)) failed "
                + "\(count(#"cnc_router_map_reloads_total{result="failed"}"#))"
        }
        if after.has("cnc_worker_stored_total") {
            return
                "stored \(count("cnc_worker_stored_total")) (\(rate("cnc_worker_stored_total"))), rejected "
                + "\(count("cnc_worker_rejected_total")) [\(after.byLabel("cnc_worker_stored_total"))]"
        }
        if after.has("cnc_sink_rows_written_total") {
            let last = after.total("cnc_sink_last_write_timestamp_seconds")
            let rows = #"cnc_sink_rows_written_total{table="cnc_data"}"#
            return "rows \(count(rows)) (\(rate(rows))), "
                + "rejections \(count(#"cnc_sink_rows_written_total{table="rejected_messages"}"#)), batches \(count("cnc_sink_batches_total")), "
                + "failures \(count("cnc_sink_write_failures_total")), unwritten \(count("cnc_sink_unwritten")), last write "
                + "\(last > 0 ? "\(Int(now - last)) s ago" : "never"), machines offline \(count("cnc_machines_offline")), "
                + "database \(after.total("cnc_sink_database_connected") == 1 ? "connected" : "DISCONNECTED")"
        }
        if after.has(boardMetric) {
            return
                "refreshes \(count(boardMetric)) (\(rate(boardMetric))), failed \(count("board_refresh_failures_total")), "
                + "notifications \(count("board_notifications_total")), event streams \(count("board_event_streams"))"
        }
        return "\(after.values.count) series"
    }

    /// Reads `/readyz` and `/metrics`; nil when the endpoint does not answer.
    static func scrape(_ target: Target) -> Sample? {
        guard let ready = get(target, "/readyz"), let metrics = get(target, "/metrics"), metrics.status == 200 else { return nil }
        var values: [String: Double] = [:]
        for line in metrics.body.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[String(line[..<space])] = value
        }
        return Sample(ready: ready.status == 200, values: values)
    }

    /// One HTTP/1.0 GET over a fresh connection, with a 2 s timeout.
    static func get(_ target: Target, _ path: String) -> (status: Int, body: String)? {
        var hints = addrinfo(
            ai_flags: 0, ai_family: AF_UNSPEC, ai_socktype: Int32(SOCK_STREAM.rawValue), ai_protocol: 0, ai_addrlen: 0, ai_addr: nil,
            ai_canonname: nil, ai_next: nil)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(target.host, String(target.port), &hints, &found) == 0, let address = found else { return nil }
        defer { freeaddrinfo(found) }
        let descriptor = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else { return nil }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: \(target.host)\r\n\r\n".utf8)
        let sent = retryingInterrupted { request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
        guard sent == request.count else { return nil }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while response.count < 16 << 20 {
            let count = retryingInterrupted { buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) } }
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n"), let status = Int(text.split(separator: " ", maxSplits: 2).dropFirst().first ?? "") else {
            return nil
        }
        return (status, String(text[headEnd.upperBound...]))
    }
}
