/// What a worker hands to the sink for one accepted message: the raw row for `cnc_data` and
/// the typed row for `machine_state`, written in the same transaction.
public struct StoredRecord: Sendable, Equatable {
    /// The accepted message: the `cnc_data` row.
    public var message: CNCMessage
    /// The plugin type that processed it.
    public var cncType: String
    /// The normalised state: the `machine_state` row.
    public var state: MachineState

    /// A record of these parts.
    public init(message: CNCMessage, cncType: String, state: MachineState) {
        self.message = message
        self.cncType = cncType
        self.state = state
    }
}
