import ArgumentParser
import Board
import StageRuntime

/// The `board` process: serves the shop-floor web page and its JSON API (`BoardOptions`), with the options every stage takes.
@main
struct BoardCommand: StageCommand {
    static let configuration = CommandConfiguration(
        commandName: "board",
        abstract: "Serve the shop-floor board: every machine live in a browser, its timeline, shifts, and a JSON API.",
        discussion: StageOptions.discussion
    )

    @OptionGroup var stage: StageOptions
    @OptionGroup var options: BoardOptions
}
