import CollectorCore
import Foundation

/// Helpers over the settings that several executables share.
public enum Settings {
    /// A non-empty environment variable of this process.
    public static func environment(_ name: String) -> String? {
        SettingsEnvironment.process[name]
    }

    /// The broker: the flag, `MQTT_URL` or the local default, with the password of
    /// `MQTT_PASSWORD_FILE` when it is set. The password is hidden from every log line and error
    /// from here on, however it was given.
    public static func broker(_ flag: String?, environment: SettingsEnvironment = .process) throws -> MQTTURL {
        let text = try BrokerSettings.url.required(flag, environment: environment)
        StageRunner.hideSecrets(in: text)
        var url = try MQTTURL(parsing: text)
        if let path = try BrokerSettings.passwordFile.value(nil, environment: environment) {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw SettingError(reason: "MQTT_PASSWORD_FILE=\(path): cannot read the file")
            }
            let password =
                String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first
                .map { String($0.hasSuffix("\r") ? $0.dropLast() : $0) } ?? ""
            guard !password.isEmpty else { throw SettingError(reason: "MQTT_PASSWORD_FILE=\(path): the first line is empty") }
            guard url.username != nil else { throw SettingError(reason: "MQTT_PASSWORD_FILE is set, but MQTT_URL names no user") }
            RedactingLogHandler.register([password])
            url.password = password
        }
        return url
    }

    /// A comma-separated list, blanks removed.
    public static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
