import ArgumentParser
import Logging

/// The options every stage takes: `--runtime-dir`, `--log-level`, `--metrics-listen`.
public struct StageOptions: ParsableArguments {
    /// `--runtime-dir`; nil when not given, and then `MES_RUNTIME_DIR` or its default applies.
    @Option(name: StageSettings.runtimeDirectory.name, help: StageSettings.runtimeDirectory.help)
    public var runtimeDir: String?
    /// `--log-level`; nil when not given, and then `MES_LOG_LEVEL` or `info` applies.
    @Option(name: StageSettings.logLevel.name, help: StageSettings.logLevel.help)
    public var logLevel: String?
    /// `--metrics-listen`; nil when not given, and then `MES_METRICS_LISTEN` or the stage's default applies.
    @Option(name: StageSettings.metricsListen.name, help: StageSettings.metricsListen.help)
    public var metricsListen: String?

    /// No flags given: for ArgumentParser, which sets them as it parses.
    public init() {}

    /// The stage's logger (`StageRunner.logger`).
    public func logger(label: String) throws -> Logger {
        try StageRunner.logger(label: label, level: logLevel)
    }

    /// Where `stage` serves its metrics; nil when off.
    public func metrics(stage: String) throws -> ListenAddress? {
        try MetricsListen.resolve(metricsListen, stage: stage)
    }

    /// The endpoints, with this process's runtime directory.
    public func endpoints(
        router: String? = nil, routerListen: String? = nil, sink: String? = nil, sinkListen: String? = nil,
        acknowledgements: String? = nil, acknowledgementsListen: String? = nil
    ) throws -> StageEndpoints {
        try StageEndpoints.resolve(
            runtimeDirectory: runtimeDir, router: router, routerListen: routerListen, sink: sink, sinkListen: sinkListen,
            acknowledgements: acknowledgements, acknowledgementsListen: acknowledgementsListen
        )
    }

    /// Every stage's `--help` ends with this.
    public static let discussion =
        "Every option also reads the environment variable named in its help; a flag wins over its variable. See docs/configuration.md."
}
