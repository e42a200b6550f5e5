import Foundation
import Logging
import Testing

@testable import StageRuntime

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    @Test("one object with time, level, label, message, sorted metadata and the error, escaped")
    func line() throws {
        let line = JSONLogHandler.line(
            time: Date(timeIntervalSince1970: 1_747_379_028.123_9), level: .warning, label: "ingest",
            message: "rejected \"x\"\nnext", metadata: ["reason": "missing field \"payload\"", "cnc_id": "CNC001", "list": ["a", ["k": "v"]]],
            error: "boom"
        )
        #expect(
            line
                == #"{"time":"2025-05-16T07:03:48.123Z","level":"warning","label":"ingest","message":"rejected \"x\"\nnext","#
                + #""metadata":{"cnc_id":"CNC001","list":["a",{"k":"v"}],"reason":"missing field \"payload\""},"error":"boom"}"#
        )
        #expect(!line.contains("\n"))
        let decoded = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(decoded?["message"] as? String == "rejected \"x\"\nnext")
    }

    @Test("control characters are escaped and no error key appears without an error")
    func controlCharacters() {
        let line = JSONLogHandler.line(time: Date(timeIntervalSince1970: 0), level: .info, label: "sink", message: "a\u{01}b\tc", metadata: [:])
        #expect(line == #"{"time":"1970-01-01T00:00:00.000Z","level":"info","label":"sink","message":"a\u0001b\tc","metadata":{}}"#)
    }
}
