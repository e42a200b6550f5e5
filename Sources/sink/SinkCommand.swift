import ArgumentParser
import Sink
import StageRuntime

/// The `sink` process: applies the SQL migrations, then writes rows and rejections to PostgreSQL in batches.
@main
struct SinkCommand: StageCommand {
    static let configuration = CommandConfiguration(
        commandName: "sink",
        abstract: "Apply the SQL migrations, then write rows and rejections to PostgreSQL in batches.",
        discussion: StageOptions.discussion
    )

    @OptionGroup var stage: StageOptions
    @OptionGroup var options: SinkOptions
}
