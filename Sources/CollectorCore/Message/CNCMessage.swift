/// A message that passed validation, as it travels from `ingest` through `router` to a worker.
public struct CNCMessage: Sendable, Equatable {
    /// The message's identity, the same for every delivery of the same publication (`MessageID`).
    public var id: MessageID
    /// When ingest received it, microseconds since the Unix epoch.
    public var receivedAt: Int64
    /// The message's time, microseconds since the Unix epoch: its own, or, from a source
    /// without one, when ingest first received it (`timestampIsReceiveTime`).
    public var timestamp: Int64
    /// The MQTT topic it arrived on.
    public var topic: String
    /// The machine's `cnc_id`, as validated on arrival.
    public var cncID: String
    /// nil when the machine has no program loaded (null or absent): stored as NULL.
    public var partProgram: String?
    /// The bytes exactly as published.
    public var raw: [UInt8]
    /// Where the payload object's JSON text lies within `raw`, unless `builtPayload` holds it.
    public var payloadRange: Range<Int>
    /// The payload object's JSON text where it is not a part of `raw`: a flat message's
    /// members less those the source reads as the identity, the time and the program.
    public var builtPayload: [UInt8]?
    /// True when the source gives no time and `timestamp` is when ingest first received it.
    public var timestampIsReceiveTime: Bool
    /// What the source knows of the machine besides its identity, such as its site and line
    /// from topic levels; kept in `machine_current.tags`.
    public var tags: [MachineTag]

    /// A message of these fields, taken as they are: nothing is checked.
    public init(
        id: MessageID, receivedAt: Int64, timestamp: Int64, topic: String, cncID: String, partProgram: String?, raw: [UInt8],
        payloadRange: Range<Int>, builtPayload: [UInt8]? = nil, timestampIsReceiveTime: Bool = false, tags: [MachineTag] = []
    ) {
        self.id = id
        self.receivedAt = receivedAt
        self.timestamp = timestamp
        self.topic = topic
        self.cncID = cncID
        self.partProgram = partProgram
        self.raw = raw
        self.payloadRange = payloadRange
        self.builtPayload = builtPayload
        self.timestampIsReceiveTime = timestampIsReceiveTime
        self.tags = tags
    }

    /// A message that `MessageValidator` accepted; `firstReceivedAt` is its time where its
    /// source gives none: when it was first received.
    public init(id: MessageID, topic: String, raw: [UInt8], accepted fields: ValidatedFields, receivedAt: Int64, firstReceivedAt: Int64) {
        self.init(
            id: id, receivedAt: receivedAt, timestamp: fields.timestamp ?? firstReceivedAt, topic: topic, cncID: fields.cncID,
            partProgram: fields.partProgram, raw: raw, payloadRange: fields.payloadRange, builtPayload: fields.builtPayload,
            timestampIsReceiveTime: fields.timestamp == nil, tags: fields.tags)
    }

    /// The JSON text of the payload object: already checked to be a valid object with no `\u0000`.
    public var payloadJSON: ArraySlice<UInt8> { builtPayload.map { $0[...] } ?? raw[payloadRange] }

    /// Parses the payload into values for a plugin.
    public func parsePayload(maxDepth: Int = 64) throws(JSONParseError) -> JSONObject {
        guard case .object(let object) = try JSONParser.parse(Array(payloadJSON), maxDepth: maxDepth) else {
            throw JSONParseError(reason: "payload is not an object", offset: payloadRange.lowerBound)
        }
        return object
    }
}

/// One thing a source knows of a machine, such as `line` = `line2` from its topic.
public struct MachineTag: Sendable, Equatable, Hashable {
    /// The tag's name, such as `line`.
    public var name: String
    /// The tag's value, such as `line2`.
    public var value: String

    /// A tag of this name and value.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
