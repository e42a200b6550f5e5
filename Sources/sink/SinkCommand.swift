import ArgumentParser
import StageRuntime
import Sink

@main
struct SinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sink",
        abstract: "Apply the SQL migrations, then write rows and rejections to PostgreSQL in batches.",
        discussion: "Every option also reads the environment variable named in its help; a flag wins."
    )

    @Option(help: "libpq connection string or URI (DATABASE_URL; unset: libpq's PG* variables)")
    var databaseURL: String?
    @Option(help: "Directory of the *.sql migrations (MES_MIGRATIONS_DIR; default migrations)")
    var migrations: String?
    @Option(help: "Rows per batch (MES_BATCH_SIZE; default 1000)")
    var batchSize: Int?
    @Option(help: "Longest wait before a partial batch is written, in ms (MES_FLUSH_INTERVAL_MS; default 50)")
    var flushIntervalMs: Int?
    @Option(help: "Endpoints to bind, comma-separated (MES_SINK_LISTEN; default MES_SINK_ENDPOINT)")
    var listen: String?
    @Option(help: "Endpoints to publish acknowledgements on, comma-separated (MES_ACK_LISTEN; default MES_ACK_ENDPOINT)")
    var ackListen: String?
    @Option(help: "Directory of the ipc:// sockets (MES_RUNTIME_DIR; default /tmp/cnc-collector-UID)")
    var runtimeDir: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical (MES_LOG_LEVEL; default info)")
    var logLevel: String?
    @Option(help: "HOST:PORT of /metrics, /healthz and /readyz, or off (MES_METRICS_LISTEN; default 127.0.0.1:9103)")
    var metricsListen: String?

    func run() async throws {
        let logger = try StageRunner.logger(label: "sink", level: logLevel)
        let batchSize = try Settings.resolve(batchSize, env: "MES_BATCH_SIZE", default: 1_000)
        let flushInterval = try Settings.resolve(flushIntervalMs, env: "MES_FLUSH_INTERVAL_MS", default: 50)
        guard batchSize > 0, flushInterval >= 0 else { throw SettingError(reason: "MES_BATCH_SIZE must be positive and MES_FLUSH_INTERVAL_MS not negative") }
        let conninfo = Settings.resolve(databaseURL, env: "DATABASE_URL", default: "")
        StageRunner.hideSecrets(in: conninfo)
        let configuration = SinkService.Configuration(
            conninfo: conninfo,
            migrationsDirectory: Settings.resolve(migrations, env: "MES_MIGRATIONS_DIR", default: "migrations"),
            batchSize: batchSize,
            flushIntervalMilliseconds: flushInterval,
            endpoints: try StageEndpoints.resolve(runtimeDirectory: runtimeDir, sinkListen: listen, acknowledgementsListen: ackListen)
        )
        try await StageRunner.run(SinkService(configuration: configuration, logger: logger), logger: logger, metrics: try MetricsListen.resolve(metricsListen, default: MetricsListen.sinkDefault))
    }
}
