import CollectorCore

/// A machine type described as data, as a plant engineer writes it in a YAML file
/// (docs/machine-types.md): which payload variable gives each field of the typed state, how its
/// statuses map onto the normalised ones, units, what is required, plausible ranges, further
/// variables to keep typed, and combinations of values to mark.
public struct MachineTypeDescription: Sendable, Equatable {
    /// The name the map file uses in `class_name`.
    public var name: String
    /// The description's `description`; empty when it gives none.
    public var summary: String
    /// Which variable gives the status, and how its values map.
    public var status: StatusMapping
    /// The typed state's fields this type fills, in the file's order.
    public var fields: [FieldMapping]
    /// Further variables kept typed in `machine_state.extra`, in the file's order.
    public var extra: [ExtraVariable]
    /// The combinations of values to mark, in the file's order.
    public var checks: [Check]
    /// How long a machine of this type may stay silent before it counts as offline; nil: the
    /// sink's default (MES_OFFLINE_AFTER_S).
    public var offlineAfterSeconds: Double? = nil

    /// How a machine's status variable maps onto the normalised statuses.
    public struct StatusMapping: Sendable, Equatable {
        /// The payload variable that gives the status: required for the type's own, not for an override.
        public var variable: String
        /// Whether a text must match a key of `values` case for case (`case_sensitive`, default false).
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

    /// Which payload variable fills one field of the typed state, and how it is checked.
    public struct FieldMapping: Sendable, Equatable {
        /// The field it fills.
        public var field: StateField
        /// The payload variable read.
        public var variable: String
        /// Whether a message without the variable, or with a value of a type that cannot be read, is refused; otherwise such
        /// a value is left out of the state, a wrong type marked `type:VARIABLE` (`required`, default false).
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
        /// How an extra variable is kept: `number` (the default) or `text`, as the description's `type` says.
        public enum Kind: String, Sendable { case number, text }

        /// The key in `extra`: a name (letters, digits, _; a letter first).
        public var name: String
        /// The payload variable read.
        public var variable: String
        /// Number or text; a text keeps a number sent as its JSON text.
        public var kind: Kind
        /// As `FieldMapping.required`.
        public var required: Bool
        /// For a number, in the unit it is sent in (an extra variable is not converted); a value outside is kept and marked
        /// `range:VARIABLE`.
        public var plausible: ClosedRange<Double>?
    }

    /// A combination of values that is marked `name` when every condition holds.
    public struct Check: Sendable, Equatable {
        /// What a condition compares: the normalised status, or a field the description maps.
        public enum Subject: Sendable, Equatable {
            case status
            case field(StateField)
        }

        /// One comparison: the subject must equal `value`.
        public struct Condition: Sendable, Equatable {
            /// What is compared.
            public var subject: Subject
            /// A status's name, a text, or a number in the field's stored unit, compared exactly.
            public var value: JSONValue
        }

        /// The mark, as `quality` shows it: a name (letters, digits, _; a letter first).
        public var name: String
        /// At least one; all must hold for the mark.
        public var conditions: [Condition]
    }

    /// Every payload variable the description reads.
    public var variables: Set<String> {
        Set([status.variable] + status.overrides.map(\.variable) + fields.map(\.variable) + extra.map(\.variable))
    }
}
