import Testing

@testable import StageRuntime

@Suite("MQTTURL")
struct MQTTURLTests {
    @Test(
        "parsed URLs",
        arguments: [
            ("mqtt://broker", MQTTURL(host: "broker", port: 1883)),
            ("mqtts://broker", MQTTURL(useTLS: true, host: "broker", port: 8883)),
            ("mqtt://127.0.0.1:1884", MQTTURL(host: "127.0.0.1", port: 1884)),
            ("mqtts://broker.example.com:443", MQTTURL(useTLS: true, host: "broker.example.com", port: 443)),
            ("MQTT://Broker", MQTTURL(host: "Broker", port: 1883)),
            ("tcp://broker", MQTTURL(host: "broker", port: 1883)),
            ("ssl://broker", MQTTURL(useTLS: true, host: "broker", port: 8883)),
            ("tls://broker:8884", MQTTURL(useTLS: true, host: "broker", port: 8884)),
            ("mqtt://broker:1883/ignored/path", MQTTURL(host: "broker", port: 1883)),
            ("mqtt://user@broker", MQTTURL(host: "broker", port: 1883, username: "user")),
            ("mqtt://user:secret@broker:1885", MQTTURL(host: "broker", port: 1885, username: "user", password: "secret")),
            ("mqtt://us%65r:p%40ss%3Aw%2Fd@broker", MQTTURL(host: "broker", port: 1883, username: "user", password: "p@ss:w/d")),
            ("mqtt://user:p@ss@broker", MQTTURL(host: "broker", port: 1883, username: "user", password: "p@ss")),
            ("mqtt://user:@broker", MQTTURL(host: "broker", port: 1883, username: "user", password: "")),
            ("mqtt://%C3%A9:x@broker", MQTTURL(host: "broker", port: 1883, username: "é", password: "x")),
            ("mqtt://[::1]:1884", MQTTURL(host: "::1", port: 1884)),
            ("mqtt://[::1]", MQTTURL(host: "::1", port: 1883)),
            ("mqtts://u:p@[2001:db8::1]:8884", MQTTURL(useTLS: true, host: "2001:db8::1", port: 8884, username: "u", password: "p")),
            ("mqtt://broker:65535", MQTTURL(host: "broker", port: 65535)),
            ("mqtt://broker:1", MQTTURL(host: "broker", port: 1)),
        ])
    func parses(_ text: String, _ expected: MQTTURL) throws {
        #expect(try MQTTURL(parsing: text) == expected)
    }

    @Test(
        "refused URLs",
        arguments: [
            ("broker:1883", "MQTT URL must start with mqtt:// or mqtts://"),
            ("", "MQTT URL must start with mqtt:// or mqtts://"),
            ("http://broker", "MQTT URL scheme must be mqtt or mqtts"),
            ("ws://broker:80", "MQTT URL scheme must be mqtt or mqtts"),
            ("://broker", "MQTT URL scheme must be mqtt or mqtts"),
            ("mqtt://", "MQTT URL has no host"),
            ("mqtt://:1883", "MQTT URL has no host"),
            ("mqtt://user:pw@", "MQTT URL has no host"),
            ("mqtt://[]:1883", "MQTT URL has no host"),
            ("mqtt://broker:0", "MQTT URL port must be 1 to 65535"),
            ("mqtt://broker:65536", "MQTT URL port must be 1 to 65535"),
            ("mqtt://broker:-1", "MQTT URL port must be 1 to 65535"),
            ("mqtt://broker:abc", "MQTT URL port must be 1 to 65535"),
            ("mqtt://broker:", "MQTT URL port must be 1 to 65535"),
            ("mqtt://broker:99999999999", "MQTT URL port must be 1 to 65535"),
            ("mqtt://[::1", "MQTT URL has an unclosed [ in its host"),
            ("mqtt://[::1]x", "MQTT URL has text after its host"),
            ("mqtt://[::1]:0", "MQTT URL port must be 1 to 65535"),
            ("mqtt://us%zzer@broker", "MQTT URL has a bad %-escape in its user information"),
            ("mqtt://user:pw%4@broker", "MQTT URL has a bad %-escape in its user information"),
        ])
    func refuses(_ text: String, _ reason: String) {
        #expect(throws: MQTTURL.ParseError(reason: reason)) { try MQTTURL(parsing: text) }
    }

    @Test(
        "the description never shows the password",
        arguments: [
            ("mqtt://user:secret@broker:1885", "mqtt://user:***@broker:1885"),
            ("mqtts://u:p%40ss@broker", "mqtts://u:***@broker:8883"),
            ("mqtt://user@broker", "mqtt://user@broker:1883"),
            ("mqtt://broker", "mqtt://broker:1883"),
            ("mqtt://[::1]:1884", "mqtt://[::1]:1884"),
            ("tls://x:y@[fe80::1]", "mqtts://x:***@[fe80::1]:8883"),
        ])
    func description(_ text: String, _ shown: String) throws {
        let url = try MQTTURL(parsing: text)
        #expect(url.description == shown)
        if let password = url.password, !password.isEmpty {
            #expect(!"\(url)".contains(password))
        }
    }
}
