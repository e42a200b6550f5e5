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
                StageStatus.Target(name: "sink", host: "[::1]", port: 9103),
            ])
        for bad in ["ingest", "ingest=127.0.0.1", "ingest=127.0.0.1:0", "ingest=host:99999", "=:"] {
            #expect(throws: SettingError.self) { try StageStatus.targets([bad]) }
        }
        #expect(try StageStatus.targets(StageStatus.localTargets).count == 8)
        #expect(try OperationsSettings.statusBoard.value(nil, environment: SettingsEnvironment([:])) == StageStatus.localBoard)
        #expect(
            try OperationsSettings.statusBoard.value("[::1]:8081", environment: SettingsEnvironment([:]))
                == StageStatus.Target(name: "board", host: "[::1]", port: 8081))
        #expect(throws: SettingError.self) { try OperationsSettings.statusBoard.value("127.0.0.1", environment: SettingsEnvironment([:])) }
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
