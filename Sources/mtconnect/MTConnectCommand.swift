import ArgumentParser
import MTConnectSource
import StageRuntime

/// The `mtconnect` process: the MTConnect source stage, which follows MTConnect agents and passes their observations to the router.
@main
struct MTConnectCommand: StageCommand {
    static let configuration = CommandConfiguration(
        commandName: "mtconnect",
        abstract: "Follow the MTConnect agents of the source descriptions and pass their observations to the router.",
        discussion: StageOptions.discussion
    )

    @OptionGroup var stage: StageOptions
    @OptionGroup var options: MTConnectSourceOptions
}
