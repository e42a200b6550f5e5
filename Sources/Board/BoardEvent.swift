/// One event of the stream `GET /api/events` sends, as Server-Sent Events text: a machine whose
/// entry changed, the plant's header, or the whole board when a client cannot resume.
public struct BoardEvent: Sendable, Equatable {
    /// What an event carries, and its `event:` name: a machine's entry, the plant's header, or the whole board.
    public enum Kind: String, Sendable {
        case machine, plant, snapshot
        /// A comment line that keeps proxies from closing a quiet stream.
        case keepAlive
    }

    /// Where it stands in the stream; a keep-alive is sent without it.
    public var id: EventID
    /// What it carries.
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
    /// The numbering board process's start (ms since 1970).
    public var epoch: Int64
    /// The event's number in that process: 1 for the first, 0 before any; never negative when read from text.
    public var sequence: Int64

    /// An id from its parts.
    public init(epoch: Int64, sequence: Int64) {
        self.epoch = epoch
        self.sequence = sequence
    }

    /// Reads `EPOCH-SEQUENCE` as `description` writes it (a `Last-Event-ID` or `?after=`); nil when the text is not two
    /// integers or the sequence is negative.
    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let epoch = Int64(parts[0]), let sequence = Int64(parts[1]), sequence >= 0 else { return nil }
        self.init(epoch: epoch, sequence: sequence)
    }

    /// `EPOCH-SEQUENCE`: the text of the stream's `id:` lines.
    public var description: String { "\(epoch)-\(sequence)" }
}
