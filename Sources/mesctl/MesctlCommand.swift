import ArgumentParser
import Operations

@main
struct MesctlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mesctl",
        abstract: "Operator tools for cnc-collector.",
        discussion: "Reads the same environment variables as the stages (DATABASE_URL, MQTT_URL, MES_*). See docs/configuration.md.",
        subcommands: [
            StatusCommand.self, CheckConfigCommand.self, RejectedCommand.self, ReplayCommand.self, DriftCommand.self, TryTypeCommand.self,
            TrySourceCommand.self, MigrateCommand.self,
            SettingsCommand.self,
        ]
    )
}
