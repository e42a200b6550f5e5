import CollectorCore
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// What every executable does once its options are parsed: a logger, a service group that
/// turns SIGTERM and SIGINT into a graceful shutdown, and a clear message when start-up fails.
public enum StageRunner {
    /// A logger at `MES_LOG_LEVEL` (or the flag), writing to standard error as text or, with
    /// `MES_LOG_FORMAT=json`, as one JSON object per line (`JSONLogHandler`), that never shows
    /// the passwords of `MQTT_URL`, `DATABASE_URL` or `PGPASSWORD` (see `hideSecrets(in:)` for flags).
    /// It bootstraps swift-log, so a process calls it once. Throws a `SettingError` for a bad
    /// level or format.
    public static func logger(label: String, level: String?) throws -> Logger {
        hideSecrets(
            in: [BrokerSettings.url, DatabaseSettings.url].map(\.description.variable).compactMap(Settings.environment).joined(separator: " "))
        RedactingLogHandler.register([Settings.environment("PGPASSWORD")].compactMap { $0 })
        let level = try StageSettings.logLevel.required(level)
        let format = try StageSettings.logFormat.required(nil)
        LoggingSystem.bootstrap { label in
            RedactingLogHandler(upstream: format == "json" ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label))
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    /// Hides the passwords in a setting's text (a broker URL, a database URL or conninfo) from
    /// every log line and from the error a stage stops with.
    public static func hideSecrets(in settingText: String) {
        RedactingLogHandler.register(Redaction.secrets(in: settingText))
    }

    /// Runs a long-running stage, or with `finishes` a command that ends by itself (the emulator).
    /// With `metrics`, the process's metrics go to Prometheus and a `MetricsServer` serves them,
    /// started first so that it answers (and says the stage is not ready) until the stage has stopped.
    public static func run(_ service: some Service, logger: Logger, metrics: ListenAddress? = nil, finishes: Bool = false) async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let metrics {
            services.append(.init(service: try MetricsServer(listen: metrics, registry: metricsRegistry, logger: logger)))
        }
        services.append(.init(service: service, successTerminationBehavior: finishes ? .gracefullyShutdownGroup : .cancelGroup))
        var configuration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = nil
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch {
            logger.critical("stopped on an error", metadata: ["error": "\(error)"])
            // The command line prints what is thrown: it gets the redacted text only.
            throw Failure(description: RedactingLogHandler.redact("\(error)"))
        }
    }

    /// The registry of this process's metrics, made the swift-metrics backend on first use:
    /// before a stage's loop makes its first metric.
    public static let metricsRegistry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(HelpfulMetricsFactory(prometheus: PrometheusMetricsFactory(registry: registry)))
        return registry
    }()

    /// The error a stage stopped on, as text with its credentials hidden.
    package struct Failure: Error, CustomStringConvertible {
        /// The error's text, with the registered secrets and password patterns hidden.
        package var description: String
    }
}
