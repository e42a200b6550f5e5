import CollectorCore

/// Messages, records and rejections in every shape the wire format carries.
package enum WireSamples {
    package static func message(_ sequence: UInt64 = 1, line: Int = 0) -> CNCMessage {
        let raw = Fixtures.sampleBytes[line]
        let fields = try! MessageValidator().validate(raw).get()
        return CNCMessage(
            id: MessageID(high: 0xDEAD_BEEF_0000_0001, low: sequence), topic: "sensor/CNC/é", raw: raw, accepted: fields,
            receivedAt: 1_747_379_099_123_456, firstReceivedAt: 1_747_379_099_123_456)
    }

    /// A message of a source with topic levels and no time nor program: every field version 3 added.
    package static func sourcedMessage() -> CNCMessage {
        let raw = Array(#"{"machine":"CNC013","spin":"1200","status":"running"}"#.utf8)
        return CNCMessage(
            id: MessageID(topic: "plant/hall1/line2/CNC013/data", content: raw), receivedAt: 1_764_990_005_000_001, timestamp: 1_764_990_005_000_001,
            topic: "plant/hall1/line2/CNC013/data", cncID: "CNC013", partProgram: nil, raw: raw, payloadRange: 0..<0,
            builtPayload: Array(#"{"spin":"1200","status":"running"}"#.utf8), timestampIsReceiveTime: true,
            tags: [MachineTag(name: "site", value: "hall1"), MachineTag(name: "line", value: "línea 2")])
    }

    /// A message record as versions 1 and 2 lay it out: version 3's without the flags and the tags.
    package static func version2Record(_ message: CNCMessage) -> [UInt8] {
        precondition(message.builtPayload == nil && message.tags.isEmpty && message.partProgram != nil && !message.timestampIsReceiveTime)
        var writer = ByteWriter()
        writer.write(message)
        return Array(writer.bytes.dropLast(3))
    }

    package static func rejection(_ stage: Stage, sequence: UInt64 = 9, cncID: String = "CNC002") -> Rejection {
        Rejection(
            id: MessageID(high: 3, low: sequence), rejectedAt: 1_747_379_100_000_001, receivedAt: 1_747_379_100_000_000, stage: stage,
            reason: "invalid UTF-8 at byte 4 — “quoted”", topic: "sensor/CNC", cncID: cncID, raw: [0x7B, 0xC3, 0x28, 0x00, 0xFF]
        )
    }

    package static let fullState = MachineState(
        status: .maintenance, spindleSpeedRPM: 1200.5, feedRateMMPerMinute: 300, axisXMillimetres: -12.25, axisYMillimetres: 0,
        axisZMillimetres: -0.0, spindleLoadPercent: 87.5, feedOverridePercent: 120, spindleOverridePercent: 95, partCount: 1_234_567,
        tool: "T12 ⌀8", block: "N1040", alarmCode: "E-42 ünïcode", alarmText: "Spindle overload, ünïcode",
        extra: JSONObject(members: [.init(key: "coolant_c", value: .number(21.5)), .init(key: "door", value: .string("closed"))]),
        quality: ["range:X-Axis", "running_without_spindle"], unknownVariables: ["fw", "ünknown"]
    )
    package static let bareState = MachineState(status: .idle)

    package static var frames: [(String, WireFrame)] {
        [
            ("one message", .messages([message()])),
            ("three messages", .messages([message(1, line: 0), message(2, line: 1), message(3, line: 2)])),
            ("no messages", .messages([])),
            ("a message of a source with tags and no time nor program", .messages([sourcedMessage(), message()])),
            ("rejections at every stage", .rejections(Stage.allCases.enumerated().map { rejection($1, sequence: UInt64($0)) })),
            ("rejection without cnc_id", .rejections([rejection(.ingest, cncID: "")])),
            ("record with every optional field", .records([StoredRecord(message: message(), cncType: "CNCTypeB", state: fullState)])),
            ("record with no optional field", .records([StoredRecord(message: message(), cncType: "CNCTypeA", state: bareState)])),
            ("record of a sourced message", .records([StoredRecord(message: sourcedMessage(), cncType: "CNCTypeA", state: bareState)])),
            (
                "records with each single optional field",
                .records(
                    singleFieldStates.enumerated().map {
                        StoredRecord(message: message(UInt64($0)), cncType: "CNCTypeA", state: $1)
                    })
            ),
            (
                "records of every status",
                .records(MachineState.Status.allCases.map { StoredRecord(message: message(), cncType: "T", state: MachineState(status: $0)) })
            ),
            (
                "acknowledgements",
                .acknowledgements([MessageID(high: 1, low: 2), MessageID(topic: "t", content: [1, 2, 3]), MessageID(high: .max, low: 0)])
            ),
            ("no acknowledgements", .acknowledgements([])),
        ]
    }

    package static var singleFieldStates: [MachineState] {
        [
            MachineState(status: .running, spindleSpeedRPM: 1),
            MachineState(status: .running, feedRateMMPerMinute: 2),
            MachineState(status: .running, axisXMillimetres: 3),
            MachineState(status: .running, axisYMillimetres: 4),
            MachineState(status: .running, axisZMillimetres: 5),
            MachineState(status: .error, alarmCode: ""),
            MachineState(status: .error, alarmCode: "A1"),
            MachineState(status: .running, spindleLoadPercent: 6),
            MachineState(status: .running, feedOverridePercent: 7),
            MachineState(status: .running, spindleOverridePercent: 8),
            MachineState(status: .running, partCount: -9),
            MachineState(status: .running, tool: "T10"),
            MachineState(status: .running, block: "N11"),
            MachineState(status: .error, alarmText: "twelve"),
            MachineState(status: .running, extra: JSONObject(members: [.init(key: "n", value: .null)])),
            MachineState(status: .unknown, quality: ["status:status"]),
            MachineState(status: .running, unknownVariables: [""]),
        ]
    }
}
