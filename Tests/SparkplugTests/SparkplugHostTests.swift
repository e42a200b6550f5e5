import CollectorCore
import Foundation
import Testing

@testable import Sparkplug

@Suite("Sparkplug host")
struct SparkplugHostTests {
    typealias F = SparkplugFixtures

    /// A host and a clock: each message is received 10 ms after the one before.
    final class Session {
        let host: SparkplugHost
        var now: UInt64 = 1_000
        let layout: SparkplugLayout

        init(configuration: SparkplugHost.Configuration = .init(), layout: SparkplugLayout = SparkplugLayout(partProgramMetric: "Program")) {
            host = SparkplugHost(configuration: configuration)
            self.layout = layout
        }

        func receive(_ topic: String, _ raw: [UInt8]) -> [SparkplugHost.Output] {
            now += 10
            return host.receive(
                topic: topic, raw: raw, id: MessageID(topic: topic, content: raw), receivedAt: Int64(now) * 1000, now: now, layout: layout,
                limits: F.limits)
        }

        func tick(after milliseconds: UInt64) -> [SparkplugHost.Output] {
            now += milliseconds
            return host.tick(now: now)
        }
    }

    static let node = "spBv1.0/plant1/NBIRTH/lineA"
    static let deviceBirth = "spBv1.0/plant1/DBIRTH/lineA/CNC101"
    static let deviceData = "spBv1.0/plant1/DDATA/lineA/CNC101"
    static let nodeDeath = "spBv1.0/plant1/NDEATH/lineA"

    static func payload(_ message: CNCMessage) throws -> JSONObject {
        try message.parsePayload()
    }

    static func messages(_ outputs: [SparkplugHost.Output]) -> [CNCMessage] {
        outputs.compactMap { if case .message(let message) = $0 { message } else { nil } }
    }

    static func events(_ outputs: [SparkplugHost.Output], _ kind: MachineEvent.Kind) -> [MachineEvent] {
        outputs.compactMap { if case .event(let event) = $0, event.kind == kind { event } else { nil } }
    }

    static func commands(_ outputs: [SparkplugHost.Output]) -> [String] {
        outputs.compactMap { if case .command(let topic, _) = $0 { topic } else { nil } }
    }

    @Test("births name the DATA that carries aliases only; the payload says which metrics were sent, and their datatypes")
    func namedByBirth() throws {
        let session = Session()
        let nodeBirth = session.receive(Self.node, F.nodeBirth())
        #expect(Self.messages(nodeBirth).map(\.cncID) == ["lineA"])
        #expect(Self.events(nodeBirth, .birth).map(\.cncID) == ["lineA"])
        let deviceBirth = session.receive(Self.deviceBirth, F.deviceBirth(seq: 1))
        #expect(Self.events(deviceBirth, .birth).map(\.cncID) == ["CNC101"])
        let outputs = session.receive(Self.deviceData, F.deviceData(seq: 2))
        let message = try #require(Self.messages(outputs).first)
        #expect(message.cncID == "CNC101")
        #expect(message.partProgram == "O1000") // sent in the birth, loaded since
        #expect(message.timestamp == 1_765_000_000_000_000)
        #expect(message.tags.contains(MachineTag(name: "sparkplug_edge_node", value: "lineA")))
        let payload = try Self.payload(message)
        #expect(payload["Spindle/Speed"] == .number(1200.5))
        #expect(payload["Execution"] == .string("ACTIVE"))
        #expect(payload["PartCount"] == .number(-3))
        guard case .object(let sparkplug)? = payload["sparkplug"], case .object(let sent)? = sparkplug["sent"] else {
            Issue.record("no sparkplug member: \(payload)")
            return
        }
        #expect(sparkplug["message"] == .string("DDATA"))
        #expect(sparkplug["seq"] == .number(2))
        #expect(sparkplug["unnamed"] == nil)
        #expect(sparkplug["metrics"] == nil)
        #expect(Array(sent.keys) == ["Spindle/Speed", "Execution", "PartCount"])
        #expect(sent["Spindle/Speed"] == .string("Double"))
        #expect(sent["PartCount"] == .string("Int64"))
        // The birth's program names the program; its row lists every metric whole, with its alias.
        let birth = try #require(Self.messages(deviceBirth).first)
        #expect(birth.partProgram == "O1000")
        guard case .object(let birthMember)? = try Self.payload(birth)["sparkplug"], case .array(let listed)? = birthMember["metrics"],
            case .object(let first)? = listed.first
        else {
            Issue.record("no list in the birth")
            return
        }
        #expect(birthMember["sent"] == nil)
        #expect(listed.count == 4)
        #expect(first["name"] == .string("Spindle/Speed"))
        #expect(first["alias"] == .number(10))
        #expect(first["datatype"] == .string("Double"))
        #expect(first["value"] == .number(0))
    }

    @Test("DATA that carries only what changed: the payload holds every metric's last value, by name")
    func reportByException() throws {
        let session = Session()
        _ = session.receive(Self.node, F.nodeBirth())
        _ = session.receive(Self.deviceBirth, F.deviceBirth(seq: 1))
        _ = session.receive(Self.deviceData, F.deviceData(seq: 2, speed: 800))
        let changed = session.receive(Self.deviceData, F.payload(seq: 3, [F.metric(nil, alias: 10, .doubleValue(900))]))
        let payload = try Self.payload(try #require(Self.messages(changed).first))
        #expect(payload["Spindle/Speed"] == .number(900))
        #expect(payload["Execution"] == .string("ACTIVE"))
        #expect(payload["PartCount"] == .number(-3))
        #expect(payload["Program"] == .string("O1000"))
        guard case .object(let sparkplug)? = payload["sparkplug"], case .object(let sent)? = sparkplug["sent"] else {
            Issue.record("no metrics")
            return
        }
        #expect(Array(sent.keys) == ["Spindle/Speed"])
    }

    @Test("a metric the sent map cannot say whole is listed with its value: own time, historical, transient, sent twice, unnamed")
    func listedWhole() throws {
        let session = Session()
        _ = session.receive(Self.node, F.nodeBirth())
        _ = session.receive(Self.deviceBirth, F.deviceBirth(seq: 1))
        var transient = F.metric(nil, alias: 11, .stringValue("FEED_HOLD"))
        transient.isTransient = true
        let raw = F.payload(
            seq: 2,
            [
                F.metric(nil, alias: 10, .doubleValue(100), timestamp: 1_765_000_000_000), // the message's own time: plain
                F.metric(nil, alias: 12, .longValue(1), timestamp: 1_764_999_999_000),
                F.metric(nil, alias: 12, .longValue(2)),
                transient,
                F.metric(nil, alias: 12, .longValue(0), timestamp: 1_000, historical: true),
                F.metric("Coolant", datatype: .boolean, .booleanValue(true)),
                F.metric("sparkplug", datatype: .string, .stringValue("not a member")),
            ])
        let message = try #require(Self.messages(session.receive(Self.deviceData, raw)).first)
        let payload = try Self.payload(message)
        #expect(payload["PartCount"] == .number(2))
        #expect(payload["Execution"] == .string("FEED_HOLD"))
        #expect(payload["Coolant"] == .bool(true))
        guard case .object(let sparkplug)? = payload["sparkplug"], case .object(let sent)? = sparkplug["sent"],
            case .array(let listed)? = sparkplug["metrics"]
        else {
            Issue.record("no sent map or list: \(payload)")
            return
        }
        #expect(Array(sent.keys) == ["Spindle/Speed", "Coolant"])
        #expect(sent["Coolant"] == .string("Boolean"))
        let entries = listed.compactMap { if case .object(let entry) = $0 { entry } else { nil } }
        #expect(
            entries.map { $0["name"] } == [
                .string("PartCount"), .string("PartCount"), .string("Execution"), .string("PartCount"), .string("sparkplug"),
            ])
        #expect(entries.map { $0["value"] } == [.number(1), .number(2), .string("FEED_HOLD"), .number(0), .string("not a member")])
        #expect(entries[0]["timestamp"] == .number(1_764_999_999_000))
        #expect(entries[2]["transient"] == .bool(true))
        #expect(entries[3]["historical"] == .bool(true))
        #expect(entries[1]["alias"] == .number(12))
        #expect(entries[1]["datatype"] == .string("Int64"))
    }

    @Test("DATA before any birth is held, marked, and a rebirth asked for; the birth names it")
    func heldUntilBirth() throws {
        let session = Session()
        let early = session.receive(Self.deviceData, F.deviceData(seq: 7))
        guard case .held(let held, _)? = early.first else {
            Issue.record("not held: \(early)")
            return
        }
        let heldPayload = try Self.payload(held)
        guard case .object(let mark)? = heldPayload["sparkplug"] else {
            Issue.record("no mark")
            return
        }
        #expect(mark["unnamed"] == .number(3))
        #expect(Self.commands(early) == ["spBv1.0/plant1/NCMD/lineA"])
        #expect(Self.events(early, .rebirthRequested).count == 1)
        // A second early message asks for nothing more: one request per interval.
        let second = session.receive(Self.deviceData, F.deviceData(seq: 8, speed: 99))
        #expect(Self.commands(second).isEmpty)
        _ = session.receive(Self.node, F.nodeBirth())
        let reborn = session.receive(Self.deviceBirth, F.deviceBirth(seq: 1))
        let released = reborn.compactMap { if case .released(let message) = $0 { message } else { nil } }
        #expect(released.map(\.id) == [held.id, MessageID(topic: Self.deviceData, content: F.deviceData(seq: 8, speed: 99))])
        #expect(try Self.payload(released[0])["Spindle/Speed"] == .number(1200.5))
        #expect(try Self.payload(released[1])["Spindle/Speed"] == .number(99))
    }

    @Test("held DATA that no birth names in time goes on unnamed")
    func heldUntilTimeout() throws {
        let session = Session(configuration: .init(birthWaitMilliseconds: 500))
        _ = session.receive(Self.deviceData, F.deviceData(seq: 7))
        #expect(session.tick(after: 100).isEmpty)
        let late = session.tick(after: 500)
        guard case .released(let message)? = late.first else {
            Issue.record("not released: \(late)")
            return
        }
        #expect(try Self.payload(message)["Spindle/Speed"] == nil)
        #expect(session.host.waitingCount == 0)
    }

    @Test("a death of the current birth makes every machine of the node offline; a stale one changes nothing")
    func deaths() throws {
        let session = Session()
        _ = session.receive(Self.node, F.nodeBirth(bdSeq: 4))
        _ = session.receive(Self.deviceBirth, F.deviceBirth(seq: 1))
        let stale = session.receive(Self.nodeDeath, F.nodeDeath(bdSeq: 3))
        #expect(stale.isEmpty)
        #expect(session.host.staleDeaths == 1)
        let death = session.receive(Self.nodeDeath, F.nodeDeath(bdSeq: 4))
        #expect(Self.events(death, .death).map(\.cncID) == ["CNC101", "lineA"])
        // The same Will again is a duplicate.
        #expect(session.receive(Self.nodeDeath, F.nodeDeath(bdSeq: 4)).isEmpty)
        #expect(session.host.staleDeaths == 2)
    }

    @Test("a device death makes that device offline")
    func deviceDeath() {
        let session = Session()
        _ = session.receive(Self.node, F.nodeBirth())
        _ = session.receive(Self.deviceBirth, F.deviceBirth(seq: 1))
        let death = session.receive("spBv1.0/plant1/DDEATH/lineA/CNC101", F.payload(seq: 2, []))
        #expect(Self.events(death, .death).map(\.cncID) == ["CNC101"])
    }

    @Test("a message out of sequence waits; filled in time, nothing is recorded")
    func reorderFilled() {
        let session = Session()
        _ = session.receive(Self.node, F.nodeBirth())
        _ = session.receive(Self.deviceBirth, F.deviceBirth(seq: 1))
        #expect(session.receive(Self.deviceData, F.deviceData(seq: 3)).isEmpty)
        let filled = session.receive(Self.deviceData, F.deviceData(seq: 2))
        #expect(Self.messages(filled).compactMap { try? Self.payload($0)["sparkplug"] }.count == 2)
        #expect(Self.events(filled, .sequenceGap).isEmpty)
        #expect(session.tick(after: 5_000).isEmpty)
    }

    @Test("a gap not filled in time is recorded for each machine of the node, and a rebirth asked for")
    func gap() throws {
        let session = Session(configuration: .init(reorderTimeMilliseconds: 1_000))
        _ = session.receive(Self.node, F.nodeBirth())
        _ = session.receive(Self.deviceBirth, F.deviceBirth(seq: 1))
        _ = session.receive(Self.deviceData, F.deviceData(seq: 5))
        #expect(session.tick(after: 500).isEmpty)
        let outputs = session.tick(after: 600)
        let gaps = Self.events(outputs, .sequenceGap)
        #expect(gaps.map(\.cncID) == ["CNC101", "lineA"])
        let detail = try JSONParser.parse(gaps[0].detail)
        guard case .object(let object) = detail else {
            Issue.record("detail")
            return
        }
        #expect(object["expected_seq"] == .number(2))
        #expect(object["received_seq"] == .number(5))
        #expect(object["missing"] == .number(3))
        #expect(Self.commands(outputs) == ["spBv1.0/plant1/NCMD/lineA"])
        #expect(Self.messages(outputs).count == 1)
        // The sequence goes on from the message taken.
        #expect(Self.messages(session.receive(Self.deviceData, F.deviceData(seq: 6))).count == 1)
    }

    @Test("sequence numbers wrap from 255 to 0")
    func wrap() {
        let session = Session()
        _ = session.receive(Self.node, F.nodeBirth(seq: 254))
        _ = session.receive(Self.deviceBirth, F.deviceBirth(seq: 255))
        let outputs = session.receive(Self.deviceData, F.deviceData(seq: 0))
        #expect(Self.messages(outputs).count == 1)
    }

    @Test(
        "bad input is refused with its reason, never a crash",
        arguments: [
            (deviceData, [0xFF, 0xFF, 0xFF], "not a Sparkplug B payload"),
            ("spBv1.0/plant1/DDATA/lineA", F.deviceData(seq: 2), "lacks the device"),
            (
                deviceData,
                F.payload(seq: 2, [F.metric(nil, alias: 10, datatype: .string, .stringValue("fast"))]),
                "is a String here but a Double in its birth"
            ),
            (deviceData, F.payload(seq: 2, [F.metric("X", datatype: .double, .stringValue("1"))]), "carried in double_value"),
            (
                deviceData,
                F.payload(
                    seq: 2,
                    [F.metric("X", datatype: nil, .intValue(1))].map {
                        var m = $0
                        m.datatype = 99
                        return m
                    }), "datatype 99"
            ),
        ] as [(String, [UInt8], String)])
    func refused(topic: String, raw: [UInt8], reason: String) {
        let session = Session(configuration: .init(), layout: SparkplugLayout())
        _ = session.receive(Self.node, F.nodeBirth())
        _ = session.receive(Self.deviceBirth, F.deviceBirth(seq: 1))
        let outputs = session.receive(topic, raw)
        guard case .rejection(let rejection)? = outputs.first else {
            Issue.record("not refused: \(outputs)")
            return
        }
        #expect(rejection.reason.contains(reason), "\(rejection.reason)")
        #expect(rejection.raw == raw && rejection.topic == topic && rejection.stage == .ingest)
    }

    @Test("a message refused when it leaves the reorder buffer, at a tick, keeps its bytes and topic")
    func refusedAfterWaiting() {
        let session = Session(configuration: .init(reorderTimeMilliseconds: 100))
        _ = session.receive(Self.node, F.nodeBirth())
        _ = session.receive(Self.deviceBirth, F.deviceBirth(seq: 1))
        let contradicting = F.payload(seq: 5, [F.metric(nil, alias: 10, datatype: .string, .stringValue("fast"))])
        #expect(session.receive(Self.deviceData, contradicting).isEmpty)
        let outputs = session.tick(after: 200)
        let rejections = outputs.compactMap { if case .rejection(let rejection) = $0 { rejection } else { nil } }
        #expect(rejections.map(\.raw) == [contradicting])
        #expect(rejections.map(\.topic) == [Self.deviceData])
        #expect(rejections.first?.reason.contains("is a String here but a Double in its birth") == true)
    }

    @Test("a payload of more metrics than any machine sends is refused")
    func hugeMetricArray() {
        let builder = SparkplugMessageBuilder(layout: SparkplugLayout(), limits: ValidationLimits(maxMessageBytes: 1 << 20))
        let raw = F.payload(seq: 2, Array(repeating: F.metric(nil, alias: 10, .doubleValue(1)), count: 10_001))
        #expect(throws: SparkplugError("10001 metrics in one payload; at most 10000 are read")) { try builder.decode(raw) }
    }

    @Test("values are read as their datatypes say: signed integers, arrays, bytes, datasets, historical values")
    func values() throws {
        let session = Session(layout: SparkplugLayout(machine: .edgeNode))
        var floats: [UInt8] = []
        for value: Float in [1.5, -2] { withUnsafeBytes(of: value.bitPattern.littleEndian) { floats += $0 } }
        var dataSet = SparkplugB_Payload.DataSet()
        dataSet.numOfColumns = 2
        dataSet.columns = ["tool", "wear"]
        dataSet.types = [SparkplugDataType.string.rawValue, SparkplugDataType.int16.rawValue]
        var row = SparkplugB_Payload.DataSet.Row()
        var tool = SparkplugB_Payload.DataSet.DataSetValue()
        tool.stringValue = "T1"
        var wear = SparkplugB_Payload.DataSet.DataSetValue()
        wear.intValue = UInt32(truncatingIfNeeded: Int16(-7))
        row.elements = [tool, wear]
        dataSet.rows = [row]
        let raw = F.payload(
            seq: 0,
            [
                F.metric("bdSeq", datatype: .int64, .longValue(0)),
                F.metric("i8", datatype: .int8, .intValue(UInt32(truncatingIfNeeded: Int8(-5)))),
                F.metric("i32", datatype: .int32, .intValue(UInt32(bitPattern: -70_000))),
                F.metric("u64", datatype: .uint64, .longValue(UInt64.max)),
                F.metric("floats", datatype: .floatArray, .bytesValue(Data(floats))),
                F.metric("flags", datatype: .booleanArray, .bytesValue(Data([3, 0, 0, 0, 0b1010_0000]))),
                F.metric("names", datatype: .stringArray, .bytesValue(Data("a\u{0}bc\u{0}".utf8))),
                F.metric("blob", datatype: .bytes, .bytesValue(Data([1, 2, 3]))),
                F.metric("tools", datatype: .dataSet, .datasetValue(dataSet)),
                F.metric("temp", datatype: .double, .doubleValue(20), timestamp: 1_000, historical: true),
                F.metric("temp", datatype: .double, .doubleValue(21), timestamp: 2_000),
                F.metric("gone", datatype: .double, nil),
            ])
        let message = try #require(Self.messages(session.receive(Self.node, raw)).first)
        let text = String(decoding: message.payloadJSON, as: UTF8.self)
        let payload = try Self.payload(message)
        #expect(payload["i8"] == .number(-5))
        #expect(payload["i32"] == .number(-70_000))
        #expect(text.contains("\"u64\":18446744073709551615"))
        #expect(payload["floats"] == .array([.number(1.5), .number(-2)]))
        #expect(payload["flags"] == .array([.bool(true), .bool(false), .bool(true)]))
        #expect(payload["names"] == .array([.string("a"), .string("bc")]))
        #expect(payload["blob"] == .string("AQID"))
        #expect(payload["temp"] == .number(21))
        #expect(payload["gone"] == .null)
        #expect(text.contains(#""tools":{"columns":["tool","wear"],"types":["String","Int16"],"rows":[["T1",-7]]}"#))
        #expect(text.contains(#"{"name":"temp","datatype":"Double","timestamp":1000,"historical":true,"value":20}"#))
    }

    @Test("the rebirth command is NCMD Node Control/Rebirth = true")
    func rebirthCommand() throws {
        let payload = try SparkplugB_Payload(serializedBytes: SparkplugHost.rebirthCommand(timestamp: 5))
        #expect(payload.metrics.count == 1)
        #expect(payload.metrics[0].name == "Node Control/Rebirth")
        #expect(payload.metrics[0].booleanValue == true)
        #expect(payload.metrics[0].datatype == SparkplugDataType.boolean.rawValue)
    }
}
