import CollectorCore
import StageRuntime

/// Makes the emulator's messages from sample lines: unchanged by default, like the seed's
/// emulator; spread over simulated machines with fresh timestamps and some movement when asked;
/// and, for a chosen share, invalid in one of the ways the pipeline must reject.
public struct MessageGenerator {
    public struct Options: Sendable {
        /// 0 keeps each line's own `cnc_id`; otherwise machines CNC001...CNCnnn take turns.
        public var machines: Int
        /// Share of messages, 0...1, that are made invalid.
        public var invalidShare: Double
        /// Replace each line's `timestamp` by the current time.
        public var freshTimestamps: Bool
        public var seed: UInt64

        public init(machines: Int = 0, invalidShare: Double = 0, freshTimestamps: Bool = false, seed: UInt64 = 1) {
            self.machines = machines
            self.invalidShare = invalidShare
            self.freshTimestamps = freshTimestamps
            self.seed = seed
        }
    }

    /// The kinds of invalid message, in turn.
    public enum Invalid: CaseIterable, Sendable {
        case notJSON, truncated, missingPayload, timestampWrongType, unknownMachine, refusedByPlugin, invalidUTF8
    }

    /// nil for a line that is not a JSON object: such a line is always published as it is.
    private let samples: [JSONObject?]
    private let rawSamples: [[UInt8]]
    private let options: Options
    private var random: SplitMix64
    private var produced = 0
    private var invalidProduced = 0
    private var invalidDebt = 0.0

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
        self.rawSamples = lines
        self.options = options
        self.random = SplitMix64(seed: options.seed)
    }

    /// The number of invalid messages made so far.
    public var invalidCount: Int { invalidProduced }

    public mutating func next() -> [UInt8] {
        defer { produced += 1 }
        invalidDebt += options.invalidShare
        if invalidDebt >= 1 {
            invalidDebt -= 1
            let kind = Invalid.allCases[invalidProduced % Invalid.allCases.count]
            invalidProduced += 1
            return invalid(kind)
        }
        let index = produced % samples.count
        guard let sample = samples[index], options.machines > 0 || options.freshTimestamps else { return rawSamples[index] }
        return Array(JSONValue.object(varied(sample)).serialized().utf8)
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

    private mutating func invalid(_ kind: Invalid) -> [UInt8] {
        let objects = samples.compactMap { $0 }
        var message = varied(objects[produced % objects.count])
        switch kind {
        case .notJSON:
            return Array("status=running spin=200".utf8)
        case .truncated:
            let text = Array(JSONValue.object(message).serialized().utf8)
            return Array(text.prefix(text.count / 2))
        case .missingPayload:
            message.remove("payload")
        case .timestampWrongType:
            message.set("timestamp", .bool(true))
        case .unknownMachine:
            message.set("cnc_id", .string("UNKNOWN\(produced)"))
        case .refusedByPlugin:
            if case .object(var payload)? = message["payload"] {
                payload.set("spin", .string("fast"))
                message.set("payload", .object(payload))
            }
        case .invalidUTF8:
            return Array(JSONValue.object(message).serialized().utf8.dropLast()) + [0xC3, 0x28, UInt8(ascii: "}")]
        }
        return Array(JSONValue.object(message).serialized().utf8)
    }

    public static func machineID(_ number: Int) -> String {
        let digits = String(number)
        return "CNC" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }
}
