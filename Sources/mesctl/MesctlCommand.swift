import ArgumentParser
import Operations

/// The `mesctl` process: the operator's tool, one subcommand per task (status, check-config, rejected, replay, ...); it runs
/// once and exits, and is not a stage.
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
