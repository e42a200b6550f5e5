import CollectorCore
import DequeModule

/// Gives a message whose source has no time the time it was first received, also when the
/// broker delivers it again, so that a redelivered copy lands on the row of the first.
///
/// A message's identity comes from its topic and bytes; the row's key also holds its time. A
/// receipt time read afresh would make a broker's redelivery a second row. The broker sends
/// again only what it had sent on a connection before and not seen acknowledged, and only when
/// the session resumes, before anything else (MQTT 3.1.1 4.4, MQTT 5 4.4): the last messages of
/// the connection before, in their order. So the messages of a new connection that repeat
/// those of the one before, up to the first that does not, are redeliveries, and take their
/// first times. After a restart the journal tells what the connection before received.
///
/// Two publications of the very same bytes on one topic, the second arriving right after a
/// reconnection while the first's acknowledgement was in doubt, are taken as one: a source
/// without time cannot tell them apart.
struct RedeliveredTimes {
    /// The broker holds far fewer unacknowledged messages per client (mosquitto: 20 by default).
    static let remembered = 4_096

    /// The last messages received, each with the time it stands for (its receipt for a source without time).
    private var recent = Deque<(id: MessageID, time: Int64)>()
    /// The last messages of the connection before, by identity, while the new one may still redeliver them.
    private var candidates: [MessageID: [Int64]] = [:]
    /// Redeliveries found since `takeRedelivered` was last called.
    private var redelivered = 0

    /// A connection has begun: what the one before received may come again.
    mutating func connected() {
        candidates = [:]
        for (id, time) in recent { candidates[id, default: []].append(time) }
    }

    /// Records a message received at `receivedAt` and gives the time it stands for: the time
    /// of its first receipt if it is a redelivery, else `receivedAt`. A message delivered at
    /// QoS 0 (`acknowledged` false) is never sent again, so it is no redelivery and ends them.
    mutating func time(of id: MessageID, receivedAt: Int64, acknowledged: Bool = true) -> Int64 {
        guard acknowledged else {
            candidates = [:]
            return receivedAt
        }
        var time = receivedAt
        if !candidates.isEmpty {
            if let first = candidates[id]?.first {
                time = first
                redelivered += 1
                candidates[id]!.removeFirst()
                if candidates[id]!.isEmpty { candidates[id] = nil }
            } else {
                // Redeliveries come first: the first message that is none ends them.
                candidates = [:]
            }
        }
        remember(id, time: time)
        return time
    }

    /// Records a message with a time of its own, or one the journal kept.
    mutating func remember(_ id: MessageID, time: Int64) {
        if recent.count == Self.remembered { recent.removeFirst() }
        recent.append((id, time))
    }

    /// How many redeliveries were found since the last call.
    mutating func takeRedelivered() -> Int {
        defer { redelivered = 0 }
        return redelivered
    }
}
