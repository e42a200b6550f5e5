import ArgumentParser
import Router
import StageRuntime

/// The `router` process: routes validated messages by cnc_id to the workers of the machine's type, and reloads its type map on
/// SIGHUP. Also holds the `curve-keypair` subcommand.
@main
struct RouterCommand: StageCommand {
    static let configuration = CommandConfiguration(
        commandName: "router",
        abstract: "Route validated CNC messages by cnc_id to the workers of the machine's type.",
        discussion: "SIGHUP reloads the type map. " + StageOptions.discussion,
        subcommands: [CurveKeypairCommand.self]
    )

    @OptionGroup var stage: StageOptions
    @OptionGroup var options: RouterOptions
}
