import ArgumentParser
import Logging
import ServiceLifecycle

/// An executable that runs one stage: `StageOptions` and the stage's own options, then its
/// service until SIGTERM or SIGINT. An executable declares the two option groups; the rest is here.
public protocol StageCommand: AsyncParsableCommand {
    associatedtype Options: StageServiceOptions

    var stage: StageOptions { get }
    var options: Options { get }
}

extension StageCommand {
    /// Makes the stage's logger and service and runs them, with the metrics server unless it is off
    /// (`StageRunner.run`), until SIGTERM or SIGINT; throws what start-up threw, or the stage's error with its credentials hidden.
    public func run() async throws {
        let logger = try stage.logger(label: Options.stageName)
        let service = try options.service(stage: stage, logger: logger)
        try await StageRunner.run(service, logger: logger, metrics: try stage.metrics(stage: Options.stageName))
    }
}
