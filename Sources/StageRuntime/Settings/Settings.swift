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
    public static func broker(_ flag: String?) throws -> MQTTURL {
        let text = try BrokerSettings.url.value(flag, derived: "mqtt://127.0.0.1:1883")
        StageRunner.hideSecrets(in: text)
        return try MQTTURL(parsing: text)
    }

    /// A comma-separated list, blanks removed.
    public static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
