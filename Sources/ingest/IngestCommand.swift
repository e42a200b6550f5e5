import ArgumentParser
import Ingest
import StageRuntime

/// The `ingest` process: subscribes to the MQTT broker, journals and validates CNC messages, and passes them to the router.
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
