import MachineTypes
import StageRuntime

/// The router's own settings. It also reads `LinkSettings.routerListen` and `LinkSettings.sink`.
public enum RouterSettings {
    public static let cncTypes = Setting<String>.text(
        "MES_CNC_TYPES", flag: "cnc-types", default: "deploy/cnc_types.json",
        help: "The cnc_id to type map, in the seed's cnc_classes.json format; SIGHUP reloads it"
    )
    /// Entries are separated by `;` or `,`: an entry without `=` is one more endpoint of the one before.
    public static let workerListen = Setting<[String: [String]]>(
        "MES_WORKER_LISTEN", flag: "worker-listen", default: [:], defaultText: "ipc://RUNTIME_DIR/worker-TYPE.ipc per type",
        allowed: "TYPE=ENDPOINT entries separated by ',' or ';' (an entry without TYPE= adds an endpoint to the one before; the flag is repeatable)",
        help: "What the router binds for each type's workers, e.g. CNCTypeA=tcp://0.0.0.0:5571;CNCTypeB=tcp://0.0.0.0:5572"
    ) { try WorkerListen.parse(WorkerListen.entries($0)) }

    public static let all = [cncTypes.description, workerListen.description]

    /// Every setting the router reads besides `StageSettings`.
    public static let read = all + [LinkSettings.routerListen, LinkSettings.sink].map(\.description) + MachineTypeSettings.all
}
