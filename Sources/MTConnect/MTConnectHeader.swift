/// A document's `Header`: which run of the agent answered (`instanceId`, new at each restart),
/// and, for observations, the sequence numbers its buffer holds and the next one to ask for.
public struct MTConnectHeader: Sendable, Equatable {
    public var instanceID: UInt64
    public var version: String?
    public var creationTime: String?
    public var bufferSize: UInt64?
    public var firstSequence: UInt64?
    public var lastSequence: UInt64?
    public var nextSequence: UInt64?

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
