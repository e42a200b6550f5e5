import CollectorCore
import Testing

/// `MessageValidator` with the layouts other than the envelope (the envelope's own cases are in IngestTests).
@Suite("Message layouts")
struct MessageLayoutTests {
    static let flat = MessageLayout(
        cncID: .topicLevel(2), time: .at(.member("ts"), .unixMilliseconds), partProgram: .member("program"), payload: .rest,
        tags: [.init(name: "line", level: 1)])

    static func validate(_ layout: MessageLayout, _ text: String, topic: String = "plant/line2/CNC9") -> Result<ValidatedFields, ValidationFailure> {
        MessageValidator(layout: layout).validate(Array(text.utf8), topic: topic)
    }

    @Test("a flat message: the payload is the object less the fields read, built only when some were")
    func flat() throws {
        let raw = #"{"spin":5,"ts":1764990006123,"program":"P","X":[1,{"y":2}]}"#
        let fields = try Self.validate(Self.flat, raw).get()
        #expect(fields.cncID == "CNC9" && fields.partProgram == "P" && fields.timestamp == 1_764_990_006_123_000)
        #expect(fields.builtPayload.map { String(decoding: $0, as: UTF8.self) } == #"{"spin":5,"X":[1,{"y":2}]}"#)
        #expect(fields.tags == [MachineTag(name: "line", value: "line2")])

        let untouched = MessageLayout(cncID: .topicLevel(2), time: .received, partProgram: nil, payload: .rest)
        let whole = try Self.validate(untouched, #" {"spin":5} "#).get()
        #expect(whole.builtPayload == nil && whole.timestamp == nil && whole.partProgram == nil)
        #expect(whole.payloadRange == 1..<11)
        let empty = try Self.validate(Self.flat, #"{"ts":"1764990006123"}"#).get()
        #expect(empty.builtPayload.map { String(decoding: $0, as: UTF8.self) } == "{}")
    }

    @Test("fields inside the payload object are read there and stay in it")
    func payloadFields() throws {
        let layout = MessageLayout(
            cncID: .payloadMember("machine"), time: .at(.payloadMember("t"), .rfc3339), partProgram: .topicLevel(1), payload: .member("data"))
        let raw = #"{"data":{"machine":"M-1","t":"2025-12-06T03:00:05Z","spin":1},"site":"x"}"#
        let fields = try Self.validate(layout, raw, topic: "gw/PRG-7").get()
        #expect(fields.cncID == "M-1" && fields.partProgram == "PRG-7" && fields.timestamp == 1_764_990_005_000_000)
        #expect(String(decoding: Array(raw.utf8)[fields.payloadRange], as: UTF8.self) == #"{"machine":"M-1","t":"2025-12-06T03:00:05Z","spin":1}"#)
        #expect(
            Self.validate(layout, #"{"data":{"t":"2025-12-06T03:00:05Z"}}"#, topic: "gw/P")
                == .failure(ValidationFailure(reason: #"missing payload field "machine""#, cncID: "")))
        #expect(
            Self.validate(layout, #"{"data":{"machine":7}}"#, topic: "gw/P")
                == .failure(ValidationFailure(reason: #"payload field "machine" must be a string, not number"#, cncID: "")))
        #expect(
            Self.validate(layout, #"{"data":{"machine":"M","machine":"N"}}"#, topic: "gw/P").map(\.cncID)
                == .failure(ValidationFailure(reason: #"invalid JSON: duplicate member "machine" at byte 23"#, cncID: "M")))
    }

    @Test("what a topic lacks, or holds wrong, is refused with the level")
    func topicLevels() throws {
        #expect(
            Self.validate(Self.flat, #"{"ts":1764990006123}"#, topic: "plant/line2")
                == .failure(ValidationFailure(reason: #"topic "plant/line2" has no level 3"#, cncID: "")))
        let timeInTopic = MessageLayout(cncID: .member("id"), time: .at(.topicLevel(1), .unixSeconds), partProgram: nil, payload: .rest)
        #expect(try Self.validate(timeInTopic, #"{"id":"A"}"#, topic: "t/1764990006.25").get().timestamp == 1_764_990_006_250_000)
        #expect(
            Self.validate(timeInTopic, #"{"id":"A"}"#, topic: "t/now")
                == .failure(ValidationFailure(reason: #"topic level 2 must be Unix seconds (a number), not "now""#, cncID: "A")))
    }
}
