import CollectorCore
import Foundation

/// Resolves a setting from its flag, its environment variable and its default, in that order.
public enum Settings {
    /// A non-empty environment variable.
    public static func environment(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    public static func resolve(_ flag: String?, env name: String, default fallback: String) -> String {
        flag ?? environment(name) ?? fallback
    }

    public static func resolve(_ flag: String?, env name: String) -> String? {
        flag ?? environment(name)
    }

    /// Integer settings, with the variable's name in the error when it does not parse.
    public static func resolve(_ flag: Int?, env name: String, default fallback: Int) throws -> Int {
        if let flag { return flag }
        guard let text = environment(name) else { return fallback }
        guard let value = Int(text) else { throw SettingError(reason: "\(name)=\(text) is not a whole number") }
        return value
    }

    /// The broker: the flag, `MQTT_URL` or the local default. Its password is hidden from every
    /// log line and error from here on, however it was given.
    public static func broker(_ flag: String?) throws -> MQTTURL {
        let text = resolve(flag, env: "MQTT_URL", default: "mqtt://127.0.0.1:1883")
        StageRunner.hideSecrets(in: text)
        return try MQTTURL(parsing: text)
    }

    /// A comma-separated list, blanks removed.
    public static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// A setting that cannot be used, named with its variable or flag.
public struct SettingError: Error, CustomStringConvertible, Sendable {
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    /// The reason, with anything that looks like a password hidden: a reason may quote a setting.
    public var description: String { RedactingLogHandler.redact(reason) }
}
