import ArgumentParser
import Emulator
import StageRuntime

@main
struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnc-emulator",
        abstract: "Publish CNC sample messages to the broker, as the machines' data services would.",
        discussion: "With no options it publishes every line of sample_data/*.json once, like the original emulator."
    )

    @OptionGroup var options: EmulatorOptions

    func run() async throws {
        let logger = try StageRunner.logger(label: "cnc-emulator", level: options.logLevel)
        let service = EmulatorService(configuration: try options.configuration(), logger: logger)
        try await StageRunner.run(service, logger: logger, finishes: true)
    }
}
