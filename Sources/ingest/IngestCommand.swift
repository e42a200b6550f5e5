import ArgumentParser
import Ingest
import StageRuntime

@main
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Subscribe to the MQTT broker, validate CNC messages and pass them to the router.",
        discussion: StageOptions.discussion
    )

    @OptionGroup var stage: StageOptions
    @OptionGroup var options: IngestOptions

    func run() async throws {
        let logger = try stage.logger(label: "ingest")
        let service = IngestService(configuration: try options.configuration(stage: stage), logger: logger)
        try await StageRunner.run(service, logger: logger, metrics: try stage.metrics(stage: "ingest"))
    }
}
