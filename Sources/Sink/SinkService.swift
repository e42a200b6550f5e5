import CollectorCore
import LibPQ
import Logging
import MachineTypes
import SchemaMigrations
import ServiceLifecycle
import StageRuntime
import ZeroMQ

/// `sink`: the only process that talks to PostgreSQL. Applies the migrations, then writes what
/// the workers and the other stages send in batches, one transaction each, flushing when a batch
/// is full or `flushInterval` has passed since its first row. While the database is unreachable
/// it keeps the batch and retries with backoff, and stops reading input, so back-pressure
/// reaches the stages upstream instead of memory growing here. Around the batches it keeps the
/// day partitions (ahead of need, and retention), and opens offline intervals for silent machines.
public typealias SinkService = StageService<SinkLoop>

extension SinkLoop: StageLoop {
    /// Always `sink`.
    public static func name(of configuration: Configuration) -> String { "sink" }

    /// The configuration's requests: on SIGHUP the sink reads the types directory again for the offline thresholds.
    public static func reloadRequests(in configuration: Configuration) -> ReloadRequests? { configuration.reloadRequests }

    /// Migrations are checked before anything binds, so a bad directory fails fast.
    public static func prepare(_ configuration: Configuration, logger: Logger) throws {
        _ = try MigrationRunner(directory: configuration.migrationsDirectory, logger: logger).migrations()
    }

    /// What the sink runs with; `SinkOptions.configuration(stage:)` makes it from the settings.
    public struct Configuration: Sendable {
        /// A libpq connection string or URI; empty uses libpq's `PG*` variables.
        public var conninfo: String
        /// The directory of the `*.sql` migrations (`MES_MIGRATIONS_DIR`), checked by `prepare` and applied when the sink
        /// first connects.
        public var migrationsDirectory: String
        /// Rows, rejections and machine events per batch at most (`MES_BATCH_SIZE`); a batch whose frames reach 4 MiB goes
        /// sooner.
        public var batchSize: Int
        /// The longest a partial batch waits for more input, in ms (`MES_FLUSH_INTERVAL_MS`).
        public var flushIntervalMilliseconds: Int
        /// The input and acknowledgement endpoints the sink binds, and their security.
        public var endpoints: StageEndpoints
        /// Read for the types' offline thresholds when the sink connects and on SIGHUP.
        public var typesDirectory: String
        /// The offline threshold of a type whose description gives none, in seconds (`MES_OFFLINE_AFTER_S`).
        public var defaultOfflineAfterSeconds: Int
        /// 0: keep everything.
        public var retentionDays: Int
        /// `MES_TYPES_STRICT_MODES`: whether the types directory and its files are checked.
        public var strictModes = StrictModes()
        let reloadRequests = ReloadRequests()
        /// The waits between attempts to reach PostgreSQL or to write a failed batch again: 250 ms, doubling up to 10 s;
        /// each new connection starts them again.
        public var reconnectBackoff = Backoff(initialMilliseconds: 250, maximumMilliseconds: 10_000)
        /// How long a stopping sink keeps retrying an unwritten batch before it gives up.
        public var shutdownRetryMilliseconds = 20_000

        /// A configuration of these values; strict modes, backoff and shutdown retry time keep their defaults.
        public init(
            conninfo: String, migrationsDirectory: String, batchSize: Int, flushIntervalMilliseconds: Int, endpoints: StageEndpoints,
            typesDirectory: String, defaultOfflineAfterSeconds: Int, retentionDays: Int
        ) {
            self.conninfo = conninfo
            self.migrationsDirectory = migrationsDirectory
            self.batchSize = batchSize
            self.flushIntervalMilliseconds = flushIntervalMilliseconds
            self.endpoints = endpoints
            self.typesDirectory = typesDirectory
            self.defaultOfflineAfterSeconds = defaultOfflineAfterSeconds
            self.retentionDays = retentionDays
        }
    }
}
