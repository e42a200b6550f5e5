import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Reads a stage's `/metrics`, `/healthz` or `/readyz` over HTTP on the loopback.
struct MetricsScrape {
    let port: Int

    /// The status and body of `GET path`.
    func get(_ path: String) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// The value of one series, as scraped: `name` or `name{label="value",...}` exactly.
    func value(_ series: String) async throws -> Double? {
        let text = try await get("/metrics").body
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    /// Waits until the series reaches `expected` (the stages update them after their work is
    /// visible elsewhere); returns the last value seen.
    func waitForValue(_ series: String, toReach expected: Double, seconds: Double = 30) async throws -> Double? {
        let deadline = Date().addingTimeInterval(seconds)
        var last = try await value(series)
        while last.map({ $0 < expected }) ?? true, Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            last = try await value(series)
        }
        return last
    }

    /// Waits until `path` answers `status`; returns the last status, 0 while nothing listens
    /// (the stage is still starting).
    func waitForStatus(_ path: String, _ status: Int, seconds: Double = 30) async throws -> Int {
        let deadline = Date().addingTimeInterval(seconds)
        var last = (try? await get(path).status) ?? 0
        while last != status, Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            last = (try? await get(path).status) ?? 0
        }
        return last
    }
}
