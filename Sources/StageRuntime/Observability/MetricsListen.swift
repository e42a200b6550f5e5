import Foundation

/// Where a process serves `/metrics`, `/healthz` and `/readyz` (`MES_METRICS_LISTEN`):
/// `HOST:PORT` (`[IPv6]:PORT` too), or `off` (also `0`) for no server. Port 0 takes any free port.
public struct MetricsListen: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// The setting from its flag, `MES_METRICS_LISTEN` or `stage`'s default
    /// (`StageSettings.metricsListenDefaults`); nil when off.
    public static func resolve(_ flag: String?, stage: String) throws -> MetricsListen? {
        guard let fallback = StageSettings.metricsListenDefaults.first(where: { $0.key == stage })?.value else {
            preconditionFailure("no metrics default for the stage \"\(stage)\"")
        }
        return try parse(StageSettings.metricsListen.value(flag, derived: fallback))
    }

    /// `HOST:PORT`, `[IPv6]:PORT`, or nil for `off` and `0`; anything else is a `SettingError`.
    public static func parse(_ text: String) throws -> MetricsListen? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text == "off" || text == "0" { return nil }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw SettingError(reason: "MES_METRICS_LISTEN=\(text) must be HOST:PORT or off")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw SettingError(reason: "MES_METRICS_LISTEN=\(text) needs a host, e.g. 127.0.0.1:\(port)") }
        return MetricsListen(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
