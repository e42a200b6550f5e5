import Logging
import Synchronization
import Testing

@testable import StageRuntime

@Suite("Rejection log")
struct RejectionLogTests {
    /// Keeps the messages and metadata of what is logged.
    final class Lines: Sendable {
        let lines = Mutex<[(String, Logger.Metadata)]>([])
    }

    struct Recorder: LogHandler {
        let lines: Lines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            lines.lines.withLock { $0.append((event.message.description, event.metadata ?? [:])) }
        }
    }

    @Test("each rejection is logged with its cnc_id and reason, up to the limit; a flood is cut off")
    func limit() {
        let lines = Lines()
        var log = RejectionLog(logger: Logger(label: "test") { _ in Recorder(lines: lines) }, stage: .ingest)
        log.perSecond = 3
        for index in 0..<10 { log.rejected(cncID: "CNC\(index)", reason: "missing field \"payload\"", topic: "t") }
        let logged = lines.lines.withLock { $0 }
        // A flood of ten within one second cannot take less than the limit's three lines; it
        // may take six if the second turns while it runs.
        #expect(logged.count >= 3 && logged.count <= 6)
        #expect(logged[0].0 == "rejected")
        #expect(logged[0].1["cnc_id"] == "CNC0")
        #expect(logged[0].1["reason"] == "missing field \"payload\"")
        #expect(logged[0].1["stage"] == "ingest")
        #expect(logged[0].1["topic"] == "t")
    }

    @Test("the count of rejections left out is logged once the second is over, without a further rejection")
    func summaryWithoutFurtherRejection() {
        let lines = Lines()
        var log = RejectionLog(logger: Logger(label: "test") { _ in Recorder(lines: lines) }, stage: .router)
        log.perSecond = 3
        for index in 0..<10 { log.rejected(cncID: "CNC\(index)", reason: "unknown cnc_id") }
        let beforeSummary = lines.lines.withLock { $0.count }
        log.reportOmitted(now: monotonicMilliseconds() + 2_000)
        let logged = lines.lines.withLock { $0 }
        #expect(logged.count == beforeSummary + 1)
        let summary = logged.last!
        #expect(summary.0 == "rejections not logged: more than the log rate limit")
        #expect(summary.1["stage"] == "router")
        let rejectedLines = logged.filter { $0.0 == "rejected" }.count
        let omittedInSummaries = logged.filter { $0.0 != "rejected" }.compactMap { Int($0.1["omitted"]!.description) }.reduce(0, +)
        #expect(rejectedLines + omittedInSummaries == 10)
        // Nothing left out since: the next window closes silently.
        log.reportOmitted(now: monotonicMilliseconds() + 4_000)
        #expect(lines.lines.withLock { $0.count } == logged.count)
    }
}
