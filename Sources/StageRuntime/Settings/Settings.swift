import CollectorCore
import Foundation

/// Helpers over the settings that several executables share.
public enum Settings {
    /// A non-empty environment variable of this process.
    public static func environment(_ name: String) -> String? {
        SettingsEnvironment.process[name]
    }

    /// The broker: the flag, `MQTT_URL` or the local default. Its password is hidden from every
    /// log line and error from here on, however it was given.
    public static func broker(_ flag: String?, environment: SettingsEnvironment = .process) throws -> MQTTURL {
        let text = try BrokerSettings.url.required(flag, environment: environment)
        StageRunner.hideSecrets(in: text)
        return try MQTTURL(parsing: text)
    }

    /// A comma-separated list, blanks removed.
    public static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
