/// A setting that cannot be used, named with its variable or flag.
public struct SettingError: Error, CustomStringConvertible, Sendable {
    /// What is wrong, naming the variable or flag. It may quote the setting's text, passwords included:
    /// show `description`, which hides them.
    public var reason: String

    /// An error with `reason` as written; passwords are hidden when it is shown, not here.
    public init(reason: String) {
        self.reason = reason
    }

    /// The reason, with anything that looks like a password hidden: a reason may quote a setting.
    public var description: String { RedactingLogHandler.redact(reason) }
}
