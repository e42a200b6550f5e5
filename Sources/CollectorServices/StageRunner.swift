import Logging
import ServiceLifecycle

/// What every executable does once its options are parsed: a logger, a service group that
/// turns SIGTERM and SIGINT into a graceful shutdown, and a clear message when start-up fails.
public enum StageRunner {
    /// A logger at `MES_LOG_LEVEL` (or the flag), writing to standard error.
    public static func logger(label: String, level: String?) throws -> Logger {
        let name = Settings.resolve(level, env: "MES_LOG_LEVEL", default: "info")
        guard let level = Logger.Level(rawValue: name.lowercased()) else {
            throw SettingError(reason: "log level \"\(name)\" must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    /// Runs a long-running stage, or with `finishes` a command that ends by itself (the emulator).
    public static func run(_ service: some Service, logger: Logger, finishes: Bool = false) async throws {
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: service, successTerminationBehavior: finishes ? .gracefullyShutdownGroup : .cancelGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = nil
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch {
            logger.critical("stopped on an error", metadata: ["error": "\(error)"])
            throw error
        }
    }
}
