import StageRuntime

/// mesctl's own settings. It also reads the sink's `DATABASE_URL`, the broker settings and the
/// router's type map.
public enum OperationsSettings {
    /// `MES_STATUS_TARGETS` (`--target`): the metrics endpoints mesctl status reads, as `NAME=HOST:PORT` entries. No default
    /// value: when it is unset, mesctl status reads `StageStatus.localTargets`.
    public static let statusTargets = Setting<[String]>(
        "MES_STATUS_TARGETS", flag: "target", default: nil,
        defaultText: "the local supervisord deployment's: " + StageStatus.localTargets.joined(separator: ","),
        allowed: "NAME=HOST:PORT entries, comma-separated (the flag is repeatable)", help: "Each stage's metrics endpoint, for mesctl status"
    ) { text in
        let entries = Settings.list(text)
        return (try? StageStatus.targets(entries)) == nil ? nil : entries
    }

    /// `MES_STATUS_BOARD` (`--board`): where the board serves its pages, whose `/health` mesctl status reads; default
    /// `127.0.0.1:8080` (`StageStatus.localBoard`).
    public static let statusBoard = Setting<StageStatus.Target>(
        "MES_STATUS_BOARD", flag: "board", default: StageStatus.localBoard, defaultText: "127.0.0.1:8080 (the board's MES_BOARD_LISTEN default)",
        allowed: "HOST:PORT ([IPv6]:PORT)", help: "Where the board serves its pages: mesctl status reads the board's /health there"
    ) { text in StageStatus.address(text, name: "board") }

    /// The descriptions of mesctl's own settings, as `SettingsCatalog` lists them.
    public static let all = [statusTargets.description, statusBoard.description]
}
