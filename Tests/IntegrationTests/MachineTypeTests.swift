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

    static func line(_ number: Int, _ payload: String) -> String {
        #"{"cnc_id":"CNC030","part_program":"sheet-\#(number)","timestamp":"\#(1_747_379_300 + number)","payload":\#(payload)}"#
    }

    @Test("a type added as a file, a map line and a SIGHUP is stored with no rebuild or restart; SIGHUP applies edits, refuses broken ones")
    func newTypeAtRunTime() throws {
        let pipeline = try PipelineHarness()
        try pipeline.startPipeline()
        // The router reads the types directory and then the map as it starts: change them once it runs.
        #expect(pipeline.stages["router"]!.waitForLog("router started"), "\(pipeline.logs())")
        try Self.laser.write(toFile: "\(pipeline.typesDirectory)/LaserCutter.yaml", atomically: true, encoding: .utf8)
        let map =
            #"[{"cnc_id": "CNC001", "class_name": "CNCTypeA"}, {"cnc_id": "CNC002", "class_name": "CNCTypeB"}, "#
            + #"{"cnc_id": "CNC030", "class_name": "LaserCutter"}]"#
        try map.write(toFile: pipeline.mapPath, atomically: true, encoding: .utf8)
        // A worker for the new type joins; nothing that runs is restarted.
        let worker = try pipeline.start("worker-laser", "worker", ["--type", "LaserCutter"])
        #expect(worker.waitForLog("worker started"), "\(pipeline.logs())")
        pipeline.stages["router"]!.signal(SIGHUP)
        #expect(pipeline.stages["router"]!.waitForLog("type map reloaded"), "\(pipeline.logs())")

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
}
