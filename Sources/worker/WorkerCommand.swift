import ArgumentParser
import StageRuntime
import Worker

/// The `worker` process: runs one machine type's plugin over the messages the router sends it and passes the rows to the sink;
/// a host may run several per type.
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
