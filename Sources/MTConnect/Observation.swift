/// One observation of a stream document: a DataItem's value at a time, with its sequence number.
public struct Observation: Sendable, Equatable {
    /// Which of a component stream's lists it came from: `Samples`, `Events`, or `Condition`
    /// (also the `Conditions` some writers use).
    public enum Category: Sendable, Equatable {
        case sample, event, condition
    }

    /// What a condition says: its level, and for a warning or a fault the controller's own code.
    public struct ConditionState: Sendable, Equatable {
        /// A condition's level, by the standard's spelling.
        public enum Level: String, Sendable {
            case normal = "NORMAL"
            case warning = "WARNING"
            case fault = "FAULT"
            case unavailable = "UNAVAILABLE"
        }

        /// The condition's level.
        public var level: Level
        /// The condition's type, such as `SYSTEM` or `TEMPERATURE`.
        public var type: String?
        /// The controller's own code for it (`nativeCode`); a warning or fault stays active by
        /// this code until a `Normal` with it, a `Normal` without a code, or an `Unavailable` clears it.
        public var nativeCode: String?
        /// The controller's own severity (`nativeSeverity`), as given.
        public var nativeSeverity: String?
        /// The `qualifier` attribute, such as `HIGH` or `LOW`, as given.
        public var qualifier: String?

        /// A condition state; all but the level default to nil.
        public init(level: Level, type: String? = nil, nativeCode: String? = nil, nativeSeverity: String? = nil, qualifier: String? = nil) {
            self.level = level
            self.type = type
            self.nativeCode = nativeCode
            self.nativeSeverity = nativeSeverity
            self.qualifier = qualifier
        }
    }

    /// An observation's value, by the shape the agent sent it in.
    public enum Value: Sendable, Equatable {
        /// The agent does not know the value: the machine or its adapter is not reporting it.
        case unavailable
        /// The element's text, trimmed of white space at either end; empty for a condition whose
        /// element is named by its type (its text is the level).
        case text(String)
        /// A `DATA_SET` or `TABLE`: entries by key, in the document's order.
        case entries([Entry])
        /// A `TIME_SERIES`: its values, in order.
        case series([String])
    }

    /// One entry of a `DATA_SET` or `TABLE` observation.
    public struct Entry: Sendable, Equatable {
        /// The entry's `key`; empty when it has none.
        public var key: String
        /// The entry's text, trimmed; for a `TABLE`, its cells as `KEY=VALUE`, separated by spaces.
        public var value: String
        /// Whether the entry says it was removed (`removed="true"`); a removed entry is not written as a value.
        public var removed: Bool

        /// An entry; not removed by default.
        public init(key: String, value: String, removed: Bool = false) {
            self.key = key
            self.value = value
            self.removed = removed
        }
    }

    /// The observed DataItem's id (`dataItemId`).
    public var dataItemID: String
    /// The DataItem's `name`, if the observation carries one.
    public var name: String?
    /// The element's name: the DataItem's type in the standard's spelling (`Execution`,
    /// `RotaryVelocity`), or for a condition its level (`Normal`, `Warning`, `Fault`).
    public var element: String
    /// The list it came from: samples, events or conditions.
    public var category: Category
    /// The DataItem's `subType`, if the observation carries one.
    public var subType: String?
    /// The agent's sequence number for it, unique within one `instanceId`.
    public var sequence: UInt64
    /// Microseconds since the Unix epoch.
    public var timestamp: Int64
    /// The value, or for a condition its text.
    public var value: Value
    /// The level, type and codes of a condition; nil for a sample or an event.
    public var condition: ConditionState?
    /// The component stream it came from.
    public var component: ComponentReference
    /// The value's text was longer than the limit and was cut.
    public var truncated: Bool

    /// An observation; the optional attributes default to nil, and `truncated` to false.
    public init(
        dataItemID: String, name: String? = nil, element: String, category: Category, subType: String? = nil, sequence: UInt64,
        timestamp: Int64, value: Value, condition: ConditionState? = nil, component: ComponentReference, truncated: Bool = false
    ) {
        self.dataItemID = dataItemID
        self.name = name
        self.element = element
        self.category = category
        self.subType = subType
        self.sequence = sequence
        self.timestamp = timestamp
        self.value = value
        self.condition = condition
        self.component = component
        self.truncated = truncated
    }
}
