import Logging
import ServiceLifecycle

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
