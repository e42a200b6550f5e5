/// How the sink and `mesctl` reach PostgreSQL.
public enum DatabaseSettings {
    /// Its password is hidden from every log line and error once read (`StageRunner.logger`).
    public static let url = Setting<String>.text(
        "DATABASE_URL", flag: "database-url", default: nil, defaultText: "unset: libpq's PG* variables and defaults",
        help: "libpq connection string or URI"
    )

    /// The connection string: the flag, `DATABASE_URL`, or empty for libpq's own defaults;
    /// its password hidden from here on.
    public static func conninfo(_ flag: String?, environment: SettingsEnvironment = .process) throws -> String {
        let conninfo = try url.value(flag, derived: "", environment: environment)
        StageRunner.hideSecrets(in: conninfo)
        return conninfo
    }

    /// The database settings' descriptions, for `mesctl` and the documentation's tables.
    public static let all = [url.description]
}
