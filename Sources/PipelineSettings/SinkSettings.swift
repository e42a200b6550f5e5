import MachineTypes
import StageRuntime

/// The sink's own settings. It also reads `DatabaseSettings`, `LinkSettings.sinkListen` and
/// `LinkSettings.acknowledgementsListen`, and `MachineTypeSettings.directory` for the types' offline thresholds.
public enum SinkSettings {
    public static let migrations = Setting<String>.text(
        "MES_MIGRATIONS_DIR", flag: "migrations", default: "migrations", help: "Directory of the *.sql migrations, applied in file-name order"
    )
    public static let batchSize = Setting<Int>.integer(
        "MES_BATCH_SIZE", flag: "batch-size", default: 1_000, range: 1...1_000_000, unit: " rows", help: "Rows per batch, one transaction each"
    )
    public static let flushInterval = Setting<Int>.integer(
        "MES_FLUSH_INTERVAL_MS", flag: "flush-interval-ms", default: 20, range: 0...3_600_000,
        help: "Longest wait of a partial batch for more rows, in ms; lower means lower latency and more, smaller transactions"
    )

    public static let retentionDays = Setting<Int>.integer(
        "MES_RETENTION_DAYS", flag: "retention-days", default: 0, range: 0...36_500, unit: " days",
        help: "Drop the day partitions of cnc_data and machine_state, and the intervals, older than this many days; 0 keeps everything"
    )

    public static let all = [
        migrations.description, batchSize.description, flushInterval.description, MachineTypeSettings.defaultOfflineAfter.description,
        retentionDays.description,
    ]

    /// Every setting the sink reads besides `StageSettings`.
    public static let read: [SettingDescription] =
        [DatabaseSettings.url.description] + all
        + [LinkSettings.sinkListen, LinkSettings.acknowledgementsListen].map(\.description) + MachineTypeSettings.all
}
