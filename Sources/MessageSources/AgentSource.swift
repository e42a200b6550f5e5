import DescriptionFiles
import HTTPFetch
import Yams

/// An MTConnect agent that the `mtconnect` stage follows (docs/mtconnect.md): a source
/// description with the key `mtconnect` instead of a topic. Each device of the agent is a
/// machine, named by its device name or uuid.
public struct AgentSource: Sendable, Equatable {
    /// What names each device's machine (its `cnc_id`): the device's name (the default), or its uuid (`machine: uuid`).
    public enum Machine: String, Sendable, CaseIterable {
        case name, uuid
    }

    /// The source's name; one read from a description has letters, digits and `_`, a letter first, at most 64 bytes. It
    /// names the file of the agent's committed position, and is what `MES_MTCONNECT_SOURCES` lists.
    public var name: String
    /// The description file it was read from, named in errors.
    public var file: String
    /// The description's `description`: free text, empty where none is given.
    public var summary: String
    /// The agent's address (`mtconnect.agent`), plain `http://` only.
    public var agent: HTTPFetcher.Address
    /// How devices name their machines (`mtconnect.machine`); `.name` by default.
    public var machine: Machine
    /// The devices to follow, by name; nil: every device but the agent's own.
    public var devices: [String]?
    /// How long the stage waits between two requests to the agent when it has nothing new.
    public var intervalMilliseconds: Int
    /// Observations asked for in one sample.
    public var count: Int
    /// An agent that has not answered within this is given up on for the round, and asked again.
    public var timeoutMilliseconds: Int
    /// A device the agent has reported nothing of for this long is stored again as it stands, at
    /// the agent's time: a quiet machine is not taken for a silent one.
    public var heartbeatMilliseconds: Int

    /// A source from its parts, taken as they are; the defaults are those of a description that leaves the keys out:
    /// every device by name, a request every 1 000 ms, 1 000 observations a sample, a 10 000 ms timeout and a 20 000 ms
    /// heartbeat.
    public init(
        name: String, file: String, summary: String = "", agent: HTTPFetcher.Address, machine: Machine = .name, devices: [String]? = nil,
        intervalMilliseconds: Int = 1_000, count: Int = 1_000, timeoutMilliseconds: Int = 10_000, heartbeatMilliseconds: Int = 20_000
    ) {
        self.name = name
        self.file = file
        self.summary = summary
        self.agent = agent
        self.machine = machine
        self.devices = devices
        self.intervalMilliseconds = intervalMilliseconds
        self.count = count
        self.timeoutMilliseconds = timeoutMilliseconds
        self.heartbeatMilliseconds = heartbeatMilliseconds
    }

    /// Reads an agent's description from its YAML text; `file` names it in errors.
    public static func parse(yaml text: String, file: String) throws(DescriptionError) -> AgentSource {
        let reader = SourceDescriptionReader(file: file)
        return try reader.agentSource(try reader.root(yaml: text))
    }
}

extension SourceDescriptionReader {
    static let agentKeys = ["agent", "machine", "devices", "interval_ms", "count", "timeout_ms", "heartbeat_ms"]

    /// Whether the description is of an MTConnect agent.
    func isAgent(_ root: Node) -> Bool {
        guard case .mapping(let mapping) = root else { return false }
        return mapping.contains { $0.key.scalar?.string == "mtconnect" }
    }

    func agentSource(_ root: Node) throws(DescriptionError) -> AgentSource {
        let entries = try mapping(root, "", keys: ["name", "description", "mtconnect"])
        guard let nameNode = entries["name"] else { throw fail(root, "name", "missing: the source's name") }
        let name = try text(nameNode, "name")
        guard TopicPattern.isName(name) else {
            throw fail(nameNode, "name", "\"\(name.prefix(64))\" is not a name (letters, digits, _; a letter first; at most 64)")
        }
        let summary = try entries["description"].map { (node) throws(DescriptionError) in try text(node, "description") } ?? ""
        guard let node = entries["mtconnect"], case .mapping = node else {
            throw fail(entries["mtconnect"], "mtconnect", "must be a mapping: {agent: http://HOST:PORT, machine: name}")
        }
        let settings = try mapping(node, "mtconnect", keys: Self.agentKeys)
        guard let agentNode = settings["agent"] else { throw fail(node, "mtconnect.agent", "missing: the agent's address, http://HOST:PORT") }
        let agent: HTTPFetcher.Address
        let written = try text(agentNode, "mtconnect.agent")
        do throws(HTTPFetcher.FetchError) {
            agent = try HTTPFetcher.Address(written)
        } catch {
            throw fail(agentNode, "mtconnect.agent", error.reason)
        }
        var source = AgentSource(name: name, file: file, summary: summary, agent: agent)
        if let machineNode = settings["machine"] {
            let written = try text(machineNode, "mtconnect.machine")
            guard let machine = AgentSource.Machine(rawValue: written) else {
                throw fail(machineNode, "mtconnect.machine", "\"\(written.prefix(32))\" is not name or uuid")
            }
            source.machine = machine
        }
        if let devicesNode = settings["devices"] {
            guard case .sequence(let items) = devicesNode, !items.isEmpty else {
                throw fail(devicesNode, "mtconnect.devices", "must be a list of device names, e.g. [VF2-1, VF2-2]")
            }
            source.devices = try items.map { (item) throws(DescriptionError) in try text(item, "mtconnect.devices") }
        }
        func bounded(_ key: String, _ range: ClosedRange<Int>) throws(DescriptionError) -> Int? {
            guard let node = settings[key] else { return nil }
            let value = try positiveInteger(node, "mtconnect.\(key)")
            guard range.contains(value) else { throw fail(node, "mtconnect.\(key)", "must be \(range.lowerBound) to \(range.upperBound)") }
            return value
        }
        source.intervalMilliseconds = try bounded("interval_ms", 10...3_600_000) ?? source.intervalMilliseconds
        source.count = try bounded("count", 1...100_000) ?? source.count
        source.timeoutMilliseconds = try bounded("timeout_ms", 100...600_000) ?? source.timeoutMilliseconds
        source.heartbeatMilliseconds = try bounded("heartbeat_ms", 1_000...86_400_000) ?? source.heartbeatMilliseconds
        return source
    }
}
