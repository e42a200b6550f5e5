import ArgumentParser
import StageRuntime
import Worker

@main
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run one CNC type's plugin over the messages the router sends, and pass the rows to the sink.",
        discussion: "Run as many workers per type as a machine line needs. Every option also reads the environment variable named in its help; a flag wins."
    )

    @Option(help: "The plugin type, e.g. CNCTypeA (MES_WORKER_TYPE)")
    var type: String?
    @Option(help: "Endpoints to pull this type's messages from, comma-separated (MES_WORKER_ENDPOINT; default ipc://RUNTIME_DIR/worker-TYPE.ipc)")
    var input: String?
    @Option(help: "Sink endpoints, comma-separated (MES_SINK_ENDPOINT; default ipc://RUNTIME_DIR/sink.ipc)")
    var sinkEndpoint: String?
    @Option(help: "Deepest accepted payload nesting (MES_MAX_JSON_DEPTH; default 16)")
    var maxJSONDepth: Int?
    @Option(help: "Directory of the ipc:// sockets (MES_RUNTIME_DIR; default /tmp/cnc-collector-UID)")
    var runtimeDir: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical (MES_LOG_LEVEL; default info)")
    var logLevel: String?
    @Option(help: "HOST:PORT of /metrics, /healthz and /readyz, or off (MES_METRICS_LISTEN; default off)")
    var metricsListen: String?

    func run() async throws {
        guard let typeName = Settings.resolve(type, env: "MES_WORKER_TYPE") else {
            throw ValidationError("give the plugin type with --type or MES_WORKER_TYPE")
        }
        let logger = try StageRunner.logger(label: "worker", level: logLevel)
        let endpoints = try StageEndpoints.resolve(runtimeDirectory: runtimeDir, sink: sinkEndpoint)
        let configuration = WorkerService.Configuration(
            typeName: typeName,
            input: Settings.list(Settings.resolve(input, env: "MES_WORKER_ENDPOINT", default: endpoints.workerEndpoint(type: typeName))),
            endpoints: endpoints,
            maxPayloadDepth: try Settings.resolve(maxJSONDepth, env: "MES_MAX_JSON_DEPTH", default: 16)
        )
        try await StageRunner.run(try WorkerService(configuration: configuration, logger: logger), logger: logger, metrics: try MetricsListen.resolve(metricsListen, default: MetricsListen.workerDefault))
    }
}
