import Foundation
import Hummingbird
import Logging
import PipelineSettings
import PostgresNIO
import ServiceLifecycle
import StageRuntime

/// The board: a PostgreSQL client, the feed that keeps the board current from it, and the HTTP
/// server. On SIGTERM the event streams end first, then the server, then the database client.
public struct BoardService: Service {
    /// What the board is given, as `BoardOptions.configuration(environment:)` reads it.
    public struct Configuration: Sendable {
        /// Where the HTTP server listens (`MES_BOARD_LISTEN`, default 127.0.0.1:8080); port 0 picks a free one.
        public var listen: ListenAddress
        /// The PostgreSQL server, and a role that should only read.
        public var database: DatabaseAddress
        /// The plant's IANA time zone, e.g. `Europe/Berlin`: of the shift calendar, the plant's day and the times the pages show.
        public var timeZone: String
        /// The shift calendar (`MES_SHIFTS`); nil: the board counts the plant's day, and has no shifts to answer by.
        public var shifts: ShiftCalendar?
        /// Who may read the board (`MES_BOARD_AUTH`); nil: anyone who reaches it. `/health` stays open either way.
        public var authentication: BoardAuthentication?
        /// How long, in seconds, a machine whose type gives no `offline_after` may stay silent before its entry is stale
        /// (`MES_OFFLINE_AFTER_S`, default 60).
        public var defaultOfflineAfterSeconds: Int
        /// The type map, for the lines its entries name.
        public var mapPath: String

        /// A configuration from its parts; nothing is checked or read until the board runs.
        public init(
            listen: ListenAddress, database: DatabaseAddress, timeZone: String, shifts: ShiftCalendar?, authentication: BoardAuthentication?,
            defaultOfflineAfterSeconds: Int, mapPath: String
        ) {
            self.listen = listen
            self.database = database
            self.timeZone = timeZone
            self.shifts = shifts
            self.authentication = authentication
            self.defaultOfflineAfterSeconds = defaultOfflineAfterSeconds
            self.mapPath = mapPath
        }
    }

    let configuration: Configuration
    let logger: Logger
    /// Called with the port the server listens on, once it does (port 0 picks a free one).
    let onListening: @Sendable (Int) async -> Void

    /// A board that serves `configuration` once it runs; `onListening` is given the port the server listens on, once it
    /// does, and by default does nothing.
    public init(configuration: Configuration, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) {
        self.configuration = configuration
        self.logger = logger
        self.onListening = onListening
    }

    /// Runs the database client, the HTTP server and the feed as one service group until a graceful shutdown; throws what
    /// they throw, e.g. when the listen address cannot be bound.
    public func run() async throws {
        var databaseConfiguration = configuration.database.configuration
        // Times in the answers are RFC 3339 in UTC. Parallel workers would only slow the board's
        // reads of a few hundred rows, and take cores from the pipeline.
        databaseConfiguration.options.additionalStartupParameters = [
            ("TimeZone", "UTC"), ("application_name", "cnc-collector board"), ("max_parallel_workers_per_gather", "0"),
        ]
        databaseConfiguration.options.maximumConnections = 8
        let client = PostgresClient(configuration: databaseConfiguration, backgroundLogger: logger)
        let queries = BoardQueries(
            client: client, timeZone: configuration.timeZone, shifts: configuration.shifts,
            defaultOfflineAfterSeconds: configuration.defaultOfflineAfterSeconds, logger: logger)
        let events = BoardEvents(epoch: Int64(Date().timeIntervalSince1970 * 1_000))
        let metrics = BoardMetrics()
        let feed = MachineFeed(
            client: client, queries: queries, events: events, timeZone: configuration.timeZone,
            lines: MachineLines(path: configuration.mapPath, logger: logger), metrics: metrics, logger: logger)

        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: BoardErrorMiddleware(logger: logger))
        if let authentication = configuration.authentication { router.add(middleware: BoardAuthenticationMiddleware(authentication: authentication)) }
        BoardRoutes(queries: queries, events: events, metrics: metrics).add(to: router)
        let listen = configuration.listen, logger = logger, onListening = onListening
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "cnc-collector board"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? listen.port
                logger.info("board listening", metadata: ["url": "http://\(listen.host.contains(":") ? "[\(listen.host)]" : listen.host):\(port)/"])
                await onListening(port)
            },
            logger: logger
        )
        // Stopped in the reverse order: the feed first, which ends every event stream (the
        // server waits for open responses before it stops), then the server, then the client.
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: client), .init(service: application), .init(service: feed)],
                logger: logger))
        try await group.run()
    }
}
