import MachineTypes
import StageRuntime

/// A worker's own settings. It also reads `LinkSettings.sink` and `StageSettings.maxJSONDepth`.
public enum WorkerSettings {
    public static let type = Setting<String>.text(
        "MES_WORKER_TYPE", flag: "type", default: nil, defaultText: "none: required", help: "The machine type this worker serves, e.g. CNCTypeA"
    )
    public static let input = Setting<[String]>.endpoints(
        "MES_WORKER_ENDPOINT", flag: "input", defaultText: "ipc://RUNTIME_DIR/worker-TYPE.ipc",
        help: "Where the worker pulls its type's messages from"
    )

    public static let all = [type.description, input.description]

    /// Every setting a worker reads besides `StageSettings`.
    public static let read = all + [LinkSettings.sink.description, StageSettings.maxJSONDepth.description] + MachineTypeSettings.all
}
