/// A Sparkplug B topic: `spBv1.0/GROUP/TYPE/EDGE_NODE[/DEVICE]`, or a host's
/// `spBv1.0/STATE/HOST_ID`.
public struct SparkplugTopic: Sendable, Equatable, Hashable {
    public enum MessageType: String, Sendable, CaseIterable {
        case nodeBirth = "NBIRTH"
        case nodeDeath = "NDEATH"
        case deviceBirth = "DBIRTH"
        case deviceDeath = "DDEATH"
        case nodeData = "NDATA"
        case deviceData = "DDATA"
        case nodeCommand = "NCMD"
        case deviceCommand = "DCMD"

        public var isDeviceMessage: Bool { self == .deviceBirth || self == .deviceDeath || self == .deviceData || self == .deviceCommand }
    }

    /// What a topic of the namespace is.
    public enum Parsed: Sendable, Equatable {
        case message(SparkplugTopic)
        /// A host application's state, `spBv1.0/STATE/HOST_ID`.
        case hostState(hostID: String)
    }

    public static let namespace = "spBv1.0"

    public var group: String
    public var messageType: MessageType
    public var edgeNode: String
    /// The device of a D* message; nil for an N* message.
    public var device: String?

    public init(group: String, messageType: MessageType, edgeNode: String, device: String? = nil) {
        self.group = group
        self.messageType = messageType
        self.edgeNode = edgeNode
        self.device = device
    }

    /// The topic's text.
    public var text: String {
        let base = "\(Self.namespace)/\(group)/\(messageType.rawValue)/\(edgeNode)"
        return device.map { "\(base)/\($0)" } ?? base
    }

    /// Reads a topic; the error says which level is missing or wrong.
    public static func parse(_ topic: String) throws(SparkplugError) -> Parsed {
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard levels.first == Substring(namespace) else {
            throw SparkplugError("topic \"\(topic.prefix(128))\" is not in the Sparkplug B namespace \(namespace)/")
        }
        if levels.count == 3 && levels[1] == "STATE" {
            guard !levels[2].isEmpty else { throw SparkplugError("STATE topic without a host id") }
            return .hostState(hostID: String(levels[2]))
        }
        guard levels.count >= 4 else {
            throw SparkplugError(
                "topic \"\(topic.prefix(128))\" has \(levels.count) levels; Sparkplug B's are \(namespace)/GROUP/TYPE/EDGE_NODE[/DEVICE]")
        }
        guard let type = MessageType(rawValue: String(levels[2])) else {
            throw SparkplugError("topic level 3 \"\(levels[2].prefix(32))\" is not a Sparkplug B message type (NBIRTH, NDATA, DDATA, ...)")
        }
        let expected = type.isDeviceMessage ? 5 : 4
        guard levels.count == expected else {
            throw SparkplugError(
                type.isDeviceMessage
                    ? "\(type.rawValue) topic \"\(topic.prefix(128))\" lacks the device: \(namespace)/GROUP/\(type.rawValue)/EDGE_NODE/DEVICE"
                    : "\(type.rawValue) topic \"\(topic.prefix(128))\" has levels past the edge node: \(namespace)/GROUP/\(type.rawValue)/EDGE_NODE")
        }
        for (index, level) in levels.enumerated() where level.isEmpty {
            throw SparkplugError("topic \"\(topic.prefix(128))\" has an empty level \(index + 1)")
        }
        return .message(
            SparkplugTopic(
                group: String(levels[1]), messageType: type, edgeNode: String(levels[3]), device: expected == 5 ? String(levels[4]) : nil))
    }
}

/// Why a Sparkplug message cannot be read: the reason a rejection stores.
public struct SparkplugError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
