/// The members a protocol's message adds to a machine's payload beside its variables: what was
/// sent, as sent (a Sparkplug B message's metrics, an MTConnect agent's observations). Machine
/// types never count them among the unknown variables.
public enum ProtocolMembers {
    /// A Sparkplug B message's own member (docs/sparkplug.md).
    public static let sparkplug = "sparkplug"
    /// An MTConnect message's own member (docs/mtconnect.md).
    public static let mtconnect = "mtconnect"

    /// Every protocol's own member, for leaving them out of the unknown variables.
    public static let all: Set<String> = [sparkplug, mtconnect]
}
