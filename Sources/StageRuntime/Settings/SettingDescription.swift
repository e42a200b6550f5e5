/// What a setting is, without its value's type: what `--help`, `mesctl check-config` and the
/// documentation's tables show. Made by `Setting`.
public struct SettingDescription: Sendable {
    /// The environment variable, e.g. `MES_LOG_LEVEL`.
    public let variable: String
    /// The long flag, without `--`; nil for a setting read from the environment only.
    public let flag: String?
    /// The default in words; empty when there is none.
    public let defaultText: String
    /// The values allowed, in words; nil when any text is.
    public let allowed: String?
    /// What the setting is for, without its variable, allowed values or default (`helpLine` adds them).
    public let help: String
    let check: @Sendable (String) -> Problem?

    /// What is wrong with a text.
    enum Problem {
        /// It is not one of the values `allowed` describes.
        case notAllowed
        /// It was refused for the reason given.
        case explained(String)
    }

    /// `--flag or VARIABLE`, or the variable alone.
    public var sources: String { flag.map { "--\($0) or \(variable)" } ?? variable }

    /// The help of the flag: what it is, what it allows, its variable and its default.
    public var helpLine: String {
        var parts = [variable]
        if let allowed { parts.append(allowed) }
        if !defaultText.isEmpty { parts.append("default \(defaultText)") }
        return "\(help) (\(parts.joined(separator: "; ")))"
    }

    /// The error for a text that `check` refused, `source` naming where it came from.
    func problem(_ problem: Problem, source: String) -> String {
        switch problem {
        case .notAllowed: "\(source): \(allowed.map { "must be \($0)" } ?? "is not allowed")"
        case .explained(let reason): "\(source): \(reason)"
        }
    }

    /// Nil when `text` is a value this setting takes; otherwise what is wrong with it.
    public func problem(with text: String) -> String? {
        check(text).map { problem($0, source: "\(variable)=\(text)") }
    }

    /// "a, b or c".
    static func alternatives(_ choices: [String]) -> String {
        choices.count < 2 ? choices.joined() : choices.dropLast().joined(separator: ", ") + " or " + choices.last!
    }
}
