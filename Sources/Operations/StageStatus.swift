import CollectorCore
import Foundation
import HTTPFetch
import StageRuntime

/// `mesctl status`: each stage's readiness and figures, read from its metrics endpoint twice,
/// `interval` apart, for the rates. The board's readiness is its own `/health`, where it serves
/// its pages: its metrics endpoint's `/readyz` does not follow it.
public enum StageStatus {
    /// A stage's metrics endpoint.
    public struct Target: Sendable, Equatable {
        /// The name the report shows, e.g. `router` or `worker-a-0`.
        public var name: String
        /// The host before the last `:` of `HOST:PORT`; an IPv6 address without its brackets.
        public var host: String
        /// The TCP port, 1...65535.
        public var port: Int

        /// `HOST:PORT` as the report shows it, an IPv6 address in brackets.
        public var endpoint: String { ListenAddress(host: host, port: port).description }
    }

    /// The endpoints of the local supervisord deployment (deploy/supervisord.conf).
    public static let localTargets = [
        "ingest=127.0.0.1:9101", "router=127.0.0.1:9102", "sink=127.0.0.1:9103",
        "worker-a-0=127.0.0.1:9110", "worker-a-1=127.0.0.1:9111", "worker-b-0=127.0.0.1:9120", "worker-b-1=127.0.0.1:9121",
        "worker-mtconnect-0=127.0.0.1:9130", "mtconnect=127.0.0.1:9105", "board=127.0.0.1:9104",
    ]

    /// Where the board serves its pages by default (`MES_BOARD_LISTEN`'s default).
    public static let localBoard = Target(name: "board", host: "127.0.0.1", port: 8080)

    /// Parses `NAME=HOST:PORT` entries; throws a `SettingError` naming the first that is not one.
    public static func targets(_ entries: [String]) throws -> [Target] {
        try entries.map { entry in
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let target = address(parts[1], name: parts[0]) else {
                throw SettingError(reason: "status target \"\(entry)\" must be NAME=HOST:PORT")
            }
            return target
        }
    }

    /// `HOST:PORT` ([IPv6]:PORT), read as every listen address is, as a target called `name`; nil
    /// when it is not one, or names port 0, which no stage serves on.
    static func address(_ text: String, name: String) -> Target? {
        guard let address = try? ListenAddress(parsing: text), address.port > 0 else { return nil }
        return Target(name: name, host: address.host, port: address.port)
    }

    /// One line per target: name, endpoint, state, and what its metrics say. A target whose
    /// metrics are the board's is ready when `/health` at `board`, where it serves its pages,
    /// answers 200. Blocks for `intervalSeconds` and up to 2 s a request; a target that does not answer is `down`.
    public static func report(_ targets: [Target], board: Target, intervalSeconds: Double) -> [[String]] {
        let first = targets.map(scrape)
        Thread.sleep(forTimeInterval: intervalSeconds)
        return zip(targets, zip(first, targets.map(scrape))).map { target, samples in
            let endpoint = target.endpoint
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
        let pages = "pages \(board.endpoint)"
        guard let health = get(board, "/health") else { return (false, "\(pages) do not answer") }
        return health.status == 200 ? (true, "\(pages) /health ok") : (false, "\(pages) /health \(health.status): not yet read the database")
    }

    /// One reading of a metrics endpoint: whether `/readyz` answered 200, and every series of `/metrics`.
    struct Sample {
        var ready: Bool
        /// Series (`name{labels}`) to values.
        var values: [String: Double]

        /// The sum over every series of a metric, or the value of one series (`name{labels}`).
        func total(_ name: String) -> Double {
            values.reduce(0) { $0 + ($1.key == name || $1.key.hasPrefix(name + "{") ? $1.value : 0) }
        }

        /// Whether any series of the metric, or the one series named, is there.
        func has(_ name: String) -> Bool { values.keys.contains { $0 == name || $0.hasPrefix(name + "{") } }

        /// `label=value` for each series of a metric.
        func byLabel(_ name: String) -> String {
            values.filter { $0.key.hasPrefix(name + "{") }.map { key, value in
                let label = key.dropFirst(name.count + 1).dropLast().split(separator: "=").last
                return "\(label.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } ?? "")=\(Int(value))"
            }.sorted().joined(separator: " ")
        }
    }

    /// The figures of the stage whose metrics these are, in words, with rates over `seconds`.
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

    /// One GET with a 2 s deadline.
    static func get(_ target: Target, _ path: String) -> (status: Int, body: String)? {
        let address = HTTPFetcher.Address(host: target.host, port: target.port)
        guard let response = try? HTTPFetcher.get(address, path, timeoutMilliseconds: 2_000, maxBytes: 16 << 20) else { return nil }
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }
}
