import Foundation
import TestSupport
import Testing

@testable import CNCPlugins
@testable import Operations
@testable import StageRuntime

@Suite("StageStatus")
struct StageStatusTests {
    @Test("targets are NAME=HOST:PORT; anything else is refused with the entry named")
    func targets() throws {
        #expect(
            try StageStatus.targets(["ingest=127.0.0.1:9101", "sink=[::1]:9103"]) == [
                StageStatus.Target(name: "ingest", host: "127.0.0.1", port: 9101),
                StageStatus.Target(name: "sink", host: "::1", port: 9103),
            ])
        #expect(try StageStatus.targets(["sink=[::1]:9103"]).map(\.endpoint) == ["[::1]:9103"])
        for bad in ["ingest", "ingest=127.0.0.1", "ingest=127.0.0.1:0", "ingest=host:99999", "=:", "sink=::1:9103", "sink=[]:9103", "sink=[::1:9103"]
        {
            #expect(throws: SettingError.self) { try StageStatus.targets([bad]) }
        }
        #expect(try OperationsSettings.statusBoard.value(nil, environment: SettingsEnvironment([:])) == StageStatus.localBoard)
        #expect(
            try OperationsSettings.statusBoard.value("[::1]:8081", environment: SettingsEnvironment([:]))
                == StageStatus.Target(name: "board", host: "::1", port: 8081))
        #expect(throws: SettingError.self) { try OperationsSettings.statusBoard.value("127.0.0.1", environment: SettingsEnvironment([:])) }
    }

    /// What `mesctl status` asks by default is what deploy/supervisord.conf runs: each program
    /// of the group, each of its processes, on the metrics port it is given.
    @Test("the local targets are the metrics endpoints of every program of deploy/supervisord.conf's group")
    func localTargetsMatchSupervisord() throws {
        let text = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("deploy/supervisord.conf"), encoding: .utf8)
        let sections = text.components(separatedBy: "\n[").dropFirst()
        func value(_ key: String, in section: String) -> String? {
            section.split(separator: "\n").first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
        }
        let group = try #require(sections.first { $0.hasPrefix("group:cnc]") }.flatMap { value("programs", in: $0) })
        var expected: [String] = []
        for section in sections where section.hasPrefix("program:") {
            let name = String(section.dropFirst("program:".count).prefix { $0 != "]" })
            #expect(group.split(separator: ",").contains(Substring(name)), "\(name) is not in the group cnc")
            let listen = try #require(value("environment", in: section)?.firstMatch(of: /MES_METRICS_LISTEN="([^"]+)"/)?.1)
            let processes = Int(value("numprocs", in: section) ?? "1") ?? 1
            let numbered = value("process_name", in: section) != nil
            for process in 0..<processes {
                let address = listen.replacingOccurrences(of: "%(process_num)d", with: String(process))
                expected.append("\(numbered ? "\(name)-\(process)" : name)=\(address)")
            }
        }
        #expect(expected.sorted() == StageStatus.localTargets.sorted())
        #expect(try StageStatus.targets(StageStatus.localTargets).count == expected.count)
    }

    @Test("the board's figures: refreshes and their rate, failures, notifications, event streams")
    func boardSummary() {
        let before = StageStatus.Sample(
            ready: false,
            values: ["board_refreshes_total": 10, "board_refresh_failures_total": 1, "board_notifications_total": 4, "board_event_streams": 2])
        var after = before
        after.values["board_refreshes_total"] = 14
        #expect(StageStatus.summary(before, after, seconds: 2) == "refreshes 14 (2/s), failed 1, notifications 4, event streams 2")
    }

    @Test("figures: totals over labels, rates between two readings, per-label lists")
    func summary() {
        let before = StageStatus.Sample(
            ready: true,
            values: [
                #"cnc_worker_stored_total{cnc_type="CNCTypeA"}"#: 100, #"cnc_worker_rejected_total{cnc_type="CNCTypeA",reason="plugin"}"#: 1,
            ])
        let after = StageStatus.Sample(
            ready: true,
            values: [
                #"cnc_worker_stored_total{cnc_type="CNCTypeA"}"#: 300, #"cnc_worker_rejected_total{cnc_type="CNCTypeA",reason="plugin"}"#: 3,
            ])
        #expect(after.total("cnc_worker_stored_total") == 300)
        #expect(!after.has("cnc_sink_rows_written_total"))
        #expect(StageStatus.summary(before, after, seconds: 2) == "stored 300 (100/s), rejected 3 [CNCTypeA=300]")
    }
}
