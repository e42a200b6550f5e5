/// The pipeline stages, as named in `rejected_messages.stage`.
public enum Stage: String, Sendable, CaseIterable {
    case ingest
    case router
    case worker
    case sink
}

/// A message the pipeline refused, with the reason: stored in `rejected_messages`, never dropped.
public struct Rejection: Sendable, Equatable {
    /// The message's identity; ingest gives one to rejected messages too.
    public var id: MessageID
    public var rejectedAt: Int64
    public var receivedAt: Int64
    public var stage: Stage
    public var reason: String
    public var topic: String
    /// Empty when the message had no readable `cnc_id`.
    public var cncID: String
    /// The bytes as published (cut to a bounded prefix for oversized messages).
    public var raw: [UInt8]

    public init(id: MessageID, rejectedAt: Int64, receivedAt: Int64, stage: Stage, reason: String, topic: String, cncID: String, raw: [UInt8]) {
        self.id = id
        self.rejectedAt = rejectedAt
        self.receivedAt = receivedAt
        self.stage = stage
        self.reason = reason
        self.topic = topic
        self.cncID = cncID
        self.raw = raw
    }

    /// A rejection of a message that had been accepted upstream.
    public init(rejecting message: CNCMessage, at stage: Stage, reason: String) {
        self.init(
            id: message.id, rejectedAt: WallClock.nowMicroseconds(), receivedAt: message.receivedAt, stage: stage,
            reason: reason, topic: message.topic, cncID: message.cncID, raw: message.raw
        )
    }
}
