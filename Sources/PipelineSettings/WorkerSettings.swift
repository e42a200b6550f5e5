import MachineTypes
import StageRuntime

/// A worker's own settings. It also reads `LinkSettings.sink`, `StageSettings.maxJSONDepth` and the types directory
/// (`MachineTypeSettings`).
public enum WorkerSettings {
    /// `MES_WORKER_TYPE`: the machine type this worker serves; no default, it must be given.
    public static let type = Setting<String>.text(
        "MES_WORKER_TYPE", flag: "type", default: nil, defaultText: "none: required", help: "The machine type this worker serves, e.g. CNCTypeA"
    )
    /// `MES_WORKER_ENDPOINT`: the endpoints the worker pulls its type's messages from; no default value here, the worker
    /// derives `ipc://RUNTIME_DIR/worker-TYPE.ipc`.
    public static let input = Setting<[String]>.endpoints(
        "MES_WORKER_ENDPOINT", flag: "input", defaultText: "ipc://RUNTIME_DIR/worker-TYPE.ipc",
        help: "Where the worker pulls its type's messages from"
    )

    /// A worker's own settings, for its table in docs/configuration.md.
    public static let all = [type.description, input.description]

    /// Every setting a worker reads besides `StageSettings`.
    public static let read = all + [LinkSettings.sink.description, StageSettings.maxJSONDepth.description] + MachineTypeSettings.all
}
