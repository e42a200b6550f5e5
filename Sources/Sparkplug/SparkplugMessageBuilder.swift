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
        // The list of metrics as sent, written as they are read; the last values refer to the
        // values in it, which are so written once.
        var list = JSONTextWriter(capacity: 80 * payload.metrics.count)
        // Per metric: its naming and where its value's JSON lies in `list`, if it is current
        // (historical values are in the list only); nothing that a copy must count references of.
        var current: [(index: Int, naming: Naming, value: Range<Int>)] = []
        current.reserveCapacity(payload.metrics.count)
        var unnamed = 0
        var partProgram: String?
        for (index, metric) in payload.metrics.enumerated() {
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
            if index > 0 { list.byte(",") }
            // Sent by alias, as its birth says: the entry's start is the birth's, written once.
            if !metric.hasName, case .birth(let definition) = naming, let birth, let start = birth.definitions[definition].entry,
                datatype == born
            {
                list.json(start)
            } else {
                MetricEntry.writeStart(
                    name: name(metric, naming, birth), alias: metric.hasAlias ? metric.alias : nil, datatype: datatype, to: &list)
            }
            MetricEntry.writeAttributes(metric, to: &list)
            let valueStart = list.bytes.count
            try MetricValueWriter.write(metric, datatype: datatype, label: label(metric, naming, birth), to: &list)
            if !metric.isHistorical { current.append((index, naming, valueStart..<list.bytes.count)) }
            list.byte("}")
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
        // Checked before the last values take this message's. Every name and text went through
        // the writer: the birth's were checked when it came.
        if list.wroteNUL {
            throw SparkplugError("a metric's name or text holds the character U+0000, which the database cannot store")
        }
        // A program sent once stays loaded until another is sent.
        partProgram = partProgram ?? known.partProgram
        known.partProgram = partProgram
        // The current value of each name, the last one sent.
        for metric in current {
            let value = list.bytes[metric.value]
            if case .birth(let definition) = metric.naming, let birth, let position = birth.definitions[definition].position,
                known.set(value, position: position, in: birth.serial)
            {
                continue
            }
            guard let name = name(payload.metrics[metric.index], metric.naming, birth), name != SparkplugLayout.metricsMember else { continue }
            known.set(value, name: name)
        }
        var json = JSONTextWriter(capacity: 2 * list.bytes.count + 128)
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
        json.json(list.bytes)
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

    /// How a metric of a message is named: by a definition of its birth, by its own name alone
    /// (one its birth lacks), or not yet.
    enum Naming {
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
