import CollectorCore
import LibPQ
import Logging
import ServiceLifecycle
import StageRuntime
import ZeroMQ

/// `sink`: the only process that talks to PostgreSQL. Applies the migrations, then writes what
/// the workers and the other stages send in batches, one transaction each, flushing when a batch
/// is full or `flushInterval` has passed since its first row. While the database is unreachable
/// it keeps the batch and retries with backoff, and stops reading input, so back-pressure
/// reaches the stages upstream instead of memory growing here.
public struct SinkService: Service, CustomStringConvertible {
    /// Keeps service-group logs and errors short: the configuration is logged at start-up.
    public var description: String { "sink" }

    public struct Configuration: Sendable {
        /// A libpq connection string or URI; empty uses libpq's `PG*` variables.
        public var conninfo: String
        public var migrationsDirectory: String
        public var batchSize: Int
        public var flushIntervalMilliseconds: Int
        public var endpoints: StageEndpoints
        public var reconnectBackoff = Backoff(initialMilliseconds: 250, maximumMilliseconds: 10_000)
        /// How long a stopping sink keeps retrying an unwritten batch before it gives up.
        public var shutdownRetryMilliseconds = 20_000

        public init(conninfo: String, migrationsDirectory: String, batchSize: Int, flushIntervalMilliseconds: Int, endpoints: StageEndpoints) {
            self.conninfo = conninfo
            self.migrationsDirectory = migrationsDirectory
            self.batchSize = batchSize
            self.flushIntervalMilliseconds = flushIntervalMilliseconds
            self.endpoints = endpoints
        }
    }

    let configuration: Configuration
    let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let configuration = configuration, logger = logger
        // Migrations are checked before anything binds, so a bad directory fails fast.
        _ = try MigrationRunner(directory: configuration.migrationsDirectory, logger: logger).migrations()
        try await BlockingThread.run(name: "sink") { stop in
            try SinkLoop(configuration: configuration, logger: logger, stop: stop).run()
        }
    }
}
