import Foundation
import Testing

/// Machine types described as files, served by the real stages with no rebuild and no restart.
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct MachineTypeTests {
    static let laser = """
        name: LaserCutter
        description: A laser cutter that reports inches and a numeric state
        status:
          variable: state
          map: {"1": running, "0": idle, "9": error}
        fields:
          axis_x_mm: {variable: x, unit: in, required: true, plausible: [0, 3000]}
          axis_y_mm: {variable: y, unit: in, required: true, plausible: [0, 1500]}
          feed_rate_mm_min: {variable: speed, unit: mm/s}
          part_count: {variable: sheets}
        extra:
          laser_power_w: {variable: power, plausible: [0, 6000]}
        """

    /// Brings `type` into the running pipeline as a plant would: `prepare` (its definition), a map
    /// line for `machine`, a worker of its own, and SIGHUP to the router; nothing that runs restarts.
    static func serve(_ type: String, machine: String, in pipeline: PipelineHarness, prepare: () throws -> Void = {}) throws -> StageProcess {
        // The router reads the types directory and then the map as it starts: change them once it runs.
        #expect(pipeline.stages["router"]!.waitForLog("router started"), "\(pipeline.logs())")
        try prepare()
        let map =
            #"[{"cnc_id": "CNC001", "class_name": "CNCTypeA"}, {"cnc_id": "CNC002", "class_name": "CNCTypeB"}, "#
            + #"{"cnc_id": "\#(machine)", "class_name": "\#(type)"}]"#
        try map.write(toFile: pipeline.mapPath, atomically: true, encoding: .utf8)
        let worker = try pipeline.start("worker-\(type)", "worker", ["--type", type])
        #expect(worker.waitForLog("worker started"), "\(pipeline.logs())")
        pipeline.stages["router"]!.signal(SIGHUP)
        #expect(pipeline.stages["router"]!.waitForLog("type map reloaded"), "\(pipeline.logs())")
        return worker
    }

    static func line(_ number: Int, _ payload: String) -> String {
        #"{"cnc_id":"CNC030","part_program":"sheet-\#(number)","timestamp":"\#(1_747_379_300 + number)","payload":\#(payload)}"#
    }

    @Test("a type added as a file, a map line and a SIGHUP is stored with no rebuild or restart; SIGHUP applies edits, refuses broken ones")
    func newTypeAtRunTime() throws {
        let pipeline = try PipelineHarness()
        try pipeline.startPipeline()
        let worker = try Self.serve("LaserCutter", machine: "CNC030", in: pipeline) {
            try Self.laser.write(toFile: "\(pipeline.typesDirectory)/LaserCutter.yaml", atomically: true, encoding: .utf8)
        }

        try pipeline.publish([Self.line(1, #"{"state":1,"x":10,"y":2.5,"speed":50,"sheets":41,"power":4200,"gas":"N2"}"#)])
        let database = pipeline.database
        #expect(try database.waitForCount("SELECT count(*) FROM machine_state WHERE cnc_type = 'LaserCutter'", toReach: 1) == 1, "\(pipeline.logs())")
        #expect(
            try database.rows(
                """
                SELECT status, axis_x_mm::text, axis_y_mm::text, feed_rate_mm_min::text, part_count::text, extra::text,
                       array_to_string(unknown_variables, ',')
                FROM machine_state WHERE part_program = 'sheet-1'
                """) == [["running", "254", "63.5", "3000", "41", #"{"laser_power_w": 4200}"#, "gas"]])

        // An edit: the gas becomes a typed extra. SIGHUP to the worker applies it.
        let edited = Self.laser + "\n  gas: {variable: gas, type: text}\n"
        try edited.write(toFile: "\(pipeline.typesDirectory)/LaserCutter.yaml", atomically: true, encoding: .utf8)
        worker.signal(SIGHUP)
        #expect(worker.waitForLog("machine type reloaded"), "\(pipeline.logs())")
        try pipeline.publish([Self.line(2, #"{"state":0,"x":0,"y":0,"gas":"O2"}"#)])
        #expect(try database.waitForCount("SELECT count(*) FROM machine_state WHERE part_program = 'sheet-2'", toReach: 1) == 1)
        #expect(
            try database.rows("SELECT status, extra::text, cardinality(unknown_variables)::text FROM machine_state WHERE part_program = 'sheet-2'")
                == [["idle", #"{"gas": "O2"}"#, "0"]])

        // A broken edit is refused with its file, place and field; the description in force stays.
        try (edited + "  power2: {variable: p, type: colour}\n").write(
            toFile: "\(pipeline.typesDirectory)/LaserCutter.yaml", atomically: true, encoding: .utf8)
        worker.signal(SIGHUP)
        #expect(worker.waitForLog("machine type not reloaded"), "\(pipeline.logs())")
        #expect(worker.log.contains("LaserCutter.yaml:14:"), "\(worker.log)")
        #expect(worker.log.contains(#"extra.power2.type: "colour" is not number or text"#), "\(worker.log)")
        try pipeline.publish([Self.line(3, #"{"state":9,"x":1,"y":1,"gas":"air"}"#)])
        #expect(try database.waitForCount("SELECT count(*) FROM machine_state WHERE part_program = 'sheet-3'", toReach: 1) == 1)
        #expect(try database.rows("SELECT status, extra::text FROM machine_state WHERE part_program = 'sheet-3'") == [["error", #"{"gas": "air"}"#]])
        #expect(try database.count("SELECT count(*) FROM rejected_messages") == 0)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("an external Python plugin killed twice while messages flow is restarted; every message is stored once")
    func externalPluginKilledMidStream() throws {
        let pipeline = try PipelineHarness()
        try pipeline.startPipeline()
        let worker = try Self.serve("CNCTypeC", machine: "CNC021", in: pipeline)

        let count = 1_500
        let lines = (1...count).map { number in
            #"{"cnc_id":"CNC021","part_program":"sheet-\#(number)","timestamp":"\#(1_747_379_000 + number)","#
                + #""payload":{"state":"cutting","laser_power":\#(number),"X-Axis":10,"Y-Axis":2,"sheets":\#(number)}}"#
        }
        let file = "\(pipeline.directory)/sheets.json"
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let publisher = try pipeline.startEmulator(["--file", file, "--rate", "500"])
        // Kill the program twice while the messages flow, each time the one the worker runs now.
        var killed: Set<Int32> = []
        for round in 1...2 {
            Thread.sleep(forTimeInterval: 0.8)
            let pids = worker.log.matches(of: /pid=(\d+) \[MachineTypes\] external plugin started/).compactMap { Int32($0.1) }
            guard let pid = pids.last, !killed.contains(pid) else {
                Issue.record("no new plugin process in round \(round):\n\(worker.log)")
                break
            }
            #expect(kill(pid, SIGKILL) == 0)
            killed.insert(pid)
            #expect(worker.waitForLog("external plugin failed; restarting it"), "\(worker.log)")
        }
        try pipeline.waitForEmulator(publisher)

        let database = pipeline.database
        let stored = try database.waitForCount("SELECT count(*) FROM machine_state WHERE cnc_type = 'CNCTypeC'", toReach: count, seconds: 60)
        #expect(stored == count, "\(pipeline.logs().suffix(5_000))")
        #expect(try database.waitForStableCount("SELECT count(*) FROM cnc_data") == count)
        #expect(
            try database.count("SELECT count(DISTINCT part_program) FROM machine_state WHERE part_count::text = substr(part_program, 7)") == count)
        #expect(try database.count("SELECT count(*) FROM rejected_messages") == 0)
        #expect(killed.count == 2)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs().suffix(5_000))")
    }

    @Test("a worker refuses a program its group can write, naming the file, its mode, its owner and the fix; fixed, it starts")
    func groupWritableProgramRefused() throws {
        let pipeline = try PipelineHarness()
        let script = URL(fileURLWithPath: "\(pipeline.typesDirectory)/plugins/CNCTypeC.py").resolvingSymlinksInPath().path
        try FileManager.default.setAttributes([.posixPermissions: 0o664], ofItemAtPath: script)
        let refused = try pipeline.start("worker-c", "worker", ["--type", "CNCTypeC"])
        #expect(refused.waitForExit().map { $0 != 0 } == true, "\(refused.log)")
        #expect(
            refused.log.contains("CNCTypeC: refused to run it: \(script) is writable by its group (mode 0664, owner "), "\(refused.log)")
        #expect(refused.log.contains("who could change the code a worker runs: chmod go-w \(script)"), "\(refused.log)")

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: script)
        let worker = try pipeline.start("worker-c", "worker", ["--type", "CNCTypeC"])
        #expect(worker.waitForLog("worker started"), "\(worker.log)")
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs().suffix(5_000))")
    }

    @Test("a program that does not start holds its messages, refusing none; once fixed, on SIGHUP, every message is stored")
    func unavailableProgramHoldsMessages() throws {
        let pipeline = try PipelineHarness()
        try pipeline.startPipeline()
        let definition = "\(pipeline.typesDirectory)/Press.yaml"
        let worker = try Self.serve("Press", machine: "CNC040", in: pipeline) {
            try "name: Press\nprogram: [python3, plugins/press.py]\n".write(toFile: definition, atomically: true, encoding: .utf8)
        }
        let lines = (1...20).map { number in
            #"{"cnc_id":"CNC040","part_program":"press-\#(number)","timestamp":"\#(1_747_379_000 + number)","payload":{"mode":"bend"}}"#
        }
        try pipeline.publish(lines)
        #expect(worker.waitForLog("machine type unavailable: its messages wait"), "\(worker.log)")
        #expect(try pipeline.database.count("SELECT (SELECT count(*) FROM cnc_data) + (SELECT count(*) FROM rejected_messages)") == 0)

        // The program arrives under another name; the definition is fixed and the worker told.
        try """
        import json, sys
        print(json.dumps({"protocol": 1}), flush=True)
        for line in sys.stdin:
            message = json.loads(line)
            print(json.dumps({"id": message["id"], "state": {"status": "running", "block": message["part_program"]}}), flush=True)
        """.write(toFile: "\(pipeline.typesDirectory)/plugins/press_brake.py", atomically: true, encoding: .utf8)
        try "name: Press\nprogram: [python3, plugins/press_brake.py]\n".write(toFile: definition, atomically: true, encoding: .utf8)
        worker.signal(SIGHUP)
        let database = pipeline.database
        #expect(try database.waitForCount("SELECT count(*) FROM machine_state WHERE cnc_type = 'Press'", toReach: 20) == 20, "\(worker.log)")
        #expect(try database.count("SELECT count(*) FROM machine_state WHERE block = part_program AND status = 'running'") == 20)
        #expect(try database.count("SELECT count(*) FROM rejected_messages") == 0)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs().suffix(5_000))")
    }
}
