/// How a Sparkplug B source's messages become machines' messages: what `MessageLayout` is for
/// JSON sources (docs/sparkplug.md).
public struct SparkplugLayout: Sendable, Equatable {
    /// Which part of a Sparkplug topic is the machine.
    public enum Machine: String, Sendable, CaseIterable {
        /// Each device is a machine, its id the device id; the edge node's own messages (NBIRTH,
        /// NDATA) belong to a machine whose id is the edge node's.
        case device
        /// Each edge node is one machine, its devices' messages included (the device becomes a tag).
        case edgeNode = "edge_node"
    }

    /// The payload's member that holds a Sparkplug message's metrics as sent, beside the values
    /// by name: no variable of a machine type, never one of its unknown variables.
    public static let metricsMember = ProtocolMembers.sparkplug

    /// What every reason for refusing a Sparkplug message starts with.
    public static let reasonPrefix = "Sparkplug B: "

    /// Which part of the topic is the machine; `.device` by default.
    public var machine: Machine
    /// The metric whose value is the part program; nil: the messages carry none.
    public var partProgramMetric: String?

    /// A layout; by default each device is a machine and the messages carry no program.
    public init(machine: Machine = .device, partProgramMetric: String? = nil) {
        self.machine = machine
        self.partProgramMetric = partProgramMetric
    }
}
