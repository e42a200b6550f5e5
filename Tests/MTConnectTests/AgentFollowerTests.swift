import CollectorCore
import Testing

@testable import MTConnect

@Suite("MTConnect agent follower")
struct AgentFollowerTests {
    static let builder = MTConnectMessageBuilder(agent: "http://127.0.0.1:5000")

    static func probe(instance: UInt64 = 7) -> MTConnectDocument {
        .devices(
            ProbeDocument(
                header: MTConnectHeader(instanceID: instance),
                devices: [
                    DeviceModel(id: "agent", name: "Agent", uuid: "a", isAgent: true),
                    DeviceModel(
                        id: "d1", name: "Mill01", uuid: "m1",
                        dataItems: [
                            DataItemDefinition(id: "exec", type: "EXECUTION", category: .event, component: ComponentReference(type: "Path")),
                            DataItemDefinition(id: "pc", type: "PART_COUNT", category: .event, component: ComponentReference(type: "Path")),
                        ]),
                ]))
    }

    /// Observations of Mill01: (sequence, Execution) each at its own second.
    static func streams(instance: UInt64 = 7, next: UInt64?, _ observations: [(UInt64, String)]) -> MTConnectDocument {
        .streams(
            StreamsDocument(
                header: MTConnectHeader(instanceID: instance, firstSequence: 1, lastSequence: next.map { $0 - 1 }, nextSequence: next),
                devices: [
                    DeviceStream(
                        name: "Mill01", uuid: "m1",
                        observations: observations.map {
                            Observation(
                                dataItemID: "exec", element: "Execution", category: .event, sequence: $0.0, timestamp: Int64($0.0) * 1_000_000,
                                value: .text($0.1), component: ComponentReference(type: "Path"))
                        })
                ]))
    }

    static let outOfRange = MTConnectDocument.error(MTConnectErrorDocument(header: nil, errors: [.init(code: "OUT_OF_RANGE", text: "gone")]))

    @Test("a fresh start: probe, current (stored), then samples from the next sequence on")
    func freshStart() {
        var follower = AgentFollower(builder: Self.builder, committed: nil, count: 100, heartbeatMilliseconds: 20_000)
        #expect(follower.next == .probe)
        #expect(follower.take(Self.probe(), receivedAt: 1).messages.isEmpty)
        #expect(follower.next == .current(at: nil))
        let current = follower.take(Self.streams(next: 11, [(10, "READY")]), receivedAt: 2)
        #expect(current.messages.map(\.cncID) == ["Mill01"])
        #expect(current.position == .init(instanceID: 7, next: 11))
        // Committed at once: a restart before the sink's first acknowledgement follows on from here.
        #expect(current.start == .init(instanceID: 7, next: 11))
        #expect(follower.next == .sample(from: 11, count: 100))
        #expect(follower.next.path == "sample?from=11&count=100")
        let sample = follower.take(Self.streams(next: 14, [(11, "ACTIVE"), (12, "FEED_HOLD"), (13, "ACTIVE")]), receivedAt: 3)
        #expect(sample.messages.count == 3)
        #expect(sample.position == .init(instanceID: 7, next: 14))
        let quiet = follower.take(Self.streams(next: 14, []), receivedAt: 4)
        #expect(quiet.messages.isEmpty && quiet.position == .init(instanceID: 7, next: 14))
        #expect(follower.next == .sample(from: 14, count: 100))
    }

    @Test("a device quiet for heartbeat_ms by the agent's clock is stored again as it stands, at the agent's time; a busy one is not")
    func heartbeat() throws {
        var follower = AgentFollower(builder: Self.builder, committed: nil, count: 100, heartbeatMilliseconds: 20_000)
        _ = follower.take(Self.probe(), receivedAt: 1)
        // Sequence N is at N seconds after the epoch: the current value is at 00:00:10.
        _ = follower.take(Self.streams(next: 11, [(10, "READY")]), receivedAt: 2)
        func sample(at second: Int, next: UInt64 = 11, _ observations: [(UInt64, String)] = []) -> [CNCMessage] {
            guard case .streams(var streams) = Self.streams(next: next, observations) else { return [] }
            streams.header.creationTime = "1970-01-01T00:00:\(second)Z"
            return follower.take(.streams(streams), receivedAt: 3).messages
        }
        #expect(sample(at: 25).isEmpty)
        let first = sample(at: 31)
        #expect(first.map(\.timestamp) == [31_000_000])
        #expect(first.map(\.cncID) == ["Mill01"])
        let payload = String(decoding: first.first?.builtPayload ?? [], as: UTF8.self)
        #expect(payload.contains(#""Execution":"READY""#) && payload.contains(#""heartbeat":31000000,"observations":[]"#), "\(payload)")
        #expect(sample(at: 45, next: 12, [(11, "ACTIVE")]).map(\.timestamp) == [11_000_000])
        let second = sample(at: 52, next: 12)
        #expect(second.map(\.timestamp) == [52_000_000])
        #expect(second.first?.id != first.first?.id)
    }

    @Test("no heartbeat amid a backlog: not after a full sample, nor while the agent holds more than was read")
    func noHeartbeatInBacklog() throws {
        var follower = AgentFollower(builder: Self.builder, committed: nil, count: 2, heartbeatMilliseconds: 1_000)
        _ = follower.take(Self.probe(), receivedAt: 1)
        _ = follower.take(Self.streams(next: 11, [(10, "READY")]), receivedAt: 2)
        func sample(_ observations: [(UInt64, String)], next: UInt64, last: UInt64) -> [CNCMessage] {
            guard case .streams(var streams) = Self.streams(next: next, observations) else { return [] }
            streams.header.creationTime = "1970-01-01T01:00:00Z"
            streams.header.lastSequence = last
            return follower.take(.streams(streams), receivedAt: 3).messages
        }
        #expect(sample([(11, "ACTIVE"), (12, "READY")], next: 13, last: 20).map(\.timestamp) == [11_000_000, 12_000_000])
        #expect(sample([(13, "ACTIVE")], next: 14, last: 20).map(\.timestamp) == [13_000_000])
        // Caught up: the agent holds nothing past what was read.
        #expect(sample([], next: 14, last: 13).map(\.timestamp) == [3_600_000_000])
    }

    @Test("a full sample goes on right after its last observation, even when the header's nextSequence is further on")
    func fullSample() {
        var follower = AgentFollower(builder: Self.builder, committed: nil, count: 2, heartbeatMilliseconds: 20_000)
        _ = follower.take(Self.probe(), receivedAt: 1)
        _ = follower.take(Self.streams(next: 11, [(10, "READY")]), receivedAt: 2)
        _ = follower.take(Self.streams(next: 500, [(11, "ACTIVE"), (12, "READY")]), receivedAt: 3)
        #expect(follower.next == .sample(from: 13, count: 2))
        _ = follower.take(Self.streams(next: 500, [(13, "ACTIVE")]), receivedAt: 4)
        #expect(follower.next == .sample(from: 500, count: 2))
    }

    @Test("an answer too large: the same sample for half as many observations, down to one; all again once the backlog is read")
    func tooLarge() {
        var follower = AgentFollower(builder: Self.builder, committed: nil, count: 4, heartbeatMilliseconds: 20_000)
        _ = follower.take(Self.probe(), receivedAt: 1)
        _ = follower.take(Self.streams(next: 11, [(10, "READY")]), receivedAt: 2)
        var smaller = follower.answerTooLarge()
        #expect(smaller)
        #expect(follower.next == .sample(from: 11, count: 2))
        _ = follower.take(Self.streams(next: 13, [(11, "ACTIVE"), (12, "READY")]), receivedAt: 3)
        #expect(follower.next == .sample(from: 13, count: 2))
        smaller = follower.answerTooLarge()
        #expect(smaller)
        #expect(follower.next == .sample(from: 13, count: 1))
        smaller = follower.answerTooLarge()
        #expect(!smaller)
        #expect(follower.next == .probe)
        _ = follower.take(Self.probe(), receivedAt: 4)
        _ = follower.take(Self.streams(next: 20, [(12, "READY")]), receivedAt: 5)
        #expect(follower.next == .sample(from: 13, count: 1))
        _ = follower.take(Self.streams(next: 14, [(13, "ACTIVE")]), receivedAt: 6)
        #expect(follower.next == .sample(from: 14, count: 1))
        _ = follower.take(Self.streams(next: 14, []), receivedAt: 7)
        #expect(follower.next == .sample(from: 14, count: 4))
    }

    @Test("a restart of the source: the values as they were before the committed position, then samples from it; nothing stored twice")
    func resume() {
        var follower = AgentFollower(builder: Self.builder, committed: .init(instanceID: 7, next: 12), heartbeatMilliseconds: 20_000)
        _ = follower.take(Self.probe(), receivedAt: 1)
        #expect(follower.next == .current(at: 11))
        let seeded = follower.take(Self.streams(next: 20, [(11, "ACTIVE")]), receivedAt: 2)
        #expect(seeded.messages.isEmpty && seeded.start == nil)
        #expect(follower.next == .sample(from: 12, count: 1000))
        let sample = follower.take(Self.streams(next: 13, [(12, "STOPPED")]), receivedAt: 3)
        let payload = try? sample.messages.first?.parsePayload()
        #expect(payload?["Execution"] == .string("STOPPED"))
        #expect(sample.position == .init(instanceID: 7, next: 13))
    }

    @Test("the agent restarted while the source was down: a gap for each machine, then the current values")
    func agentRestarted() {
        var follower = AgentFollower(builder: Self.builder, committed: .init(instanceID: 7, next: 12), heartbeatMilliseconds: 20_000)
        let outcome = follower.take(Self.probe(instance: 8), receivedAt: 1)
        #expect(outcome.events.map(\.cncID) == ["Mill01"])
        #expect(outcome.events.map(\.kind) == [.sequenceGap])
        #expect(String(decoding: outcome.events[0].detail, as: UTF8.self).contains("instanceId 7 became 8"))
        #expect(follower.next == .current(at: nil))
    }

    @Test("the agent restarted between two samples: a gap, and a new probe")
    func restartedBetweenSamples() {
        var follower = AgentFollower(builder: Self.builder, committed: nil, heartbeatMilliseconds: 20_000)
        _ = follower.take(Self.probe(), receivedAt: 1)
        _ = follower.take(Self.streams(next: 11, [(10, "READY")]), receivedAt: 2)
        let outcome = follower.take(Self.streams(instance: 9, next: 3, [(1, "READY")]), receivedAt: 3)
        #expect(outcome.messages.isEmpty)
        #expect(outcome.events.map(\.kind) == [.sequenceGap])
        #expect(follower.next == .probe)
    }

    @Test("OUT_OF_RANGE: the buffer moved past us; a gap, then the current values")
    func outOfRange() {
        var follower = AgentFollower(builder: Self.builder, committed: nil, heartbeatMilliseconds: 20_000)
        _ = follower.take(Self.probe(), receivedAt: 1)
        _ = follower.take(Self.streams(next: 11, [(10, "READY")]), receivedAt: 2)
        let outcome = follower.take(Self.outOfRange, receivedAt: 3)
        #expect(outcome.events.count == 1)
        #expect(String(decoding: outcome.events[0].detail, as: UTF8.self).contains("no longer holds sequence 11"))
        #expect(follower.next == .current(at: nil))
        var resumed = AgentFollower(builder: Self.builder, committed: .init(instanceID: 7, next: 3), heartbeatMilliseconds: 20_000)
        _ = resumed.take(Self.probe(), receivedAt: 1)
        #expect(resumed.take(Self.outOfRange, receivedAt: 2).events.count == 1)
        #expect(resumed.next == .current(at: nil))
    }

    @Test("another error, or a document of the wrong kind: a problem said, and a new probe")
    func problems() {
        var follower = AgentFollower(builder: Self.builder, committed: nil, heartbeatMilliseconds: 20_000)
        let wrong = follower.take(Self.streams(next: 2, []), receivedAt: 1)
        #expect(wrong.problems == ["the agent answered probe with a document of another kind"])
        _ = follower.take(Self.probe(), receivedAt: 1)
        let error = follower.take(
            .error(MTConnectErrorDocument(header: nil, errors: [.init(code: "NO_DEVICE", text: "Mill01 is gone")])), receivedAt: 2)
        #expect(error.problems == ["the agent answered current with NO_DEVICE: Mill01 is gone"])
        #expect(follower.next == .probe)
    }
}
