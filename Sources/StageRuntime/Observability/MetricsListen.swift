/// Where a process serves `/metrics`, `/healthz` and `/readyz` (`MES_METRICS_LISTEN`): a
/// `ListenAddress`, or `off` (also `0`) for no server.
public enum MetricsListen {
    /// The setting from its flag, `MES_METRICS_LISTEN` or `stage`'s default
    /// (`StageSettings.metricsListenDefaults`); nil when off. A `stage` with no default there is a
    /// programming error and stops the process.
    public static func resolve(_ flag: String?, stage: String) throws -> ListenAddress? {
        guard let fallback = StageSettings.metricsListenDefaults.first(where: { $0.key == stage })?.value else {
            preconditionFailure("no metrics default for the stage \"\(stage)\"")
        }
        return try parse(StageSettings.metricsListen.value(flag, derived: fallback))
    }

    /// `HOST:PORT`, `[IPv6]:PORT`, or nil for `off` and `0`; anything else is a `SettingError`.
    public static func parse(_ text: String) throws(SettingError) -> ListenAddress? {
        if ["off", "0"].contains(text.trimmingCharacters(in: .whitespaces)) { return nil }
        return try ListenAddress(parsing: text)
    }
}
