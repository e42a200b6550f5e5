import CollectorCore
import Logging
import MessageSources
import Mosquitto
import ServiceLifecycle
import Sparkplug
import StageRuntime
import SystemCalls
import ZeroMQ

/// The ingest thread: owns the MQTT client, the journal and the ZeroMQ sockets.
public final class IngestLoop {
    private let configuration: Configuration
    private let logger: Logger
    private let stop: StopSignal
    private let reload: ReloadRequests
    private var sources: SourceReader
    /// What the broker was asked to send: filters and their QoS.
    private var subscribed: [String: Int32] = [:]
    private var redeliveries = RedeliveredTimes()
    private var connected = false
    private var counts = (accepted: 0, rejected: 0, replayed: 0, redelivered: 0, acknowledged: 0, undelivered: 0)
    private let metrics = IngestMetrics()
    private var rejectionLog: RejectionLog
    /// What `handle` took from the broker and `store` has not yet journaled and handed on.
    private var pending: [JournalEntry] = []
    /// What `store` journaled but has not handed on yet: rounds gather into one frame while
    /// the broker keeps sending, so the stages downstream get fewer, fuller frames.
    private var unsent: [JournalEntry] = []
    /// When the oldest of `unsent` was journaled.
    private var unsentSince: UInt64 = 0
    private var waiting: UnacknowledgedMessages
    private var lastMaintenance: UInt64 = 0
    private var lastSync: UInt64 = 0
    /// The Sparkplug host: every message of a Sparkplug source goes through it.
    private let sparkplug: SparkplugHost
    /// Journaled in this round but held by the Sparkplug host until a birth names them: the
    /// monotonic time by which it sends them on anyway.
    private var heldUntil: [MessageID: UInt64] = [:]
    /// Commands the Sparkplug host asked for, published after the round's journal write.
    private var commands: [(topic: String, payload: [UInt8])] = []
    /// The time in this connection's STATE messages (`online` and the Will's `offline`).
    private var stateTimestamp: UInt64 = 0

    /// Opens nothing: `run` opens the journal, the sockets and the broker connection, on the stage's thread.
    public init(configuration: Configuration, logger: Logger, stop: StopSignal) {
        self.configuration = configuration
        self.logger = logger
        self.stop = stop
        self.reload = configuration.reloadRequests
        self.sources = SourceReader(configuration.sources, limits: configuration.limits)
        self.rejectionLog = RejectionLog(logger: logger, stage: .ingest)
        self.waiting = UnacknowledgedMessages(redeliverAfterMilliseconds: UInt64(max(1, configuration.redeliverAfterMilliseconds)))
        self.sparkplug = SparkplugHost(configuration: configuration.sparkplug)
    }

    /// Whether any source speaks Sparkplug B: then ingest is a Sparkplug host, with a STATE.
    private var isSparkplugHost: Bool { sources.catalog.sources.contains { $0.sparkplug != nil } }

    private var stateTopic: String { "\(SparkplugTopic.namespace)/STATE/\(configuration.sparkplugHostID)" }

    /// The host's STATE payload, `{"online":…,"timestamp":…}`.
    private func statePayload(online: Bool) -> [UInt8] {
        Array("{\"online\":\(online),\"timestamp\":\(stateTimestamp)}".utf8)
    }

    /// Before each CONNECT: the Will that tells Sparkplug edge nodes this host went away, with
    /// the time its `online` STATE will carry.
    private func setStateWill(_ client: MQTTClient) {
        guard isSparkplugHost else { return }
        stateTimestamp = UInt64(WallClock.nowMicroseconds() / 1000)
        do {
            try client.setWill(topic: stateTopic, payload: statePayload(online: false), qos: 1, retain: true)
        } catch {
            logger.error("cannot set the Sparkplug STATE will", metadata: ["error": "\(error)"])
        }
    }

    /// Publishes this host's STATE, retained, QoS 1.
    private func publishState(_ client: MQTTClient, online: Bool) {
        do {
            try client.publish(topic: stateTopic, payload: statePayload(online: online), qos: 1, retain: true)
        } catch {
            logger.error("cannot publish the Sparkplug STATE", metadata: ["error": "\(error)", "online": "\(online)"])
        }
    }

    /// The sockets and the journal, opened by `run` and used by every step of the loop.
    private struct Links {
        let journal: IngestJournal
        let router: FrameSocket
        let sink: FrameSocket
        let acknowledgements: FrameSocket
    }

    /// Replays the journal, then reads the broker round by round, reconnecting with backoff, until `stop` is
    /// requested; then stores and hands on what it read, disconnects without ending the session and waits up to
    /// `shutdownAcknowledgementMilliseconds` for the sink's acknowledgements. Throws when the runtime directory, the
    /// journal or a socket fails, or on a broker error other than a lost connection.
    public func run() throws {
        let links = try openLinks()
        logger.info("ingest starting", metadata: ["broker": "\(configuration.broker)", "journal": "\(links.journal.directory)"])
        try replayJournal(links)
        let client = try makeClient()
        var backoff = configuration.reconnectBackoff
        var needsConnect = true
        var fullRound = false
        while !stop.isRequested {
            rejectionLog.reportOmitted()
            if reload.take() { reloadSources(client) }
            try maintain(links)
            if needsConnect {
                do {
                    setStateWill(client)
                    try client.connect(host: configuration.broker.host, port: configuration.broker.port)
                    needsConnect = false
                } catch {
                    let delay = backoff.next()
                    logger.warning("cannot reach the broker, retrying", metadata: ["error": "\(error)", "retry_ms": "\(delay)"])
                    stop.sleep(milliseconds: delay)
                    continue
                }
            }
            if let failure = try round(client, links, fullRound: &fullRound) {
                try reconnect(client, after: failure, backoff: &backoff)
            } else if connected {
                backoff.reset()
            }
        }
        try shutDown(client, links)
        // Closing the sockets (deinit) waits up to their linger time for queued frames to leave.
    }

    /// The journal and the sockets to the router, the sink and the sinks' acknowledgements.
    private func openLinks() throws -> Links {
        try configuration.endpoints.prepareRuntimeDirectory()
        let journal = try IngestJournal(directory: configuration.journalDirectory, segmentBytes: configuration.journalSegmentBytes)
        let context = try ZMQContext()
        let endpoints = configuration.endpoints, security = configuration.endpoints.security
        return Links(
            journal: journal,
            router: try FrameSocket.push(context, connectingTo: endpoints.router, server: .router, name: "router", security: security),
            sink: try FrameSocket.push(context, connectingTo: endpoints.sink, server: .sink, name: "sink", security: security),
            acknowledgements: try FrameSocket.subscribe(
                context, connectingTo: endpoints.acknowledgements, server: .sink, name: "acknowledgements", security: security)
        )
    }

    /// The MQTT client, its callbacks set: connection state to health and metrics, every message to `handle`.
    private func makeClient() throws -> MQTTClient {
        let client = try MQTTClient(options: configuration.clientOptions)
        client.onConnect = { [logger] code, reason in
            guard code == 0 else {
                logger.error("broker refused the connection", metadata: ["reason": "\(reason)"])
                return
            }
            self.connected = true
            self.redeliveries.connected()
            self.metrics.brokerConnected.record(1)
            StageHealth.process.setReady(true)
            // Re-subscribing is harmless for a kept session and needed when the broker lost it.
            self.subscribe(client, renewing: true)
            // A Sparkplug host says it is online once it has subscribed (Sparkplug 3.0).
            if self.isSparkplugHost { self.publishState(client, online: true) }
            logger.info(
                "connected and subscribed",
                metadata: [
                    "broker": "\(self.configuration.broker)", "topics": "\(self.subscribed.keys.sorted().joined(separator: ","))",
                    "client_id": "\(self.configuration.session.clientID)",
                ])
        }
        client.onDisconnect = { [logger] expected in
            self.connected = false
            self.apply(self.sparkplug.disconnected(now: monotonicMilliseconds()))
            self.metrics.brokerConnected.record(0)
            StageHealth.process.setReady(false)
            if !expected { logger.warning("connection to the broker lost") }
        }
        client.onMessage = { message in self.handle(message) }
        return client
    }

    /// Subscribes to what the sources ask and is not subscribed yet (`renewing`: to all of it),
    /// and ends the subscriptions no source asks any more, also those of the session before a
    /// reload while disconnected (what the broker queued for them still arrives, and is refused
    /// when no source takes it).
    private func subscribe(_ client: MQTTClient, renewing: Bool = false) {
        let wanted = sources.catalog.subscriptions(defaultQoS: configuration.qos)
        for (filter, qos) in wanted.sorted(by: { $0.key < $1.key }) where renewing || subscribed[filter] != qos {
            do {
                try client.subscribe(filter, qos: qos)
                subscribed[filter] = qos
            } catch {
                logger.error("subscribe failed", metadata: ["topic": "\(filter)", "error": "\(error)"])
            }
        }
        for filter in subscribed.keys.sorted() where wanted[filter] == nil {
            do {
                try client.unsubscribe(filter)
                subscribed[filter] = nil
                logger.info("unsubscribed: no source reads this topic any more", metadata: ["topic": "\(filter)"])
            } catch {
                logger.error("unsubscribe failed", metadata: ["topic": "\(filter)", "error": "\(error)"])
            }
        }
    }

    /// SIGHUP: reads the source descriptions again, keeping the sources of files that have
    /// become invalid, and subscribes as the new set asks.
    private func reloadSources(_ client: MQTTClient) {
        let (reloaded, errors) = SourceCatalog.load(
            directory: configuration.sourcesDirectory, defaultTopic: configuration.topicFilter, keeping: sources.catalog)
        for error in errors {
            logger.error("source description not used, the previous one stays in force if there was one", metadata: ["error": "\(error)"])
        }
        sources = SourceReader(reloaded, limits: configuration.limits)
        if connected { subscribe(client) }
        logger.info("sources reloaded", metadata: ["sources": "\(reloaded.sources.map(\.name).joined(separator: ","))"])
    }

    /// One round: reads what the broker has ready (up to a batch), journals it with one write,
    /// and only then lets the acknowledgements of that round go out. Rounds are handed on
    /// together once a batch is full or `lingerMilliseconds` have passed. Returns the broker's
    /// failure, if any, once what was read is stored.
    private func round(_ client: MQTTClient, _ links: Links, fullRound: inout Bool) throws -> MQTTError? {
        var failure: MQTTError?
        var read = 0
        do throws(MQTTError) {
            try client.writeQueued()
            // A full round may have left data behind (in TLS buffers too, which poll cannot see).
            let lingerLeft = unsent.isEmpty ? 100 : max(0, Self.lingerMilliseconds - Int(monotonicMilliseconds() - unsentSince))
            read = try client.read(timeoutMilliseconds: fullRound ? 0 : Int32(lingerLeft), maximumPackets: Self.maxBatch)
            fullRound = read == Self.maxBatch
        } catch {
            failure = error
        }
        try store(links)
        publishCommands(client)
        if unsent.count >= Self.maxBatch || failure != nil
            || (!unsent.isEmpty && monotonicMilliseconds() - unsentSince >= UInt64(Self.lingerMilliseconds))
        {
            flush(links)
        }
        if failure == nil {
            do throws(MQTTError) {
                try client.writeQueued()
            } catch {
                failure = error
            }
        }
        return failure
    }

    /// After a lost connection: waits the backoff, then reconnects (or tries again next round).
    private func reconnect(_ client: MQTTClient, after failure: MQTTError, backoff: inout Backoff) throws {
        guard failure.isConnectionLoss else { throw failure }
        let delay = backoff.next()
        logger.warning("broker connection failed, reconnecting", metadata: ["error": "\(failure)", "retry_ms": "\(delay)"])
        stop.sleep(milliseconds: delay)
        metrics.reconnects.increment()
        setStateWill(client)
        do throws(MQTTError) {
            try client.reconnect()
        } catch {
            logger.debug("reconnect failed", metadata: ["error": "\(error)"])
        }
    }

    /// Stores and hands on what was read, leaves the broker without losing its session, and
    /// waits for the acknowledgements of what was handed on.
    private func shutDown(_ client: MQTTClient, _ links: Links) throws {
        // What the Sparkplug host holds for a birth goes on as journaled: no birth comes now.
        apply(sparkplug.disconnected(now: monotonicMilliseconds()))
        try store(links)
        flush(links)
        // No UNSUBSCRIBE: the session, and what the broker queues for it, must outlive us.
        // Closing a socket with unread data sends a TCP reset, which can destroy the
        // acknowledgements just written, and the broker would deliver those messages again.
        // So first let the broker's in-flight window fill and throw away what it sent unread:
        // unacknowledged, those messages go to the next session.
        client.discardIncoming(quietMilliseconds: 100, maximumMilliseconds: 2_000)
        // A clean DISCONNECT sends no Will: a Sparkplug host says it is offline itself.
        if isSparkplugHost && connected { publishState(client, online: false) }
        client.disconnect()
        // Writes only: anything read now would be acknowledged without being stored.
        for _ in 0..<10 where client.wantsWrite {
            try? client.writeQueued()
            if client.wantsWrite { usleepMilliseconds(50) }
        }
        try awaitAcknowledgements(links)
        rejectionLog.reportOmitted(force: true)
        logger.info(
            "ingest stopped",
            metadata: [
                "accepted": "\(counts.accepted)", "rejected": "\(counts.rejected)", "replayed": "\(counts.replayed)",
                "redelivered": "\(counts.redelivered)", "acknowledged": "\(counts.acknowledged)", "unacknowledged": "\(waiting.count)",
                "undelivered": "\(counts.undelivered)",
            ])
    }

    /// Reads one message as its source says and gives it its identity; `store` journals and hands it on.
    private func handle(_ message: MQTTClient.Message) {
        let receivedAt = WallClock.nowMicroseconds()
        let id = MessageID(topic: message.topic, content: message.payload)
        // Every message counts in telling redeliveries apart, whatever its source and fate.
        let firstReceivedAt = redeliveries.time(of: id, receivedAt: receivedAt, acknowledged: message.qos > 0)
        let source = sources.catalog.source(for: message.topic)
        if let source, let layout = sources.catalog.sources[source].sparkplug {
            let outputs = sparkplug.receive(
                topic: message.topic, raw: message.payload, id: id, receivedAt: receivedAt, now: monotonicMilliseconds(), layout: layout,
                limits: configuration.limits)
            apply(outputs)
            return
        }
        switch sources.read(message.payload, topic: message.topic, source: source) {
        case .success(let fields):
            counts.accepted += 1
            pending.append(
                .message(
                    CNCMessage(
                        id: id, topic: message.topic, raw: message.payload, accepted: fields, receivedAt: receivedAt,
                        firstReceivedAt: firstReceivedAt)))
        case .failure(let failure):
            reject(reason: failure.reason, cncID: failure.cncID, topic: message.topic, raw: message.payload, id: id, receivedAt: receivedAt)
        }
    }

    /// Keeps a message that cannot be read in `rejected_messages`, with the reason.
    private func reject(reason: String, cncID: String, topic: String, raw: [UInt8], id: MessageID, receivedAt: Int64) {
        counts.rejected += 1
        metrics.rejected.increment(stage: .ingest, reason: reason)
        rejectionLog.rejected(cncID: cncID, reason: reason, topic: topic)
        // An oversized message is kept as a bounded prefix: the reason already says how big it was.
        let kept = raw.count > configuration.limits.maxMessageBytes ? Array(raw.prefix(configuration.limits.maxMessageBytes)) : raw
        pending.append(
            .rejection(
                Rejection(
                    id: id, rejectedAt: receivedAt, receivedAt: receivedAt, stage: .ingest, reason: reason, topic: topic, cncID: cncID, raw: kept)))
    }

    /// Does what the Sparkplug host says.
    private func apply(_ outputs: [SparkplugHost.Output]) {
        for output in outputs {
            switch output {
            case .message(let message):
                counts.accepted += 1
                pending.append(.message(message))
            case .held(let message, let releaseBy):
                counts.accepted += 1
                heldUntil[message.id] = releaseBy
                pending.append(.message(message))
                metrics.sparkplugHeld.increment()
            case .released(let message):
                // Journaled when it was held, in this round or an earlier one: `store` runs first.
                if unsent.isEmpty { unsentSince = monotonicMilliseconds() }
                unsent.append(.message(message))
            case .rejection(let rejection):
                reject(
                    reason: rejection.reason, cncID: rejection.cncID, topic: rejection.topic, raw: rejection.raw, id: rejection.id,
                    receivedAt: rejection.receivedAt)
            case .event(let event):
                pending.append(.event(event))
                metrics.sparkplugEvents.increment(kind: event.kind)
            case .command(let topic, let payload):
                commands.append((topic, payload))
            }
        }
    }

    /// Publishes the commands the Sparkplug host asked for.
    private func publishCommands(_ client: MQTTClient) {
        guard !commands.isEmpty else { return }
        for command in commands {
            do {
                try client.publish(topic: command.topic, payload: command.payload, qos: 0)
                logger.info("asked a Sparkplug edge node for a rebirth", metadata: ["topic": "\(command.topic)"])
            } catch {
                logger.warning("cannot publish a Sparkplug command", metadata: ["topic": "\(command.topic)", "error": "\(error)"])
            }
        }
        commands = []
    }

    /// Messages read per round at most, and so per frame: enough to spread the per-frame cost,
    /// small enough for latency.
    static let maxBatch = 256

    /// Bytes of messages a frame carries at most, past its first message. The queues between
    /// the stages count frames, so this is what keeps them small in bytes when the messages
    /// are large: 256 messages of 8 KB made frames of 2 MB, and the sink's queues alone held
    /// tens of them.
    static let maxFrameBytes = 256 << 10

    /// How long journaled rounds wait for more before they are handed on. Each frame costs
    /// every stage downstream a wake-up of its ZeroMQ thread, and at a few thousand messages a
    /// second a frame per round would carry only a handful of messages. At 5,400 msg/s, 10 ms
    /// instead of 2 took the stages from 76 to 53 µs of CPU a message; the sink's batches wait
    /// up to 20 ms anyway.
    static let lingerMilliseconds = 10

    /// Journals what `handle` took in this round, with one write. It runs before the round's
    /// acknowledgements are written (`acknowledgeAfterCallback`), so a message the broker
    /// counts as delivered is in the journal, whenever ingest dies.
    private func store(_ links: Links) throws {
        guard !pending.isEmpty else { return }
        let entries = pending
        pending = []
        metrics.received.increment(by: entries.count)
        metrics.accepted.increment(by: entries.count(where: { if case .message = $0 { true } else { false } }))
        let locations = try links.journal.append(entries)
        let now = monotonicMilliseconds()
        // A held message waits for its birth, not for the sink, until it is due.
        for (entry, location) in zip(entries, locations) { waiting.add(entry.id, at: location, now: max(now, heldUntil[entry.id] ?? 0)) }
        if configuration.journalSyncMilliseconds == 0 { try syncJournal(links, now: now) }
        let handedOn = heldUntil.isEmpty ? entries : entries.filter { heldUntil[$0.id] == nil }
        heldUntil = [:]
        if unsent.isEmpty && !handedOn.isEmpty { unsentSince = now }
        unsent += handedOn
        metrics.waiting.record(waiting.count)
    }

    /// Hands on what `store` journaled.
    private func flush(_ links: Links) {
        guard !unsent.isEmpty else { return }
        let entries = unsent
        unsent = []
        handOn(entries, links)
    }

    /// Sends entries on: accepted messages to the router, rejections to the sink, in frames of
    /// at most `maxBatch` messages and `maxFrameBytes`.
    private func handOn(_ entries: [JournalEntry], _ links: Links) {
        var messages: [CNCMessage] = [], rejections: [Rejection] = [], events: [MachineEvent] = []
        for entry in entries {
            switch entry {
            case .message(let message): messages.append(message)
            case .rejection(let rejection): rejections.append(rejection)
            case .event(let event): events.append(event)
            }
        }
        let frames =
            Self.frames(of: messages, bytes: \.raw.count).map { (WireFrame.messages(Array($0)), links.router) }
            + Self.frames(of: rejections, bytes: \.raw.count).map { (WireFrame.rejections(Array($0)), links.sink) }
            + Self.frames(of: events, bytes: \.detail.count).map { (WireFrame.events(Array($0)), links.sink) }
        for (frame, socket) in frames {
            do {
                if try !socket.send(frame, stop: stop, logger: logger) {
                    countUndelivered(frame.count)
                    logger.warning(
                        "could not hand messages on before shutdown; the journal keeps them",
                        metadata: ["messages": "\(frame.count)", "peer": "\(socket.name)"])
                }
            } catch {
                countUndelivered(frame.count)
                logger.error(
                    "could not hand messages on; the journal keeps them",
                    metadata: ["messages": "\(frame.count)", "peer": "\(socket.name)", "error": "\(error)"])
            }
        }
    }

    /// Consecutive pieces of at most `maxBatch` items and, unless one item is larger, at most
    /// `maxFrameBytes` of them.
    static func frames<Item>(of items: [Item], bytes: (Item) -> Int) -> [ArraySlice<Item>] {
        var pieces: [ArraySlice<Item>] = []
        var start = 0, pieceBytes = 0
        for (index, item) in items.enumerated() {
            let itemBytes = bytes(item)
            if index > start && (index - start == maxBatch || pieceBytes + itemBytes > maxFrameBytes) {
                pieces.append(items[start..<index])
                start = index
                pieceBytes = 0
            }
            pieceBytes += itemBytes
        }
        if start < items.count { pieces.append(items[start...]) }
        return pieces
    }

    /// Messages the journal keeps but no stage took: the next start, or a redelivery, sends them.
    private func countUndelivered(_ count: Int) {
        counts.undelivered += count
        metrics.undelivered.increment(by: count)
    }

    /// Sends again, before anything new, what earlier runs journaled: the sink stores each
    /// message once, so what was stored already costs only the work.
    private func replayJournal(_ links: Links) throws {
        for segment in links.journal.earlierSegments {
            let (records, droppedBytes) = try links.journal.readSegment(segment)
            if droppedBytes > 0 {
                logger.warning(
                    "journal segment ends in a torn record, written when a crash stopped ingest; cut off",
                    metadata: ["segment": "\(links.journal.path(of: segment))", "bytes": "\(droppedBytes)"])
            }
            waiting.track(segment: segment)
            let now = monotonicMilliseconds()
            for (entry, location) in records {
                waiting.add(entry.id, at: location, now: now)
                redeliveries.remember(entry.id, time: entry.time)
            }
            for chunk in Self.frames(of: records, bytes: \.entry.raw.count) {
                handOn(chunk.map(\.entry), links)
                try takeAcknowledgements(links)
            }
            counts.replayed += records.count
            metrics.replayed.increment(by: records.count)
        }
        if counts.replayed > 0 {
            logger.info("replayed the journal", metadata: ["messages": "\(counts.replayed)", "segments": "\(links.journal.earlierSegments.count)"])
        }
    }

    /// Between MQTT loops: take acknowledgements and, every 100 ms, force the journal to disk,
    /// send again what is overdue and delete segments nothing waits for.
    private func maintain(_ links: Links) throws {
        try takeAcknowledgements(links)
        let now = monotonicMilliseconds()
        guard now - lastMaintenance >= 100 else { return }
        lastMaintenance = now
        apply(sparkplug.tick(now: now))
        metrics.sparkplugWaiting.record(sparkplug.waitingCount)
        if now - lastSync >= UInt64(configuration.journalSyncMilliseconds) { try syncJournal(links, now: now) }
        let overdue = waiting.takeOverdue(now: now, limit: 10 * Self.maxBatch)
        if !overdue.isEmpty {
            logger.info("sending again what the sink has not acknowledged", metadata: ["messages": "\(overdue.count)"])
            handOn(try overdue.map { try links.journal.read($0.location) }, links)
            counts.redelivered += overdue.count
            metrics.redelivered.increment(by: overdue.count)
        }
        metrics.waiting.record(waiting.count)
        removeAcknowledgedSegments(links)
        let redelivered = redeliveries.takeRedelivered()
        if redelivered > 0 {
            logger.info("the broker delivered messages again; each keeps the time of its first receipt", metadata: ["messages": "\(redelivered)"])
        }
    }

    /// Deletes the segments whose every record the sink has acknowledged.
    private func removeAcknowledgedSegments(_ links: Links) {
        for segment in waiting.takeRemovableSegments(active: links.journal.activeSegment) { links.journal.remove(segment: segment) }
    }

    private func syncJournal(_ links: Links, now: UInt64) throws {
        try links.journal.sync()
        lastSync = now
    }

    /// Takes the acknowledgements that arrived, waiting up to `milliseconds` for the first.
    private func takeAcknowledgements(_ links: Links, waitingMilliseconds milliseconds: Int = 0) throws {
        let ids = try links.acknowledgements.receiveAcknowledgements(timeoutMilliseconds: milliseconds, logger: logger)
        let before = counts.acknowledged
        for id in ids where waiting.acknowledge(id) { counts.acknowledged += 1 }
        metrics.acknowledged.increment(by: counts.acknowledged - before)
    }

    /// A stopping ingest gives the stages downstream a moment to store and acknowledge what it
    /// handed on, so that a clean restart has nothing to replay.
    private func awaitAcknowledgements(_ links: Links) throws {
        let deadline = monotonicMilliseconds() + UInt64(configuration.shutdownAcknowledgementMilliseconds)
        while !waiting.isEmpty && monotonicMilliseconds() < deadline {
            try takeAcknowledgements(links, waitingMilliseconds: 100)
        }
        try links.journal.sync()
        removeAcknowledgedSegments(links)
        if waiting.isEmpty { links.journal.remove(segment: links.journal.activeSegment) }
    }
}
