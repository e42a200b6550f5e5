import ArgumentParser
import Sink
import StageRuntime

@main
struct SinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sink",
        abstract: "Apply the SQL migrations, then write rows and rejections to PostgreSQL in batches.",
        discussion: StageOptions.discussion
    )

    @OptionGroup var stage: StageOptions
    @OptionGroup var options: SinkOptions

    func run() async throws {
        let logger = try stage.logger(label: "sink")
        let service = SinkService(configuration: try options.configuration(stage: stage), logger: logger)
        try await StageRunner.run(service, logger: logger, metrics: try stage.metrics(stage: "sink"))
    }
}
