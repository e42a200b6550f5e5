import StageRuntime

/// The sink's own settings. It also reads `LinkSettings.sinkListen` and `LinkSettings.acknowledgementsListen`.
public enum SinkSettings {
    /// Its password is hidden from every log line and error once read.
    public static let databaseURL = Setting<String>.text(
        "DATABASE_URL", flag: "database-url", default: nil, defaultText: "unset: libpq's PG* variables and defaults",
        help: "libpq connection string or URI"
    )
    public static let migrations = Setting<String>.text(
        "MES_MIGRATIONS_DIR", flag: "migrations", default: "migrations", help: "Directory of the *.sql migrations, applied in file-name order"
    )
    public static let batchSize = Setting<Int>.integer(
        "MES_BATCH_SIZE", flag: "batch-size", default: 1_000, range: 1...100_000, unit: " rows", help: "Rows per batch, one transaction each"
    )
    public static let flushInterval = Setting<Int>.integer(
        "MES_FLUSH_INTERVAL_MS", flag: "flush-interval-ms", default: 50, range: 0...60_000,
        help: "Longest wait of a partial batch for more rows, in ms; lower means lower latency and more, smaller transactions"
    )

    public static let all = [databaseURL.description, migrations.description, batchSize.description, flushInterval.description]

    /// Every setting the sink reads besides `StageSettings`.
    public static let read = all + [LinkSettings.sinkListen, LinkSettings.acknowledgementsListen].map(\.description)
}
