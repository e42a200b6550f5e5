import StageRuntime

/// mesctl's own settings. It also reads the sink's `DATABASE_URL`, the broker settings and the
/// router's type map.
public enum OperationsSettings {
    public static let statusTargets = Setting<[String]>(
        "MES_STATUS_TARGETS", flag: "target", default: nil,
        defaultText: "the local supervisord deployment's: " + StageStatus.localTargets.joined(separator: ","),
        allowed: "NAME=HOST:PORT entries, comma-separated (the flag is repeatable)", help: "Each stage's metrics endpoint, for mesctl status"
    ) { text in
        let entries = Settings.list(text)
        return (try? StageStatus.targets(entries)) == nil ? nil : entries
    }

    public static let all = [statusTargets.description]
}
