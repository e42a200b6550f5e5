/// One observation of a stream document: a DataItem's value at a time, with its sequence number.
public struct Observation: Sendable, Equatable {
    public enum Category: Sendable, Equatable {
        case sample, event, condition
    }

    /// What a condition says: its level, and for a warning or a fault the controller's own code.
    public struct ConditionState: Sendable, Equatable {
        public enum Level: String, Sendable {
            case normal = "NORMAL"
            case warning = "WARNING"
            case fault = "FAULT"
            case unavailable = "UNAVAILABLE"
        }

        public var level: Level
        /// The condition's type, such as `SYSTEM` or `TEMPERATURE`.
        public var type: String?
        public var nativeCode: String?
        public var nativeSeverity: String?
        public var qualifier: String?

        public init(level: Level, type: String? = nil, nativeCode: String? = nil, nativeSeverity: String? = nil, qualifier: String? = nil) {
            self.level = level
            self.type = type
            self.nativeCode = nativeCode
            self.nativeSeverity = nativeSeverity
            self.qualifier = qualifier
        }
    }

    public enum Value: Sendable, Equatable {
        /// The agent does not know the value: the machine or its adapter is not reporting it.
        case unavailable
        case text(String)
        /// A `DATA_SET` or `TABLE`: entries by key, in the document's order.
        case entries([Entry])
        /// A `TIME_SERIES`: its values, in order.
        case series([String])
    }

    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
        public var removed: Bool

        public init(key: String, value: String, removed: Bool = false) {
            self.key = key
            self.value = value
            self.removed = removed
        }
    }

    public var dataItemID: String
    public var name: String?
    /// The element's name: the DataItem's type in the standard's spelling (`Execution`,
    /// `RotaryVelocity`), or for a condition its level (`Normal`, `Warning`, `Fault`).
    public var element: String
    public var category: Category
    public var subType: String?
    public var sequence: UInt64
    /// Microseconds since the Unix epoch.
    public var timestamp: Int64
    public var value: Value
    public var condition: ConditionState?
    public var component: ComponentReference
    /// The value's text was longer than the limit and was cut.
    public var truncated: Bool

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
