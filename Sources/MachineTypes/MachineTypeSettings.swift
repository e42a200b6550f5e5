import StageRuntime

/// Where the described machine types live: read by the router, the workers and mesctl.
public enum MachineTypeSettings {
    public static let directory = Setting<String>.text(
        "MES_TYPES_DIR", flag: "types-dir", default: "deploy/types",
        help: "Directory of the machine type descriptions (*.yaml): a described type is served without a rebuild; SIGHUP reads them again"
    )

    public static let all = [directory.description]
}
