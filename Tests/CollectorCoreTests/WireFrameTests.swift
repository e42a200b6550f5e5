import TestSupport
import Testing

@testable import CollectorCore

@Suite("WireFrame")
struct WireFrameTests {
    @Test("every frame kind round-trips", arguments: WireSamples.frames.map(\.0))
    func roundTrip(_ name: String) throws {
        let frame = try #require(WireSamples.frames.first { $0.0 == name }?.1)
        let decoded = try WireFrame.decode(frame.encoded())
        #expect(decoded == frame)
        #expect(decoded.count == frame.count)
        #expect(decoded.encoded() == frame.encoded())
    }

    @Test("a decoded message keeps its payload slice")
    func payloadSliceSurvives() throws {
        let message = WireSamples.message()
        guard case .messages(let decoded) = try WireFrame.decode(WireFrame.messages([message]).encoded()) else {
            Issue.record("wrong kind")
            return
        }
        #expect(decoded[0].payloadJSON == message.payloadJSON)
        #expect(try decoded[0].parsePayload() == message.parsePayload())
    }

    @Test("the frame header: version, kind, big-endian count")
    func header() {
        #expect(Array(WireFrame.messages([]).encoded()) == [3, 1, 0, 0, 0, 0])
        #expect(Array(WireFrame.rejections([]).encoded()) == [3, 2, 0, 0, 0, 0])
        #expect(Array(WireFrame.records([]).encoded()) == [3, 3, 0, 0, 0, 0])
        #expect(
            Array(WireFrame.acknowledgements([MessageID(high: 0x0102, low: 0x0304)]).encoded()) == [3, 4, 0, 0, 0, 1] + [0, 0, 0, 0, 0, 0, 1, 2] + [
                0, 0, 0, 0, 0, 0, 3, 4,
            ])
        let three = WireFrame.messages([WireSamples.message(1), WireSamples.message(2), WireSamples.message(3)]).encoded()
        #expect(Array(three.prefix(6)) == [3, 1, 0, 0, 0, 3])
        // The first record starts with the message id, stream then sequence, big-endian.
        #expect(Array(three[6..<22]) == [0xDE, 0xAD, 0xBE, 0xEF, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1])
    }

    @Test("every truncation of a valid frame throws .truncated", arguments: WireSamples.frames.map(\.0))
    func truncatedAtEveryLength(_ name: String) throws {
        let frame = try #require(WireSamples.frames.first { $0.0 == name }?.1)
        let bytes = frame.encoded()
        for length in 0..<bytes.count {
            #expect(throws: WireFrame.DecodingError.truncated, "prefix of \(length) bytes") {
                try WireFrame.decode(Array(bytes.prefix(length)))
            }
        }
    }

    @Test("a version 1 frame is still read: its MachineState has a u8 mask, five numbers and the alarm code")
    func versionOne() throws {
        let message = WireSamples.message()
        var writer = ByteWriter()
        writer.write(UInt8(1))
        writer.write(WireFrame.Kind.records.rawValue)
        writer.write(UInt32(2))
        writer.write(raw: WireSamples.version2Record(message))
        writer.write("CNCTypeB")
        writer.write("error")
        writer.write(UInt8(0b1000_0101))
        writer.write((1200.5).bitPattern)
        writer.write((-3.0).bitPattern)
        writer.write("E-7")
        writer.write(raw: WireSamples.version2Record(message))
        writer.write("CNCTypeA")
        writer.write("idle")
        writer.write(UInt8(0))
        let expected = WireFrame.records([
            StoredRecord(
                message: message, cncType: "CNCTypeB",
                state: MachineState(status: .error, spindleSpeedRPM: 1200.5, axisXMillimetres: -3, alarmCode: "E-7")),
            StoredRecord(message: message, cncType: "CNCTypeA", state: MachineState(status: .idle)),
        ])
        #expect(try WireFrame.decode(writer.bytes) == expected)
        // A version 1 writer never sent "unknown": a version 1 frame that carries it is refused.
        var unknown = ByteWriter()
        unknown.write(UInt8(1))
        unknown.write(WireFrame.Kind.records.rawValue)
        unknown.write(UInt32(1))
        unknown.write(raw: WireSamples.version2Record(message))
        unknown.write("CNCTypeA")
        unknown.write("unknown")
        unknown.write(UInt8(0))
        #expect(throws: WireFrame.DecodingError.invalid(#"unknown status "unknown""#)) { try WireFrame.decode(unknown.bytes) }
    }

    @Test("a version 2 frame is still read: its message records end at the payload's range")
    func versionTwo() throws {
        let message = WireSamples.message()
        var writer = ByteWriter()
        writer.write(UInt8(2))
        writer.write(WireFrame.Kind.messages.rawValue)
        writer.write(UInt32(1))
        writer.write(raw: WireSamples.version2Record(message))
        #expect(try WireFrame.decode(writer.bytes) == .messages([message]))
        let index = try MessageFrameIndex(writer.bytes)
        #expect(index.records.map(\.cncID) == [message.cncID])
        // The router passes a version 2 frame's records on in a version 2 frame.
        #expect(index.frame(of: index.records) == writer.bytes)
    }

    @Test("version 3 carries no program, the receive time, a built payload and tags")
    func versionThree() throws {
        let message = WireSamples.sourcedMessage()
        guard case .messages(let decoded) = try WireFrame.decode(WireFrame.messages([message]).encoded()) else {
            Issue.record("wrong kind")
            return
        }
        #expect(decoded == [message])
        #expect(decoded[0].partProgram == nil && decoded[0].timestampIsReceiveTime)
        #expect(String(decoding: decoded[0].payloadJSON, as: UTF8.self) == #"{"spin":"1200","status":"running"}"#)
        #expect(try MessageFrameIndex(WireFrame.messages([message]).encoded()).records.map(\.cncID) == ["CNC013"])
        var flagged = WireFrame.messages([WireSamples.message()]).encoded()
        flagged[flagged.count - 3] = 0x08
        #expect(throws: WireFrame.DecodingError.invalid("unknown message flags 8")) { try WireFrame.decode(flagged) }
    }

    @Test("a frame of another version is refused", arguments: [0, 4, 255] as [UInt8])
    func wrongVersion(_ version: UInt8) {
        var bytes = WireFrame.messages([WireSamples.message()]).encoded()
        bytes[0] = version
        #expect(throws: WireFrame.DecodingError.unsupportedVersion(version)) { try WireFrame.decode(bytes) }
    }

    @Test("an unknown kind is refused", arguments: [0, 6, 200] as [UInt8])
    func unknownKind(_ kind: UInt8) {
        #expect(throws: WireFrame.DecodingError.unknownKind(kind)) { try WireFrame.decode([1, kind, 0, 0, 0, 0]) }
    }

    @Test("trailing bytes are refused", arguments: [1, 3])
    func trailingBytes(_ extra: Int) {
        let bytes = WireFrame.rejections([WireSamples.rejection(.router)]).encoded() + Array(repeating: 0, count: extra)
        #expect(throws: WireFrame.DecodingError.invalid("\(extra) trailing bytes")) { try WireFrame.decode(bytes) }
    }

    @Test("a payload range outside the raw bytes is refused", arguments: [(5, 10), (11, 0), (0, 11), (10, 1)])
    func payloadRangeOutside(_ start: Int, _ length: Int) {
        let message = CNCMessage(
            id: MessageID(high: 1, low: 1), receivedAt: 0, timestamp: 0, topic: "t", cncID: "C", partProgram: "P",
            raw: Array("0123456789".utf8), payloadRange: start..<start + length)
        #expect(throws: WireFrame.DecodingError.invalid("payload range outside the message")) {
            try WireFrame.decode(WireFrame.messages([message]).encoded())
        }
    }

    @Test("a payload range ending exactly at the end of the raw bytes is fine")
    func payloadRangeAtEnd() throws {
        let message = CNCMessage(
            id: MessageID(high: 1, low: 1), receivedAt: 0, timestamp: 0, topic: "t", cncID: "C", partProgram: "P",
            raw: Array("0123456789".utf8), payloadRange: 4..<10)
        #expect(try WireFrame.decode(WireFrame.messages([message]).encoded()) == .messages([message]))
    }

    @Test("a record count beyond the bound is refused before allocating")
    func recordCountBound() {
        #expect(throws: WireFrame.DecodingError.invalid("record count 1048577")) { try WireFrame.decode([1, 1, 0x00, 0x10, 0x00, 0x01]) }
        #expect(throws: WireFrame.DecodingError.invalid("record count 4294967295")) { try WireFrame.decode([1, 3, 0xFF, 0xFF, 0xFF, 0xFF]) }
        // At the bound the count is believed, and the missing records are a truncation.
        #expect(throws: WireFrame.DecodingError.truncated) { try WireFrame.decode([1, 2, 0x00, 0x10, 0x00, 0x00]) }
    }

    @Test("an unknown stage name is refused")
    func unknownStage() {
        var writer = ByteWriter()
        writer.write(UInt8(1))
        writer.write(UInt8(2))
        writer.write(UInt32(1))
        writer.write(MessageID(high: 1, low: 2))
        writer.write(Int64(1))
        writer.write(Int64(2))
        writer.write("bogus")
        writer.write("reason")
        writer.write("topic")
        writer.write("CNC001")
        writer.write(lengthPrefixed: [UInt8]())
        #expect(throws: WireFrame.DecodingError.invalid(#"unknown stage "bogus""#)) { try WireFrame.decode(writer.bytes) }
    }

    @Test("an unknown status is refused")
    func unknownStatus() {
        let record = StoredRecord(message: WireSamples.message(), cncType: "CNCTypeA", state: MachineState(status: .idle))
        var bytes = WireFrame.records([record]).encoded()
        // The status is the length-prefixed "idle" after the type name; change it to "idlx".
        let status = Array("idle".utf8)
        let at = (0...(bytes.count - 4)).last { Array(bytes[$0..<$0 + 4]) == status }!
        bytes[at + 3] = UInt8(ascii: "x")
        #expect(throws: WireFrame.DecodingError.invalid(#"unknown status "idlx""#)) { try WireFrame.decode(bytes) }
    }

    @Test("invalid UTF-8 in a string field is repaired, not trusted")
    func invalidUTF8Repaired() throws {
        var writer = ByteWriter()
        writer.write(UInt8(1))
        writer.write(UInt8(2))
        writer.write(UInt32(1))
        writer.write(MessageID(high: 1, low: 2))
        writer.write(Int64(1))
        writer.write(Int64(2))
        writer.write("sink")
        writer.write(lengthPrefixed: [0x61, 0xFF, 0x62])
        writer.write("topic")
        writer.write("")
        writer.write(lengthPrefixed: [UInt8]([0xFF]))
        guard case .rejections(let rejections) = try WireFrame.decode(writer.bytes) else {
            Issue.record("wrong kind")
            return
        }
        #expect(rejections[0].reason == "a\u{FFFD}b")
        #expect(rejections[0].stage == .sink)
        #expect(rejections[0].raw == [0xFF])
    }

    @Test("decoding errors describe themselves")
    func errorDescriptions() {
        #expect(WireFrame.DecodingError.truncated.description == "truncated frame")
        #expect(WireFrame.DecodingError.unsupportedVersion(2).description == "unsupported wire format version 2")
        #expect(WireFrame.DecodingError.unknownKind(9).description == "unknown frame kind 9")
        #expect(WireFrame.DecodingError.invalid("x").description == "invalid frame: x")
    }

    @Test("seeded corruption of valid frames never crashes the decoder")
    func corruptionNeverCrashes() {
        var random = TestRandom(seed: 77)
        let originals = WireSamples.frames.map { $0.1.encoded() }
        var decodedCount = 0
        for iteration in 0..<10_000 {
            var bytes = originals[iteration % originals.count]
            for _ in 0..<(1 + random.below(3)) {
                switch random.below(4) {
                case 0: bytes[random.below(bytes.count)] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: random.below(bytes.count + 1))
                case 2 where bytes.count > 1: bytes.remove(at: random.below(bytes.count))
                default: bytes[random.below(bytes.count)] ^= 0x80
                }
            }
            if let frame = try? WireFrame.decode(bytes) {
                decodedCount += 1
                // Whatever decodes is internally consistent.
                if case .messages(let messages) = frame {
                    for message in messages { #expect(message.payloadRange.upperBound <= message.raw.count) }
                }
            }
        }
        // Flips inside raw bytes and strings still decode, so some must have.
        #expect(decodedCount > 0)
    }

    // MARK: - ByteWriter / ByteReader

    @Test("integers are written big-endian and read back")
    func integers() throws {
        var writer = ByteWriter()
        writer.write(UInt16(0x0102))
        writer.write(Int32(-2))
        writer.write(UInt64(0x0102_0304_0506_0708))
        #expect(writer.bytes == [1, 2, 0xFF, 0xFF, 0xFF, 0xFE, 1, 2, 3, 4, 5, 6, 7, 8])
        var reader = ByteReader(writer.bytes)
        #expect(try reader.read(UInt16.self) == 0x0102)
        #expect(try reader.read(Int32.self) == -2)
        #expect(try reader.read(UInt64.self) == 0x0102_0304_0506_0708)
        #expect(reader.remaining == 0)
        #expect(throws: WireFrame.DecodingError.truncated) { try reader.read(UInt8.self) }
    }

    @Test("patch overwrites a u32 in place")
    func patch() {
        var writer = ByteWriter()
        writer.write(UInt8(9))
        writer.write(UInt32(0))
        writer.write(UInt8(9))
        writer.patch(0xA1B2_C3D4, at: 1)
        #expect(writer.bytes == [9, 0xA1, 0xB2, 0xC3, 0xD4, 9])
    }

    @Test("a length prefix longer than the data is a truncation")
    func lengthPrefixTooLong() {
        var reader = ByteReader([0, 0, 0, 5, 1, 2])
        #expect(throws: WireFrame.DecodingError.truncated) { try reader.readLengthPrefixed() }
        var huge = ByteReader([0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: WireFrame.DecodingError.truncated) { try huge.readLengthPrefixed() }
    }
}

/// The worked example of docs/wire-format.md, byte for byte.
@Suite("Wire format documentation")
struct WireFormatDocumentationTests {
    @Test("the records frame of the worked example: 266 bytes, the state as the document shows it")
    func workedExample() throws {
        let raw = Array(
            #"{"cnc_id":"CNC001","part_program":"P1","timestamp":"1747379028","payload":{"status":"running","spin":200,"X-Axis":30,"Y-Axis":80}}"#
                .utf8)
        let fields = try MessageValidator().validate(raw).get()
        let message = CNCMessage(
            id: MessageID(topic: "sensor/CNC", content: raw), topic: "sensor/CNC", raw: raw, accepted: fields, receivedAt: 1_747_379_028_250_000,
            firstReceivedAt: 1_747_379_028_250_000)
        let messages = WireFrame.messages([message]).encoded()
        #expect(messages.count == 213)
        #expect(Array(messages.prefix(6)) == [0x03, 0x01, 0, 0, 0, 1])
        // payload_offset 74, payload_length 55, no flags, no tags: the document's last line.
        #expect(Array(messages.suffix(11)) == [0x00, 0x00, 0x00, 0x4a, 0x00, 0x00, 0x00, 0x37, 0x00, 0x00, 0x00])
        let state = MachineState(status: .running, spindleSpeedRPM: 200, axisXMillimetres: 30, axisYMillimetres: 80)
        let frame = WireFrame.records([StoredRecord(message: message, cncType: "CNCTypeA", state: state)]).encoded()
        #expect(frame.count == 266)
        #expect(Array(frame.prefix(2)) == [0x03, 0x03])
        let tail: [UInt8] =
            [0, 0, 0, 8] + Array("CNCTypeA".utf8) + [0, 0, 0, 7] + Array("running".utf8) + [0x00, 0x0d]
            + [0x40, 0x69, 0, 0, 0, 0, 0, 0] + [0x40, 0x3e, 0, 0, 0, 0, 0, 0] + [0x40, 0x54, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0]
        // The message record ends in its flags (none) and its tags (none).
        #expect(Array(frame[0xd2...]) == [0x00, 0x00, 0x00] + tail)

        var writer = ByteWriter()
        writer.write(
            MachineState(
                status: .error, spindleSpeedRPM: 0, feedRateMMPerMinute: 0, axisXMillimetres: 1, axisYMillimetres: 2, axisZMillimetres: 3,
                alarmCode: "E42", quality: ["range:X-Axis"]))
        let f64 = { (value: Double) in (0..<8).map { UInt8(truncatingIfNeeded: value.bitPattern >> (56 - 8 * UInt64($0))) } }
        #expect(
            writer.bytes
                == [0, 0, 0, 5] + Array("error".utf8) + [0x08, 0x1f] + f64(0) + f64(0) + f64(1) + f64(2) + f64(3) + [0, 0, 0, 3]
                + Array("E42".utf8) + [0, 1, 0, 0, 0, 12] + Array("range:X-Axis".utf8) + [0, 0])
    }
}
