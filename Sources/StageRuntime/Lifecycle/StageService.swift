import Logging
import ServiceLifecycle

/// What sets one stage apart from another: its configuration and its loop.
public protocol StageLoop {
    associatedtype Configuration: Sendable

    /// The service's and its thread's name, e.g. "worker CNCTypeA".
    static func name(of configuration: Configuration) -> String

    /// Checks made before the stage's thread starts, so that a bad setting stops it at once.
    static func prepare(_ configuration: Configuration, logger: Logger) throws

    /// Made on the stage's own thread, which owns what the loop opens.
    init(configuration: Configuration, logger: Logger, stop: StopSignal) throws

    /// Runs until `stop` is requested, then flushes, commits and closes.
    func run() throws
}

extension StageLoop {
    public static func prepare(_ configuration: Configuration, logger: Logger) throws {}
}

/// A stage as a swift-service-lifecycle `Service`: its loop runs on a thread of its own
/// (`BlockingThread`), never on the concurrency pool, since every stage blocks in C calls.
public struct StageService<Loop: StageLoop>: Service, CustomStringConvertible {
    public typealias Configuration = Loop.Configuration

    public let configuration: Configuration
    let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Keeps service-group logs and errors short: each stage logs its configuration as it starts.
    public var description: String { Loop.name(of: configuration) }

    public func run() async throws {
        let configuration = configuration, logger = logger
        try Loop.prepare(configuration, logger: logger)
        try await BlockingThread.run(name: description) { stop in
            try Loop(configuration: configuration, logger: logger, stop: stop).run()
        }
    }
}
