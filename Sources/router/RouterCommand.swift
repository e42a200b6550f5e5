import ArgumentParser
import StageRuntime
import Router

@main
struct RouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "router",
        abstract: "Route validated CNC messages by cnc_id to the workers of the machine's type.",
        discussion: "SIGHUP reloads the type map. Every option also reads the environment variable named in its help; a flag wins.",
        subcommands: [CurveKeypairCommand.self]
    )

    @Option(help: "The cnc_id to type map, in the seed's cnc_classes.json format (MES_CNC_TYPES; default deploy/cnc_types.json)")
    var cncTypes: String?
    @Option(help: "Endpoints to bind for ingest, comma-separated (MES_ROUTER_LISTEN; default MES_ROUTER_ENDPOINT)")
    var listen: String?
    @Option(parsing: .singleValue, help: "TYPE=ENDPOINT[,ENDPOINT] to bind for one type's workers; repeatable (MES_WORKER_LISTEN, entries separated by ';' or ','; default ipc://RUNTIME_DIR/worker-TYPE.ipc)")
    var workerListen: [String] = []
    @Option(help: "Sink endpoints, comma-separated (MES_SINK_ENDPOINT; default ipc://RUNTIME_DIR/sink.ipc)")
    var sinkEndpoint: String?
    @Option(help: "Directory of the ipc:// sockets (MES_RUNTIME_DIR; default /tmp/cnc-collector-UID)")
    var runtimeDir: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical (MES_LOG_LEVEL; default info)")
    var logLevel: String?
    @Option(help: "HOST:PORT of /metrics, /healthz and /readyz, or off (MES_METRICS_LISTEN; default 127.0.0.1:9102)")
    var metricsListen: String?

    func run() async throws {
        let logger = try StageRunner.logger(label: "router", level: logLevel)
        let workerEntries = workerListen.isEmpty ? Settings.environment("MES_WORKER_LISTEN").map(WorkerListen.entries) ?? [] : workerListen
        let configuration = RouterService.Configuration(
            mapPath: Settings.resolve(cncTypes, env: "MES_CNC_TYPES", default: "deploy/cnc_types.json"),
            endpoints: try StageEndpoints.resolve(runtimeDirectory: runtimeDir, routerListen: listen, sink: sinkEndpoint),
            workerListen: try WorkerListen.parse(workerEntries)
        )
        try await StageRunner.run(RouterService(configuration: configuration, logger: logger), logger: logger, metrics: try MetricsListen.resolve(metricsListen, default: MetricsListen.routerDefault))
    }
}

/// `router curve-keypair NAME`: makes the CURVE keys every stage's security settings point at.
struct CurveKeypairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curve-keypair",
        abstract: "Write a new CURVE keypair: NAME.key (public, give it to the peers) and NAME.key_secret (secret, mode 0600).",
        discussion: "Existing files are never overwritten. See the README, section Security, for which stage needs which key."
    )

    @Argument(help: "Path and name of the two files, without extension, e.g. keys/sink")
    var name: String

    func run() throws {
        let paths = try CurveKeys.writeKeypair(name: name)
        print("public key: \(paths.publicPath)\nsecret key: \(paths.secretPath)")
    }
}
