/// A setting that cannot be used, named with its variable or flag.
public struct SettingError: Error, CustomStringConvertible, Sendable {
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    /// The reason, with anything that looks like a password hidden: a reason may quote a setting.
    public var description: String { RedactingLogHandler.redact(reason) }
}
