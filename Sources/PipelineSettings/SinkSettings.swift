import MachineTypes
import StageRuntime

/// The sink's own settings. It also reads `DatabaseSettings`, `LinkSettings.sinkListen` and
/// `LinkSettings.acknowledgementsListen`, and `MachineTypeSettings.directory` for the types' offline thresholds.
public enum SinkSettings {
    /// `MES_MIGRATIONS_DIR`: the directory of the `*.sql` migrations, applied in file-name order; default `migrations`.
    public static let migrations = Setting<String>.text(
        "MES_MIGRATIONS_DIR", flag: "migrations", default: "migrations", help: "Directory of the *.sql migrations, applied in file-name order"
    )
    /// `MES_BATCH_SIZE`: rows per batch, one transaction each; 1 to 1,000,000, default 1,000.
    public static let batchSize = Setting<Int>.integer(
        "MES_BATCH_SIZE", flag: "batch-size", default: 1_000, range: 1...1_000_000, unit: " rows", help: "Rows per batch, one transaction each"
    )
    /// `MES_FLUSH_INTERVAL_MS`: the longest a partial batch waits for more rows, in ms; 0 to 3,600,000, default 20.
    public static let flushInterval = Setting<Int>.integer(
        "MES_FLUSH_INTERVAL_MS", flag: "flush-interval-ms", default: 20, range: 0...3_600_000,
        help: "Longest wait of a partial batch for more rows, in ms; lower means lower latency and more, smaller transactions"
    )

    /// `MES_RETENTION_DAYS`: the day partitions and intervals older than this many days are dropped; 0 to 36,500,
    /// default 0, which keeps everything.
    public static let retentionDays = Setting<Int>.integer(
        "MES_RETENTION_DAYS", flag: "retention-days", default: 0, range: 0...36_500, unit: " days",
        help: "Drop the day partitions of cnc_data and machine_state, and the intervals, older than this many days; 0 keeps everything"
    )

    /// The sink's settings, for its table in docs/configuration.md, `MES_OFFLINE_AFTER_S` included.
    public static let all = [
        migrations.description, batchSize.description, flushInterval.description, MachineTypeSettings.defaultOfflineAfter.description,
        retentionDays.description,
    ]

    /// Every setting the sink reads besides `StageSettings`.
    public static let read: [SettingDescription] =
        [DatabaseSettings.url.description] + all
        + [LinkSettings.sinkListen, LinkSettings.acknowledgementsListen].map(\.description) + MachineTypeSettings.all
}
