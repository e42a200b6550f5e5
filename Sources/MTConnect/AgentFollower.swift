import CollectorCore

/// Follows one agent: what to ask it next, and what its answers mean. It asks for the probe,
/// then the current values, then samples from the next sequence number on; an agent that
/// restarted (a new `instanceId`) or whose buffer moved past the next sequence (`OUT_OF_RANGE`)
/// is a gap, recorded for each of its machines, after which it follows again from the current
/// values. It does no I/O: the source stage asks, and commits ``Outcome/position`` once the sink
/// has acknowledged the outcome's messages.
public struct AgentFollower: Sendable {
    /// Where in an agent's observations everything before has been stored.
    public struct Position: Sendable, Equatable, Codable {
        /// The agent's `instanceId` whose sequence numbers `next` counts in.
        public var instanceID: UInt64
        /// The first sequence number not yet stored.
        public var next: UInt64

        /// The position before sequence number `next` of the agent's run `instanceID`.
        public init(instanceID: UInt64, next: UInt64) {
            self.instanceID = instanceID
            self.next = next
        }
    }

    /// A request to the agent: `/probe`, `/current`, or `/sample`.
    public enum Request: Sendable, Equatable {
        /// The devices and their DataItems.
        case probe
        /// The current values; at a sequence number, as they were then.
        case current(at: UInt64?)
        /// At most `count` observations from sequence number `from` on.
        case sample(from: UInt64, count: Int)

        /// The request's path and query, after the agent's base address.
        public var path: String {
            switch self {
            case .probe: "probe"
            case .current(nil): "current"
            case .current(let at?): "current?at=\(at)"
            case .sample(let from, let count): "sample?from=\(from)&count=\(count)"
            }
        }
    }

    /// What an answer brought: messages and events to send on, the position that holds once
    /// they are stored, and what went wrong, for the log and the metrics.
    public struct Outcome: Sendable {
        /// The devices' messages, for the router; none by default.
        public var messages: [CNCMessage] = []
        /// `sequence_gap` events, one for each machine of the agent, for the sink; none by default.
        public var events: [MachineEvent] = []
        /// The position that holds once `messages` and `events` are stored; nil when the answer
        /// brought no new position (a probe, an error, a restart).
        public var position: Position?
        /// A position to commit at once, before anything is acknowledged: where the follower
        /// starts following an agent (a first start, or after a gap). A stage stopped before the
        /// sink's first acknowledgement then follows on from there, refetching what it had sent,
        /// rather than from the values of a later `/current`, which would skip what lay between.
        /// Only the first values, the message of that `/current`, may then be missing.
        public var start: Position?
        /// What went wrong, one reason each; empty when nothing did.
        public var problems: [String] = []
    }

    /// Makes the devices' messages; its `agent` names the agent in topics and events.
    public let builder: MTConnectMessageBuilder
    /// Observations asked for in one sample, as configured.
    public let configuredCount: Int
    /// Observations asked for in the next sample: fewer than configured after an answer too large.
    public private(set) var count: Int
    /// The devices followed, by name; nil: every device but the agent's own.
    public let followed: Set<String>?
    /// A device reported nothing of for this long, by the agent's clock, is stored again as it stands.
    public let heartbeatMicroseconds: Int64
    /// The request to send next; `.probe` at first, and after every failure.
    public private(set) var next: Request = .probe
    /// The position from which the follower fetches, ahead of the committed one while the sink
    /// has not yet acknowledged.
    public private(set) var fetched: Position?
    private var instanceID: UInt64?
    private var devices: [String: MTConnectDeviceState] = [:]
    /// The machines of the agent's devices, for the gaps that concern them all.
    private var machines: [String] = []
    /// The time of each device's last message (or of the values it was seeded with), by name.
    private var lastStamped: [String: Int64] = [:]

    /// `committed` is the position stored with the last acknowledged messages, if any. `count` is
    /// the observations asked for in one sample (default 1000); `devices`, the names of the devices
    /// to follow (default nil: every one but the agent's own); `heartbeatMilliseconds`, how long a
    /// device may report nothing, by the agent's clock, before it is stored again as it stands.
    public init(
        builder: MTConnectMessageBuilder, committed: Position?, count: Int = 1000, devices: [String]? = nil, heartbeatMilliseconds: Int
    ) {
        self.builder = builder
        heartbeatMicroseconds = Int64(heartbeatMilliseconds) * 1_000
        self.count = count
        configuredCount = count
        followed = devices.map(Set.init)
        fetched = committed
    }

    /// Takes the agent's answer to ``next``, and sets the request to send after it. It does not
    /// throw: what cannot be used is in the outcome's `problems`.
    public mutating func take(_ document: MTConnectDocument, receivedAt: Int64) -> Outcome {
        var outcome = Outcome()
        switch (next, document) {
        case (.probe, .devices(let probe)):
            learn(probe, outcome: &outcome)
            if let fetched, fetched.instanceID == probe.header.instanceID {
                // The values as they were before the first observation still to store.
                next = .current(at: fetched.next > 1 ? fetched.next - 1 : nil)
            } else {
                if let fetched {
                    gap(
                        "the agent restarted: instanceId \(fetched.instanceID) became \(probe.header.instanceID)", from: fetched.next,
                        at: receivedAt, outcome: &outcome)
                }
                fetched = nil
                next = .current(at: nil)
            }
        case (.current(let at), .streams(let streams)):
            guard streams.header.instanceID == instanceID else { return restarted(streams.header.instanceID, at: receivedAt) }
            // Seeding from an earlier sequence: those observations are stored already. Else the
            // current values are one message a device: the state now.
            let seeding = at != nil
            for stream in streams.devices { build(stream, as: seeding ? .seed : .snapshot, receivedAt: receivedAt, outcome: &outcome) }
            let nextSequence = streams.header.nextSequence ?? (streams.devices.flatMap(\.observations).map(\.sequence).max() ?? 0) + 1
            let position = seeding ? fetched! : Position(instanceID: streams.header.instanceID, next: nextSequence)
            fetched = position
            outcome.position = position
            if !seeding { outcome.start = position }
            next = .sample(from: position.next, count: count)
        case (.sample(let from, let asked), .streams(let streams)):
            guard streams.header.instanceID == instanceID else { return restarted(streams.header.instanceID, at: receivedAt) }
            for stream in streams.devices { build(stream, as: .history, receivedAt: receivedAt, outcome: &outcome) }
            // The backlog that made answers too large is read: ask for as many as configured again.
            if streams.observationCount < count { count = configuredCount }
            let seen = streams.devices.flatMap(\.observations).map(\.sequence).max().map { $0 + 1 } ?? from
            // A full sample goes on right after its last observation, whatever the header says: an
            // agent that gave its own next sequence there would make us skip the rest.
            let full = streams.observationCount >= asked
            let position = Position(instanceID: streams.header.instanceID, next: full ? seen : max(from, streams.header.nextSequence ?? seen))
            // Only once caught up: a heartbeat at the agent's time now, amid a backlog of older
            // observations, would put the state of the backlog's middle after its end.
            if !full, streams.header.lastSequence.map({ $0 < position.next }) ?? true {
                repeatQuiet(at: streams.header, receivedAt: receivedAt, outcome: &outcome)
            }
            fetched = position
            outcome.position = position
            next = .sample(from: position.next, count: count)
        case (.current(let at), .error(let error)) where error.isOutOfRange:
            if at != nil {
                gap("the agent's buffer no longer holds sequence \(at! + 1)", from: at! + 1, at: receivedAt, outcome: &outcome)
            }
            fetched = nil
            next = .current(at: nil)
        case (.sample(let from, _), .error(let error)) where error.isOutOfRange:
            gap("the agent's buffer no longer holds sequence \(from)", from: from, at: receivedAt, outcome: &outcome)
            fetched = nil
            next = .current(at: nil)
        case (_, .error(let error)):
            outcome.problems.append(
                "the agent answered \(next.path) with " + error.errors.map { "\($0.code): \($0.text.prefix(200))" }.joined(separator: "; "))
            next = .probe
        default:
            outcome.problems.append("the agent answered \(next.path) with a document of another kind")
            next = .probe
        }
        return outcome
    }

    /// After an answer that could not be read, or none at all: a fresh probe next, since the
    /// agent may have restarted meanwhile; unless it did, the follower then goes on from where it had fetched.
    public mutating func failed() {
        next = .probe
    }

    /// After an answer larger than the stage reads: a sample is asked again for half as many
    /// observations, down to one (true). Anything else is a failure (false): asked again from a
    /// fresh probe, after the stage's backoff.
    public mutating func answerTooLarge() -> Bool {
        guard case .sample(let from, _) = next, count > 1 else {
            failed()
            return false
        }
        count /= 2
        next = .sample(from: from, count: count)
        return true
    }

    private mutating func learn(_ probe: ProbeDocument, outcome: inout Outcome) {
        instanceID = probe.header.instanceID
        var known: [String: MTConnectDeviceState] = [:]
        machines = []
        for device in probe.devices where !device.isAgent && followed.map({ $0.contains(device.name) }) ?? true {
            do throws(MTConnectError) {
                machines.append(try builder.cncID(of: device))
                // A device the probe describes as before keeps what it said.
                known[device.name] = devices[device.name].flatMap { $0.device == device ? $0 : nil } ?? MTConnectDeviceState(device: device)
            } catch {
                outcome.problems.append(error.reason)
            }
        }
        devices = known
    }

    /// How a document's observations are taken: as the values before what is still to store
    /// (no message), as the state now (one message a device), or as a history (one a time).
    private enum Reading {
        case seed, snapshot, history
    }

    private mutating func build(_ stream: DeviceStream, as reading: Reading, receivedAt: Int64, outcome: inout Outcome) {
        guard var state = devices[stream.name] else {
            if !stream.observations.isEmpty && followed.map({ $0.contains(stream.name) }) ?? true {
                outcome.problems.append("device \(stream.name.prefix(64)) is not in the probe")
            }
            return
        }
        do throws(MTConnectError) {
            var built: [CNCMessage] = []
            switch reading {
            case .seed:
                built = try builder.messages(stream, instanceID: instanceID ?? 0, state: &state, receivedAt: receivedAt)
            case .snapshot:
                built = try builder.snapshot(stream, instanceID: instanceID ?? 0, state: &state, receivedAt: receivedAt).map { [$0] } ?? []
                outcome.messages += built
            case .history:
                built = try builder.messages(stream, instanceID: instanceID ?? 0, state: &state, receivedAt: receivedAt)
                outcome.messages += built
            }
            if let newest = built.map(\.timestamp).max() { lastStamped[stream.name] = max(newest, lastStamped[stream.name] ?? newest) }
        } catch {
            outcome.problems.append(error.reason)
        }
        devices[stream.name] = state
    }

    /// A message of every device the agent has reported nothing of for `heartbeatMicroseconds`, at
    /// the agent's time (`creationTime`): without it a machine idle and unchanged would be taken
    /// for one that is silent, and offline.
    private mutating func repeatQuiet(at header: MTConnectHeader, receivedAt: Int64, outcome: inout Outcome) {
        guard let created = header.creationTime, let now = MTConnectXMLReader.microseconds(created) else { return }
        for (name, state) in devices.sorted(by: { $0.key < $1.key }) {
            guard let last = lastStamped[name], now - last >= heartbeatMicroseconds else { continue }
            do throws(MTConnectError) {
                outcome.messages.append(try builder.heartbeat(state, at: now, instanceID: instanceID ?? 0, receivedAt: receivedAt))
                lastStamped[name] = now
            } catch {
                outcome.problems.append(error.reason)
            }
        }
    }

    private mutating func restarted(_ instance: UInt64, at receivedAt: Int64) -> Outcome {
        var outcome = Outcome()
        gap(
            "the agent restarted: instanceId \(instanceID.map(String.init) ?? "?") became \(instance)", from: fetched?.next ?? 0, at: receivedAt,
            outcome: &outcome)
        fetched = nil
        next = .probe
        return outcome
    }

    /// A `sequence_gap` event for each machine of the agent: what it sent from `from` on is lost.
    private func gap(_ reason: String, from: UInt64, at receivedAt: Int64, outcome: inout Outcome) {
        var detail = JSONTextWriter()
        detail.raw("{\"agent\":")
        detail.string(builder.agent)
        detail.raw(",\"reason\":")
        detail.string(reason)
        detail.raw(",\"from_sequence\":")
        detail.integer(from)
        detail.byte("}")
        for machine in machines {
            outcome.events.append(
                MachineEvent(
                    cncID: machine, kind: .sequenceGap, at: receivedAt, topic: "mtconnect/\(builder.agent)", detail: detail.bytes,
                    cause: Array("\(receivedAt)".utf8) + detail.bytes))
        }
    }
}
