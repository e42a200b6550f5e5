import ArgumentParser
import Logging
import ServiceLifecycle

/// One stage's own options, which make its service.
public protocol StageServiceOptions: ParsableArguments {
    associatedtype StageService: Service

    /// The stage's name: the label of its logs and the key of its metrics default.
    static var stageName: String { get }

    func service(stage: StageOptions, logger: Logger) throws -> StageService
}

/// An executable that runs one stage: `StageOptions` and the stage's own options, then its
/// service until SIGTERM or SIGINT. An executable declares the two option groups; the rest is here.
public protocol StageCommand: AsyncParsableCommand {
    associatedtype Options: StageServiceOptions

    var stage: StageOptions { get }
    var options: Options { get }
}

extension StageCommand {
    public func run() async throws {
        let logger = try stage.logger(label: Options.stageName)
        let service = try options.service(stage: stage, logger: logger)
        try await StageRunner.run(service, logger: logger, metrics: try stage.metrics(stage: Options.stageName))
    }
}
