import ArgumentParser
import Emulator
import StageRuntime

/// The `cnc-emulator` process: publishes sample CNC messages to the MQTT broker, as the machines' data services would, and exits
/// once it has published what it was asked to (or on SIGTERM or SIGINT). It serves no metrics.
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
