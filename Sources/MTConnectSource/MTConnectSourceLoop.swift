import CollectorCore
import Foundation
import HTTPFetch
import Logging
import MTConnect
import MessageSources
import PipelineSettings
import StageRuntime
import SystemCalls
import ZeroMQ

/// `mtconnect`: follows the MTConnect agents of the source descriptions, turns their devices'
/// observations into messages for the router and gaps into events for the sink, and commits
/// each agent's position once the sink has acknowledged what came before it. A restart, of this
/// stage or of anything after it, fetches again from the committed position: the agent's buffer
/// is the journal, and the sink stores a message it has seen once.
public typealias MTConnectSourceService = StageService<MTConnectSourceLoop>

/// The `mtconnect` stage's loop. One thread follows every agent, one blocking request at a time: an agent that does not
/// answer holds the others back for up to its `timeout_ms`.
public final class MTConnectSourceLoop: StageLoop {
    /// What the stage is given: the agents to follow, its links, where positions are kept, and its bounds.
    public struct Configuration: Sendable {
        /// The agents to follow; with none the stage idles until it is restarted with some.
        public var agents: [AgentSource]
        /// The router and the sink it pushes to, and the sink's acknowledgements it subscribes to.
        public var endpoints: StageEndpoints
        /// Where each agent's committed position is kept, a file a source (`MES_MTCONNECT_POSITIONS_DIR`, by default
        /// `MES_STATE_DIR/mtconnect`); made, mode 0700, when it is missing.
        public var positionsDirectory: String
        /// How long, in ms, an agent's oldest answer may wait for the sink's acknowledgement before the agent is read again
        /// from its committed position (`MES_MTCONNECT_REDELIVER_AFTER_MS`, default 30 000).
        public var redeliverAfterMilliseconds = MTConnectSourceSettings.redeliverAfterMilliseconds.defaultValue!
        /// The largest answer read from an agent, in bytes, headers included; a larger sample is asked again for fewer
        /// observations (`MES_MTCONNECT_MAX_DOCUMENT_BYTES`, default 16 MiB).
        public var maxDocumentBytes = MTConnectSourceSettings.maxDocumentBytes.defaultValue!
        /// The bounds of each message made from observations; `ValidationLimits()`'s by default.
        public var limits = ValidationLimits()
        /// How long a stopping source waits for the acknowledgements of what it sent.
        public var shutdownAcknowledgementMilliseconds = 5_000

        /// A configuration with every other value at its default.
        public init(agents: [AgentSource], endpoints: StageEndpoints, positionsDirectory: String) {
            self.agents = agents
            self.endpoints = endpoints
            self.positionsDirectory = positionsDirectory
        }
    }

    /// Always `mtconnect`, whichever agents the process follows.
    public static func name(of configuration: Configuration) -> String { "mtconnect" }

    /// What was sent for one agent and is not all acknowledged yet, and the position it makes good.
    private struct Sent {
        var waiting: Set<MessageID>
        var position: AgentFollower.Position?
        var at: UInt64
    }

    /// One followed agent: its description, where it stands, what awaits the sink, and when it is asked next (monotonic ms).
    private struct Agent {
        let source: AgentSource
        var follower: AgentFollower
        var sent: [Sent] = []
        var due: UInt64 = 0
        var failures = 0
        /// The last problem logged, so that a lasting one is logged once, not every round.
        var lastProblem: String?
    }

    private let configuration: Configuration
    private let logger: Logger
    private let stop: StopSignal
    private let metrics = MTConnectSourceMetrics()
    private var agents: [Agent] = []
    private let positions: AgentPositions

    /// Makes the positions directory where it is missing (throws when it cannot), and sets each agent to follow on from
    /// its committed position where there is one.
    public init(configuration: Configuration, logger: Logger, stop: StopSignal) throws {
        self.configuration = configuration
        self.logger = logger
        self.stop = stop
        positions = try AgentPositions(directory: configuration.positionsDirectory)
        agents = configuration.agents.map { source in
            Agent(source: source, follower: Self.follower(source, committed: positions.load(source.name), limits: configuration.limits))
        }
    }

    private static func follower(_ source: AgentSource, committed: AgentFollower.Position?, limits: ValidationLimits) -> AgentFollower {
        let builder = MTConnectMessageBuilder(
            agent: source.agent.description, machineName: source.machine == .uuid ? .uuid : .name, limits: limits)
        return AgentFollower(
            builder: builder, committed: committed, count: source.count, devices: source.devices, heartbeatMilliseconds: source.heartbeatMilliseconds)
    }

    /// The stage's sockets: messages to the router, gap events to the sink, and the sink's acknowledgements.
    private struct Links {
        let router: FrameSocket
        let sink: FrameSocket
        let acknowledgements: FrameSocket
    }

    /// Polls each agent when it is due until `stop`, then waits up to `shutdownAcknowledgementMilliseconds` for the sink's
    /// acknowledgements. With no agent it stays up, and says so in its log, rather than exit.
    public func run() throws {
        try configuration.endpoints.prepareRuntimeDirectory()
        let context = try ZMQContext()
        let endpoints = configuration.endpoints, security = endpoints.security
        let links = Links(
            router: try FrameSocket.push(context, connectingTo: endpoints.router, server: .router, name: "router", security: security),
            sink: try FrameSocket.push(context, connectingTo: endpoints.sink, server: .sink, name: "sink", security: security),
            acknowledgements: try FrameSocket.subscribe(
                context, connectingTo: endpoints.acknowledgements, server: .sink, name: "acknowledgements", security: security))
        StageHealth.process.setReady(true)
        guard !agents.isEmpty else {
            // Shipped among the stages of every deployment, it waits for a plant's first agent
            // rather than fail, which a supervisor would take for a crash.
            logger.warning(
                "no MTConnect agent is described: add a source with the key mtconnect to MES_SOURCES_DIR and restart this stage")
            while !stop.isRequested { try takeAcknowledgements(links, waitingMilliseconds: 200) }
            return
        }
        logger.info(
            "mtconnect starting",
            metadata: ["agents": "\(agents.map { "\($0.source.name)=\($0.source.agent)" }.joined(separator: ","))"])
        while !stop.isRequested {
            let now = monotonicMilliseconds()
            for index in agents.indices where agents[index].due <= now && !stop.isRequested {
                try poll(index, links)
            }
            try takeAcknowledgements(links, waitingMilliseconds: 0)
            redeliverOverdue()
            let next = agents.map(\.due).min() ?? now + 1_000
            // One reading of the clock: a second one could pass `next` and underflow.
            let current = monotonicMilliseconds()
            let wait = next > current ? Int(min(next - current, 100)) : 0
            if wait > 0 { try takeAcknowledgements(links, waitingMilliseconds: wait) }
        }
        let deadline = monotonicMilliseconds() + UInt64(configuration.shutdownAcknowledgementMilliseconds)
        while agents.contains(where: { !$0.sent.isEmpty }) && monotonicMilliseconds() < deadline {
            try takeAcknowledgements(links, waitingMilliseconds: 100)
        }
        logger.info("mtconnect stopped", metadata: ["unacknowledged": "\(agents.reduce(0) { $0 + $1.sent.count })"])
    }

    /// One request to one agent, and what its answer brings.
    private func poll(_ index: Int, _ links: Links) throws {
        let source = agents[index].source
        let request = agents[index].follower.next
        let document: MTConnectDocument
        do {
            let response = try HTTPFetcher.get(
                source.agent, "/" + request.path, timeoutMilliseconds: source.timeoutMilliseconds, maxBytes: configuration.maxDocumentBytes,
                accept: "application/xml, text/xml")
            guard response.mediaType.map({ $0.hasSuffix("/xml") || $0.hasSuffix("+xml") }) ?? false else {
                return failed(
                    index, outcome: .unreadable,
                    "\(source.agent)/\(request.path): HTTP \(response.status) with content type \(response.mediaType ?? "none"), not XML")
            }
            document = try MTConnectDocument.parse(response.body, limits: MTConnectLimits(maxDocumentBytes: configuration.maxDocumentBytes))
        } catch let error as HTTPFetcher.FetchError where error.isTooLarge {
            guard agents[index].follower.answerTooLarge() else { return failed(index, outcome: .tooLarge, error.reason) }
            metrics.request(.tooLarge)
            report(index, error.reason + "; asking for \(agents[index].follower.count) observations at a time")
            agents[index].due = monotonicMilliseconds()
            return
        } catch let error as HTTPFetcher.FetchError {
            return failed(index, outcome: .unreachable, error.reason)
        } catch let error as MTConnectError {
            return failed(index, outcome: .unreadable, "\(source.agent)/\(request.path): \(error.reason)")
        }
        let outcome = agents[index].follower.take(document, receivedAt: WallClock.nowMicroseconds())
        if let start = outcome.start {
            // What was sent before belongs to positions this one supersedes: their
            // acknowledgements must not commit them over it.
            for entry in agents[index].sent.indices { agents[index].sent[entry].position = nil }
            commit(start, for: index)
        }
        metrics.request(outcome.problems.isEmpty ? .ok : .error)
        if outcome.problems.isEmpty {
            if agents[index].lastProblem != nil { logger.info("agent answers again", metadata: ["source": "\(source.name)"]) }
            agents[index].lastProblem = nil
            agents[index].failures = 0
        }
        for problem in outcome.problems { report(index, problem) }
        if !outcome.events.isEmpty {
            metrics.gaps.increment(by: outcome.events.count)
            logger.warning(
                "a gap in an agent's observations",
                metadata: [
                    "source": "\(source.name)", "machines": "\(outcome.events.count)",
                    "detail": "\(String(decoding: outcome.events[0].detail, as: UTF8.self))",
                ])
            guard try links.sink.send(.events(outcome.events), stop: stop, logger: logger) else { return }
        }
        for chunk in stride(from: 0, to: outcome.messages.count, by: 256) {
            let messages = Array(outcome.messages[chunk..<min(chunk + 256, outcome.messages.count)])
            guard try links.router.send(.messages(messages), stop: stop, logger: logger) else { return }
        }
        metrics.messages.increment(by: outcome.messages.count)
        let ids = Set(outcome.messages.map(\.id) + outcome.events.map(\.id))
        if !ids.isEmpty || outcome.position != nil {
            agents[index].sent.append(Sent(waiting: ids, position: outcome.position, at: monotonicMilliseconds()))
            commitAcknowledged(index)
        }
        // A full sample says more is waiting: ask at once.
        let full: Bool = if case .streams(let streams) = document { streams.observationCount >= agents[index].follower.count } else { false }
        agents[index].due = monotonicMilliseconds() + (full || outcome.position == nil ? 0 : UInt64(source.intervalMilliseconds))
        if !outcome.problems.isEmpty { agents[index].due = monotonicMilliseconds() + UInt64(backoff(index)) }
    }

    private func failed(_ index: Int, outcome: MTConnectSourceMetrics.Outcome, _ reason: String) {
        metrics.request(outcome)
        agents[index].follower.failed()
        agents[index].failures += 1
        report(index, reason)
        agents[index].due = monotonicMilliseconds() + UInt64(backoff(index))
    }

    /// The wait after failures in a row: the interval after the first, doubling with each one
    /// after it, to a minute at most.
    private func backoff(_ index: Int) -> Int {
        let interval = agents[index].source.intervalMilliseconds
        return min(60_000, interval << min(max(agents[index].failures - 1, 0), 6))
    }

    private func report(_ index: Int, _ problem: String) {
        guard agents[index].lastProblem != problem else { return }
        agents[index].lastProblem = problem
        logger.warning("agent", metadata: ["source": "\(agents[index].source.name)", "problem": "\(problem)"])
    }

    private func takeAcknowledgements(_ links: Links, waitingMilliseconds milliseconds: Int) throws {
        let acknowledged = Set(try links.acknowledgements.receiveAcknowledgements(timeoutMilliseconds: milliseconds, logger: logger))
        if !acknowledged.isEmpty {
            for index in agents.indices where !agents[index].sent.isEmpty {
                for entry in agents[index].sent.indices { agents[index].sent[entry].waiting.subtract(acknowledged) }
                commitAcknowledged(index)
            }
        }
        metrics.waiting.record(agents.reduce(0) { $0 + $1.sent.reduce(0) { $0 + $1.waiting.count } })
    }

    /// Commits the position of every leading answer of the agent whose messages are all stored.
    private func commitAcknowledged(_ index: Int) {
        while let first = agents[index].sent.first, first.waiting.isEmpty {
            agents[index].sent.removeFirst()
            guard let position = first.position else { continue }
            commit(position, for: index)
        }
    }

    private func commit(_ position: AgentFollower.Position, for index: Int) {
        do {
            try positions.save(position, for: agents[index].source.name)
        } catch {
            logger.error("cannot commit an agent's position", metadata: ["source": "\(agents[index].source.name)", "error": "\(error)"])
        }
    }

    /// An agent whose oldest answer waits too long for the sink: start again from its committed
    /// position. What the sink stored meanwhile it stores once.
    private func redeliverOverdue() {
        let now = monotonicMilliseconds()
        for index in agents.indices {
            guard let oldest = agents[index].sent.first, now - oldest.at > UInt64(configuration.redeliverAfterMilliseconds) else { continue }
            let source = agents[index].source
            logger.warning(
                "the sink has not acknowledged an agent's observations in time: fetching them again",
                metadata: ["source": "\(source.name)", "waiting": "\(agents[index].sent.reduce(0) { $0 + $1.waiting.count })"])
            metrics.redelivered.increment()
            agents[index].sent = []
            agents[index].follower = Self.follower(source, committed: positions.load(source.name), limits: configuration.limits)
            agents[index].due = now
        }
    }
}
