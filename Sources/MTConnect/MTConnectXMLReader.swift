import CollectorCore
import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Builds an ``MTConnectDocument`` from XMLParser's events. The first failure stops the parse
/// and is kept in `failure`: a document is read whole or not at all.
final class MTConnectXMLReader: NSObject, XMLParserDelegate {
    private let limits: MTConnectLimits
    private(set) var document: MTConnectDocument?
    private(set) var failure: MTConnectError?

    /// Which document the root element began: `MTConnectDevices`, `MTConnectStreams` or `MTConnectError`.
    private enum Kind { case devices, streams, error }
    private var kind: Kind?
    private var header: MTConnectHeader?
    /// Local names of the open elements, outermost first.
    private var path: [String] = []
    /// The document element's name, once it has started.
    private(set) var root: String?

    // Probe
    private var devices: [DeviceModel] = []
    /// The open components, with the depth of their element: the innermost owns a DataItem.
    private var components: [(reference: ComponentReference, depth: Int)] = []

    // Streams
    private var streams: [DeviceStream] = []
    private var component = ComponentReference(type: "Device")
    private var category: Observation.Category?
    private var observation: (element: String, attributes: [String: String], depth: Int)?
    private var text = ""
    private var truncated = false
    private var entries: [Observation.Entry] = []
    private var entry: (key: String, removed: Bool, cells: [String])?
    private var observationCount = 0

    // Errors
    private var errors: [MTConnectErrorDocument.Entry] = []
    private var error: (code: String, depth: Int)?
    /// MTConnect 2.5's `ErrorMessage`, the text of the error around it.
    private var errorMessage: String?

    init(limits: MTConnectLimits) {
        self.limits = limits
    }

    private func fail(_ parser: XMLParser, _ reason: String) {
        guard failure == nil else { return }
        failure = MTConnectError(reason)
        parser.abortParsing()
    }

    /// An element's name without its namespace prefix: FoundationXML's own namespace handling
    /// is left off (see `MTConnectDocument.parse`), and a vendor's `x:Name` is read as `Name`.
    private static func localName(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    func parser(
        _ parser: XMLParser, didStartElement qualified: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]
    ) {
        guard failure == nil else { return }
        let name = Self.localName(qualified)
        let parent = path.last
        path.append(name)
        guard path.count <= limits.maxDepth else { return fail(parser, "elements nested deeper than \(limits.maxDepth)") }
        if path.count == 1 {
            root = name
            switch name {
            case "MTConnectDevices": kind = .devices
            case "MTConnectStreams": kind = .streams
            case "MTConnectError": kind = .error
            default: return fail(parser, "the document is a \(name.prefix(64)), not MTConnectDevices, MTConnectStreams or MTConnectError")
            }
            return
        }
        if name == "Header" && path.count == 2 {
            do throws(MTConnectError) {
                header = try Self.header(attributes)
            } catch {
                fail(parser, error.reason)
            }
            return
        }
        switch kind {
        case .devices: startProbeElement(parser, name, parent: parent, attributes)
        case .streams: startStreamsElement(parser, name, parent: parent, attributes)
        case .error: startErrorElement(name, parent: parent, attributes)
        case nil: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard failure == nil, observation != nil || error != nil || entry != nil else { return }
        if text.utf8.count + string.utf8.count > limits.maxValueBytes {
            truncated = true
            let room = max(0, limits.maxValueBytes - text.utf8.count)
            // Whole characters only, so that the kept text ends as the agent wrote it and stays within the bound.
            var end = string.utf8.index(string.utf8.startIndex, offsetBy: room)
            while end != string.utf8.endIndex, end != string.utf8.startIndex, string.utf8[end] & 0xC0 == 0x80 {
                end = string.utf8.index(before: end)
            }
            text += string[..<end]
        } else {
            text += string
        }
    }

    func parser(_ parser: XMLParser, didEndElement qualified: String, namespaceURI: String?, qualifiedName: String?) {
        guard failure == nil else { return }
        let name = Self.localName(qualified)
        let depth = path.count
        defer { path.removeLast() }
        switch kind {
        case .devices:
            if let last = components.last, last.depth == depth { components.removeLast() }
        case .streams:
            endStreamsElement(parser, name, depth: depth)
        case .error:
            if name == "ErrorMessage", error != nil {
                errorMessage = text.trimmingCharacters(in: .whitespacesAndNewlines)
            } else if let open = error, open.depth == depth {
                errors.append(.init(code: open.code, text: errorMessage ?? text.trimmingCharacters(in: .whitespacesAndNewlines)))
                error = nil
                errorMessage = nil
                text = ""
            }
        case nil: break
        }
        if depth == 1 { finish(parser) }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        // XMLParser says where; `MTConnectDocument.parse` reports it.
    }

    // MARK: Header

    private static func header(_ attributes: [String: String]) throws(MTConnectError) -> MTConnectHeader {
        guard let text = attributes["instanceId"], let instance = UInt64(text) else {
            throw MTConnectError("the Header has no instanceId, or one that is not a whole number")
        }
        func sequence(_ key: String) throws(MTConnectError) -> UInt64? {
            guard let text = attributes[key] else { return nil }
            guard let value = UInt64(text) else { throw MTConnectError("the Header's \(key) \"\(text.prefix(32))\" is not a whole number") }
            return value
        }
        return MTConnectHeader(
            instanceID: instance, version: attributes["version"], creationTime: attributes["creationTime"],
            bufferSize: try sequence("bufferSize"), firstSequence: try sequence("firstSequence"), lastSequence: try sequence("lastSequence"),
            nextSequence: try sequence("nextSequence"))
    }

    // MARK: Probe

    private func startProbeElement(_ parser: XMLParser, _ name: String, parent: String?, _ attributes: [String: String]) {
        let depth = path.count
        if parent == "Devices" && (name == "Device" || name == "Agent") {
            guard let id = attributes["id"] else { return fail(parser, "a \(name) without an id") }
            devices.append(DeviceModel(id: id, name: attributes["name"] ?? id, uuid: attributes["uuid"], isAgent: name == "Agent"))
            components = [(ComponentReference(type: name, name: attributes["name"], id: id), depth)]
        } else if parent == "Components", !devices.isEmpty {
            components.append((ComponentReference(type: name, name: attributes["name"], id: attributes["id"]), depth))
        } else if name == "DataItem" && parent == "DataItems", !devices.isEmpty, let owner = components.last?.reference {
            guard let id = attributes["id"], let type = attributes["type"], let categoryText = attributes["category"] else {
                return fail(parser, "a DataItem of \(devices[devices.count - 1].name.prefix(64)) lacks its id, type or category")
            }
            guard let category = DataItemDefinition.Category(rawValue: categoryText) else {
                return fail(parser, "DataItem \(id.prefix(64)): category \"\(categoryText.prefix(32))\" is not SAMPLE, EVENT or CONDITION")
            }
            devices[devices.count - 1].dataItems.append(
                DataItemDefinition(
                    id: id, name: attributes["name"], type: type, subType: attributes["subType"], category: category, units: attributes["units"],
                    representation: attributes["representation"], component: owner))
        }
    }

    // MARK: Streams

    private func startStreamsElement(_ parser: XMLParser, _ name: String, parent: String?, _ attributes: [String: String]) {
        let depth = path.count
        if let open = observation {
            // Inside an observation: the entries of a DATA_SET or TABLE, and a TABLE's cells.
            if name == "Entry" && depth == open.depth + 1 {
                entry = (attributes["key"] ?? "", attributes["removed"] == "true", [])
                text = ""
            } else if name == "Cell", entry != nil {
                text = ""
                entry?.cells.append(attributes["key"] ?? "")
            }
            return
        }
        switch name {
        case "DeviceStream" where parent == "Streams":
            streams.append(DeviceStream(name: attributes["name"] ?? "", uuid: attributes["uuid"]))
        case "ComponentStream" where parent == "DeviceStream":
            component = ComponentReference(type: attributes["component"] ?? "Component", name: attributes["name"], id: attributes["componentId"])
        case "Samples" where parent == "ComponentStream": category = .sample
        case "Events" where parent == "ComponentStream": category = .event
        // `Conditions`, each child named by its type with the level as its text, is how the Python
        // library mtconnect writes them; the standard's is `Condition` with a child per level.
        case "Condition" where parent == "ComponentStream", "Conditions" where parent == "ComponentStream": category = .condition
        default:
            guard category != nil, let parent, Self.observationContainers.contains(parent), !streams.isEmpty else { return }
            observationCount += 1
            guard observationCount <= limits.maxObservations else {
                return fail(parser, "more than \(limits.maxObservations) observations in one document")
            }
            observation = (name, attributes, depth)
            text = ""
            truncated = false
            entries = []
        }
    }

    private static let observationContainers: Set<String> = ["Samples", "Events", "Condition", "Conditions"]

    private func endStreamsElement(_ parser: XMLParser, _ name: String, depth: Int) {
        guard let open = observation else {
            if Self.observationContainers.contains(name) { category = nil }
            return
        }
        if var closing = entry, depth > open.depth {
            if name == "Cell" {
                closing.cells[closing.cells.count - 1] += "=" + text.trimmingCharacters(in: .whitespacesAndNewlines)
                entry = closing
            } else if name == "Entry" {
                let value = closing.cells.isEmpty ? text.trimmingCharacters(in: .whitespacesAndNewlines) : closing.cells.joined(separator: " ")
                entries.append(.init(key: closing.key, value: value, removed: closing.removed))
                entry = nil
            }
            text = ""
            return
        }
        guard depth == open.depth, let category else { return }
        observation = nil
        do throws(MTConnectError) {
            streams[streams.count - 1].observations.append(try makeObservation(open.element, open.attributes, category: category))
        } catch {
            fail(parser, error.reason)
        }
        text = ""
    }

    private func makeObservation(_ element: String, _ attributes: [String: String], category: Observation.Category) throws(MTConnectError)
        -> Observation
    {
        guard let id = attributes["dataItemId"] else { throw MTConnectError("a \(element.prefix(64)) observation without a dataItemId") }
        guard let sequenceText = attributes["sequence"], let sequence = UInt64(sequenceText) else {
            throw MTConnectError("observation \(id.prefix(64)) has no sequence, or one that is not a whole number")
        }
        guard let timeText = attributes["timestamp"], let timestamp = Self.microseconds(timeText) else {
            throw MTConnectError(
                "observation \(id.prefix(64)) at sequence \(sequence): timestamp \"\((attributes["timestamp"] ?? "").prefix(40))\" "
                    + "is not an ISO 8601 time"
            )
        }
        let content = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var condition: Observation.ConditionState?
        var value: Observation.Value
        if category == .condition {
            let namedByLevel = Observation.ConditionState.Level(rawValue: element.uppercased())
            guard let level = namedByLevel ?? Observation.ConditionState.Level(rawValue: content.uppercased()) else {
                throw MTConnectError(
                    "condition \(id.prefix(64)) at sequence \(sequence): \(element.prefix(32)) is not Normal, Warning, Fault or Unavailable")
            }
            condition = .init(
                level: level, type: attributes["type"] ?? (namedByLevel == nil ? Self.typeName(element) : nil),
                nativeCode: attributes["nativeCode"], nativeSeverity: attributes["nativeSeverity"], qualifier: attributes["qualifier"])
            value = level == .unavailable ? .unavailable : .text(namedByLevel == nil ? "" : content)
        } else if content == "UNAVAILABLE" {
            value = .unavailable
        } else if !entries.isEmpty || attributes["count"] != nil {
            value = .entries(entries)
        } else if element.hasSuffix("TimeSeries") {
            value = .series(content.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init))
        } else {
            value = .text(content)
        }
        return Observation(
            dataItemID: id, name: attributes["name"], element: element, category: category, subType: attributes["subType"], sequence: sequence,
            timestamp: timestamp, value: value, condition: condition, component: component, truncated: truncated)
    }

    /// A DataItem type or an error code as the standard spells it, from an element named after
    /// it: `LogicProgram` is `LOGIC_PROGRAM`, `OutOfRange` is `OUT_OF_RANGE`.
    static func typeName(_ element: String) -> String {
        var name = ""
        for character in element {
            if character.isUppercase, !name.isEmpty { name.append("_") }
            name += character.uppercased()
        }
        return name
    }

    /// An observation's time: ISO 8601 in UTC, which the standard requires; a time without its
    /// zone is taken as UTC.
    static func microseconds(_ text: String) -> Int64? {
        var text = text
        let last = text.utf8.last
        let hasZone =
            last == UInt8(ascii: "Z") || last == UInt8(ascii: "z")
            || text.utf8.dropFirst(19).contains { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }
        if !hasZone { text += "Z" }
        return text.withUTF8 { bytes in
            try? MessageTime.microseconds(bytes, quoted: true, format: .rfc3339).get()
        }
    }

    // MARK: Errors

    private func startErrorElement(_ name: String, parent: String?, _ attributes: [String: String]) {
        if name == "ErrorMessage", error != nil {
            text = ""
            return
        }
        if let code = attributes["errorCode"] {
            error = (code, path.count)
        } else if parent == "Errors" {
            // MTConnect 2.5's errors are elements of their own, `OutOfRange` for OUT_OF_RANGE.
            error = (Self.typeName(name), path.count)
        } else {
            return
        }
        text = ""
    }

    // MARK: End

    private func finish(_ parser: XMLParser) {
        switch kind {
        case .devices:
            guard let header else { return fail(parser, "the MTConnectDevices document has no Header") }
            document = .devices(ProbeDocument(header: header, devices: devices))
        case .streams:
            guard let header else { return fail(parser, "the MTConnectStreams document has no Header") }
            document = .streams(StreamsDocument(header: header, devices: streams))
        case .error:
            document = .error(MTConnectErrorDocument(header: header, errors: errors))
        case nil: break
        }
    }
}
