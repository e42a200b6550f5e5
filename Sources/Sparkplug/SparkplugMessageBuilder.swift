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
        var values = JSONTextWriter(capacity: 16 * payload.metrics.count)
        // Per metric: its definition, its datatype, and where its value's JSON lies in `values`.
        var metrics: [(definition: BirthCertificate.Definition?, datatype: SparkplugDataType?, value: Range<Int>)] = []
        metrics.reserveCapacity(payload.metrics.count)
        var unnamed = 0
        var partProgram: String?
        for metric in payload.metrics {
            // A metric that carries its name is named, birth or not.
            let definition =
                birth?.definition(of: metric)
                ?? (metric.hasName ? BirthCertificate.Definition(name: metric.name, datatype: nil, position: nil) : nil)
            let label = MetricLabel(name: definition?.name, alias: metric.hasAlias ? metric.alias : nil)
            var datatype = definition?.datatype
            if metric.hasDatatype {
                guard let own = SparkplugDataType(rawValue: metric.datatype) else {
                    throw SparkplugError("metric \(label): datatype \(metric.datatype) is not a Sparkplug B datatype")
                }
                if let born = definition?.datatype, born != own {
                    throw SparkplugError("metric \(label) is a \(own.name) here but a \(born.name) in its birth")
                }
                datatype = own
            }
            if definition == nil { unnamed += 1 }
            let start = values.bytes.count
            try MetricValueWriter.write(metric, datatype: datatype, label: label, to: &values)
            metrics.append((definition, datatype, start..<values.bytes.count))
            if let program = layout.partProgramMetric, definition?.name == program, case .stringValue(let text)? = metric.value {
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
        for (index, metric) in metrics.enumerated() {
            guard let definition = metric.definition, definition.name != SparkplugLayout.metricsMember, !payload.metrics[index].isHistorical
            else { continue }
            known.set(definition, values.bytes[metric.value], from: birth)
        }
        var json = JSONTextWriter(capacity: 2 * values.bytes.count + 48 * metrics.count + 128)
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
        json.raw(",\"metrics\":[")
        for (index, metric) in metrics.enumerated() {
            let sent = payload.metrics[index]
            if index > 0 { json.byte(",") }
            // Sent by alias, as its birth says: the entry's start is the birth's, written once.
            if !sent.hasName, let start = metric.definition?.entry, metric.datatype == metric.definition?.datatype {
                json.json(start)
            } else {
                MetricEntry.writeStart(
                    name: metric.definition?.name, alias: sent.hasAlias ? sent.alias : nil, datatype: metric.datatype, to: &json)
            }
            MetricEntry.writeEnd(sent, value: values.bytes[metric.value], to: &json)
        }
        json.raw("]}}")
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
}
