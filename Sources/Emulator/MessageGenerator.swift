import CollectorCore
import StageRuntime
import SystemCalls

/// Makes the emulator's messages from sample lines: unchanged by default, like the seed's
/// emulator; spread over simulated machines with fresh timestamps and some movement when asked;
/// flattened as a topic-per-machine plant sends them when asked; and, for a chosen share,
/// invalid in one of the ways the pipeline must reject.
public struct MessageGenerator {
    /// How the messages are made; the defaults publish each line as it is.
    public struct Options: Sendable {
        /// 0 keeps each line's own `cnc_id`; otherwise machines CNC001...CNCnnn take turns.
        public var machines: Int
        /// Share of messages, 0...1, that are made invalid.
        public var invalidShare: Double
        /// Replace each line's `timestamp` by the current time.
        public var freshTimestamps: Bool
        /// Seed of the axes' random movements: the same seed, lines and options give the same messages, timestamps aside.
        public var seed: UInt64
        /// Publish each envelope flattened (`flattened(_:)`): the machine is then only in the topic.
        public var flat: Bool

        /// Every default leaves the lines as they are.
        public init(machines: Int = 0, invalidShare: Double = 0, freshTimestamps: Bool = false, seed: UInt64 = 1, flat: Bool = false) {
            self.machines = machines
            self.invalidShare = invalidShare
            self.freshTimestamps = freshTimestamps
            self.seed = seed
            self.flat = flat
        }
    }

    /// One message and the machine it is from, whose id a topic with `{cnc_id}` takes.
    public struct Message: Sendable, Equatable {
        /// The message's `cnc_id` (after `machines` has varied it); empty for a line that has none.
        public var cncID: String
        /// The bytes to publish, invalid ones included.
        public var bytes: [UInt8]

        /// A message from its parts, taken as they are.
        public init(cncID: String, bytes: [UInt8]) {
            self.cncID = cncID
            self.bytes = bytes
        }
    }

    /// The kinds of invalid message, in turn. When flat, `missingPayload` is a message with no
    /// `timestamp` (a flat message has no payload member to leave out), and `unknownMachine`'s
    /// unknown id is in the topic.
    ///
    /// `notJSON`: text that is no JSON; `truncated`: the first half of a message's bytes; `timestampWrongType`: `timestamp` is
    /// `true`; `unknownMachine`: the `cnc_id` is `UNKNOWN` and a number; `refusedByPlugin`: the payload's `spin` is the string
    /// `"fast"`; `invalidUTF8`: a message with a byte sequence that is not UTF-8 before its closing brace.
    public enum Invalid: CaseIterable, Sendable {
        case notJSON, truncated, missingPayload, timestampWrongType, unknownMachine, refusedByPlugin, invalidUTF8
    }

    /// nil for a line that is not a JSON object: such a line is always published as it is.
    private let samples: [JSONObject?]
    /// The lines as published when not varied: as they are, or flattened when they are objects.
    private let rawSamples: [[UInt8]]
    /// Each line's `cnc_id`, or "" for a line with no string `cnc_id`.
    private let sampleIDs: [String]
    private let options: Options
    private var random: SplitMix64
    private var produced = 0
    private var invalidProduced = 0
    /// The invalid share owed so far: invalid messages come evenly spaced, not at random.
    private var invalidDebt = 0.0

    /// Throws a `SettingError` when `lines` is empty, or when `invalidShare` is above 0 and no line is a JSON object.
    public init(lines: [[UInt8]], options: Options) throws {
        guard !lines.isEmpty else { throw SettingError(reason: "no sample lines") }
        let samples = lines.map { line -> JSONObject? in
            guard case .object(let object) = try? JSONParser.parse(line) else { return nil }
            return object
        }
        guard options.invalidShare == 0 || samples.contains(where: { $0 != nil }) else {
            throw SettingError(reason: "--invalid-share needs at least one sample line that is a JSON object")
        }
        self.samples = samples
        self.rawSamples = zip(lines, samples).map { line, sample in
            guard options.flat, let sample else { return line }
            return Array(JSONValue.object(Self.flattened(sample)).serialized().utf8)
        }
        self.sampleIDs = samples.map { $0.map(Self.cncID(of:)) ?? "" }
        self.options = options
        self.random = SplitMix64(seed: options.seed)
    }

    /// The number of invalid messages made so far.
    public var invalidCount: Int { invalidProduced }

    /// The next message's bytes.
    public mutating func next() -> [UInt8] {
        nextMessage().bytes
    }

    /// The next message, with its machine's id for the topic.
    public mutating func nextMessage() -> Message {
        defer { produced += 1 }
        invalidDebt += options.invalidShare
        if invalidDebt >= 1 {
            invalidDebt -= 1
            let kind = Invalid.allCases[invalidProduced % Invalid.allCases.count]
            invalidProduced += 1
            return invalid(kind)
        }
        let index = produced % samples.count
        guard let sample = samples[index], options.machines > 0 || options.freshTimestamps else {
            // Unvaried, a line names its own machine; with machines, this is a line that is not an
            // object, and it goes to the topic of the machine whose turn it is.
            let cncID = options.machines > 0 ? Self.machineID(produced % options.machines + 1) : sampleIDs[index]
            return Message(cncID: cncID, bytes: rawSamples[index])
        }
        let message = varied(sample)
        return Message(cncID: Self.cncID(of: message), bytes: encoded(message))
    }

    /// The message's text: the envelope, or flattened.
    private func encoded(_ message: JSONObject) -> [UInt8] {
        Array(JSONValue.object(options.flat ? Self.flattened(message) : message).serialized().utf8)
    }

    private static func cncID(of message: JSONObject) -> String {
        guard case .string(let id)? = message["cnc_id"] else { return "" }
        return id
    }

    /// The envelope as a topic-per-machine plant sends it: the payload's members in its place
    /// beside `part_program`, `timestamp` and any other member, and no `cnc_id`. A payload
    /// member named as one of the envelope's is left out, as the envelope's own is what a source
    /// reads there.
    public static func flattened(_ envelope: JSONObject) -> JSONObject {
        var flat = JSONObject()
        for member in envelope.members where member.key != "cnc_id" {
            guard member.key == "payload", case .object(let payload) = member.value else {
                flat.members.append(member)
                continue
            }
            for variable in payload.members where envelope[variable.key] == nil {
                flat.members.append(variable)
            }
        }
        return flat
    }

    private mutating func varied(_ sample: JSONObject) -> JSONObject {
        var message = sample
        if options.machines > 0 {
            message.set("cnc_id", .string(Self.machineID(produced % options.machines + 1)))
        }
        message.set("timestamp", .string(String(Double(WallClock.nowMicroseconds()) / 1_000_000)))
        if case .object(var payload)? = message["payload"] {
            // Small movements keep values inside every plugin's ranges.
            for axis in ["X-Axis", "Y-Axis"] {
                if case .number(let value)? = payload[axis] {
                    payload.set(axis, .number(((value + Double(random.next() % 21) - 10) * 10).rounded() / 10))
                }
            }
            message.set("payload", .object(payload))
        }
        return message
    }

    private mutating func invalid(_ kind: Invalid) -> Message {
        let objects = samples.compactMap { $0 }
        var message = varied(objects[produced % objects.count])
        if kind == .unknownMachine {
            message.set("cnc_id", .string("UNKNOWN\(produced)"))
        }
        return Message(cncID: Self.cncID(of: message), bytes: invalidBytes(kind, message))
    }

    private func invalidBytes(_ kind: Invalid, _ envelope: JSONObject) -> [UInt8] {
        var message = envelope
        switch kind {
        case .notJSON:
            return Array("status=running spin=200".utf8)
        case .truncated:
            let text = encoded(message)
            return Array(text.prefix(text.count / 2))
        case .missingPayload:
            message.remove(options.flat ? "timestamp" : "payload")
        case .timestampWrongType:
            message.set("timestamp", .bool(true))
        case .unknownMachine:
            break
        case .refusedByPlugin:
            if case .object(var payload)? = message["payload"] {
                payload.set("spin", .string("fast"))
                message.set("payload", .object(payload))
            }
        case .invalidUTF8:
            return encoded(message).dropLast() + [0xC3, 0x28, UInt8(ascii: "}")]
        }
        return encoded(message)
    }

    /// `CNC` and `number`, zero-padded to three digits: `CNC001`; `CNC1000` from 1000 on.
    public static func machineID(_ number: Int) -> String {
        let digits = String(number)
        return "CNC" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }
}
