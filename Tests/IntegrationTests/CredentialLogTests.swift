import Foundation
import Testing

/// Stages given passwords they cannot use: whatever they log, the password is not in it.
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct CredentialLogTests {
    @Test("passwords of DATABASE_URL and MQTT_URL, from a variable or a flag, never appear in a stage's log, even where libpq quotes the URL")
    func passwordsNeverLogged() throws {
        let pipeline = try PipelineHarness()
        let closed = try PrivateBroker.freePort()
        let password = "Pw-Sup3rSecret-7f3a"
        let cases: [(name: String, executable: String, arguments: [String], environment: [String: String], expected: String)] = [
            ("sink-closed-port", "sink", [], ["DATABASE_URL": "postgresql://cnc:\(password)@127.0.0.1:\(closed)/cnc"], "PostgreSQL unavailable"),
            // libpq quotes the whole URI in this message, and the bad token in the next one.
            ("sink-quoted-uri", "sink", [], ["DATABASE_URL": "postgresql://cnc:\(password)@[::1/cnc"], "IPv6 host address in URI"),
            (
                "sink-bad-escape", "sink", ["--database-url", "postgresql://cnc:\(password)%zz@127.0.0.1:\(closed)/cnc"], [:],
                "invalid percent-encoded token"
            ),
            (
                "sink-conninfo", "sink", [], ["DATABASE_URL": "host=127.0.0.1 port=\(closed) password=\(password) dbname=cnc"],
                "PostgreSQL unavailable"
            ),
            ("ingest-closed-port", "ingest", [], ["MQTT_URL": "mqtt://plant:\(password)@127.0.0.1:\(closed)"], "cannot reach the broker"),
            ("ingest-flag", "ingest", ["--mqtt-url", "mqtt://plant:\(password)@127.0.0.1:\(closed)"], [:], "cannot reach the broker"),
        ]
        for format in ["text", "json"] {
            for test in cases {
                pipeline.overrides = test.environment.merging(["MES_LOG_FORMAT": format]) { _, format in format }
                let stage = try pipeline.start("\(test.name)-\(format)", test.executable, test.arguments)
                #expect(stage.waitForLog(test.expected), "\(test.name):\n\(stage.log)")
                stage.signal(SIGTERM)
                #expect(stage.waitForExit() == 0, "\(test.name):\n\(stage.log)")
                #expect(!stage.log.contains("Sup3rSecret"), "\(test.name) shows the password:\n\(stage.log)")
                if format == "json" {
                    // Every line is one JSON object with the documented fields.
                    for line in stage.log.split(separator: "\n") {
                        let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                        #expect(
                            object?["level"] is String && object?["message"] is String && object?["metadata"] is [String: Any],
                            "\(test.name): \(line)")
                    }
                }
            }
        }
    }
}
