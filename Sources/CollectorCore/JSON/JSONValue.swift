/// A parsed JSON value. Objects keep their members in document order.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number; the parser gives only finite ones.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A short name of the value's type, for rejection reasons.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A JSON object whose member names are unique (the parser rejects duplicates).
public struct JSONObject: Sendable, Equatable {
    /// One member: its name and its value.
    public struct Member: Sendable, Equatable {
        /// The member's name.
        public var key: String
        /// The member's value.
        public var value: JSONValue

        /// A member of this name and value.
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The members in order: document order for a parsed object.
    public var members: [Member]

    /// An object of these members (none by default), taken as they are.
    public init(members: [Member] = []) {
        self.members = members
    }

    /// Objects from machines are small, so a linear search beats hashing.
    public subscript(key: String) -> JSONValue? {
        members.first { $0.key == key }?.value
    }

    /// The member names, in order.
    public var keys: [String] { members.map(\.key) }
}
