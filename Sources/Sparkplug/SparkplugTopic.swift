/// A Sparkplug B topic: `spBv1.0/GROUP/TYPE/EDGE_NODE[/DEVICE]`, or a host's
/// `spBv1.0/STATE/HOST_ID`.
public struct SparkplugTopic: Sendable, Equatable, Hashable {
    /// The message types, by their spelling in the topic's third level.
    public enum MessageType: String, Sendable, CaseIterable {
        case nodeBirth = "NBIRTH"
        case nodeDeath = "NDEATH"
        case deviceBirth = "DBIRTH"
        case deviceDeath = "DDEATH"
        case nodeData = "NDATA"
        case deviceData = "DDATA"
        case nodeCommand = "NCMD"
        case deviceCommand = "DCMD"

        /// Whether the type is a device's (`D*`), whose topic names the device as a fifth level.
        public var isDeviceMessage: Bool { self == .deviceBirth || self == .deviceDeath || self == .deviceData || self == .deviceCommand }
    }

    /// What a topic of the namespace is.
    public enum Parsed: Sendable, Equatable {
        /// A message of an edge node or of one of its devices.
        case message(SparkplugTopic)
        /// A host application's state, `spBv1.0/STATE/HOST_ID`.
        case hostState(hostID: String)
    }

    /// The first level of every Sparkplug B topic.
    public static let namespace = "spBv1.0"

    /// The group id, the topic's second level.
    public var group: String
    /// The message type, the third level.
    public var messageType: MessageType
    /// The edge node id, the fourth level.
    public var edgeNode: String
    /// The device of a D* message; nil for an N* message.
    public var device: String?

    /// A topic of these parts, as given: nothing is checked.
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
        // Level by level over the UTF-8 view: no array of levels, no string but those kept.
        let utf8 = topic.utf8
        var levels: [Range<String.Index>] = []
        levels.reserveCapacity(5)
        var start = utf8.startIndex
        while levels.count < 6 {
            guard let slash = utf8[start...].firstIndex(of: UInt8(ascii: "/")) else {
                levels.append(start..<utf8.endIndex)
                break
            }
            levels.append(start..<slash)
            start = utf8.index(after: slash)
        }
        func level(_ index: Int) -> Substring { topic[levels[index]] }
        guard level(0) == namespace else {
            throw SparkplugError("topic \"\(topic.prefix(128))\" is not in the Sparkplug B namespace \(namespace)/")
        }
        if levels.count == 3 && level(1) == "STATE" {
            guard !level(2).isEmpty else { throw SparkplugError("STATE topic without a host id") }
            return .hostState(hostID: String(level(2)))
        }
        let count = topic.utf8.count(where: { $0 == UInt8(ascii: "/") }) + 1
        guard count >= 4 else {
            throw SparkplugError(
                "topic \"\(topic.prefix(128))\" has \(count) levels; Sparkplug B's are \(namespace)/GROUP/TYPE/EDGE_NODE[/DEVICE]")
        }
        guard let type = MessageType(rawValue: String(level(2))) else {
            throw SparkplugError("topic level 3 \"\(level(2).prefix(32))\" is not a Sparkplug B message type (NBIRTH, NDATA, DDATA, ...)")
        }
        let expected = type.isDeviceMessage ? 5 : 4
        guard count == expected else {
            throw SparkplugError(
                type.isDeviceMessage
                    ? "\(type.rawValue) topic \"\(topic.prefix(128))\" lacks the device: \(namespace)/GROUP/\(type.rawValue)/EDGE_NODE/DEVICE"
                    : "\(type.rawValue) topic \"\(topic.prefix(128))\" has levels past the edge node: \(namespace)/GROUP/\(type.rawValue)/EDGE_NODE")
        }
        for index in 0..<count where level(index).isEmpty {
            throw SparkplugError("topic \"\(topic.prefix(128))\" has an empty level \(index + 1)")
        }
        return .message(
            SparkplugTopic(group: String(level(1)), messageType: type, edgeNode: String(level(3)), device: count == 5 ? String(level(4)) : nil))
    }
}

/// Why a Sparkplug message cannot be read: the reason a rejection stores.
public struct SparkplugError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, in words for the log and the rejection.
    public var reason: String

    /// An error for `reason`.
    public init(_ reason: String) {
        self.reason = reason
    }

    /// The reason, as it is.
    public var description: String { reason }
}
