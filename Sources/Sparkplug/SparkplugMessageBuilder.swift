import CollectorCore
import SwiftProtobuf

/// Turns one decoded Sparkplug payload into the message the pipeline stores: the machine its
/// layout says, the payload's time, and as `cnc_data.payload` every named metric's latest value
/// under its name (what machine types map) beside the metrics as sent, under `"sparkplug"`.
struct SparkplugMessageBuilder: Sendable {
    let layout: SparkplugLayout
    let limits: ValidationLimits
    /// More metrics than this in one payload are refused: no machine sends them, and each costs.
    static let maxMetrics = 10_000

    /// Reads `raw` as a Sparkplug payload.
    func decode(_ raw: [UInt8]) throws(SparkplugError) -> SparkplugB_Payload {
        guard raw.count <= limits.maxMessageBytes else {
            throw SparkplugError("message of \(raw.count) bytes exceeds the limit of \(limits.maxMessageBytes)")
        }
        var options = BinaryDecodingOptions()
        options.messageDepthLimit = max(8, limits.maxDepth)
        let payload: SparkplugB_Payload
        do {
            // partial: the schema has no required fields, so the check of every metric's would find nothing.
            payload = try SparkplugB_Payload(serializedBytes: raw, partial: true, options: options)
        } catch {
            throw SparkplugError("not a Sparkplug B payload (protobuf: \(error))")
        }
        guard payload.metrics.count <= Self.maxMetrics else {
            throw SparkplugError("\(payload.metrics.count) metrics in one payload; at most \(Self.maxMetrics) are read")
        }
        return payload
    }

    /// The machine a topic's messages belong to.
    func cncID(of topic: SparkplugTopic) throws(SparkplugError) -> String {
        let id = layout.machine == .device ? (topic.device ?? topic.edgeNode) : topic.edgeNode
        guard CNCIdentifier.isValid(id, maxLength: limits.maxCNCIDLength) else {
            throw SparkplugError(
                "\(topic.device == nil || layout.machine == .edgeNode ? "edge node" : "device") id \"\(id.prefix(64))\" is not a valid cnc_id")
        }
        return id
    }

    /// The message, and how many of its metrics no birth names yet. `birth` names the aliases
    /// (for a birth: the birth itself). `known` are the scope's last values, which the payload
    /// carries too; they take this message's once it is read (a birth starts with none).
    func message(
        id: MessageID, topic: SparkplugTopic, topicText: String, raw: [UInt8], payload: SparkplugB_Payload, birth: BirthCertificate?,
        known: inout LastValues, receivedAt: Int64, firstReceivedAt: Int64
    ) throws(SparkplugError) -> (message: CNCMessage, unnamed: Int) {
        let cncID = try cncID(of: topic)
        // Each metric's value, written once: the last values and the list refer to it here.
        var values = JSONTextWriter(capacity: 16 * payload.metrics.count)
        var metrics: [Read] = []
        metrics.reserveCapacity(payload.metrics.count)
        var unnamed = 0
        var partProgram: String?
        let isBirth = topic.messageType == .nodeBirth || topic.messageType == .deviceBirth
        for metric in payload.metrics {
            // A metric that carries its name is named, birth or not.
            let naming: Naming = birth?.definition(of: metric).map { .birth($0) } ?? (metric.hasName ? .own : .unnamed)
            let born: SparkplugDataType? = if case .birth(let index) = naming { birth?.definitions[index].datatype } else { nil }
            var datatype = born
            if metric.hasDatatype {
                guard let own = SparkplugDataType(rawValue: metric.datatype) else {
                    throw SparkplugError("metric \(label(metric, naming, birth)): datatype \(metric.datatype) is not a Sparkplug B datatype")
                }
                if let born, born != own {
                    throw SparkplugError("metric \(label(metric, naming, birth)) is a \(own.name) here but a \(born.name) in its birth")
                }
                datatype = own
            }
            if case .unnamed = naming { unnamed += 1 }
            let start = values.bytes.count
            try MetricValueWriter.write(metric, datatype: datatype, label: label(metric, naming, birth), to: &values)
            // Sent as the message's own, with the message's time: the "sent" map says all of it.
            // A birth lists every metric whole, with its alias: its row shows what names the DATA.
            let isPlain =
                !isBirth && !metric.isHistorical && !metric.isTransient && naming != .unnamed
                && (!metric.hasTimestamp || payload.hasTimestamp && metric.timestamp == payload.timestamp)
            metrics.append(Read(naming: naming, datatype: datatype, value: start..<values.bytes.count, isPlain: isPlain))
            // The datatype first: reading the value copies it.
            if let program = layout.partProgramMetric, datatype.map({ $0.valueField == "string_value" }) ?? true,
                case .stringValue(let text)? = metric.value, name(metric, naming, birth) == program
            {
                partProgram = text
            }
        }
        if let program = partProgram, program.utf8.count > limits.maxPartProgramLength {
            throw SparkplugError("part program metric of \(program.utf8.count) bytes exceeds the limit of \(limits.maxPartProgramLength)")
        }
        // Checked before the last values take this message's.
        if values.wroteNUL || payload.metrics.contains(where: { $0.hasName && $0.name.utf8.contains(0) }) {
            throw SparkplugError("a metric's name or text holds the character U+0000, which the database cannot store")
        }
        // A program sent once stays loaded until another is sent.
        partProgram = partProgram ?? known.partProgram
        known.partProgram = partProgram
        // The current value of each name, the last one sent: historical values are in the list only.
        known.beginMessage()
        for index in metrics.indices where !payload.metrics[index].isHistorical {
            let naming = metrics[index].naming
            var place: Int?
            if case .birth(let definition) = naming, let birth, let position = birth.definitions[definition].position {
                place = known.place(position: position, in: birth.serial)
            }
            if place == nil {
                guard let name = name(payload.metrics[index], naming, birth), name != SparkplugLayout.metricsMember else {
                    metrics[index].isPlain = false
                    continue
                }
                place = known.place(name: name)
            }
            // A name sent twice: the top level has its later value, the list both.
            if let earlier = known.set(values.bytes[metrics[index].value], at: place!, by: index) {
                metrics[earlier].isPlain = false
                metrics[index].isPlain = false
            }
        }
        var json = JSONTextWriter(capacity: 2 * values.bytes.count + 24 * metrics.count + 128)
        json.byte("{")
        for (key, value) in zip(known.keys, known.values) {
            guard let value else { continue }
            json.json(key)
            json.json(value)
            json.byte(",")
        }
        json.key(SparkplugLayout.metricsMember)
        json.raw("{\"message\":")
        json.string(topic.messageType.rawValue)
        if payload.hasSeq {
            json.raw(",\"seq\":")
            json.integer(payload.seq)
        }
        if payload.hasTimestamp {
            json.raw(",\"timestamp\":")
            json.integer(payload.timestamp)
        }
        if unnamed > 0 {
            json.raw(",\"unnamed\":")
            json.integer(unnamed)
        }
        writeSent(metrics, birth: birth, payload: payload, to: &json)
        writeList(metrics, values: values, birth: birth, payload: payload, to: &json)
        json.raw("}}")
        // Milliseconds past what a microsecond Int64 holds are no time a machine sends.
        let timestamp: Int64? =
            payload.hasTimestamp && payload.timestamp < UInt64(Int64.max / 1000) ? Int64(payload.timestamp) * 1000 : nil
        var tags = [MachineTag(name: "sparkplug_group", value: topic.group)]
        if layout.machine == .device && topic.device != nil || layout.machine == .edgeNode {
            tags.append(MachineTag(name: "sparkplug_edge_node", value: topic.edgeNode))
        }
        let message = CNCMessage(
            id: id, receivedAt: receivedAt, timestamp: timestamp ?? firstReceivedAt, topic: topicText, cncID: cncID, partProgram: partProgram,
            raw: raw, payloadRange: 0..<0, builtPayload: json.bytes, timestampIsReceiveTime: timestamp == nil, tags: tags)
        return (message, unnamed)
    }

    /// `,"sent":{"NAME":"TYPE",...}`: the metrics sent plainly, as the message's current values
    /// with its time, by name with their datatypes; their values are at the top level.
    private func writeSent(_ metrics: [Read], birth: BirthCertificate?, payload: SparkplugB_Payload, to json: inout JSONTextWriter) {
        var first = true
        for (index, metric) in metrics.enumerated() where metric.isPlain {
            json.raw(first ? ",\"sent\":{" : ",")
            first = false
            if case .birth(let definition) = metric.naming, let birth, metric.datatype == birth.definitions[definition].datatype {
                json.json(birth.definitions[definition].sent)
            } else {
                json.key(name(payload.metrics[index], metric.naming, birth) ?? "")
                if let datatype = metric.datatype { json.string(datatype.name) } else { json.raw("null") }
            }
        }
        if !first { json.byte("}") }
    }

    /// `,"metrics":[...]`: every other metric as sent, its value, time and flags with it.
    private func writeList(
        _ metrics: [Read], values: JSONTextWriter, birth: BirthCertificate?, payload: SparkplugB_Payload, to json: inout JSONTextWriter
    ) {
        var first = true
        for (index, metric) in metrics.enumerated() where !metric.isPlain {
            json.raw(first ? ",\"metrics\":[" : ",")
            first = false
            let sent = payload.metrics[index]
            MetricEntry.writeStart(
                name: name(sent, metric.naming, birth), alias: sent.hasAlias ? sent.alias : nil, datatype: metric.datatype, to: &json)
            MetricEntry.writeAttributes(sent, to: &json)
            json.json(values.bytes[metric.value])
            json.byte("}")
        }
        if !first { json.byte("]") }
    }

    /// What reading a metric found: nothing that a copy must count references of.
    private struct Read {
        var naming: Naming
        var datatype: SparkplugDataType?
        /// Where its value's JSON lies in the message's values.
        var value: Range<Int>
        /// Whether the "sent" map says all of it; else the list does.
        var isPlain: Bool
    }

    /// How a metric of a message is named: by a definition of its birth, by its own name alone
    /// (one its birth lacks), or not yet.
    enum Naming: Equatable {
        case birth(Int)
        case own
        case unnamed
    }

    private func name(_ metric: SparkplugB_Payload.Metric, _ naming: Naming, _ birth: BirthCertificate?) -> String? {
        switch naming {
        case .birth(let definition): birth?.definitions[definition].name
        case .own: metric.name
        case .unnamed: nil
        }
    }

    private func label(_ metric: SparkplugB_Payload.Metric, _ naming: Naming, _ birth: BirthCertificate?) -> MetricLabel {
        MetricLabel(name: name(metric, naming, birth), alias: metric.hasAlias ? metric.alias : nil)
    }
}
