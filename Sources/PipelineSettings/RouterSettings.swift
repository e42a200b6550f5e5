import MachineTypes
import StageRuntime

/// The router's own settings, and the type map (`MachineTypeSettings.cncTypes`), which the board
/// also reads. It also reads `LinkSettings.routerListen`, `LinkSettings.sink` and the types directory
/// (`MachineTypeSettings`).
public enum RouterSettings {
    /// Entries are separated by `;` or `,`: an entry without `=` is one more endpoint of the one before.
    public static let workerListen = Setting<[String: [String]]>(
        "MES_WORKER_LISTEN", flag: "worker-listen", default: [:], defaultText: "ipc://RUNTIME_DIR/worker-TYPE.ipc per type",
        allowed: "TYPE=ENDPOINT entries separated by ',' or ';' (an entry without TYPE= adds an endpoint to the one before; the flag is repeatable)",
        help: "What the router binds for each type's workers, e.g. CNCTypeA=tcp://0.0.0.0:5571;CNCTypeB=tcp://0.0.0.0:5572"
    ) { try WorkerListen.parse(WorkerListen.entries($0)) }

    /// The router's settings, for its table in docs/configuration.md: the type map and `workerListen`.
    public static let all = [MachineTypeSettings.cncTypes.description, workerListen.description]

    /// Every setting the router reads besides `StageSettings`.
    public static let read = all + [LinkSettings.routerListen, LinkSettings.sink].map(\.description) + MachineTypeSettings.all
}
