import CollectorCore

/// A plugin: the code that understands one type of CNC machine.
///
/// A worker hosts one plugin type. For every message routed to it the worker parses the
/// payload, calls `machineState(for:payload:)`, and stores both the raw message (`cnc_data`)
/// and the returned state (`machine_state`) in one transaction. A plugin throws
/// `PluginRejection` only when the payload cannot be mapped at all (a required variable
/// missing, or of a type that cannot be read): the message then goes to `rejected_messages`
/// with that reason. Whatever can be mapped is stored: odd values with a quality mark, unknown
/// variables as drift (`PayloadReader`).
///
/// To add a type: write a struct conforming to `CNCPlugin` in one new file of this module, add
/// it to `PluginRegistry.builtIn`, and map machines to its `typeName` in the map file.
public protocol CNCPlugin: MachineTypeMapper {
    /// The name the map file uses in `class_name`.
    static var typeName: String { get }

    init()
}

/// What maps one machine type's payloads into the typed state: a Swift plugin (`CNCPlugin`) or
/// a type described as data.
public protocol MachineTypeMapper: Sendable {
    /// Maps the machine's variables into the common typed state, marking what is implausible.
    /// Must not block: it runs once per message on the worker's hot path.
    func machineState(for message: CNCMessage, payload: JSONObject) throws(PluginRejection) -> MachineState
}

/// Why a plugin refused a payload; stored as the rejection reason.
public struct PluginRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why, in words for the operator: the stored rejection reason, or what the worker logs while it holds the message.
    public var reason: String
    /// The type cannot map anything now, whatever the message (its program does not start):
    /// the worker keeps the message and tries again instead of refusing it.
    public var isUnavailable = false

    /// A refusal of this one message for `reason`.
    public init(_ reason: String) {
        self.reason = reason
    }

    /// A rejection that marks the type unavailable (`isUnavailable`): the worker holds the message instead of refusing it.
    public static func unavailable(_ reason: String) -> PluginRejection {
        var rejection = PluginRejection(reason)
        rejection.isUnavailable = true
        return rejection
    }

    /// The reason.
    public var description: String { reason }
}
