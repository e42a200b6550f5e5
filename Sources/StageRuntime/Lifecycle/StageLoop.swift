import Logging

/// What sets one stage apart from another: its configuration and its loop.
public protocol StageLoop {
    associatedtype Configuration: Sendable

    /// The service's and its thread's name, e.g. "worker-CNCTypeA".
    static func name(of configuration: Configuration) -> String

    /// Checks made before the stage's thread starts, so that a bad setting stops it at once.
    static func prepare(_ configuration: Configuration, logger: Logger) throws

    /// Where SIGHUP's requests go, for a stage that reads files again on SIGHUP; nil otherwise.
    static func reloadRequests(in configuration: Configuration) -> ReloadRequests?

    /// Made on the stage's own thread, which owns what the loop opens.
    init(configuration: Configuration, logger: Logger, stop: StopSignal) throws

    /// Runs until `stop` is requested, then flushes, commits and closes.
    func run() throws
}

extension StageLoop {
    /// Default: no checks.
    public static func prepare(_ configuration: Configuration, logger: Logger) throws {}

    /// Default: nil, and SIGHUP is not trapped for the stage.
    public static func reloadRequests(in configuration: Configuration) -> ReloadRequests? { nil }
}
