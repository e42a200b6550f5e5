import ArgumentParser
import Ingest
import StageRuntime

@main
struct IngestCommand: StageCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Subscribe to the MQTT broker, validate CNC messages and pass them to the router.",
        discussion: StageOptions.discussion
    )

    @OptionGroup var stage: StageOptions
    @OptionGroup var options: IngestOptions
}
