/// A message that passed validation, as it travels from `ingest` through `router` to a worker.
public struct CNCMessage: Sendable, Equatable {
    public var id: MessageID
    /// When ingest received it, microseconds since the Unix epoch.
    public var receivedAt: Int64
    /// The message's own `timestamp`, microseconds since the Unix epoch.
    public var timestamp: Int64
    public var topic: String
    public var cncID: String
    public var partProgram: String
    /// The bytes exactly as published.
    public var raw: [UInt8]
    /// Where the `payload` object's JSON text lies within `raw`.
    public var payloadRange: Range<Int>

    public init(
        id: MessageID, receivedAt: Int64, timestamp: Int64, topic: String, cncID: String, partProgram: String, raw: [UInt8], payloadRange: Range<Int>
    ) {
        self.id = id
        self.receivedAt = receivedAt
        self.timestamp = timestamp
        self.topic = topic
        self.cncID = cncID
        self.partProgram = partProgram
        self.raw = raw
        self.payloadRange = payloadRange
    }

    /// The JSON text of `payload`: already checked to be a valid object with no `\u0000`.
    public var payloadJSON: ArraySlice<UInt8> { raw[payloadRange] }

    /// Parses `payload` into values for a plugin.
    public func parsePayload(maxDepth: Int = 64) throws(JSONParseError) -> JSONObject {
        guard case .object(let object) = try JSONParser.parse(Array(payloadJSON), maxDepth: maxDepth) else {
            throw JSONParseError(reason: "payload is not an object", offset: payloadRange.lowerBound)
        }
        return object
    }
}
