import StageRuntime
import Testing

@testable import PipelineSettings

@Suite("WorkerListen")
struct WorkerListenTests {
    @Test(
        "entries",
        arguments: [
            ("CNCTypeA=tcp://*:5601,CNCTypeB=tcp://*:5602", ["CNCTypeA=tcp://*:5601", "CNCTypeB=tcp://*:5602"]),
            ("CNCTypeA=tcp://*:5601;CNCTypeB=tcp://*:5602", ["CNCTypeA=tcp://*:5601", "CNCTypeB=tcp://*:5602"]),
            (" CNCTypeA=tcp://*:1 , tcp://*:2 ; CNCTypeB=ipc:///tmp/b.ipc ", ["CNCTypeA=tcp://*:1,tcp://*:2", "CNCTypeB=ipc:///tmp/b.ipc"]),
            ("CNCTypeA=tcp://*:1,,;", ["CNCTypeA=tcp://*:1"]),
            ("", []),
            ("tcp://*:1,CNCTypeA=tcp://*:2", ["tcp://*:1", "CNCTypeA=tcp://*:2"]),
        ] as [(String, [String])])
    func entries(_ text: String, _ expected: [String]) {
        #expect(WorkerListen.entries(text) == expected)
    }

    @Test("parse groups endpoints by type")
    func parse() throws {
        let result = try WorkerListen.parse(WorkerListen.entries("CNCTypeA=tcp://*:1,tcp://*:2;CNCTypeB=ipc:///tmp/b.ipc;CNCTypeA=ipc:///tmp/a.ipc"))
        #expect(result == ["CNCTypeA": ["tcp://*:1", "tcp://*:2", "ipc:///tmp/a.ipc"], "CNCTypeB": ["ipc:///tmp/b.ipc"]])
        #expect(try WorkerListen.parse([]) == [:])
    }

    @Test(
        "bad entries are refused with the entry named",
        arguments: [
            ("tcp://*:1", #"worker endpoint "tcp://*:1" must be TYPE=ENDPOINT"#),
            ("1Type=tcp://*:1", #"worker endpoint "1Type=tcp://*:1" must be TYPE=ENDPOINT"#),
            ("=tcp://*:1", #"worker endpoint "=tcp://*:1" must be TYPE=ENDPOINT"#),
            ("Type-A=tcp://*:1", #"worker endpoint "Type-A=tcp://*:1" must be TYPE=ENDPOINT"#),
            ("CNCTypeA=http://x:1", "endpoint http://x:1 must start with ipc:// or tcp://"),
            ("CNCTypeA=inproc://a", "endpoint inproc://a must start with ipc:// or tcp://"),
            (
                "CNCTypeA=ipc:///" + String(repeating: "d", count: 120),
                "ipc endpoint ipc:///" + String(repeating: "d", count: 120) + " is longer than 107 bytes: choose a shorter MES_RUNTIME_DIR"
            ),
        ])
    func refused(_ entry: String, _ reason: String) {
        do {
            _ = try WorkerListen.parse([entry])
            Issue.record("accepted \(entry)")
        } catch let error as SettingError {
            #expect(error.reason == reason)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
