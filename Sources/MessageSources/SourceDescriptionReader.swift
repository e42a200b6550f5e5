import CollectorCore
import DescriptionFiles
import Yams

extension MessageSource {
    /// Reads a source description from its YAML text; `file` names it in errors. Anything the
    /// format does not allow, an unknown key included, is an error naming the line, the column
    /// and the field.
    public static func parse(yaml text: String, file: String) throws(DescriptionError) -> MessageSource {
        let reader = SourceDescriptionReader(file: file)
        return try reader.source(try reader.root(yaml: text))
    }

    /// Reads the description file at `path`.
    public static func read(file path: String) throws(DescriptionError) -> MessageSource {
        try parse(yaml: try SourceDescriptionReader.text(ofFileAt: path), file: path)
    }
}

/// Walks the YAML of one source description (docs/sources.md, docs/message-source.schema.json).
struct SourceDescriptionReader: YAMLDescriptionReader {
    let file: String

    static let keys = ["name", "description", "topic", "qos", "cnc_id", "time", "part_program", "payload", "tags", "sparkplug"]
    /// The keys of a JSON source's layout: a Sparkplug source has its own.
    static let layoutKeys = ["cnc_id", "time", "part_program", "payload", "tags"]

    func source(_ root: Node) throws(DescriptionError) -> MessageSource {
        let entries = try mapping(root, "", keys: Self.keys)
        guard let nameNode = entries["name"] else { throw fail(root, "name", "missing: the source's name") }
        let name = try text(nameNode, "name")
        guard TopicPattern.isName(name) else {
            throw fail(nameNode, "name", "\"\(name.prefix(64))\" is not a name (letters, digits, _; a letter first; at most 64)")
        }
        guard let topicNode = entries["topic"] else {
            throw fail(root, "topic", "missing: the topic filter to subscribe to, e.g. plant/{site}/{line}/{cnc_id}/data")
        }
        let topic: TopicPattern
        let topicText = try text(topicNode, "topic")
        do throws(TopicPatternError) {
            topic = try TopicPattern(topicText)
        } catch {
            throw fail(topicNode, "topic", "not a topic filter: \(error.reason)")
        }
        var qos: Int32?
        if let qosNode = entries["qos"] {
            guard let value = Int32(try text(qosNode, "qos")), (0...2).contains(value) else { throw fail(qosNode, "qos", "must be 0, 1 or 2") }
            qos = value
        }
        let summary = try entries["description"].map { (node) throws(DescriptionError) in try text(node, "description") } ?? ""
        if let sparkplugNode = entries["sparkplug"] {
            if let key = Self.layoutKeys.first(where: { entries[$0] != nil }), let node = entries[key] {
                throw fail(
                    node, key,
                    "a Sparkplug B source reads machines, times and programs from the protocol: see sparkplug.machine and sparkplug.part_program")
            }
            guard topic.shareGroup == nil else {
                throw fail(
                    topicNode, "topic",
                    "a Sparkplug B source cannot share its subscription: an edge node's births, sequence and DATA must reach one ingest; "
                        + "give each ingest its own groups"
                )
            }
            guard topicText.hasPrefix("spBv1.0/") else {
                throw fail(topicNode, "topic", "a Sparkplug B source subscribes in the namespace spBv1.0/, e.g. spBv1.0/plant1/#")
            }
            return MessageSource(
                name: name, file: file, summary: summary, topic: topic, qos: qos ?? 0, layout: .envelope, sparkplug: try sparkplug(sparkplugNode))
        }
        let payload = try self.payload(entries["payload"])
        let context = Context(topic: topic, payload: payload)
        let cncID: MessageLayout.Place
        if let node = entries["cnc_id"] {
            cncID = try place(node, "cnc_id", context)
        } else {
            cncID = topic.level(named: "cnc_id").map(MessageLayout.Place.topicLevel) ?? .member("cnc_id")
        }
        let time = try self.time(entries["time"], context)
        let partProgram: MessageLayout.Place?
        if let node = entries["part_program"] {
            partProgram = node.scalar?.string == "none" ? nil : try place(node, "part_program", context)
        } else {
            partProgram = topic.level(named: "part_program").map(MessageLayout.Place.topicLevel) ?? .member("part_program")
        }
        var read: [(String, MessageLayout.Place)] = [("cnc_id", cncID)]
        if case .at(let timePlace, _) = time { read.append(("time", timePlace)) }
        if let partProgram { read.append(("part_program", partProgram)) }
        for (index, (key, place)) in read.enumerated() {
            if let other = read[..<index].first(where: { $0.1 == place }) {
                throw fail(entries[key] ?? root, key, "reads the same place as \(other.0)")
            }
            if case .member(let member) = place, payload == .member(member) {
                throw fail(entries[key] ?? root, key, "reads the payload's own field \"\(member)\"")
            }
        }
        let tags = try self.tags(entries["tags"], topic: topic, read: read.map(\.1))
        return MessageSource(
            name: name, file: file, summary: summary, topic: topic, qos: qos,
            layout: MessageLayout(cncID: cncID, time: time, partProgram: partProgram, payload: payload, tags: tags))
    }

    /// `{machine: device | edge_node, part_program: METRIC}`, each optional.
    private func sparkplug(_ node: Node) throws(DescriptionError) -> SparkplugLayout {
        if node.scalar?.string == "{}" || node.scalar?.string == "" { return SparkplugLayout() }
        guard case .mapping = node else { throw fail(node, "sparkplug", "must be a mapping: {machine: device, part_program: METRIC}") }
        let entries = try mapping(node, "sparkplug", keys: ["machine", "part_program"])
        var layout = SparkplugLayout()
        if let machineNode = entries["machine"] {
            let written = try text(machineNode, "sparkplug.machine")
            guard let machine = SparkplugLayout.Machine(rawValue: written) else {
                throw fail(
                    machineNode, "sparkplug.machine",
                    "\"\(written.prefix(32))\" is not one of \(SparkplugLayout.Machine.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            layout.machine = machine
        }
        if let programNode = entries["part_program"] { layout.partProgramMetric = try text(programNode, "sparkplug.part_program") }
        return layout
    }

    /// What reading a place depends on: the topic's named levels, and whether the variables are a field or the rest.
    private struct Context {
        let topic: TopicPattern
        let payload: MessageLayout.Payload
    }

    /// `rest`, or `{field: NAME}` (the default: `{field: payload}`).
    private func payload(_ node: Node?) throws(DescriptionError) -> MessageLayout.Payload {
        guard let node else { return .member("payload") }
        if node.scalar?.string == "rest" { return .rest }
        guard case .mapping = node else {
            throw fail(node, "payload", "must be rest (the whole message less the fields read as the identity, time and program) or {field: NAME}")
        }
        let entries = try mapping(node, "payload", keys: ["field"])
        guard let field = entries["field"] else { throw fail(node, "payload.field", "missing: the member that holds the variables") }
        return .member(try text(field, "payload.field"))
    }

    /// `{field: NAME}`, `{payload_field: NAME}` or `{topic: LEVEL}`.
    private func place(_ node: Node, _ path: String, _ context: Context, extraKeys: [String] = []) throws(DescriptionError) -> MessageLayout.Place {
        let placeKeys = ["field", "payload_field", "topic"]
        guard case .mapping = node else {
            throw fail(node, path, "must be {field: NAME}, {payload_field: NAME} or {topic: LEVEL}\(path == "part_program" ? ", or none" : "")")
        }
        let entries = try mapping(node, path, keys: placeKeys + extraKeys)
        let given = placeKeys.filter { entries[$0] != nil }
        guard given.count == 1, let key = given.first, let valueNode = entries[key] else {
            throw fail(node, path, "give exactly one of field, payload_field and topic")
        }
        let name = try text(valueNode, "\(path).\(key)")
        switch key {
        case "field":
            return .member(name)
        case "payload_field":
            guard case .member = context.payload else {
                throw fail(valueNode, "\(path).payload_field", "with payload: rest the variables are fields of the message: use field")
            }
            return .payloadMember(name)
        default:
            guard let level = context.topic.level(named: name) else {
                let names = context.topic.names
                throw fail(
                    valueNode, "\(path).topic",
                    "the topic \(context.topic) has no level {\(name.prefix(32))}"
                        + (names.isEmpty ? "" : "; its named levels are \(names.joined(separator: ", "))")
                )
            }
            return .topicLevel(level)
        }
    }

    /// `received`, or a place with `format` (the default: `{field: timestamp, format: auto}`).
    private func time(_ node: Node?, _ context: Context) throws(DescriptionError) -> MessageLayout.Time {
        guard let node else { return .at(.member("timestamp"), .auto) }
        if node.scalar?.string == "received" { return .received }
        guard case .mapping = node else {
            throw fail(node, "time", "must be received (the time ingest receives the message) or {field: NAME, format: auto}")
        }
        let place = try self.place(node, "time", context, extraKeys: ["format"])
        var format = TimeFormat.auto
        if let formatNode = try mapping(node, "time", keys: ["field", "payload_field", "topic", "format"])["format"] {
            let written = try text(formatNode, "time.format")
            guard let known = TimeFormat(rawValue: written) else {
                throw fail(
                    formatNode, "time.format",
                    "\"\(written.prefix(32))\" is not one of \(TimeFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            format = known
        }
        return .at(place, format)
    }

    /// The named levels kept as tags: those listed, or by default every one not read as a value.
    private func tags(_ node: Node?, topic: TopicPattern, read: [MessageLayout.Place]) throws(DescriptionError) -> [MessageLayout.TopicTag] {
        guard let node else {
            return topic.names.compactMap { name in
                let level = topic.level(named: name)!
                return read.contains(.topicLevel(level)) ? nil : MessageLayout.TopicTag(name: name, level: level)
            }
        }
        guard case .sequence(let sequence) = node else { throw fail(node, "tags", "must be a list of the topic's level names, e.g. [site, line]") }
        var tags: [MessageLayout.TopicTag] = []
        for (index, item) in sequence.enumerated() {
            let name = try text(item, "tags[\(index)]")
            guard let level = topic.level(named: name) else {
                throw fail(item, "tags[\(index)]", "the topic \(topic) has no level {\(name.prefix(32))}")
            }
            guard !tags.contains(where: { $0.name == name }) else { throw fail(item, "tags[\(index)]", "\(name) is listed twice") }
            tags.append(MessageLayout.TopicTag(name: name, level: level))
        }
        return tags
    }
}
