import CollectorCore
import StageRuntime

/// What ingest has journaled and handed on but the sink has not yet acknowledged, with where
/// each message lies in the journal and when it is due to be sent again.
///
/// A message is sent again when no acknowledgement came within `redeliverAfter`, then after
/// twice that, and so on up to `maximumRedeliveryInterval`: a stage that crashed lost it, or it
/// is still waiting somewhere (a type without workers, a database outage), and the growing
/// interval keeps the second case from flooding the pipeline with copies. Copies are harmless:
/// the sink stores each message once.
public struct UnacknowledgedMessages: Sendable {
    /// Where one journal record lies.
    public struct Location: Sendable, Equatable {
        /// The segment's number, as in its file name.
        public var segment: UInt64
        /// Where the record starts in the segment file, in bytes.
        public var offset: Int
        /// The record's length in bytes, its header included.
        public var length: Int

        /// A location as given; nothing is checked.
        public init(segment: UInt64, offset: Int, length: Int) {
            self.segment = segment
            self.offset = offset
            self.length = length
        }
    }

    /// One waiting message: where its records lie and when it is due to be sent again.
    struct Entry {
        /// Usually one; more when the broker delivered the same message again.
        var locations: [Location]
        /// When it is due, in milliseconds of the monotonic clock `add` was given.
        var dueAt: UInt64
        /// The wait after the next resend, in milliseconds.
        var interval: UInt64

        /// Due again one interval from `now`; the next interval is twice as long, up to `cap`.
        mutating func reschedule(now: UInt64, cap: UInt64) {
            dueAt = now + interval
            interval = min(interval * 2, cap)
        }
    }

    private var entries: [MessageID: Entry] = [:]
    /// Records per journal segment still waiting for an acknowledgement.
    private var outstanding: [UInt64: Int] = [:]
    private let redeliverAfter: UInt64
    private let maximumRedeliveryInterval: UInt64

    /// `redeliverAfterMilliseconds` is the first wait (at least 1 ms); each resend doubles it, up to
    /// `maximumRedeliveryIntervalMilliseconds` (default 600,000 ms, 10 minutes; never below the first wait).
    public init(redeliverAfterMilliseconds: UInt64, maximumRedeliveryIntervalMilliseconds: UInt64 = 600_000) {
        redeliverAfter = max(1, redeliverAfterMilliseconds)
        maximumRedeliveryInterval = max(redeliverAfter, maximumRedeliveryIntervalMilliseconds)
    }

    /// Messages waiting for an acknowledgement, each counted once however many records it has.
    public var count: Int { entries.count }
    /// Whether no message is waiting.
    public var isEmpty: Bool { entries.isEmpty }

    /// Notes a journal segment, so that it counts as removable once nothing in it is waiting.
    public mutating func track(segment: UInt64) {
        outstanding[segment, default: 0] += 0
    }

    /// Records a message just handed on (at `now`, in milliseconds of a monotonic clock).
    public mutating func add(_ id: MessageID, at location: Location, now: UInt64) {
        outstanding[location.segment, default: 0] += 1
        if entries[id] != nil {
            entries[id]!.locations.append(location)
        } else {
            entries[id] = Entry(locations: [location], dueAt: now + redeliverAfter, interval: redeliverAfter)
        }
    }

    /// Forgets an acknowledged message; false when it was not waiting (another ingest's message,
    /// or a second acknowledgement).
    @discardableResult
    public mutating func acknowledge(_ id: MessageID) -> Bool {
        guard let entry = entries.removeValue(forKey: id) else { return false }
        for location in entry.locations { outstanding[location.segment, default: 1] -= 1 }
        return true
    }

    /// The messages whose acknowledgement is overdue, each with the location of its record, now
    /// rescheduled with a doubled interval. In journal order, so a resend keeps the original order.
    public mutating func takeOverdue(now: UInt64, limit: Int = .max) -> [(id: MessageID, location: Location)] {
        var overdue: [(id: MessageID, location: Location)] = []
        for (id, entry) in entries where entry.dueAt <= now {
            overdue.append((id, entry.locations[0]))
        }
        overdue.sort { ($0.location.segment, $0.location.offset) < ($1.location.segment, $1.location.offset) }
        if overdue.count > limit { overdue.removeLast(overdue.count - limit) }
        for (id, _) in overdue { entries[id]?.reschedule(now: now, cap: maximumRedeliveryInterval) }
        return overdue
    }

    /// Segments with nothing waiting, other than `active` (still being written): their files can
    /// go. They are forgotten here.
    public mutating func takeRemovableSegments(active: UInt64) -> [UInt64] {
        let removable = outstanding.filter { $0.key != active && $0.value <= 0 }.map(\.key).sorted()
        for segment in removable { outstanding.removeValue(forKey: segment) }
        return removable
    }
}
