import CollectorCore
import Testing

@testable import MTConnect

@Suite("MTConnect messages")
struct MTConnectMessageBuilderTests {
    static func mill() throws -> DeviceModel {
        guard case .devices(let probe) = try MTConnectDocument.parse(try MTConnectDocumentTests.fixture("probe.xml")) else {
            throw MTConnectError("no probe")
        }
        return probe.devices[1]
    }

    static func sample() throws -> StreamsDocument {
        guard case .streams(let streams) = try MTConnectDocument.parse(try MTConnectDocumentTests.fixture("sample.xml")) else {
            throw MTConnectError("no sample")
        }
        return streams
    }

    @Test("keys: the type in the standard's spelling, a sub-type after a dot, the component first where two share one")
    func keys() throws {
        let keys = DataItemKeys(try Self.mill())
        #expect(keys.byID["exec"] == "Execution")
        #expect(keys.byID["mode"] == "ControllerMode")
        #expect(keys.byID["pc"] == "PartCount")
        #expect(keys.byID["Sspeed"] == "RotaryVelocity")
        #expect(keys.byID["Sovr"] == "RotaryVelocity.Override")
        #expect(keys.byID["pfr"] == "PathFeedrate")
        #expect(keys.byID["pfo"] == "PathFeedrate.Override")
        #expect(keys.byID["Xload"] == "X/Load")
        #expect(keys.byID["Sload"] == "C/Load")
        #expect(keys.byID["system"] == "SystemCondition")
        #expect(keys.byID["Xtravel"] == "PositionCondition")
        #expect(keys.byID["Xact"] == "Position")
        let twins = DeviceModel(
            id: "d", name: "m", uuid: nil,
            dataItems: [
                DataItemDefinition(id: "a1", type: "LOAD", category: .sample, component: ComponentReference(type: "Linear", name: "X")),
                DataItemDefinition(id: "a2", type: "LOAD", category: .sample, component: ComponentReference(type: "Linear", name: "X")),
                DataItemDefinition(id: "al", type: "ALARM", category: .event, component: ComponentReference(type: "Controller", name: "c")),
            ])
        #expect(DataItemKeys(twins).ordered == ["a1", "a2", "c/Alarm"])
    }

    @Test("a message for each time the device reported: every value so far by key, typed; the observations of that time as sent")
    func messages() throws {
        var state = MTConnectDeviceState(device: try Self.mill())
        let builder = MTConnectMessageBuilder(agent: "http://127.0.0.1:5000")
        let streams = try Self.sample()
        let messages = try builder.messages(streams.devices[0], instanceID: streams.header.instanceID, state: &state, receivedAt: 5)
        #expect(messages.count == 6)
        #expect(messages.map(\.cncID) == Array(repeating: "VMC-3Axis", count: 6))
        #expect(messages.map(\.topic) == Array(repeating: "mtconnect/http://127.0.0.1:5000/VMC-3Axis", count: 6))
        #expect(messages[0].timestamp == 1_796_551_201_000_001)
        #expect(Set(messages.map(\.id)).count == 6)
        let last = try messages[4].parsePayload()
        #expect(last["Execution"] == .string("ACTIVE"))
        #expect(last["PartCount"] == .number(17))
        #expect(last["RotaryVelocity"] == .number(1200))
        #expect(last["Position"] == .number(12.5))
        #expect(last["X/Load"] == .null)
        #expect(last["Availability"] == .string("AVAILABLE"))
        #expect(last["SystemCondition"] == .string("FAULT"))
        #expect(last["LogicProgramCondition"] == .string("UNAVAILABLE"))
        #expect(last["PathPosition"] == .array([1, 2, 3, 4, 5, 6].map { .number(Double($0)) }))
        #expect(last["Alarm"] == .string("FAULT"))
        #expect(last["AlarmCode"] == .string("1001"))
        #expect(last["AlarmText"] == .string("Spindle over temperature & stopped"))
        guard case .object(let sent)? = last["mtconnect"], case .array(let observations)? = sent["observations"] else {
            Issue.record("no observations: \(last)")
            return
        }
        #expect(sent["instance_id"] == .number(1_764_990_000))
        #expect(observations.count == 3)
        let variables = try messages[5].parsePayload()
        #expect(variables["Variable"] == .object(JSONObject(members: [.init(key: "R100", value: .number(5.5))])))
        let fault = try messages[3].parsePayload()
        guard case .object(let faultSent)? = fault["mtconnect"], case .array(let faultObservations)? = faultSent["observations"],
            case .object(let first)? = faultObservations.first
        else {
            Issue.record("no fault observation")
            return
        }
        #expect(first["level"] == .string("FAULT"))
        #expect(first["native_code"] == .string("1001"))
        #expect(first["condition_type"] == .string("SYSTEM"))
    }

    @Test("the same observations fetched again are the same messages; another run of the agent makes other ones")
    func identity() throws {
        let streams = try Self.sample()
        let builder = MTConnectMessageBuilder(agent: "http://127.0.0.1:5000")
        var first = MTConnectDeviceState(device: try Self.mill())
        var again = MTConnectDeviceState(device: try Self.mill())
        let one = try builder.messages(streams.devices[0], instanceID: 1, state: &first, receivedAt: 5).map(\.id)
        let two = try builder.messages(streams.devices[0], instanceID: 1, state: &again, receivedAt: 9).map(\.id)
        var other = MTConnectDeviceState(device: try Self.mill())
        let three = try builder.messages(streams.devices[0], instanceID: 2, state: &other, receivedAt: 5).map(\.id)
        #expect(one == two)
        #expect(Set(one).isDisjoint(with: three))
    }

    @Test("conditions: a normal with a code clears that code, one without clears all; the alarm is the latest of the worst level")
    func conditions() throws {
        var state = MTConnectDeviceState(device: try Self.mill())
        func observe(_ level: Observation.ConditionState.Level, code: String?, _ text: String, at sequence: UInt64) {
            state.apply(
                Observation(
                    dataItemID: "system", element: level.rawValue.capitalized, category: .condition, sequence: sequence, timestamp: Int64(sequence),
                    value: .text(text), condition: .init(level: level, type: "SYSTEM", nativeCode: code),
                    component: ComponentReference(type: "Controller")))
        }
        func alarm() throws -> [JSONValue?] {
            var writer = JSONTextWriter()
            writer.byte("{")
            state.writeValues(to: &writer)
            writer.raw("\"end\":0}")
            let object = try JSONParser.parse(writer.bytes)
            guard case .object(let payload) = object else { return [] }
            return [payload["Alarm"], payload["AlarmCode"], payload["AlarmText"], payload["SystemCondition"]]
        }
        observe(.warning, code: "W1", "low oil", at: 1)
        observe(.fault, code: "F1", "overheat", at: 2)
        observe(.warning, code: "W2", "door", at: 3)
        #expect(try alarm() == [.string("FAULT"), .string("F1"), .string("overheat"), .string("FAULT")])
        observe(.normal, code: "F1", "", at: 4)
        #expect(try alarm() == [.string("WARNING"), .string("W2"), .string("door"), .string("WARNING")])
        observe(.normal, code: nil, "", at: 5)
        #expect(try alarm() == [.string("NORMAL"), .null, .null, .string("NORMAL")])
    }

    @Test("a machine by its name or its uuid; one that is no valid cnc_id is refused with the reason")
    func machineNames() throws {
        let mill = try Self.mill()
        #expect(try MTConnectMessageBuilder(agent: "a", machineName: .uuid).cncID(of: mill) == "mill-001")
        let odd = DeviceModel(id: "d", name: "two words", uuid: nil)
        #expect(throws: MTConnectError("device name \"two words\" is not a valid cnc_id")) { try MTConnectMessageBuilder(agent: "a").cncID(of: odd) }
    }
}
