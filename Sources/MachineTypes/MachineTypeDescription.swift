import CollectorCore

/// A machine type described as data, as a plant engineer writes it in a YAML file
/// (docs/machine-types.md): which payload variable gives each field of the typed state, how its
/// statuses map onto the normalised ones, units, what is required, plausible ranges, further
/// variables to keep typed, and combinations of values to mark.
public struct MachineTypeDescription: Sendable, Equatable {
    /// The name the map file uses in `class_name`.
    public var name: String
    public var summary: String
    public var status: StatusMapping
    public var fields: [FieldMapping]
    public var extra: [ExtraVariable]
    public var checks: [Check]
    /// How long a machine of this type may stay silent before it counts as offline; nil: the
    /// sink's default (MES_OFFLINE_AFTER_S).
    public var offlineAfterSeconds: Double? = nil

    public struct StatusMapping: Sendable, Equatable {
        public var variable: String
        public var caseSensitive: Bool
        /// The machine's texts (lower-cased unless `caseSensitive`) or numeric codes, to the normalised statuses.
        public var values: [String: MachineState.Status]
        /// Whether a number is looked up too (some key is one).
        public var numericCodes: Bool
        /// Variables read before `variable`, in order: the first that is there with a value its
        /// map holds gives the status (a machine tool in manual mode is in setup, whatever its
        /// execution state). One without such a value passes the status on, and is not marked.
        public var overrides: [StatusMapping] = []
    }

    public struct FieldMapping: Sendable, Equatable {
        public var field: StateField
        public var variable: String
        public var required: Bool
        /// Multiplies the machine's value into the field's stored unit.
        public var scale: Double
        /// In the stored unit; a value outside is kept and marked `range:VARIABLE`.
        public var plausible: ClosedRange<Double>?
        /// A number that should be whole; marked `whole:VARIABLE` when it is not.
        public var whole: Bool
        /// For texts; a longer one is kept and marked `length:VARIABLE`.
        public var maxLength: Int
    }

    /// A further variable kept typed in `machine_state.extra` under `name`.
    public struct ExtraVariable: Sendable, Equatable {
        public enum Kind: String, Sendable { case number, text }

        public var name: String
        public var variable: String
        public var kind: Kind
        public var required: Bool
        public var plausible: ClosedRange<Double>?
    }

    /// A combination of values that is marked `name` when every condition holds.
    public struct Check: Sendable, Equatable {
        public enum Subject: Sendable, Equatable {
            case status
            case field(StateField)
        }

        public struct Condition: Sendable, Equatable {
            public var subject: Subject
            public var value: JSONValue
        }

        public var name: String
        public var conditions: [Condition]
    }

    /// Every payload variable the description reads.
    public var variables: Set<String> {
        Set([status.variable] + status.overrides.map(\.variable) + fields.map(\.variable) + extra.map(\.variable))
    }
}
