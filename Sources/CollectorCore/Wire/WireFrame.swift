/// The messages that stages exchange over ZeroMQ: one ZeroMQ message carries one frame, and one
/// frame carries one or more records of a single kind. `docs/wire-format.md` is the contract.
public enum WireFrame: Sendable, Equatable {
    /// ingest → router → worker.
    case messages([CNCMessage])
    /// any stage → sink.
    case rejections([Rejection])
    /// worker → sink.
    case records([StoredRecord])
    /// sink → ingest: these messages are committed (or were already stored).
    case acknowledgements([MessageID])
    /// ingest → sink: what happened to machines' links (Sparkplug births, deaths, gaps).
    case events([MachineEvent])

    /// The version every writer sends (docs/wire-format.md).
    public static let version: UInt8 = 3
    /// The versions a reader takes: version 1 differs from 2 only in its MachineState record,
    /// version 2 from 3 only in its message record.
    public static let readableVersions: ClosedRange<UInt8> = 1...3
    /// Sanity bound on records per frame, so a corrupt count cannot make a reader allocate wildly.
    public static let maxRecords: UInt32 = 1 << 20

    /// The kind byte of each frame.
    public enum Kind: UInt8, Sendable {
        case messages = 1
        case rejections = 2
        case records = 3
        case acknowledgements = 4
        case events = 5
    }

    /// Why a frame could not be read; `description` words it for a rejection's reason.
    public enum DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The bytes end before the header or a record does.
        case truncated
        /// A version outside `readableVersions`.
        case unsupportedVersion(UInt8)
        /// A kind byte that names no `Kind`.
        case unknownKind(UInt8)
        /// A field breaks a rule of the format, or bytes are left over; the text says which.
        case invalid(String)

        /// The reason in words, such as `truncated frame`.
        public var description: String {
            switch self {
            case .truncated: "truncated frame"
            case .unsupportedVersion(let version): "unsupported wire format version \(version)"
            case .unknownKind(let kind): "unknown frame kind \(kind)"
            case .invalid(let what): "invalid frame: \(what)"
            }
        }
    }

    /// The kind byte this frame is written with.
    public var kind: Kind {
        switch self {
        case .messages: .messages
        case .rejections: .rejections
        case .records: .records
        case .acknowledgements: .acknowledgements
        case .events: .events
        }
    }

    /// How many records the frame carries.
    public var count: Int {
        switch self {
        case .messages(let items): items.count
        case .rejections(let items): items.count
        case .records(let items): items.count
        case .acknowledgements(let items): items.count
        case .events(let items): items.count
        }
    }

    /// The frame's bytes in the current `version`: the header, then the records.
    public func encoded() -> [UInt8] {
        // Sized for the whole frame at once: growing a buffer of a round's messages step by step
        // copies it each time, and each fresh block of a large one costs page faults.
        let capacity =
            if case .messages(let messages) = self { messages.reduce(16) { $0 + $1.encodedSizeEstimate } } else { 512 }
        var writer = ByteWriter(capacity: capacity)
        writer.writeFrameHeader(version: Self.version, kind: kind, count: count)
        switch self {
        case .messages(let messages):
            for message in messages { writer.write(message) }
        case .rejections(let rejections):
            for rejection in rejections { writer.write(rejection) }
        case .records(let records):
            for record in records {
                writer.write(record.message)
                writer.write(record.cncType)
                writer.write(record.state)
            }
        case .acknowledgements(let ids):
            for id in ids { writer.write(id) }
        case .events(let events):
            for event in events { writer.write(event) }
        }
        return writer.bytes
    }

    /// Reads a frame of any of `readableVersions`. Throws `DecodingError` when it is truncated, of
    /// another version or an unknown kind, when a field breaks a rule, or when bytes are left over.
    public static func decode(_ bytes: [UInt8]) throws(DecodingError) -> WireFrame {
        var reader = ByteReader(bytes)
        let (version, kind, count) = try reader.readFrameHeader()
        let frame: WireFrame
        switch kind {
        case .messages:
            var messages: [CNCMessage] = []
            for _ in 0..<count { messages.append(try reader.readMessage(version: version)) }
            frame = .messages(messages)
        case .rejections:
            var rejections: [Rejection] = []
            for _ in 0..<count { rejections.append(try reader.readRejection()) }
            frame = .rejections(rejections)
        case .records:
            var records: [StoredRecord] = []
            for _ in 0..<count {
                records.append(
                    StoredRecord(
                        message: try reader.readMessage(version: version), cncType: try reader.readString(),
                        state: try reader.readMachineState(version: version)))
            }
            frame = .records(records)
        case .acknowledgements:
            guard Int(count) * 16 <= reader.remaining else { throw .truncated }
            var ids: [MessageID] = []
            ids.reserveCapacity(Int(count))
            for _ in 0..<count { ids.append(try reader.readMessageID()) }
            frame = .acknowledgements(ids)
        case .events:
            var events: [MachineEvent] = []
            for _ in 0..<count { events.append(try reader.readMachineEvent()) }
            frame = .events(events)
        }
        guard reader.remaining == 0 else { throw .invalid("\(reader.remaining) trailing bytes") }
        return frame
    }
}

extension CNCMessage {
    /// About the bytes of its record (`ByteWriter.write(_:)`), for a buffer's capacity.
    package var encodedSizeEstimate: Int {
        64 + topic.utf8.count + cncID.utf8.count + (partProgram?.utf8.count ?? 0) + raw.count + (builtPayload?.count ?? 0)
            + 16 * tags.count + tags.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
    }
}

extension ByteWriter {
    /// Every frame's start: its version, its kind and how many records follow.
    package mutating func writeFrameHeader(version: UInt8, kind: WireFrame.Kind, count: Int) {
        write(version)
        write(kind.rawValue)
        write(UInt32(count))
    }

    /// Version 3's message record: version 2's fields, then the flags, a built payload and the tags.
    package mutating func write(_ message: CNCMessage) {
        write(message.id)
        write(message.receivedAt)
        write(message.timestamp)
        write(message.topic)
        write(message.cncID)
        write(message.partProgram ?? "")
        write(lengthPrefixed: message.raw)
        write(UInt32(message.payloadRange.lowerBound))
        write(UInt32(message.payloadRange.count))
        var flags = MessageFlags()
        if message.partProgram == nil { flags.insert(.noPartProgram) }
        if message.timestampIsReceiveTime { flags.insert(.receiveTime) }
        if message.builtPayload != nil { flags.insert(.builtPayload) }
        write(flags.rawValue)
        if let built = message.builtPayload { write(lengthPrefixed: built) }
        let tags = message.tags.prefix(Int(UInt16.max))
        write(UInt16(tags.count))
        for tag in tags {
            write(tag.name)
            write(tag.value)
        }
    }

    /// A rejection record (kind 2).
    package mutating func write(_ rejection: Rejection) {
        write(rejection.id)
        write(rejection.rejectedAt)
        write(rejection.receivedAt)
        write(rejection.stage.rawValue)
        write(rejection.reason)
        write(rejection.topic)
        write(rejection.cncID)
        write(lengthPrefixed: rejection.raw)
    }

    /// Version 2's MachineState: the status, a `u16` presence mask, the fields present, then the
    /// quality marks and the unknown variables as counted lists of strings.
    package mutating func write(_ state: MachineState) {
        write(state.status.rawValue)
        let numbers = state.wireNumbers, texts = state.wireTexts
        var present: UInt16 = 0
        for (bit, number) in numbers.enumerated() where number != nil { present |= 1 << UInt16(bit) }
        if state.partCount != nil { present |= 1 << 8 }
        for (bit, text) in texts.enumerated() where text != nil { present |= 1 << UInt16(9 + bit) }
        if !state.extra.members.isEmpty { present |= 1 << 13 }
        write(present)
        for number in numbers { if let number { write(number.bitPattern) } }
        if let partCount = state.partCount { write(partCount) }
        for text in texts { if let text { write(text) } }
        if !state.extra.members.isEmpty { write(JSONValue.object(state.extra).serialized()) }
        // A u16 count: more names than that stay in the raw payload only.
        for list in [state.quality, state.unknownVariables] {
            let items = list.prefix(Int(UInt16.max))
            write(UInt16(items.count))
            for item in items { write(item) }
        }
    }
}

extension MachineState {
    /// The optional numbers in their wire order (presence bits 0 to 7).
    package var wireNumbers: [Double?] {
        [
            spindleSpeedRPM, feedRateMMPerMinute, axisXMillimetres, axisYMillimetres, axisZMillimetres, spindleLoadPercent,
            feedOverridePercent, spindleOverridePercent,
        ]
    }

    /// The optional texts in their wire order (presence bits 9 to 12).
    package var wireTexts: [String?] { [tool, block, alarmCode, alarmText] }
}

extension ByteReader {
    /// A frame's start, checked: a version a reader takes, a known kind, a count within bounds.
    package mutating func readFrameHeader() throws(WireFrame.DecodingError) -> (version: UInt8, kind: WireFrame.Kind, count: UInt32) {
        let version: UInt8 = try read()
        guard WireFrame.readableVersions.contains(version) else { throw .unsupportedVersion(version) }
        let rawKind: UInt8 = try read()
        guard let kind = WireFrame.Kind(rawValue: rawKind) else { throw .unknownKind(rawKind) }
        let count: UInt32 = try read()
        guard count <= WireFrame.maxRecords else { throw .invalid("record count \(count)") }
        return (version, kind, count)
    }

    /// A message record of a frame of `version` (a journal's records are of version 3, or 2 for those kept before).
    package mutating func readMessage(version: UInt8) throws(WireFrame.DecodingError) -> CNCMessage {
        let id = try readMessageID()
        let receivedAt: Int64 = try read()
        let timestamp: Int64 = try read()
        let topic = try readString()
        let cncID = try readString()
        let partProgram = try readString()
        let raw = try readLengthPrefixed()
        let start = Int(try read(UInt32.self)), length = Int(try read(UInt32.self))
        guard start + length <= raw.count else { throw .invalid("payload range outside the message") }
        var message = CNCMessage(
            id: id, receivedAt: receivedAt, timestamp: timestamp, topic: topic, cncID: cncID, partProgram: partProgram, raw: raw,
            payloadRange: start..<start + length)
        guard version >= 3 else { return message }
        let flags = try readMessageFlags()
        if flags.contains(.noPartProgram) { message.partProgram = nil }
        message.timestampIsReceiveTime = flags.contains(.receiveTime)
        if flags.contains(.builtPayload) { message.builtPayload = try readLengthPrefixed() }
        let tagCount: UInt16 = try read()
        for _ in 0..<tagCount { message.tags.append(MachineTag(name: try readString(), value: try readString())) }
        return message
    }

    /// Passes over a message record of a frame of `version`, checking what `readMessage` checks,
    /// and gives its `cnc_id`: all the router needs of it.
    package mutating func skipMessage(version: UInt8) throws(WireFrame.DecodingError) -> String {
        try skip(16 + 8 + 8)
        try skipLengthPrefixed()
        let cncID = try readString()
        try skipLengthPrefixed()
        let rawLength = Int(try read(UInt32.self))
        try skip(rawLength)
        let payloadStart = Int(try read(UInt32.self)), payloadLength = Int(try read(UInt32.self))
        guard payloadStart + payloadLength <= rawLength else { throw .invalid("payload range outside the message") }
        guard version >= 3 else { return cncID }
        if try readMessageFlags().contains(.builtPayload) { try skipLengthPrefixed() }
        let tagCount: UInt16 = try read()
        for _ in 0..<tagCount {
            try skipLengthPrefixed()
            try skipLengthPrefixed()
        }
        return cncID
    }

    private mutating func readMessageFlags() throws(WireFrame.DecodingError) -> MessageFlags {
        let flags = MessageFlags(rawValue: try read())
        guard flags.isSubset(of: .all) else { throw .invalid("unknown message flags \(flags.rawValue)") }
        return flags
    }

    /// A rejection record; throws `.invalid` for a stage that is not a `Stage`.
    package mutating func readRejection() throws(WireFrame.DecodingError) -> Rejection {
        let id = try readMessageID()
        let rejectedAt: Int64 = try read()
        let receivedAt: Int64 = try read()
        let stageName = try readString()
        guard let stage = Stage(rawValue: stageName) else { throw .invalid("unknown stage \"\(stageName.prefix(32))\"") }
        return Rejection(
            id: id, rejectedAt: rejectedAt, receivedAt: receivedAt, stage: stage, reason: try readString(), topic: try readString(),
            cncID: try readString(), raw: try readLengthPrefixed())
    }

    /// A MachineState of a frame of `version`: version 1's layout in version 1, version 2's from then on.
    /// Throws `.invalid` for an unknown status (or `unknown` in version 1) and for an `extra` that is
    /// not a JSON object.
    package mutating func readMachineState(version: UInt8) throws(WireFrame.DecodingError) -> MachineState {
        let statusName = try readString()
        guard let status = MachineState.Status(rawValue: statusName), version >= 2 || status != .unknown else {
            throw .invalid("unknown status \"\(statusName.prefix(32))\"")
        }
        guard version >= 2 else { return try readVersion1MachineState(status: status) }
        let present: UInt16 = try read()
        var numbers: [Double?] = []
        for bit in 0..<8 { numbers.append(present & (1 << UInt16(bit)) != 0 ? Double(bitPattern: try read()) : nil) }
        let partCount: Int64? = present & (1 << 8) != 0 ? try read() : nil
        var texts: [String?] = []
        for bit in 9..<13 { texts.append(present & (1 << UInt16(bit)) != 0 ? try readString() : nil) }
        var extra = JSONObject()
        if present & (1 << 13) != 0 {
            let text = try readString()
            guard case .object(let object) = try? JSONParser.parse(Array(text.utf8)) else { throw .invalid("extra is not a JSON object") }
            extra = object
        }
        var lists: [[String]] = []
        for _ in 0..<2 {
            let count: UInt16 = try read()
            var list: [String] = []
            for _ in 0..<count { list.append(try readString()) }
            lists.append(list)
        }
        return MachineState(
            status: status, spindleSpeedRPM: numbers[0], feedRateMMPerMinute: numbers[1], axisXMillimetres: numbers[2],
            axisYMillimetres: numbers[3], axisZMillimetres: numbers[4], spindleLoadPercent: numbers[5], feedOverridePercent: numbers[6],
            spindleOverridePercent: numbers[7], partCount: partCount, tool: texts[0], block: texts[1], alarmCode: texts[2], alarmText: texts[3],
            extra: extra, quality: lists[0], unknownVariables: lists[1])
    }

    /// Version 1's MachineState: a `u8` mask, five numbers and the alarm code.
    private mutating func readVersion1MachineState(status: MachineState.Status) throws(WireFrame.DecodingError) -> MachineState {
        let present: UInt8 = try read()
        var numbers: [Double?] = []
        for bit in 0..<5 {
            numbers.append(present & (1 << UInt8(bit)) != 0 ? Double(bitPattern: try read()) : nil)
        }
        let alarm = present & (1 << 7) != 0 ? try readString() : nil
        return MachineState(
            status: status, spindleSpeedRPM: numbers[0], feedRateMMPerMinute: numbers[1], axisXMillimetres: numbers[2],
            axisYMillimetres: numbers[3], axisZMillimetres: numbers[4], alarmCode: alarm)
    }
}

/// The flags byte of a version 3 message record.
struct MessageFlags: OptionSet {
    let rawValue: UInt8

    /// `part_program` is NULL: the record's part_program field is empty and means nothing.
    static let noPartProgram = MessageFlags(rawValue: 1 << 0)
    /// `timestamp` is when ingest first received the message: its source gives no time.
    static let receiveTime = MessageFlags(rawValue: 1 << 1)
    /// The payload object is the `bytes` that follow, not a range of `raw`.
    static let builtPayload = MessageFlags(rawValue: 1 << 2)

    static let all: MessageFlags = [.noPartProgram, .receiveTime, .builtPayload]
}
