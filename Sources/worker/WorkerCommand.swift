import ArgumentParser
import StageRuntime
import Worker

@main
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run one CNC type's plugin over the messages the router sends, and pass the rows to the sink.",
        discussion: "Run as many workers per type as a machine line needs. " + StageOptions.discussion
    )

    @OptionGroup var stage: StageOptions
    @OptionGroup var options: WorkerOptions

    func run() async throws {
        let configuration = try options.configuration(stage: stage)
        let logger = try stage.logger(label: "worker")
        let service = WorkerService(configuration: configuration, logger: logger)
        try await StageRunner.run(service, logger: logger, metrics: try stage.metrics(stage: "worker"))
    }
}
