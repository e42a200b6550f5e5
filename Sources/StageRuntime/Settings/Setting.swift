import ArgumentParser
import Foundation

/// One setting, described once: its environment variable, its flag, its default, what values it
/// allows and its help. From this one description come the executable's option and `--help`, the
/// parsing and range check of the value, `mesctl check-config`, and the tables of
/// docs/configuration.md (`SettingsTable`).
///
/// A value comes from the flag, else from the variable (an empty variable counts as unset), else
/// from the default. A value that does not parse or is out of range is a `SettingError` naming
/// where it came from and what is allowed.
public struct Setting<Value: Sendable>: Sendable {
    /// The setting without its value's type: variable, flag, default, allowed values and help.
    public let description: SettingDescription
    /// Nil when there is none, or when the stage derives it from other settings.
    public let defaultValue: Value?
    private let parse: @Sendable (String) throws -> Value?

    /// - Parameters:
    ///   - defaultValue: nil when there is none, or when the stage derives it from other settings;
    ///     `defaultText` then says what it is.
    ///   - allowed: what `parse` accepts, in words; nil when any text is accepted.
    ///   - parse: the value of a text; nil when the text is not allowed, or an error that says
    ///     what is wrong with it in more detail than `allowed`.
    public init(
        _ variable: String, flag: String?, default defaultValue: Value?, defaultText: String? = nil, allowed: String? = nil,
        help: String, parse: @escaping @Sendable (String) throws -> Value?
    ) {
        self.defaultValue = defaultValue
        self.parse = parse
        let shownDefault = defaultText ?? defaultValue.map { "\($0)" } ?? ""
        self.description = SettingDescription(
            variable: variable, flag: flag, defaultText: shownDefault, allowed: allowed, help: help,
            check: { text in
                do {
                    return try parse(text) == nil ? .notAllowed : nil
                } catch {
                    return .explained("\(error)")
                }
            }
        )
    }

    /// The value from `flag`'s text, the variable or the default; nil when none of them gives one.
    public func value(_ flag: String?, environment: SettingsEnvironment = .process) throws(SettingError) -> Value? {
        if let flag { return try parsed(flag, from: "--\(description.flag ?? description.variable) \(flag)") }
        if let text = environment[description.variable] { return try parsed(text, from: "\(description.variable)=\(text)") }
        return defaultValue
    }

    /// The value, or `derived` when neither the flag nor the variable gives one.
    public func value(_ flag: String?, derived: @autoclosure () -> Value, environment: SettingsEnvironment = .process) throws(SettingError) -> Value {
        try value(flag, environment: environment) ?? derived()
    }

    /// The value of a setting that has a default, or that must be given: an error naming the
    /// flag and the variable when it has no default and neither gives it.
    public func required(_ flag: String?, environment: SettingsEnvironment = .process) throws(SettingError) -> Value {
        guard let value = try value(flag, environment: environment) else {
            throw SettingError(reason: "\(description.sources) must be given: \(description.help)")
        }
        return value
    }

    private func parsed(_ text: String, from source: String) throws(SettingError) -> Value {
        do {
            if let value = try parse(text) { return value }
        } catch {
            throw SettingError(reason: description.problem(.explained("\(error)"), source: source))
        }
        throw SettingError(reason: description.problem(.notAllowed, source: source))
    }

    /// The option's name and help for ArgumentParser.
    public var name: NameSpecification { .customLong(description.flag ?? description.variable) }
    /// The option's help text: `SettingDescription.helpLine`.
    public var help: ArgumentHelp { ArgumentHelp(description.helpLine) }
}

extension Setting where Value == Int {
    /// A whole number within `range`; `unit` follows the numbers in the help (" seconds").
    public static func integer(
        _ variable: String, flag: String?, default defaultValue: Int?, defaultText: String? = nil, range: ClosedRange<Int>,
        unit: String = "", help: String
    ) -> Setting {
        let upper = range.upperBound == Int.max ? "" : " to \(range.upperBound)"
        let allowed = upper.isEmpty ? "\(range.lowerBound) or more\(unit)" : "\(range.lowerBound)\(upper)\(unit)"
        return Setting(variable, flag: flag, default: defaultValue, defaultText: defaultText, allowed: allowed, help: help) { text in
            Int(text.trimmingCharacters(in: .whitespaces)).flatMap { range.contains($0) ? $0 : nil }
        }
    }
}

extension Setting where Value == String {
    /// Any text that is not empty: a path, a URL, a name.
    public static func text(_ variable: String, flag: String?, default defaultValue: String?, defaultText: String? = nil, help: String) -> Setting {
        Setting(variable, flag: flag, default: defaultValue, defaultText: defaultText, help: help) { $0.isEmpty ? nil : $0 }
    }

    /// One of `choices`, as written.
    public static func choice(_ variable: String, flag: String?, default defaultValue: String?, choices: [String], help: String) -> Setting {
        Setting(variable, flag: flag, default: defaultValue, allowed: SettingDescription.alternatives(choices), help: help) { text in
            choices.contains(text) ? text : nil
        }
    }
}

extension Setting where Value == Bool {
    /// `0` or `1`.
    public static func switchSetting(_ variable: String, flag: String?, default defaultValue: Bool, help: String) -> Setting {
        Setting(variable, flag: flag, default: defaultValue, defaultText: defaultValue ? "1" : "0", allowed: "0 or 1", help: help) { text in
            text == "1" ? true : text == "0" ? false : nil
        }
    }
}

extension Setting where Value == [String] {
    /// A comma-separated list of ZeroMQ endpoints. Each endpoint is checked where a socket uses
    /// it (`StageEndpoints.check`), so that a stage is not stopped by an endpoint it never opens.
    public static func endpoints(_ variable: String, flag: String?, defaultText: String, help: String) -> Setting {
        Setting(variable, flag: flag, default: nil, defaultText: defaultText, allowed: "ipc:// or tcp:// endpoints, comma-separated", help: help) {
            let endpoints = Settings.list($0)
            return endpoints.isEmpty ? nil : endpoints
        }
    }
}
