import MachineTypes
import MessageSources
import PipelineSettings
import StageRuntime

/// Every setting of the product, grouped as docs/configuration.md shows them, and which of
/// them each executable reads.
public enum SettingsCatalog {
    /// A group of settings: one table of docs/configuration.md.
    public struct Section: Sendable {
        /// The group's name, which its marker lines in the document carry (`SettingsTable`).
        public var title: String
        /// The group's settings, in the table's order.
        public var settings: [SettingDescription]
    }

    /// Every group, in the document's order.
    public static let sections = [
        Section(title: "every stage", settings: StageSettings.all),
        Section(title: "broker", settings: BrokerSettings.all),
        Section(title: "database", settings: DatabaseSettings.all),
        Section(title: "endpoints", settings: LinkSettings.endpoints),
        Section(title: "security", settings: LinkSettings.security),
        Section(title: "ingest", settings: IngestSettings.all + [StageSettings.maxJSONDepth.description, StageSettings.stateDirectory.description]),
        Section(title: "router", settings: RouterSettings.all),
        Section(title: "worker", settings: WorkerSettings.all),
        Section(title: "message sources", settings: SourceSettings.all),
        Section(title: "machine types", settings: MachineTypeSettings.all),
        Section(title: "sink", settings: SinkSettings.all),
        Section(title: "mtconnect", settings: MTConnectSourceSettings.all),
        Section(title: "board", settings: BoardSettings.all),
        Section(title: "mesctl", settings: OperationsSettings.all),
    ]

    /// Each stage and the settings it reads, `StageSettings` and the security settings included.
    public static let stages: [(name: String, settings: [SettingDescription])] = [
        ("ingest", IngestSettings.read), ("router", RouterSettings.read), ("worker", WorkerSettings.read), ("sink", SinkSettings.read),
        ("mtconnect", MTConnectSourceSettings.read),
    ].map { ($0.0, StageSettings.all + $0.1 + LinkSettings.security) }

    /// The board's settings: `StageSettings` less the runtime directory (it has no ipc:// socket),
    /// the database it falls back to and the offline threshold of a type the sink has not written.
    public static let board: [SettingDescription] =
        StageSettings.all.filter { $0.variable != StageSettings.runtimeDirectory.description.variable } + BoardSettings.all
        + [DatabaseSettings.url.description, MachineTypeSettings.defaultOfflineAfter.description]

    /// Every executable and the settings it reads.
    public static let executables: [(name: String, settings: [SettingDescription])] =
        stages + [
            ("board", board),
            (
                "cnc-emulator",
                [BrokerSettings.url, BrokerSettings.passwordFile, BrokerSettings.topic, BrokerSettings.caFile].map(\.description)
                    + [StageSettings.logLevel.description, StageSettings.logFormat.description]
            ),
            (
                "mesctl",
                [
                    DatabaseSettings.url, SinkSettings.migrations, BrokerSettings.url, BrokerSettings.passwordFile, BrokerSettings.caFile,
                    BrokerSettings.topic, MachineTypeSettings.cncTypes,
                ].map(\.description) + [StageSettings.logLevel.description, StageSettings.logFormat.description]
                    + MachineTypeSettings.all + SourceSettings.all + OperationsSettings.all
            ),
        ]

    /// The executables that read `setting`, in pipeline order.
    public static func readers(of setting: SettingDescription) -> [String] {
        executables.filter { $0.settings.contains { $0.variable == setting.variable } }.map(\.name)
    }

    /// Every setting once.
    public static var all: [SettingDescription] { sections.flatMap(\.settings) }
}
