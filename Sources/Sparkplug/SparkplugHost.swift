import CollectorCore
import SwiftProtobuf

/// The collector as a Sparkplug B host application, without I/O: it takes every message of a
/// Sparkplug source in the order the broker delivered it and says what to store, what to hold
/// until a birth names it, what to tell the sink (births, deaths, gaps) and which commands to
/// publish. Ingest journals and sends what it says (docs/sparkplug.md).
///
/// Per edge node it keeps the current births (node and devices: alias → name and datatype),
/// the `bdSeq` they belong to and the next expected sequence number. DATA that no birth can
/// name yet (no birth since the collector connected, or an alias the birth lacks) is journaled
/// at once, marked, and held: a birth that arrives before a death of the node names it; a death
/// or `birthWaitMilliseconds` without a birth sends it on as it is. A sequence number out of
/// order waits `reorderTimeMilliseconds` for the missing ones; then the gap is recorded and the
/// messages taken in order. A rebirth (NCMD `Node Control/Rebirth`) is asked for at most once
/// per `rebirthIntervalMilliseconds` per edge node.
///
/// Not safe to share between threads: one caller owns it and calls it in turn.
public final class SparkplugHost {
    /// The host's waits and bounds.
    public struct Configuration: Sendable {
        /// How long a message out of sequence waits for the missing ones before the gap is
        /// recorded, in ms; default 2000.
        public var reorderTimeMilliseconds: UInt64
        /// How long DATA that no birth names is held for a birth before it goes on unnamed, in ms;
        /// default 10 000.
        public var birthWaitMilliseconds: UInt64
        /// The least time between two rebirth requests to one edge node, in ms; default 5000.
        public var rebirthIntervalMilliseconds: UInt64
        /// Held messages per edge node at most; the oldest goes on unnamed past it.
        public var maxHeldPerNode: Int

        /// A configuration; each value defaults as its property says (`maxHeldPerNode`: 10 000).
        public init(
            reorderTimeMilliseconds: UInt64 = 2_000, birthWaitMilliseconds: UInt64 = 10_000, rebirthIntervalMilliseconds: UInt64 = 5_000,
            maxHeldPerNode: Int = 10_000
        ) {
            self.reorderTimeMilliseconds = reorderTimeMilliseconds
            self.birthWaitMilliseconds = birthWaitMilliseconds
            self.rebirthIntervalMilliseconds = rebirthIntervalMilliseconds
            self.maxHeldPerNode = maxHeldPerNode
        }
    }

    /// What the caller is to do, in order.
    public enum Output: Sendable, Equatable {
        /// Journal it and send it on.
        case message(CNCMessage)
        /// Journal it now, as it is; send it on only when `released` (the same id, perhaps
        /// named) or, should ingest stop first, as journaled.
        case held(CNCMessage, releaseBy: UInt64)
        /// Send on a held message: journaled already.
        case released(CNCMessage)
        /// A message that cannot be read, its bytes to keep in `rejected_messages`; the reason
        /// starts with `SparkplugLayout.reasonPrefix`. It may be one the host held (`tick`).
        case rejection(Rejection)
        /// Journal it and send it to the sink.
        case event(MachineEvent)
        /// Publish this command, QoS 0, not retained.
        case command(topic: String, payload: [UInt8])
    }

    /// A message received, waiting in the reorder buffer.
    private struct Received {
        var id: MessageID
        var topic: SparkplugTopic
        var topicText: String
        var raw: [UInt8]
        var payload: SparkplugB_Payload
        var receivedAt: Int64
        var layout: SparkplugLayout
        var limits: ValidationLimits
    }

    /// A message journaled unnamed, waiting for a birth.
    private struct Held {
        var received: Received
        var releaseBy: UInt64
        var message: CNCMessage
    }

    /// An edge node's identity: its group and its id.
    private struct NodeKey: Hashable {
        var group: String
        var edgeNode: String
    }

    /// What the host knows of one edge node: its births, its sequence, what waits, and the last values.
    private struct EdgeNode {
        var bdSeq: UInt64?
        var nodeBirth: BirthCertificate?
        var deviceBirths: [String: BirthCertificate] = [:]
        var expectedSeq: UInt64?
        var reorder: [Received] = []
        var reorderSince: UInt64?
        var held: [Held] = []
        var lastRebirthRequest: UInt64?
        /// The machines of this node heard since its birth: those a gap or a death concerns.
        var machines: Set<String> = []
        /// The last value of each metric, by scope: the node's ("") and each device's.
        var lastValues: [String: LastValues] = [:]

        /// The birth that names a message on `topic`: its device's, or the node's own.
        func birth(for topic: SparkplugTopic) -> BirthCertificate? {
            topic.device.map { deviceBirths[$0] } ?? nodeBirth
        }
    }

    /// The waits and bounds the host was made with.
    public let configuration: Configuration
    private var nodes: [NodeKey: EdgeNode] = [:]
    /// Topics read before: a plant's few hundred come again with every message.
    private var parsedTopics: [String: SparkplugTopic.Parsed] = [:]
    /// More topics than this are forgotten together: no plant has so many, a flood of odd ones may.
    private static let maxParsedTopics = 10_000
    /// Deaths whose `bdSeq` was not the current birth's: a duplicate or a late Will.
    public private(set) var staleDeaths = 0
    /// Host states and commands seen on a source's topics: not machine data.
    public private(set) var ignored = 0

    /// A host that knows no edge node yet.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    private func parse(_ topic: String) throws(SparkplugError) -> SparkplugTopic.Parsed {
        if let parsed = parsedTopics[topic] { return parsed }
        let parsed = try SparkplugTopic.parse(topic)
        if parsedTopics.count >= Self.maxParsedTopics { parsedTopics.removeAll(keepingCapacity: true) }
        parsedTopics[topic] = parsed
        return parsed
    }

    /// Messages held for a birth or waiting in a reorder buffer, over all edge nodes.
    public var waitingCount: Int { nodes.values.reduce(0) { $0 + $1.held.count + $1.reorder.count } }

    /// Takes one message of a Sparkplug source. `now` is the monotonic clock in milliseconds,
    /// `receivedAt` the wall clock in microseconds.
    public func receive(
        topic topicText: String, raw: [UInt8], id: MessageID, receivedAt: Int64, now: UInt64, layout: SparkplugLayout, limits: ValidationLimits
    ) -> [Output] {
        let builder = SparkplugMessageBuilder(layout: layout, limits: limits)
        let topic: SparkplugTopic
        let payload: SparkplugB_Payload
        do throws(SparkplugError) {
            switch try parse(topicText) {
            case .hostState:
                ignored += 1
                return []
            case .message(let parsed) where parsed.messageType == .nodeCommand || parsed.messageType == .deviceCommand:
                ignored += 1
                return []
            case .message(let parsed): topic = parsed
            }
            payload = try builder.decode(raw)
        } catch {
            return [.rejection(Self.rejection(error, cncID: "", topic: topicText, raw: raw, id: id, receivedAt: receivedAt))]
        }
        let received = Received(
            id: id, topic: topic, topicText: topicText, raw: raw, payload: payload, receivedAt: receivedAt, layout: layout, limits: limits)
        let key = NodeKey(group: topic.group, edgeNode: topic.edgeNode)
        // Taken out while it changes, so that its tables are never copied on write.
        var node = nodes.removeValue(forKey: key) ?? EdgeNode()
        var outputs: [Output] = []
        switch topic.messageType {
        case .nodeDeath:
            die(&node, received, now: now, outputs: &outputs)
        case .nodeBirth:
            // A birth starts the node's sequence anew: what waited for the old one goes first.
            takeReordered(&node, now: now, outputs: &outputs, gap: false)
            take(received, &node, now: now, outputs: &outputs)
        default:
            if let expected = node.expectedSeq, payload.hasSeq, payload.seq != expected {
                if node.reorder.isEmpty { node.reorderSince = now }
                node.reorder.append(received)
                if node.reorder.count > 255 { takeReordered(&node, now: now, outputs: &outputs, gap: true) }
            } else {
                take(received, &node, now: now, outputs: &outputs)
                takeInSequence(&node, now: now, outputs: &outputs)
            }
        }
        nodes[key] = node
        return outputs
    }

    /// What time alone decides: gaps that were not filled in time, held messages that waited long enough.
    public func tick(now: UInt64) -> [Output] {
        var outputs: [Output] = []
        for key in Array(nodes.keys) where nodes[key] != nil {
            if let since = nodes[key]!.reorderSince, now >= since + configuration.reorderTimeMilliseconds {
                takeReordered(&nodes[key]!, now: now, outputs: &outputs, gap: true)
            }
            while let first = nodes[key]!.held.first, first.releaseBy <= now {
                outputs.append(.released(first.message))
                nodes[key]!.held.removeFirst()
            }
        }
        return outputs
    }

    /// The connection to the broker was lost: what was published meanwhile never reaches us, so
    /// every birth is in doubt. What waited goes on as it is; the next DATA of each node asks for a rebirth.
    public func disconnected(now: UInt64) -> [Output] {
        var outputs: [Output] = []
        for key in Array(nodes.keys) {
            takeReordered(&nodes[key]!, now: now, outputs: &outputs, gap: false)
            outputs += nodes[key]!.held.map { .released($0.message) }
        }
        nodes = [:]
        return outputs
    }

    // MARK: - Taking messages in sequence

    /// Takes the reorder buffer's messages that are next in sequence.
    private func takeInSequence(_ node: inout EdgeNode, now: UInt64, outputs: inout [Output]) {
        while let expected = node.expectedSeq, let index = node.reorder.firstIndex(where: { $0.payload.seq == expected }) {
            take(node.reorder.remove(at: index), &node, now: now, outputs: &outputs)
        }
        if node.reorder.isEmpty { node.reorderSince = nil }
    }

    /// Takes every message of the reorder buffer in sequence order from the expected number,
    /// recording the gap when `gap`.
    private func takeReordered(_ node: inout EdgeNode, now: UInt64, outputs: inout [Output], gap: Bool) {
        guard !node.reorder.isEmpty else { return }
        let expected = node.expectedSeq ?? 0
        let waiting = node.reorder.sorted { ($0.payload.seq &- expected) & 0xFF < ($1.payload.seq &- expected) & 0xFF }
        node.reorder = []
        node.reorderSince = nil
        if gap, let first = waiting.first {
            let missing = (first.payload.seq &- expected) & 0xFF
            let detail = Self.detail(
                first.topic, ["expected_seq": .integer(expected), "received_seq": .integer(first.payload.seq), "missing": .integer(missing)])
            for cncID in machines(of: node, first) {
                outputs.append(
                    .event(
                        MachineEvent(
                            cncID: cncID, kind: .sequenceGap, at: first.receivedAt, topic: first.topicText, detail: detail, cause: first.raw)))
            }
            requestRebirth(&node, first, now: now, reason: "sequence gap", outputs: &outputs)
        }
        for received in waiting { take(received, &node, now: now, outputs: &outputs) }
    }

    /// The machines a node-wide event concerns: those heard since its birth, and this one's.
    private func machines(of node: EdgeNode, _ received: Received) -> [String] {
        var machines = node.machines
        if let own = nodeMachine(of: received) { machines.insert(own) }
        return machines.sorted()
    }

    /// The machine of the edge node itself (of its NBIRTH and NDATA), when its id is a valid cnc_id.
    private func nodeMachine(of received: Received) -> String? {
        let topic = SparkplugTopic(group: received.topic.group, messageType: .nodeData, edgeNode: received.topic.edgeNode)
        return try? SparkplugMessageBuilder(layout: received.layout, limits: received.limits).cncID(of: topic)
    }

    /// One message, in sequence.
    private func take(_ received: Received, _ node: inout EdgeNode, now: UInt64, outputs: inout [Output]) {
        let topic = received.topic, payload = received.payload
        if payload.hasSeq { node.expectedSeq = (payload.seq &+ 1) & 0xFF }
        let builder = SparkplugMessageBuilder(layout: received.layout, limits: received.limits)
        do throws(SparkplugError) {
            switch topic.messageType {
            case .nodeBirth:
                let birth = try BirthCertificate(payload.metrics)
                node.nodeBirth = birth
                node.deviceBirths = [:]
                node.bdSeq = Self.bdSeq(in: payload)
                node.machines = []
                node.lastValues = [:]
                node.expectedSeq = payload.hasSeq ? (payload.seq &+ 1) & 0xFF : nil
                try store(received, birth: birth, node: &node, outputs: &outputs)
                outputs.append(birthEvent(received, node: node, builder: builder))
                name(held: &node, device: nil, outputs: &outputs)
            case .deviceBirth:
                let birth = try BirthCertificate(payload.metrics)
                guard node.nodeBirth != nil, let device = topic.device else {
                    // Named by itself, but of a node whose birth this host has not seen.
                    try store(received, birth: birth, node: &node, outputs: &outputs)
                    requestRebirth(&node, received, now: now, reason: "device birth before its node's", outputs: &outputs)
                    return
                }
                node.deviceBirths[device] = birth
                try store(received, birth: birth, node: &node, outputs: &outputs)
                outputs.append(birthEvent(received, node: node, builder: builder))
                name(held: &node, device: device, outputs: &outputs)
            case .deviceDeath:
                guard let device = topic.device else { return }
                let wasBorn = node.deviceBirths.removeValue(forKey: device) != nil
                if wasBorn && received.layout.machine == .device {
                    let cncID = try builder.cncID(of: topic)
                    node.machines.remove(cncID)
                    outputs.append(.event(deathEvent(received, cncID: cncID, bdSeq: node.bdSeq)))
                }
            case .nodeData, .deviceData:
                let birth = node.birth(for: topic)
                let built = try build(received, birth: birth, node: &node)
                if built.unnamed > 0 {
                    hold(received, built.message, node: &node, now: now, reason: birth == nil ? "no birth" : "unknown alias", outputs: &outputs)
                    return
                }
                node.machines.insert(built.message.cncID)
                outputs.append(.message(built.message))
                if birth == nil { requestRebirth(&node, received, now: now, reason: "no birth", outputs: &outputs) }
            case .nodeDeath, .nodeCommand, .deviceCommand:
                return
            }
        } catch {
            let cncID = (try? builder.cncID(of: topic)) ?? ""
            outputs.append(
                .rejection(
                    Self.rejection(
                        error, cncID: cncID, topic: received.topicText, raw: received.raw, id: received.id, receivedAt: received.receivedAt)))
        }
    }

    /// The message, its payload carrying the scope's last values, which take its own.
    private func build(_ received: Received, birth: BirthCertificate?, node: inout EdgeNode) throws(SparkplugError) -> (
        message: CNCMessage, unnamed: Int
    ) {
        let scope = received.topic.device ?? ""
        if let birth, received.topic.messageType == .nodeBirth || received.topic.messageType == .deviceBirth {
            node.lastValues[scope] = LastValues(birth: birth)
        }
        return try SparkplugMessageBuilder(layout: received.layout, limits: received.limits).message(
            id: received.id, topic: received.topic, topicText: received.topicText, raw: received.raw, payload: received.payload, birth: birth,
            known: &node.lastValues[scope, default: LastValues()], receivedAt: received.receivedAt, firstReceivedAt: received.receivedAt)
    }

    private func store(_ received: Received, birth: BirthCertificate, node: inout EdgeNode, outputs: inout [Output]) throws(SparkplugError) {
        let built = try build(received, birth: birth, node: &node)
        node.machines.insert(built.message.cncID)
        outputs.append(.message(built.message))
    }

    private static func rejection(_ error: SparkplugError, cncID: String, topic: String, raw: [UInt8], id: MessageID, receivedAt: Int64) -> Rejection
    {
        Rejection(
            id: id, rejectedAt: receivedAt, receivedAt: receivedAt, stage: .ingest, reason: SparkplugLayout.reasonPrefix + error.reason, topic: topic,
            cncID: cncID, raw: raw)
    }

    // MARK: - Births and deaths

    /// The `bdSeq` metric of a birth or death certificate.
    static func bdSeq(in payload: SparkplugB_Payload) -> UInt64? {
        guard let metric = payload.metrics.first(where: { $0.name == "bdSeq" }) else { return nil }
        switch metric.value {
        case .longValue(let value)?: return value
        case .intValue(let value)?: return UInt64(value)
        default: return nil
        }
    }

    private func birthEvent(_ received: Received, node: EdgeNode, builder: SparkplugMessageBuilder) -> Output {
        let detail = Self.detail(
            received.topic, ["bdSeq": node.bdSeq.map(DetailValue.integer), "metrics": .integer(UInt64(received.payload.metrics.count))])
        let cncID = (try? builder.cncID(of: received.topic)) ?? received.topic.edgeNode
        return .event(
            MachineEvent(cncID: cncID, kind: .birth, at: received.receivedAt, topic: received.topicText, detail: detail, cause: received.raw))
    }

    private func deathEvent(_ received: Received, cncID: String, bdSeq: UInt64?) -> MachineEvent {
        let detail = Self.detail(received.topic, ["bdSeq": bdSeq.map(DetailValue.integer)])
        return MachineEvent(cncID: cncID, kind: .death, at: received.receivedAt, topic: received.topicText, detail: detail, cause: received.raw)
    }

    /// An NDEATH: when its `bdSeq` is the current birth's, every machine of the node goes offline
    /// now; any other (a duplicate, a Will of an older connection) changes nothing.
    private func die(_ node: inout EdgeNode, _ received: Received, now: UInt64, outputs: inout [Output]) {
        guard node.nodeBirth != nil, let current = node.bdSeq, Self.bdSeq(in: received.payload) == current else {
            staleDeaths += 1
            return
        }
        takeReordered(&node, now: now, outputs: &outputs, gap: false)
        for cncID in machines(of: node, received) { outputs.append(.event(deathEvent(received, cncID: cncID, bdSeq: current))) }
        // What waited for a birth of this connection will not get one.
        outputs += node.held.map { .released($0.message) }
        node = EdgeNode(lastRebirthRequest: node.lastRebirthRequest)
    }

    // MARK: - Holding what no birth names yet

    private func hold(_ received: Received, _ message: CNCMessage, node: inout EdgeNode, now: UInt64, reason: String, outputs: inout [Output]) {
        let releaseBy = now + configuration.birthWaitMilliseconds
        outputs.append(.held(message, releaseBy: releaseBy))
        node.held.append(Held(received: received, releaseBy: releaseBy, message: message))
        if node.held.count > configuration.maxHeldPerNode { outputs.append(.released(node.held.removeFirst().message)) }
        requestRebirth(&node, received, now: now, reason: reason, outputs: &outputs)
    }

    /// Names what was held for the birth just taken (`device` nil: the node's), and sends it on.
    private func name(held node: inout EdgeNode, device: String?, outputs: inout [Output]) {
        var kept: [Held] = []
        for held in node.held {
            let topic = held.received.topic
            guard topic.device == device, let birth = node.birth(for: topic),
                let built = try? build(held.received, birth: birth, node: &node), built.unnamed == 0
            else {
                kept.append(held)
                continue
            }
            node.machines.insert(built.message.cncID)
            outputs.append(.released(built.message))
        }
        node.held = kept
    }

    /// Asks the edge node to publish its births again, unless it was asked within the interval.
    private func requestRebirth(_ node: inout EdgeNode, _ received: Received, now: UInt64, reason: String, outputs: inout [Output]) {
        if let last = node.lastRebirthRequest, now < last + configuration.rebirthIntervalMilliseconds { return }
        node.lastRebirthRequest = now
        let topic = SparkplugTopic(group: received.topic.group, messageType: .nodeCommand, edgeNode: received.topic.edgeNode)
        outputs.append(.command(topic: topic.text, payload: Self.rebirthCommand(timestamp: UInt64(max(0, received.receivedAt / 1000)))))
        let detail = Self.detail(received.topic, ["reason": .text(reason)])
        let cncID = nodeMachine(of: received) ?? received.topic.edgeNode
        outputs.append(
            .event(
                MachineEvent(
                    cncID: cncID, kind: .rebirthRequested, at: received.receivedAt, topic: topic.text, detail: detail,
                    cause: detail + Array(String(received.receivedAt).utf8))))
    }

    /// A member's value in an event's detail: a number or a text.
    private enum DetailValue {
        case integer(UInt64)
        case text(String)
    }

    /// An event's detail: `{"edge_node": …, "device": …}` and `members` that have a value.
    private static func detail(_ topic: SparkplugTopic, _ members: KeyValuePairs<String, DetailValue?>) -> [UInt8] {
        var writer = JSONTextWriter()
        writer.raw("{\"edge_node\":")
        writer.string(topic.edgeNode)
        if let device = topic.device {
            writer.raw(",\"device\":")
            writer.string(device)
        }
        for (key, value) in members {
            guard let value else { continue }
            writer.byte(",")
            writer.key(key)
            switch value {
            case .integer(let number): writer.integer(number)
            case .text(let text): writer.string(text)
            }
        }
        writer.byte("}")
        return writer.bytes
    }

    /// The NCMD payload that asks for a rebirth.
    public static func rebirthCommand(timestamp: UInt64) -> [UInt8] {
        var metric = SparkplugB_Payload.Metric()
        metric.name = "Node Control/Rebirth"
        metric.timestamp = timestamp
        metric.datatype = SparkplugDataType.boolean.rawValue
        metric.booleanValue = true
        var payload = SparkplugB_Payload()
        payload.timestamp = timestamp
        payload.metrics = [metric]
        return (try? payload.serializedBytes()) ?? []
    }
}
