import ArgumentParser
import StageRuntime
import Worker

@main
struct WorkerCommand: StageCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run one CNC type's plugin over the messages the router sends, and pass the rows to the sink.",
        discussion: "Run as many workers per type as a machine line needs. " + StageOptions.discussion
    )

    @OptionGroup var stage: StageOptions
    @OptionGroup var options: WorkerOptions
}
