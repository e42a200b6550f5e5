import CNCPlugins
import CollectorCore
import Foundation
import TestSupport
import Testing

@testable import MachineTypes

/// A described type maps, converts, marks and refuses as its description says.
@Suite("Described types")
struct DescribedTypeTests {
    static func shipped(_ name: String) throws -> MachineTypeDescription {
        let path = Fixtures.packageRoot.appendingPathComponent("deploy/types/\(name).yaml").path
        return try MachineTypeDescription.parse(yaml: String(contentsOfFile: path, encoding: .utf8), file: path)
    }

    /// The outcome of one type over one message: the state, or the rejection's reason.
    static func outcome(_ type: some MachineTypeMapper, _ message: CNCMessage) throws -> Result<MachineState, PluginRejection> {
        let payload = try message.parsePayload(maxDepth: 16)
        do throws(PluginRejection) {
            return .success(try type.machineState(for: message, payload: payload))
        } catch {
            return .failure(error)
        }
    }

    @Test("the described CNCTypeA stores, marks and refuses exactly as the Swift CNCTypeA did, over 20,000 mutated messages")
    func describedMatchesSwift() throws {
        let described = DescribedType(try Self.shipped("CNCTypeA")), swift = CNCTypeA()
        let seeds =
            Fixtures.sampleBytes
            + [
                #"{"cnc_id":"CNC001","part_program":"p","timestamp":"1","payload":{"status":"setup","spin":12000,"X-Axis":-5.5,"Y-Axis":3,"#
                    + #""Z-Axis":-600,"feed":900}}"#,
                #"{"cnc_id":"CNC001","part_program":"p","timestamp":"1","payload":{"status":"Running","spin":1.5,"X-Axis":2000,"Y-Axis":null,"#
                    + #""tool":"T1"}}"#,
            ].map { Array($0.utf8) }
        let mutator = MessageMutator(seeds: seeds)
        var compared = 0, stored = 0
        for index in 0..<20_000 {
            guard let message = try? Fixtures.cncMessage(mutator.input(UInt64(index), seed: 11).bytes),
                (try? message.parsePayload(maxDepth: 16)) != nil
            else { continue }
            let expected = try Self.outcome(swift, message), actual = try Self.outcome(described, message)
            #expect(actual == expected, "\(String(decoding: message.raw, as: UTF8.self))")
            compared += 1
            if case .success = expected { stored += 1 }
        }
        #expect(compared > 4_000 && stored > 2_000, "compared \(compared), stored \(stored)")
    }

    static let lathe = """
        name: Lathe_7
        status:
          variable: mode
          map: {RUN: running, "1": running, HOLD: idle, "0": stopped, Alarm: error}
        fields:
          spindle_speed_rpm: {variable: speed, required: true, unit: rev/s, plausible: [0, 5000]}
          axis_x_mm: {variable: x, unit: in, plausible: [-300, 300]}
          feed_rate_mm_min: {variable: feed, unit: mm/s}
          spindle_load_pct: {variable: load, unit: fraction, plausible: [0, 150]}
          part_count: {variable: parts}
          tool: {variable: tool}
          alarm_text: {variable: alarm, max_length: 8}
        extra:
          coolant_c: {variable: coolant, plausible: [0, 60]}
          door: {variable: door, type: text}
        checks:
          running_without_spindle: {status: running, spindle_speed_rpm: 0}
        """

    @Test(
        "units convert, numeric and case-free status codes map, texts and counts are read, extras kept, checks mark",
        arguments: [
            (
                #"{"mode":"run","speed":2,"x":0.5,"feed":10,"load":0.5,"parts":1234,"tool":12,"alarm":"","coolant":21.5,"door":"open"}"#,
                MachineState(
                    status: .running, spindleSpeedRPM: 120, feedRateMMPerMinute: 600, axisXMillimetres: 12.7, spindleLoadPercent: 50,
                    partCount: 1_234,
                    tool: "12",
                    extra: JSONObject(members: [.init(key: "coolant_c", value: .number(21.5)), .init(key: "door", value: .string("open"))]))
            ),
            (
                #"{"mode":1,"speed":0,"x":20,"load":2,"parts":7.5,"alarm":"E-1234567","coolant":99,"fw":"2.1"}"#,
                MachineState(
                    status: .running, spindleSpeedRPM: 0, axisXMillimetres: 508, spindleLoadPercent: 200, partCount: 8, alarmText: "E-1234567",
                    extra: JSONObject(members: [.init(key: "coolant_c", value: .number(99))]),
                    quality: ["range:x", "range:load", "whole:parts", "length:alarm", "range:coolant", "running_without_spindle"],
                    unknownVariables: ["fw"])
            ),
            (
                #"{"mode":"flying","speed":1,"parts":1e300,"door":true}"#,
                MachineState(status: .unknown, spindleSpeedRPM: 60, quality: ["status:mode", "range:parts", "type:door"])
            ),
        ] as [(String, MachineState)])
    func mapsAsDescribed(_ payload: String, _ expected: MachineState) throws {
        let lathe = DescribedType(try MachineTypeDescription.parse(yaml: Self.lathe, file: "lathe.yaml"))
        let actual = try Self.outcome(lathe, Fixtures.cncMessage(payload: payload))
        #expect(actual == .success(expected), "\(actual)")
    }

    @Test(
        "a number sent as text is read as that number and marked text:VARIABLE: fields, counts and extras, converted and checked",
        arguments: [
            (
                #"{"mode":"RUN","speed":"2","x":"0.5","parts":"12","coolant":"21.5","door":"7"}"#,
                MachineState(
                    status: .running, spindleSpeedRPM: 120, axisXMillimetres: 12.7, partCount: 12,
                    extra: JSONObject(members: [.init(key: "coolant_c", value: .number(21.5)), .init(key: "door", value: .string("7"))]),
                    quality: ["text:speed", "text:x", "text:parts", "text:coolant"])
            ),
            (
                #"{"mode":"HOLD","speed":1,"load":"-2.5e-1","parts":"7.5","coolant":"-1E2"}"#,
                MachineState(
                    status: .idle, spindleSpeedRPM: 60, spindleLoadPercent: -25, partCount: 8,
                    extra: JSONObject(members: [.init(key: "coolant_c", value: .number(-100))]),
                    quality: ["text:load", "range:load", "text:parts", "whole:parts", "text:coolant", "range:coolant"])
            ),
            (
                #"{"mode":"HOLD","speed":"0","parts":"1e300","x":"12 mm","coolant":"warm"}"#,
                MachineState(
                    status: .idle, spindleSpeedRPM: 0, quality: ["text:speed", "type:x", "text:parts", "range:parts", "type:coolant"])
            ),
        ] as [(String, MachineState)])
    func textNumbers(_ payload: String, _ expected: MachineState) throws {
        let lathe = DescribedType(try MachineTypeDescription.parse(yaml: Self.lathe, file: "lathe.yaml"))
        let actual = try Self.outcome(lathe, Fixtures.cncMessage(payload: payload))
        #expect(actual == .success(expected), "\(actual)")
    }

    @Test(
        "a required variable missing or unreadable refuses the message",
        arguments: [
            (#"{"speed":1}"#, #"missing variable "mode""#),
            (#"{"mode":"RUN"}"#, #"missing variable "speed""#),
            (#"{"mode":"RUN","speed":"fast"}"#, #"variable "speed" must be a number, not string"#),
            (#"{"mode":"RUN","speed":"0x10"}"#, #"variable "speed" must be a number, not string"#),
            (#"{"mode":true,"speed":1}"#, #"variable "mode" must be a string, not boolean"#),
        ])
    func refuses(_ payload: String, _ reason: String) throws {
        let lathe = DescribedType(try MachineTypeDescription.parse(yaml: Self.lathe, file: "lathe.yaml"))
        #expect(try Self.outcome(lathe, Fixtures.cncMessage(payload: payload)) == .failure(PluginRejection(reason)))
    }

    @Test(
        "MTConnectMill: Availability UNAVAILABLE is offline and a manual ControllerMode is setup, over Execution; else Execution decides",
        arguments: [
            (#"{"Execution":"ACTIVE","Availability":"AVAILABLE","ControllerMode":"AUTOMATIC"}"#, MachineState.Status.running, [String]()),
            (#"{"Execution":"ACTIVE","Availability":"UNAVAILABLE","ControllerMode":"MANUAL"}"#, .offline, []),
            (#"{"Execution":"UNAVAILABLE","Availability":"UNAVAILABLE","ControllerMode":"UNAVAILABLE"}"#, .offline, []),
            (#"{"Execution":"ACTIVE","Availability":"AVAILABLE","ControllerMode":"MANUAL"}"#, .setup, []),
            (#"{"Execution":"BUSY","ControllerMode":"EDIT"}"#, .setup, []),
            (#"{"Execution":"READY","Availability":"AVAILABLE","ControllerMode":"manual"}"#, .idle, []),
            (#"{"Execution":"UNAVAILABLE","Availability":"AVAILABLE","ControllerMode":"AUTOMATIC"}"#, .unknown, ["status:Execution"]),
        ])
    func mtconnectStatus(_ payload: String, _ status: MachineState.Status, _ quality: [String]) throws {
        let mill = DescribedType(try Self.shipped("MTConnectMill"))
        guard case .success(let state) = try Self.outcome(mill, Fixtures.cncMessage(payload: payload)) else {
            Issue.record("refused: \(payload)")
            return
        }
        #expect(state.status == status && state.quality == quality && state.unknownVariables.isEmpty, "\(state)")
    }

    @Test("an overridden status still needs its status variable")
    func overriddenStatusVariableRequired() throws {
        let mill = DescribedType(try Self.shipped("MTConnectMill"))
        let outcome = try Self.outcome(mill, Fixtures.cncMessage(payload: #"{"Availability":"UNAVAILABLE"}"#))
        #expect(outcome == .failure(PluginRejection(#"missing variable "Execution""#)))
    }
}
