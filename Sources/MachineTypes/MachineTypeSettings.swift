import StageRuntime

/// Where the described machine types live: read by the router, the workers and mesctl.
public enum MachineTypeSettings {
    /// `MES_TYPES_DIR` (`--types-dir`): the directory of the type descriptions, default `deploy/types`.
    public static let directory = Setting<String>.text(
        "MES_TYPES_DIR", flag: "types-dir", default: "deploy/types",
        help: "Directory of the machine type descriptions (*.yaml): a described type is served without a rebuild; SIGHUP reads them again"
    )

    /// Read by the router, and by the board for each machine's line.
    public static let cncTypes = Setting<String>.text(
        "MES_CNC_TYPES", flag: "cnc-types", default: "deploy/cnc_types.json",
        help: "The cnc_id to type map, in the original service's cnc_classes.json format (an entry may name its \"line\"); SIGHUP reloads it"
    )

    /// Read by the sink, which writes each type's threshold to `machine_types`, and by the board
    /// for a type not yet there.
    public static let defaultOfflineAfter = Setting<Int>.integer(
        "MES_OFFLINE_AFTER_S", flag: "offline-after-s", default: 60, range: 1...604_800, unit: " s",
        help: "How long a machine may stay silent before it counts as offline, in seconds, for types whose description gives no offline_after"
    )

    /// As sshd's `StrictModes`: what a worker reads its types from and runs must be safe from other users.
    public static let strictModes = Setting<Bool>.switchSetting(
        "MES_TYPES_STRICT_MODES", flag: nil, default: true,
        help: "1 refuses a types directory, description or external program (or a directory above them) that group or others can write or "
            + "another user owns, as sshd's StrictModes; 0 allows them"
    )

    /// The settings every reader of the types directory reads: the directory and `MES_TYPES_STRICT_MODES`. The stages that
    /// read `cncTypes` or `defaultOfflineAfter` list those themselves.
    public static let all = [directory.description, strictModes.description]

    /// `MES_TYPES_STRICT_MODES` for this process's user.
    public static func configuredStrictModes(environment: SettingsEnvironment = .process) throws(SettingError) -> StrictModes {
        StrictModes(isOn: try strictModes.required(nil, environment: environment))
    }
}
