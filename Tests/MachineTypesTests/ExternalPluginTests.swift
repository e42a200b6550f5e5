import CNCPlugins
import CollectorCore
import DescriptionFiles
import Foundation
import TestSupport
import Testing

@testable import MachineTypes

/// Machine types served by separate programs over the external plugin protocol (real Python
/// processes, no server).
@Suite("External plugins")
struct ExternalPluginTests {
    static func outcome(_ plugin: some MachineTypeMapper, _ payload: String) throws -> Result<MachineState, PluginRejection> {
        let message = try Fixtures.cncMessage(payload: payload)
        let object = try message.parsePayload()
        do throws(PluginRejection) {
            return .success(try plugin.machineState(for: message, payload: object))
        } catch {
            return .failure(error)
        }
    }

    /// A program of `source` (Python) in a directory of its own, as the types directory's file names it.
    static func program(_ source: String) throws -> ExternalPlugin {
        let directory = try Fixtures.ownDirectory("plugin")
        try Fixtures.write(source, to: "\(directory)/plugin.py")
        return ExternalPlugin(ExternalPluginDescription(name: "Test", summary: "", command: ["python3", "plugin.py"], directory: directory))
    }

    @Test("the shipped Python CNCTypeC maps, marks and refuses like a described type")
    func shippedPythonPlugin() throws {
        let plugin = try #require(Fixtures.shippedTypes.mapper(named: "CNCTypeC"))
        #expect(plugin is ExternalPlugin)
        #expect(
            try Self.outcome(plugin, #"{"state":"Cutting","laser_power":0,"X-Axis":10,"Y-Axis":2,"cut_speed":9000,"sheets":3,"nozzle":2}"#)
                == .success(
                    MachineState(
                        status: .running, feedRateMMPerMinute: 9_000, axisXMillimetres: 10, axisYMillimetres: 2, partCount: 3,
                        extra: JSONObject(members: [.init(key: "laser_power_w", value: .number(0))]), quality: ["beam_on_without_power"],
                        unknownVariables: ["nozzle"])))
        #expect(
            try Self.outcome(plugin, #"{"state":"glowing","laser_power":1,"X-Axis":9000,"Y-Axis":1,"focus_height":"low","fault_code":""}"#)
                == .success(
                    MachineState(
                        status: .unknown, axisXMillimetres: 9_000, axisYMillimetres: 1,
                        extra: JSONObject(members: [.init(key: "laser_power_w", value: .number(1))]),
                        quality: ["status:state", "range:X-Axis", "type:focus_height"])))
        #expect(try Self.outcome(plugin, #"{"X-Axis":1}"#) == .failure(PluginRejection(#"missing variable "state""#)))
        #expect(
            try Self.outcome(plugin, #"{"state":"idle","laser_power":1,"X-Axis":1,"Y-Axis":[2]}"#)
                == .failure(PluginRejection(#"variable "Y-Axis" must be a number, not array"#)))
    }

    @Test("the shipped Python helper reads a number sent as text as that number, marked text:NAME, and refuses other texts as before")
    func shippedPythonTextNumbers() throws {
        let plugin = try #require(Fixtures.shippedTypes.mapper(named: "CNCTypeC"))
        #expect(
            try Self.outcome(
                plugin, #"{"state":"cutting","laser_power":"0","X-Axis":"10.5","Y-Axis":2,"focus_height":"-2e3","cut_speed":"0x10","sheets":"3"}"#)
                == .success(
                    MachineState(
                        status: .running, axisXMillimetres: 10.5, axisYMillimetres: 2, axisZMillimetres: -2_000, partCount: 3,
                        extra: JSONObject(members: [.init(key: "laser_power_w", value: .number(0))]),
                        quality: [
                            "text:laser_power", "text:X-Axis", "text:focus_height", "range:focus_height", "type:cut_speed", "text:sheets",
                            "beam_on_without_power",
                        ])))
        #expect(
            try Self.outcome(plugin, #"{"state":"idle","laser_power":"1200","X-Axis":1,"Y-Axis":"01"}"#)
                == .failure(PluginRejection(#"variable "Y-Axis" must be a number, not string"#)))
        #expect(
            try Self.outcome(plugin, #"{"state":"idle","laser_power":"1e400","X-Axis":1,"Y-Axis":1}"#)
                == .failure(PluginRejection(#"variable "laser_power" must be a number, not string"#)))
    }

    static let flaky = """
        import json, os, sys
        print(json.dumps({"protocol": 1}), flush=True)
        for line in sys.stdin:
            message = json.loads(line)
            payload = message["payload"]
            if payload.get("crash"):
                os._exit(3)
            if payload.get("die_once") and not os.path.exists("died"):
                open("died", "w").close()
                os._exit(4)
            if payload.get("odd"):
                print(json.dumps({"id": message["id"], "state": {"status": "idle", "colour": "red"}}), flush=True)
                continue
            print(json.dumps({"id": message["id"], "state": {"status": "idle", "part_count": payload["n"]}}), flush=True)
        """

    @Test("a program that dies is restarted and gets the same message again; one that dies on a message three times refuses it")
    func restarts() throws {
        let plugin = try Self.program(Self.flaky)
        #expect(try Self.outcome(plugin, #"{"n":1}"#) == .success(MachineState(status: .idle, partCount: 1)))
        #expect(try Self.outcome(plugin, #"{"n":2,"die_once":true}"#) == .success(MachineState(status: .idle, partCount: 2)))
        #expect(try Self.outcome(plugin, #"{"n":3}"#) == .success(MachineState(status: .idle, partCount: 3)))
        #expect(
            try Self.outcome(plugin, #"{"n":4,"crash":true}"#)
                == .failure(PluginRejection("external plugin failed 3 times on this message, last: it exited")))
        #expect(try Self.outcome(plugin, #"{"n":5}"#) == .success(MachineState(status: .idle, partCount: 5)))
        #expect(
            try Self.outcome(plugin, #"{"n":6,"odd":true}"#)
                == .failure(PluginRejection("external plugin: state.colour is not a field of machine_state")))
    }

    @Test("a program that does not greet with the protocol, or does not start, makes the type unavailable: no message is refused")
    func unavailable() throws {
        let rude = try Self.program("print('hello', flush=True)\nimport sys\nsys.stdin.read()\n")
        #expect(
            try Self.outcome(rude, #"{"n":1}"#)
                == .failure(.unavailable(#"external plugin Test: its first line must be {"protocol":1}, got hello"#)))
        let missing = ExternalPlugin(ExternalPluginDescription(name: "Gone", summary: "", command: ["python3", "gone.py"], directory: "/tmp"))
        guard case .failure(let rejection) = try Self.outcome(missing, #"{"n":1}"#) else {
            Issue.record("a program that does not exist mapped a message")
            return
        }
        #expect(rejection.isUnavailable && rejection.reason.hasPrefix("external plugin Gone: no first line: it exited"), "\(rejection.reason)")
    }

    @Test("a definition with a program is an external plugin; mixed with a description, it is refused")
    func definitions() throws {
        #expect(
            try TypeDefinition.parse(yaml: "name: Py\nprogram: [python3, p.py]", file: "types/py.yaml")
                == .external(ExternalPluginDescription(name: "Py", summary: "", command: ["python3", "p.py"], directory: "types")))
        #expect(throws: DescriptionError.self) { try TypeDefinition.parse(yaml: "name: Py\nprogram: []", file: "p.yaml") }
        do {
            _ = try TypeDefinition.parse(yaml: "name: Py\nprogram: [p]\nstatus: {variable: s, map: {a: idle}}", file: "p.yaml")
            Issue.record("accepted a program with a status map")
        } catch {
            #expect(error.description == "p.yaml:3:1: status: unknown key; the keys here are name, description, program, offline_after")
        }
    }
}
