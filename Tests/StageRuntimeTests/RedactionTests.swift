import Logging
import Synchronization
import Testing

@testable import CollectorCore
@testable import StageRuntime

@Suite("Redaction")
struct RedactionTests {
    @Test(
        "passwords in URLs and password= keywords are hidden, the rest is kept",
        arguments: [
            ("postgresql://cnc:Sup3rPw@127.0.0.1:5432/cnc", "postgresql://cnc:***@127.0.0.1:5432/cnc"),
            ("mqtt://plant:s3cret:pass@word@broker:1883", "mqtt://plant:***@broker:1883"),
            (
                "end of string reached in URI: \"postgresql://cnc:Sup3rPw@[::1/cnc\"",
                "end of string reached in URI: \"postgresql://cnc:***@[::1/cnc\""
            ),
            ("host=db port=5432 password=Sup3rPw dbname=cnc", "host=db port=5432 password=*** dbname=cnc"),
            ("host=db password = 'two words\\' here' user=x", "host=db password = *** user=x"),
            ("postgresql://db/cnc?user=x&password=Sup3rPw&sslmode=require", "postgresql://db/cnc?user=x&password=***&sslmode=require"),
            ("PGPASSWORD=Sup3rPw psql", "PGPASSWORD=*** psql"),
            ("postgresql://cnc@127.0.0.1:5432/cnc", "postgresql://cnc@127.0.0.1:5432/cnc"),
            ("mqtt://127.0.0.1:1883 and tcp://[::1]:5560", "mqtt://127.0.0.1:1883 and tcp://[::1]:5560"),
            ("connection to server at \"127.0.0.1\", port 1 failed", "connection to server at \"127.0.0.1\", port 1 failed"),
        ])
    func patterns(_ text: String, _ expected: String) {
        #expect(Redaction.redact(text) == expected)
    }

    @Test("known secrets are hidden wherever they appear, raw or percent-decoded; short ones only by pattern")
    func literalSecrets() {
        let secrets = Redaction.secrets(in: "postgresql://cnc:Sup%3Ar%zz@db/cnc")
        #expect(secrets == ["Sup%3Ar%zz"])
        #expect(Redaction.redact("invalid percent-encoded token: \"Sup%3Ar%zz\"", secrets: secrets) == "invalid percent-encoded token: \"***\"")
        let decodable = Redaction.secrets(in: "mqtt://plant:s3cret%3Apass%40word@broker password='a b'")
        #expect(decodable == ["s3cret%3Apass%40word", "a b", "s3cret:pass@word"])
        #expect(Redaction.redact("user plant, password s3cret:pass@word", secrets: decodable) == "user plant, password ***")
        #expect(Redaction.redact("the cnc collector", secrets: ["cnc"]) == "the cnc collector")
    }

    @Test("a setting error never shows a password, though its reason quotes one")
    func settingError() {
        let error = SettingError(reason: "DATABASE_URL postgresql://cnc:Sup3rPw@db/cnc is not valid")
        #expect(error.description == "DATABASE_URL postgresql://cnc:***@db/cnc is not valid")
    }

    @Test("the log handler hides registered secrets in the message, the metadata and the error")
    func logHandler() {
        let recorder = RecordingLogHandler()
        StageRunner.hideSecrets(in: "host=db password=Reg1stered%zz")
        let handler = RedactingLogHandler(upstream: recorder)
        handler.log(
            event: LogEvent(
                level: .warning, message: "token \"Reg1stered%zz\"", error: Reason(text: "quoted Reg1stered%zz"),
                metadata: ["error": "bad Reg1stered%zz", "list": ["x Reg1stered%zz"]], source: "t", file: #fileID, function: #function, line: #line
            ))
        let event = recorder.events.first
        #expect(event?.message.description == "token \"***\"")
        #expect(event?.metadata?["error"] == .string("bad ***"))
        #expect(event?.metadata?["list"] == .array([.string("x ***")]))
        #expect(event?.error.map { "\($0)" } == "quoted ***")
    }

    /// Keeps what reaches it, in place of the standard error stream.
    struct RecordingLogHandler: LogHandler {
        final class Events: Sendable {
            let events = Mutex<[LogEvent]>([])
        }
        let store = Events()
        var events: [LogEvent] { store.events.withLock { $0 } }
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        func log(event: LogEvent) {
            store.events.withLock { $0.append(event) }
        }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
    }

    struct Reason: Error, CustomStringConvertible {
        var text: String
        var description: String { text }
    }
}
