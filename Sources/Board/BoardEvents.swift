import DequeModule
import NIOCore

/// The board's latest state and the events that led to it: what `GET /api/machines` answers
/// from memory, and what every open event stream is sent. The feed publishes each refresh once;
/// however many browsers listen, PostgreSQL is asked once, and the refresh's events are written
/// as one buffer, made once and written to each stream.
public actor BoardEvents {
    /// Events kept for clients that reconnect.
    public static let kept = 10_000
    /// Refreshes a slow client may have waiting; past that its stream ends and it reconnects.
    public static let waitingPerClient = 64

    /// The first part of every event id: the board process's start (ms since 1970, as `BoardService` gives it), so that
    /// the ids of an earlier process are told apart.
    public let epoch: Int64
    private var sequence: Int64 = 0
    private var log: Deque<BoardEvent> = []
    private var subscribers: [Int: AsyncStream<ByteBuffer>.Continuation] = [:]
    private var nextSubscriber = 0
    private var finished = false
    /// The body of `GET /api/machines`, nil until the first refresh.
    public private(set) var snapshot: String?
    /// Each machine's entry as last published, by `cnc_id`.
    public private(set) var machines: [String: String] = [:]
    private var plant: String?

    /// An empty board, with no snapshot and no event yet, that numbers its events under `epoch`.
    public init(epoch: Int64) {
        self.epoch = epoch
    }

    /// The id of the last event numbered; its sequence is 0 before the first.
    public var lastID: EventID { EventID(epoch: epoch, sequence: sequence) }
    /// The event streams open now.
    public var subscriberCount: Int { subscribers.count }

    /// Publishes a refresh: an event for each machine whose entry changed and for a changed
    /// header; then the new snapshot, built by `makeSnapshot` with the last event's id.
    public func publish(machines entries: [(cncID: String, json: String)], plant newPlant: String, makeSnapshot: (EventID) -> String) {
        var events: [BoardEvent] = []
        for entry in entries where machines[entry.cncID] != entry.json {
            machines[entry.cncID] = entry.json
            events.append(next(.machine, entry.json))
        }
        let present = Set(entries.map(\.cncID))
        for gone in machines.keys where !present.contains(gone) { machines[gone] = nil }
        if newPlant != plant {
            plant = newPlant
            events.append(next(.plant, newPlant))
        }
        snapshot = makeSnapshot(lastID)
        if !events.isEmpty { send(events) }
    }

    /// A new stream: the events after `after` when they are kept, else the whole board first.
    public func subscribe(after: EventID?) -> AsyncStream<ByteBuffer> {
        let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingOldest(Self.waitingPerClient))
        if finished {
            continuation.finish()
            return stream
        }
        if let after, after.epoch == epoch, after.sequence <= sequence, after.sequence >= (log.first?.id.sequence ?? sequence + 1) - 1 {
            let missed = Array(log.filter { $0.id.sequence > after.sequence })
            if !missed.isEmpty { continuation.yield(Self.buffer(missed)) }
        } else if let snapshot {
            continuation.yield(Self.buffer([BoardEvent(id: lastID, kind: .snapshot, data: snapshot)]))
        }
        let key = nextSubscriber
        nextSubscriber += 1
        subscribers[key] = continuation
        continuation.onTermination = { _ in Task { await self.unsubscribe(key) } }
        return stream
    }

    /// Sends every stream a comment line that keeps proxies from closing it when quiet.
    public func keepAlive() {
        send([BoardEvent(id: lastID, kind: .keepAlive, data: "")])
    }

    /// Ends every stream, and those opened later: the board is stopping.
    public func finishAll() {
        finished = true
        for continuation in subscribers.values { continuation.finish() }
        subscribers = [:]
    }

    private func unsubscribe(_ key: Int) {
        subscribers[key] = nil
    }

    private func next(_ kind: BoardEvent.Kind, _ data: String) -> BoardEvent {
        sequence += 1
        let event = BoardEvent(id: EventID(epoch: epoch, sequence: sequence), kind: kind, data: data)
        log.append(event)
        if log.count > Self.kept { log.removeFirst() }
        return event
    }

    private static func buffer(_ events: [BoardEvent]) -> ByteBuffer {
        ByteBuffer(string: events.map(\.text).joined())
    }

    private func send(_ events: [BoardEvent]) {
        let buffer = Self.buffer(events)
        for (key, continuation) in subscribers {
            if case .dropped = continuation.yield(buffer) {
                // Too far behind: its stream ends, and its reconnect resumes from the log or the snapshot.
                continuation.finish()
                subscribers[key] = nil
            }
        }
    }
}
