import Foundation
import Logging

/// The settings every stage reads: where its sockets live, how it logs, where it serves metrics.
public enum StageSettings {
    /// `MES_RUNTIME_DIR` (`--runtime-dir`): the directory of the default `ipc://` sockets; default
    /// `/tmp/cnc-collector-UID` (`StageEndpoints.defaultRuntimeDirectory()`).
    public static let runtimeDirectory = Setting<String>.text(
        "MES_RUNTIME_DIR", flag: "runtime-dir", default: nil, defaultText: "/tmp/cnc-collector-UID",
        help:
            "Directory of the default ipc:// sockets, created mode 0700; refused when it is a symbolic link, belongs to another user or gives "
            + "group or others any access"
    )

    /// `MES_STATE_DIR` (`--state-dir`): the deployment's persistent state, read by ingest and the MTConnect
    /// source; it has no `defaultValue`: callers derive it with `defaultStateDirectory()`.
    public static let stateDirectory = Setting<String>.text(
        "MES_STATE_DIR", flag: "state-dir", default: nil,
        defaultText: "/var/lib/cnc-collector for root, else $XDG_STATE_HOME/cnc-collector (~/.local/state/cnc-collector)",
        help: "The deployment's state on persistent storage: ingest's default journal and the MTConnect source's positions live under it"
    )

    /// The default of `MES_STATE_DIR`.
    public static func defaultStateDirectory() -> String {
        if getuid() == 0 { return "/var/lib/cnc-collector" }
        let environment = SettingsEnvironment.process
        let base = environment["XDG_STATE_HOME"] ?? "\(environment["HOME"] ?? NSHomeDirectory())/.local/state"
        return "\(base)/cnc-collector"
    }

    /// `MES_LOG_LEVEL` (`--log-level`): a swift-log level name, in any case; default `info`.
    public static let logLevel = Setting<Logger.Level>(
        "MES_LOG_LEVEL", flag: "log-level", default: .info,
        allowed: SettingDescription.alternatives(Logger.Level.allCases.map(\.rawValue)), help: "Least severe level logged"
    ) { Logger.Level(rawValue: $0.lowercased()) }

    /// `MES_LOG_FORMAT`, environment only: `text` (the default) or `json` (`JSONLogHandler`).
    public static let logFormat = Setting<String>.choice(
        "MES_LOG_FORMAT", flag: nil, default: "text", choices: ["text", "json"],
        help: "text, or json for one JSON object per line (time, level, label, message, metadata, error)"
    )

    /// Each stage's default keeps the stages of one host apart; workers, of which a host runs
    /// several, serve only when given a port of their own.
    public static let metricsListenDefaults: KeyValuePairs = [
        "ingest": "127.0.0.1:9101", "router": "127.0.0.1:9102", "sink": "127.0.0.1:9103", "worker": "off", "board": "127.0.0.1:9104",
        "mtconnect": "127.0.0.1:9105",
    ]

    /// `MES_METRICS_LISTEN` (`--metrics-listen`): the text as given, checked with `MetricsListen.parse`.
    /// Its default depends on the stage (`metricsListenDefaults`): read it with `MetricsListen.resolve`.
    public static let metricsListen = Setting<String>(
        "MES_METRICS_LISTEN", flag: "metrics-listen", default: nil,
        defaultText: metricsListenDefaults.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
        allowed: "HOST:PORT ([IPv6]:PORT), port 0 for any free port, or off (also 0)", help: "Where /metrics, /healthz and /readyz are served"
    ) { text in
        do {
            _ = try MetricsListen.parse(text)
            return text
        } catch {
            return nil
        }
    }

    /// Shared by ingest (the whole message) and the workers (the payload).
    public static let maxJSONDepth = Setting<Int>.integer(
        "MES_MAX_JSON_DEPTH", flag: "max-json-depth", default: 16, range: 1...Int.max, help: "Deepest accepted JSON nesting"
    )

    /// The descriptions of the settings every stage reads, for `mesctl` and the documentation's tables;
    /// `stateDirectory` and `maxJSONDepth`, which only some stages read, are not among them.
    public static let all = [runtimeDirectory.description, logLevel.description, logFormat.description, metricsListen.description]
}
