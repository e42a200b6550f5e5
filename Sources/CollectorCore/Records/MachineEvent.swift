/// Something that happened to a machine's link rather than to the machine: its Sparkplug edge
/// node was born or died, messages of it were lost in a sequence gap, or the collector asked it
/// for a rebirth. Ingest sends these to the sink, which keeps them in `machine_events`; a death
/// also makes the machine offline from `at`.
public struct MachineEvent: Sendable, Equatable {
    /// What happened; the raw value is what the wire and `machine_events` carry.
    public enum Kind: String, Sendable, CaseIterable {
        /// A birth certificate arrived: from `at` the machine's metrics are named by it.
        case birth
        /// A death certificate of the machine's current birth: offline from `at`.
        case death
        /// Messages numbered between the last in sequence and the one that arrived are missing:
        /// no data, which is not the same as idle.
        case sequenceGap = "sequence_gap"
        /// The collector asked the edge node for a rebirth (NCMD Node Control/Rebirth).
        case rebirthRequested = "rebirth_requested"
    }

    /// The event's identity; the sink acknowledges it as it does a message's.
    public var id: MessageID
    /// The machine it concerns.
    public var cncID: String
    /// What happened.
    public var kind: Kind
    /// When the collector received what tells of it, microseconds since the Unix epoch.
    public var at: Int64
    /// The topic of the message that tells of it (the command's, for a rebirth request).
    public var topic: String
    /// A JSON object's text: what else is known (sequence numbers, `bdSeq`, the reason).
    public var detail: [UInt8]

    /// An event of these fields, taken as they are.
    public init(id: MessageID, cncID: String, kind: Kind, at: Int64, topic: String, detail: [UInt8]) {
        self.id = id
        self.cncID = cncID
        self.kind = kind
        self.at = at
        self.topic = topic
        self.detail = detail
    }

    /// An event whose identity comes from what it says: the same event told twice (a broker's
    /// duplicate, a journal replay) is stored once. The identity covers `topic`, `cncID`, `kind` and
    /// `cause` (the bytes that told of it), not `at` or `detail`.
    public init(cncID: String, kind: Kind, at: Int64, topic: String, detail: [UInt8], cause: [UInt8]) {
        var content = Array(cncID.utf8)
        content.append(0)
        content += kind.rawValue.utf8
        content.append(0)
        content += cause
        self.init(id: MessageID(topic: topic, content: content), cncID: cncID, kind: kind, at: at, topic: topic, detail: detail)
    }
}

extension ByteWriter {
    /// A machine event record (kind 5).
    package mutating func write(_ event: MachineEvent) {
        write(event.id)
        write(event.cncID)
        write(event.kind.rawValue)
        write(event.at)
        write(event.topic)
        write(lengthPrefixed: event.detail)
    }
}

extension ByteReader {
    /// A machine event record; throws `.invalid` for a kind that is not a `Kind`.
    package mutating func readMachineEvent() throws(WireFrame.DecodingError) -> MachineEvent {
        let id = try readMessageID()
        let cncID = try readString()
        let kindName = try readString()
        guard let kind = MachineEvent.Kind(rawValue: kindName) else { throw .invalid("machine event kind \(kindName)") }
        return MachineEvent(id: id, cncID: cncID, kind: kind, at: try read(), topic: try readString(), detail: try readLengthPrefixed())
    }
}
