/// A document's `Header`: which run of the agent answered (`instanceId`, new at each restart),
/// and, for observations, the sequence numbers its buffer holds and the next one to ask for.
public struct MTConnectHeader: Sendable, Equatable {
    /// The agent's `instanceId`: a new one each time it restarts, after which sequence numbers start anew.
    public var instanceID: UInt64
    /// The MTConnect version the agent answered in, as it spells it; nil when absent.
    public var version: String?
    /// When the agent made the document, as its ISO 8601 text; nil when absent.
    public var creationTime: String?
    /// How many observations the agent's buffer holds; nil when absent.
    public var bufferSize: UInt64?
    /// The oldest sequence number still in the agent's buffer; nil when absent.
    public var firstSequence: UInt64?
    /// The newest sequence number in the agent's buffer; nil when absent.
    public var lastSequence: UInt64?
    /// The sequence number to ask for next, as the agent says; nil when absent (some agents omit it).
    public var nextSequence: UInt64?

    /// A header; the attributes a document may lack default to nil.
    public init(
        instanceID: UInt64, version: String? = nil, creationTime: String? = nil, bufferSize: UInt64? = nil, firstSequence: UInt64? = nil,
        lastSequence: UInt64? = nil, nextSequence: UInt64? = nil
    ) {
        self.instanceID = instanceID
        self.version = version
        self.creationTime = creationTime
        self.bufferSize = bufferSize
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.nextSequence = nextSequence
    }
}
