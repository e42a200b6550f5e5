import Logging
import ServiceLifecycle
import UnixSignals

/// A stage as a swift-service-lifecycle `Service`: its loop runs on a thread of its own
/// (`BlockingThread`), never on the concurrency pool, since every stage blocks in C calls.
public struct StageService<Loop: StageLoop>: Service, CustomStringConvertible {
    /// The loop's configuration.
    public typealias Configuration = Loop.Configuration

    /// What the loop is made with, on its own thread.
    public let configuration: Configuration
    let logger: Logger

    /// A service for `Loop`; nothing is checked or opened before `run()`.
    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Keeps service-group logs and errors short: each stage logs its configuration as it starts.
    public var description: String { Loop.name(of: configuration) }

    /// Checks the configuration (`Loop.prepare`), then makes and runs the loop on a thread of its own until
    /// it returns, passing SIGHUP to the loop's `ReloadRequests` when it has some. Throws what `prepare`, the loop's
    /// initializer or its `run()` threw.
    public func run() async throws {
        let configuration = configuration, logger = logger, name = description
        try Loop.prepare(configuration, logger: logger)
        let loop = {
            try await BlockingThread.run(name: name) { stop in
                try Loop(configuration: configuration, logger: logger, stop: stop).run()
            }
        }
        guard let reloadRequests = Loop.reloadRequests(in: configuration) else { return try await loop() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: [.sighup]) { reloadRequests.request() }
            }
            try await loop()
            group.cancelAll()
        }
    }
}
