/// One event of the stream `GET /api/events` sends, as Server-Sent Events text: a machine whose
/// entry changed, the plant's header, or the whole board when a client cannot resume.
public struct BoardEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case machine, plant, snapshot
        /// A comment line that keeps proxies from closing a quiet stream.
        case keepAlive
    }

    public var id: EventID
    public var kind: Kind
    /// One line of JSON: PostgreSQL's and JSONEncoder's JSON escape every line break.
    public var data: String

    /// The event as the stream sends it.
    public var text: String { kind == .keepAlive ? ":\n\n" : "id: \(id)\nevent: \(kind.rawValue)\ndata: \(data)\n\n" }
}

/// Where an event stands in the board's stream: the board process that numbered it (its start
/// time) and its number. A client that reconnects with the `Last-Event-ID` of another process,
/// or of an event no longer kept, gets the whole board instead of the events it missed.
public struct EventID: Sendable, Equatable, CustomStringConvertible {
    public var epoch: Int64
    public var sequence: Int64

    public init(epoch: Int64, sequence: Int64) {
        self.epoch = epoch
        self.sequence = sequence
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let epoch = Int64(parts[0]), let sequence = Int64(parts[1]), sequence >= 0 else { return nil }
        self.init(epoch: epoch, sequence: sequence)
    }

    public var description: String { "\(epoch)-\(sequence)" }
}
