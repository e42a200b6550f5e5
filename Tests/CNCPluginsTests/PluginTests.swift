import MachineTypes
import TestSupport
import Testing

@testable import CNCPlugins
@testable import CollectorCore
@testable import Router

/// Runs `plugin` over a message whose payload is `payload` (JSON text).
private func state(_ plugin: some CNCPlugin, _ payload: String) throws -> MachineState {
    let message = try Fixtures.cncMessage(payload: payload)
    return try plugin.machineState(for: message, payload: message.parsePayload())
}

/// The plugin's rejection reason for `payload`, or nil when it accepts it.
private func rejection(_ plugin: some CNCPlugin, _ payload: String) throws -> String? {
    let message = try Fixtures.cncMessage(payload: payload)
    let object = try message.parsePayload()
    do throws(PluginRejection) {
        _ = try plugin.machineState(for: message, payload: object)
        return nil
    } catch {
        return error.reason
    }
}

struct PluginCase: Sendable, CustomTestStringConvertible {
    var payload: String
    var expected: MachineState
    var testDescription: String { payload }
}

/// A payload a plugin stores with marks: its status, the checks it failed and its unknown variables.
struct PluginMarkCase: Sendable, CustomTestStringConvertible {
    var payload: String
    var status: MachineState.Status = .idle
    var quality: [String] = []
    var unknown: [String] = []
    var testDescription: String { payload }
}

struct PluginRejectCase: Sendable, CustomTestStringConvertible {
    var payload: String
    var reason: String
    var testDescription: String { payload }
}

@Suite("CNC plugins")
struct PluginTests {
    static let sampleStates: [MachineState] = [
        MachineState(status: .running, spindleSpeedRPM: 200, axisXMillimetres: 30, axisYMillimetres: 80),
        MachineState(status: .idle, spindleSpeedRPM: 0, axisXMillimetres: 0, axisYMillimetres: 0),
        MachineState(status: .error, spindleSpeedRPM: 100, axisXMillimetres: 25, axisYMillimetres: 75),
    ]

    @Test("both plugins accept every seed sample line", arguments: [CNCTypeA.typeName, CNCTypeB.typeName])
    func samplesAccepted(_ typeName: String) throws {
        let plugin = try #require(Fixtures.shippedTypes.mapper(named: typeName))
        for (line, expected) in zip(Fixtures.sampleBytes, Self.sampleStates) {
            let message = try Fixtures.cncMessage(line)
            let state = try plugin.machineState(for: message, payload: message.parsePayload())
            #expect(state == expected)
            #expect(state.feedRateMMPerMinute == nil && state.axisZMillimetres == nil && state.alarmCode == nil)
        }
    }

    // MARK: - CNCTypeA

    static let typeAAcceptsCases: [PluginCase] = [
        PluginCase(
            payload: #"{"status":"setup","spin":0,"X-Axis":-1000,"Y-Axis":1000}"#,
            expected: MachineState(status: .setup, spindleSpeedRPM: 0, axisXMillimetres: -1000, axisYMillimetres: 1000)),
        PluginCase(
            payload: #"{"status":"stopped","spin":24000,"X-Axis":0.5,"Y-Axis":-2.25,"Z-Axis":-600,"feed":20000}"#,
            expected: MachineState(
                status: .stopped, spindleSpeedRPM: 24000, feedRateMMPerMinute: 20000, axisXMillimetres: 0.5,
                axisYMillimetres: -2.25, axisZMillimetres: -600)),
        PluginCase(
            payload: #"{"Y-Axis":1,"X-Axis":2,"spin":3e2,"status":"idle"}"#,
            expected: MachineState(status: .idle, spindleSpeedRPM: 300, axisXMillimetres: 2, axisYMillimetres: 1)),
        PluginCase(
            payload: #"{"status":"running","spin":100.0,"X-Axis":1,"Y-Axis":1,"Z-Axis":600}"#,
            expected: MachineState(status: .running, spindleSpeedRPM: 100, axisXMillimetres: 1, axisYMillimetres: 1, axisZMillimetres: 600)),
        // A is not B: spindle at 0 while running is not its concern.
        PluginCase(
            payload: #"{"status":"running","spin":0,"X-Axis":1,"Y-Axis":1}"#,
            expected: MachineState(status: .running, spindleSpeedRPM: 0, axisXMillimetres: 1, axisYMillimetres: 1)),
    ]

    @Test("CNCTypeA maps its variables", arguments: typeAAcceptsCases)
    func typeAAccepts(_ testCase: PluginCase) throws {
        #expect(try state(CNCTypeA(), testCase.payload) == testCase.expected)
    }

    static let typeARejectsCases: [PluginRejectCase] = [
        PluginRejectCase(payload: #"{"spin":1,"X-Axis":1,"Y-Axis":1}"#, reason: #"missing variable "status""#),
        PluginRejectCase(payload: #"{"status":"idle","X-Axis":1,"Y-Axis":1}"#, reason: #"missing variable "spin""#),
        PluginRejectCase(payload: #"{"status":"idle","spin":1,"Y-Axis":1}"#, reason: #"missing variable "X-Axis""#),
        PluginRejectCase(payload: #"{"status":"idle","spin":1,"X-Axis":1}"#, reason: #"missing variable "Y-Axis""#),
        PluginRejectCase(payload: "{}", reason: #"missing variable "status""#),
        PluginRejectCase(payload: #"{"status":1,"spin":1,"X-Axis":1,"Y-Axis":1}"#, reason: #"variable "status" must be a string, not number"#),
        PluginRejectCase(payload: #"{"status":null,"spin":1,"X-Axis":1,"Y-Axis":1}"#, reason: #"variable "status" must be a string, not null"#),
        PluginRejectCase(
            payload: #"{"status":"idle","spin":"fast","X-Axis":1,"Y-Axis":1}"#, reason: #"variable "spin" must be a number, not string"#),
        PluginRejectCase(payload: #"{"status":"idle","spin":1,"X-Axis":[1],"Y-Axis":1}"#, reason: #"variable "X-Axis" must be a number, not array"#),
        PluginRejectCase(
            payload: #"{"status":"idle","spin":1,"X-Axis":1,"Y-Axis":true}"#, reason: #"variable "Y-Axis" must be a number, not boolean"#),
    ]

    static let typeAMarksCases: [PluginMarkCase] = [
        PluginMarkCase(payload: #"{"status":"idle","spin":200.5,"X-Axis":1,"Y-Axis":1}"#, quality: ["whole:spin"]),
        PluginMarkCase(payload: #"{"status":"idle","spin":24001,"X-Axis":1,"Y-Axis":1}"#, quality: ["range:spin"]),
        PluginMarkCase(payload: #"{"status":"idle","spin":-1.5,"X-Axis":1,"Y-Axis":1}"#, quality: ["whole:spin", "range:spin"]),
        PluginMarkCase(payload: #"{"status":"idle","spin":1,"X-Axis":1000.5,"Y-Axis":1}"#, quality: ["range:X-Axis"]),
        PluginMarkCase(payload: #"{"status":"idle","spin":1,"X-Axis":1,"Y-Axis":-1001}"#, quality: ["range:Y-Axis"]),
        PluginMarkCase(payload: #"{"status":"idle","spin":1,"X-Axis":1,"Y-Axis":1,"Z-Axis":700}"#, quality: ["range:Z-Axis"]),
        PluginMarkCase(payload: #"{"status":"idle","spin":1,"X-Axis":1,"Y-Axis":1,"feed":-5}"#, quality: ["range:feed"]),
        PluginMarkCase(payload: #"{"status":"RUN","spin":1,"X-Axis":1,"Y-Axis":1}"#, status: .unknown, quality: ["status:status"]),
        PluginMarkCase(payload: #"{"status":"maintenance","spin":1,"X-Axis":1,"Y-Axis":1}"#, status: .unknown, quality: ["status:status"]),
        PluginMarkCase(payload: #"{"status":"idle","spin":1,"X-Axis":1,"Y-Axis":1,"temp":40}"#, unknown: ["temp"]),
        PluginMarkCase(payload: #"{"status":"idle","spin":1,"X-Axis":1,"Y-Axis":1,"Z-Axis":"up"}"#, quality: ["type:Z-Axis"]),
        PluginMarkCase(payload: #"{"status":"idle","spin":1,"x-axis":1,"X-Axis":1,"Y-Axis":1,"alarm":"E1"}"#, unknown: ["x-axis", "alarm"]),
    ]

    @Test("CNCTypeA keeps odd values and unknown variables, marked", arguments: typeAMarksCases)
    func typeAMarks(_ testCase: PluginMarkCase) throws {
        let state = try state(CNCTypeA(), testCase.payload)
        #expect(state.status == testCase.status)
        #expect(state.quality == testCase.quality)
        #expect(state.unknownVariables == testCase.unknown)
    }

    @Test("CNCTypeA refuses only what it cannot read", arguments: typeARejectsCases)
    func typeARejects(_ testCase: PluginRejectCase) throws {
        #expect(try rejection(CNCTypeA(), testCase.payload) == testCase.reason)
    }

    // MARK: - CNCTypeB

    static let typeBAcceptsCases: [PluginCase] = [
        PluginCase(
            payload: #"{"status":"RUN","spin":10,"X-Axis":1,"Y-Axis":2}"#,
            expected: MachineState(status: .running, spindleSpeedRPM: 10, axisXMillimetres: 1, axisYMillimetres: 2)),
        PluginCase(
            payload: #"{"status":"Running","spin":10,"X-Axis":1,"Y-Axis":2}"#,
            expected: MachineState(status: .running, spindleSpeedRPM: 10, axisXMillimetres: 1, axisYMillimetres: 2)),
        PluginCase(
            payload: #"{"status":"ALARM","alarm":"E42","spin":0,"X-Axis":1,"Y-Axis":2}"#,
            expected: MachineState(status: .error, spindleSpeedRPM: 0, axisXMillimetres: 1, axisYMillimetres: 2, alarmCode: "E42")),
        PluginCase(
            payload: #"{"status":"Alarm","spin":0,"X-Axis":1,"Y-Axis":2}"#,
            expected: MachineState(status: .error, spindleSpeedRPM: 0, axisXMillimetres: 1, axisYMillimetres: 2)),
        PluginCase(
            payload: #"{"status":"error","alarm":"","spin":0,"X-Axis":1,"Y-Axis":2}"#,
            expected: MachineState(status: .error, spindleSpeedRPM: 0, axisXMillimetres: 1, axisYMillimetres: 2)),
        PluginCase(
            payload: #"{"status":"READY","spin":0,"X-Axis":0,"Y-Axis":0}"#,
            expected: MachineState(status: .idle, spindleSpeedRPM: 0, axisXMillimetres: 0, axisYMillimetres: 0)),
        PluginCase(
            payload: #"{"status":"STOP","spin":0,"X-Axis":0,"Y-Axis":0}"#,
            expected: MachineState(status: .stopped, spindleSpeedRPM: 0, axisXMillimetres: 0, axisYMillimetres: 0)),
        PluginCase(
            payload: #"{"status":"Maintenance","spin":0,"X-Axis":0,"Y-Axis":0}"#,
            expected: MachineState(status: .maintenance, spindleSpeedRPM: 0, axisXMillimetres: 0, axisYMillimetres: 0)),
        PluginCase(
            payload: #"{"status":"setup","spin":0,"X-Axis":0,"Y-Axis":0}"#,
            expected: MachineState(status: .setup, spindleSpeedRPM: 0, axisXMillimetres: 0, axisYMillimetres: 0)),
        // Unknown variables are drift, kept in the payload; fractional spindle speeds allowed.
        PluginCase(
            payload: #"{"status":"run","spin":150.5,"X-Axis":-400,"Y-Axis":200,"temp":40,"fw":"2.1","diag":{"a":[1]}}"#,
            expected: MachineState(
                status: .running, spindleSpeedRPM: 150.5, axisXMillimetres: -400, axisYMillimetres: 200, unknownVariables: ["temp", "fw", "diag"])),
        PluginCase(
            payload: #"{"status":"running","spin":6000,"X-Axis":400,"Y-Axis":-200,"Z-Axis":-1500,"feed":10000}"#,
            expected: MachineState(
                status: .running, spindleSpeedRPM: 6000, feedRateMMPerMinute: 10000, axisXMillimetres: 400,
                axisYMillimetres: -200, axisZMillimetres: -1500)),
        // The longest alarm code it takes.
        PluginCase(
            payload: "{\"status\":\"alarm\",\"alarm\":\"" + String(repeating: "E", count: 64) + "\",\"spin\":0,\"X-Axis\":0,\"Y-Axis\":0}",
            expected: MachineState(
                status: .error, spindleSpeedRPM: 0, axisXMillimetres: 0, axisYMillimetres: 0, alarmCode: String(repeating: "E", count: 64))),
    ]

    @Test("CNCTypeB normalises and maps its variables", arguments: typeBAcceptsCases)
    func typeBAccepts(_ testCase: PluginCase) throws {
        #expect(try state(CNCTypeB(), testCase.payload) == testCase.expected)
    }

    static let typeBRejectsCases: [PluginRejectCase] = [
        PluginRejectCase(payload: #"{"spin":1,"X-Axis":1,"Y-Axis":1}"#, reason: #"missing variable "status""#),
        PluginRejectCase(payload: #"{"status":"idle","X-Axis":1,"Y-Axis":1}"#, reason: #"missing variable "spin""#),
        PluginRejectCase(payload: #"{"status":"idle","spin":1,"Y-Axis":1}"#, reason: #"missing variable "X-Axis""#),
        PluginRejectCase(payload: #"{"status":"idle","spin":1,"X-Axis":1}"#, reason: #"missing variable "Y-Axis""#),
        PluginRejectCase(payload: #"{"status":["run"],"spin":1,"X-Axis":1,"Y-Axis":1}"#, reason: #"variable "status" must be a string, not array"#),
        PluginRejectCase(
            payload: #"{"status":"idle","spin":"fast","X-Axis":1,"Y-Axis":1}"#, reason: #"variable "spin" must be a number, not string"#),
    ]

    static let typeBMarksCases: [PluginMarkCase] = [
        PluginMarkCase(
            payload: "{\"status\":\"idle\",\"spin\":1,\"X-Axis\":1,\"Y-Axis\":1,\"alarm\":\"" + String(repeating: "E", count: 65) + "\"}",
            quality: ["length:alarm"]),
        PluginMarkCase(payload: #"{"status":"idle","spin":6001,"X-Axis":1,"Y-Axis":1}"#, quality: ["range:spin"]),
        PluginMarkCase(payload: #"{"status":"idle","spin":-0.5,"X-Axis":1,"Y-Axis":1}"#, quality: ["range:spin"]),
        PluginMarkCase(payload: #"{"status":"idle","spin":1,"X-Axis":401,"Y-Axis":250}"#, quality: ["range:X-Axis", "range:Y-Axis"]),
        PluginMarkCase(payload: #"{"status":"idle","spin":1,"X-Axis":1,"Y-Axis":1,"Z-Axis":1500.5}"#, quality: ["range:Z-Axis"]),
        PluginMarkCase(payload: #"{"status":"idle","spin":1,"X-Axis":1,"Y-Axis":1,"feed":10001}"#, quality: ["range:feed"]),
        PluginMarkCase(payload: #"{"status":"flying","spin":1,"X-Axis":1,"Y-Axis":1}"#, status: .unknown, quality: ["status:status"]),
        PluginMarkCase(payload: #"{"status":"running","spin":0,"X-Axis":1,"Y-Axis":1}"#, status: .running, quality: ["running_without_spindle"]),
        PluginMarkCase(payload: #"{"status":"RUN","spin":0,"X-Axis":1,"Y-Axis":1}"#, status: .running, quality: ["running_without_spindle"]),
        PluginMarkCase(payload: #"{"status":"idle","spin":1,"X-Axis":1,"Y-Axis":1,"tool":"T4"}"#, unknown: ["tool"]),
        PluginMarkCase(payload: #"{"status":"idle","spin":1,"X-Axis":1,"Y-Axis":1,"alarm":5}"#, quality: ["type:alarm"]),
    ]

    @Test("CNCTypeB keeps odd values, impossible-looking states and unknown variables, marked", arguments: typeBMarksCases)
    func typeBMarks(_ testCase: PluginMarkCase) throws {
        let state = try state(CNCTypeB(), testCase.payload)
        #expect(state.status == testCase.status)
        #expect(state.quality == testCase.quality)
        #expect(state.unknownVariables == testCase.unknown)
    }

    @Test("CNCTypeB refuses only what it cannot read", arguments: typeBRejectsCases)
    func typeBRejects(_ testCase: PluginRejectCase) throws {
        #expect(try rejection(CNCTypeB(), testCase.payload) == testCase.reason)
    }

    // MARK: - Numbers sent as text

    static let textNumberCases: [PluginCase] = [
        PluginCase(
            payload: #"{"status":"idle","spin":"0","X-Axis":1,"Y-Axis":2}"#,
            expected: MachineState(status: .idle, spindleSpeedRPM: 0, axisXMillimetres: 1, axisYMillimetres: 2, quality: ["text:spin"])),
        PluginCase(
            payload: #"{"status":"idle","spin":10,"X-Axis":1,"Y-Axis":2,"feed":"1.5"}"#,
            expected: MachineState(
                status: .idle, spindleSpeedRPM: 10, feedRateMMPerMinute: 1.5, axisXMillimetres: 1, axisYMillimetres: 2, quality: ["text:feed"])),
        PluginCase(
            payload: #"{"status":"idle","spin":"1200","X-Axis":"-12.25","Y-Axis":"2E1","Z-Axis":"-0.5e1"}"#,
            expected: MachineState(
                status: .idle, spindleSpeedRPM: 1200, axisXMillimetres: -12.25, axisYMillimetres: 20, axisZMillimetres: -5,
                quality: ["text:spin", "text:X-Axis", "text:Y-Axis", "text:Z-Axis"])),
        // The range checks apply to the number the text spells.
        PluginCase(
            payload: #"{"status":"idle","spin":1,"X-Axis":"999","Y-Axis":2,"Z-Axis":"-2e3"}"#,
            expected: MachineState(
                status: .idle, spindleSpeedRPM: 1, axisXMillimetres: 999, axisYMillimetres: 2, axisZMillimetres: -2000,
                quality: ["text:X-Axis", "range:X-Axis", "text:Z-Axis", "range:Z-Axis"])),
        // The type's own checks see the number too.
        PluginCase(
            payload: #"{"status":"running","spin":"0","X-Axis":1,"Y-Axis":2}"#,
            expected: MachineState(
                status: .running, spindleSpeedRPM: 0, axisXMillimetres: 1, axisYMillimetres: 2, quality: ["text:spin", "running_without_spindle"])),
        // A text that is not a JSON number leaves an optional variable out, marked as of another type.
        PluginCase(
            payload: #"{"status":"idle","spin":1,"X-Axis":1,"Y-Axis":2,"Z-Axis":"NaN","feed":"1."}"#,
            expected: MachineState(
                status: .idle, spindleSpeedRPM: 1, axisXMillimetres: 1, axisYMillimetres: 2, quality: ["type:Z-Axis", "type:feed"])),
    ]

    @Test("a number sent as text is read as that number, marked text:NAME, and checked as one", arguments: textNumberCases)
    func textNumbers(_ testCase: PluginCase) throws {
        #expect(try state(CNCTypeB(), testCase.payload) == testCase.expected)
    }

    @Test(
        "a required variable sent as a text that is no JSON number is refused as before",
        arguments: [#""fast""#, #""01""#, #"" 1""#, #""+1""#, #""""#, #""Infinity""#, #""1e400""#])
    func textNotNumberRefused(_ spin: String) throws {
        let payload = #"{"status":"idle","spin":"# + spin + #","X-Axis":1,"Y-Axis":1}"#
        #expect(try rejection(CNCTypeB(), payload) == #"variable "spin" must be a number, not string"#)
        #expect(try rejection(CNCTypeA(), payload) == #"variable "spin" must be a number, not string"#)
    }

    @Test("a text number that should be whole and is not is marked whole:NAME after text:NAME")
    func textNumberWhole() throws {
        let state = try state(CNCTypeA(), #"{"status":"idle","spin":"200.5","X-Axis":1,"Y-Axis":1,"Z-Axis":"700"}"#)
        #expect(state.spindleSpeedRPM == 200.5 && state.axisZMillimetres == 700)
        #expect(state.quality == ["text:spin", "whole:spin", "text:Z-Axis", "range:Z-Axis"])
    }

    @Test("an unknown variable is stored as drift by both types, never refused")
    func unknownVariable() throws {
        let payload = #"{"status":"idle","spin":1,"X-Axis":1,"Y-Axis":1,"coolant":"on"}"#
        for plugin in [CNCTypeA(), CNCTypeB()] as [any CNCPlugin] {
            #expect(try rejection(plugin, payload) == nil)
            #expect(try state(plugin, payload).unknownVariables == ["coolant"])
        }
    }

    // MARK: - Registry

    @Test("the registry finds plugins by name")
    func registry() throws {
        #expect(PluginRegistry.typeNames == ["CNCTypeB"])
        #expect(try #require(PluginRegistry.plugin(named: "CNCTypeB")) is CNCTypeB)
        #expect(PluginRegistry.plugin(named: "CNCTypeA") == nil, "CNCTypeA is described: deploy/types/CNCTypeA.yaml")
        #expect(PluginRegistry.plugin(named: "CNCTypeC") == nil)
        #expect(PluginRegistry.plugin(named: "cnctypea") == nil)
        #expect(PluginRegistry.plugin(named: "") == nil)
        let names = PluginRegistry.builtIn.map { $0.typeName }
        #expect(Set(names).count == names.count)
        for name in names { #expect(MachineTypeName.isValid(name), "\(name)") }
    }

    // MARK: - The worker's use of a plugin

    @Test("outcome(of:) stores an accepted message with its type and state")
    func processStores() throws {
        let message = try Fixtures.cncMessage(Fixtures.sampleBytes[0])
        let outcome = CNCTypeA().outcome(of: message, typeName: "CNCTypeA", maxPayloadDepth: 16)
        #expect(outcome == .stored(StoredRecord(message: message, cncType: "CNCTypeA", state: Self.sampleStates[0])))
    }

    @Test(
        "outcome(of:) prefixes a plugin rejection with the type name, at the worker stage",
        arguments: [
            (CNCTypeA.typeName, #"variable "spin" must be a number, not string"#),
            (CNCTypeB.typeName, #"variable "spin" must be a number, not string"#),
        ])
    func processRejects(_ typeName: String, _ reason: String) throws {
        let plugin = try #require(Fixtures.shippedTypes.mapper(named: typeName))
        let message = try Fixtures.cncMessage(payload: #"{"status":"idle","spin":"fast","X-Axis":1,"Y-Axis":1}"#)
        guard case .rejected(let rejection) = plugin.outcome(of: message, typeName: typeName, maxPayloadDepth: 16) else {
            Issue.record("not rejected")
            return
        }
        #expect(rejection.reason == "\(typeName): \(reason)")
        #expect(rejection.stage == .worker)
        #expect(rejection.id == message.id)
        #expect(rejection.cncID == message.cncID)
        #expect(rejection.topic == message.topic)
        #expect(rejection.receivedAt == message.receivedAt)
        #expect(rejection.raw == message.raw)
        #expect(rejection.rejectedAt > 0)
    }

    @Test("outcome(of:) rejects a payload deeper than its limit, naming the type")
    func processPayloadTooDeep() throws {
        let message = try Fixtures.cncMessage(payload: #"{"a":[[1]]}"#)
        guard case .rejected(let rejection) = CNCTypeB().outcome(of: message, typeName: "CNCTypeB", maxPayloadDepth: 2) else {
            Issue.record("not rejected")
            return
        }
        #expect(rejection.reason == "CNCTypeB: payload: nesting deeper than 2 levels at byte 6")
        #expect(rejection.stage == .worker)
    }

    @Test("outcome(of:) rejects a payload range that is not an object")
    func processPayloadNotObject() throws {
        var message = try Fixtures.cncMessage(Fixtures.sampleBytes[0])
        // Point the range at the "cnc_id" value, a string.
        let raw = message.raw
        let start = try #require((0..<raw.count).first { Array(raw[$0..<min($0 + 8, raw.count)]) == Array("\"CNC001\"".utf8) })
        message.payloadRange = start..<start + 8
        guard case .rejected(let rejection) = CNCTypeA().outcome(of: message, typeName: "CNCTypeA", maxPayloadDepth: 16) else {
            Issue.record("not rejected")
            return
        }
        #expect(rejection.reason == "CNCTypeA: payload: payload is not an object at byte \(start)")
    }
}
