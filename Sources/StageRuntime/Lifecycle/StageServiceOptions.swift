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
