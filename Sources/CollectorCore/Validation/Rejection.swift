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
    /// When the stage refused it, microseconds since the Unix epoch.
    public var rejectedAt: Int64
    /// When ingest received it, microseconds since the Unix epoch (for an undecodable frame, when
    /// it was refused).
    public var receivedAt: Int64
    /// The stage that refused it.
    public var stage: Stage
    /// Why, in words: stored in `rejected_messages.reason`; `RejectionClass` classifies it by how
    /// it starts.
    public var reason: String
    /// The MQTT topic it arrived on; empty when unknown.
    public var topic: String
    /// Empty when the message had no readable `cnc_id`.
    public var cncID: String
    /// The bytes as published (cut to a bounded prefix for oversized messages).
    public var raw: [UInt8]

    /// A rejection of these fields, taken as they are.
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

    /// The reason's start for a frame a stage could not decode (`RejectionClass.undecodableFrame`).
    public static let undecodableFrame = "undecodable frame"

    /// A frame that a stage received and could not decode: kept whole, attributed to no message.
    public init(undecodableFrame bytes: [UInt8], at stage: Stage, error: any Error, rejectedAt: Int64) {
        self.init(
            id: .unattributed(), rejectedAt: rejectedAt, receivedAt: rejectedAt, stage: stage, reason: "\(Self.undecodableFrame): \(error)",
            topic: "", cncID: "", raw: bytes)
    }

    /// A rejection of a message that had been accepted upstream, at `rejectedAt` (microseconds
    /// since the Unix epoch).
    public init(rejecting message: CNCMessage, at stage: Stage, reason: String, rejectedAt: Int64) {
        self.init(
            id: message.id, rejectedAt: rejectedAt, receivedAt: message.receivedAt, stage: stage,
            reason: reason, topic: message.topic, cncID: message.cncID, raw: message.raw
        )
    }
}
