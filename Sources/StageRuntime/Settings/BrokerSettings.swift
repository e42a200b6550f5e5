/// How ingest, the emulator and `mesctl replay` reach the MQTT broker.
public enum BrokerSettings {
    /// Its password is hidden from every log line and error once read (`Settings.broker`).
    public static let url = Setting<String>.text(
        "MQTT_URL", flag: "mqtt-url", default: "mqtt://127.0.0.1:1883",
        help: "Broker URL, mqtt://[user:password@]host:port or mqtts://..."
    )
    /// Environment only, as a file of a secret: a deployment makes it, and no process list shows it.
    public static let passwordFile = Setting<String>.text(
        "MQTT_PASSWORD_FILE", flag: nil, default: nil, defaultText: "none: the password MQTT_URL gives",
        help: "File whose first line is the password of MQTT_URL's user, in place of a password in the URL"
    )
    /// `MQTT_TOPIC` (`--topic`): ingest's subscription filter, and the emulator's topic when it has no
    /// wildcard; default `sensor/CNC`.
    public static let topic = Setting<String>.text(
        "MQTT_TOPIC", flag: "topic", default: "sensor/CNC",
        help: "Topic: ingest's subscription filter (wildcards allowed); the emulator's topic when it has no wildcard"
    )
    /// `MQTT_CA_FILE` (`--ca-file`): the CA certificate for `mqtts://`; unset, the system CAs.
    public static let caFile = Setting<String>.text(
        "MQTT_CA_FILE", flag: "ca-file", default: nil, defaultText: "the system CAs", help: "CA certificate for mqtts://"
    )
    /// `MQTT_CERT_FILE` (`--cert-file`): the client certificate for `mqtts://`; unset by default.
    public static let certificateFile = Setting<String>.text(
        "MQTT_CERT_FILE", flag: "cert-file", default: nil, help: "Client certificate for mqtts://")
    /// `MQTT_KEY_FILE` (`--key-file`): the client key for `mqtts://`; unset by default.
    public static let keyFile = Setting<String>.text("MQTT_KEY_FILE", flag: "key-file", default: nil, help: "Client key for mqtts://")

    /// The broker settings' descriptions, for `mesctl` and the documentation's tables.
    public static let all = [
        url.description, passwordFile.description, topic.description, caFile.description, certificateFile.description, keyFile.description,
    ]
}
