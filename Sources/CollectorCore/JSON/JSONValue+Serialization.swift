extension JSONValue {
    /// Compact JSON text; whole numbers print without a fraction, as machines send them.
    public func serialized() -> String {
        var writer = JSONTextWriter()
        write(to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Appends the value's compact JSON text to `writer`, as `serialized()` returns it.
    public func write(to writer: inout JSONTextWriter) {
        switch self {
        case .null: writer.raw("null")
        case .bool(let value): writer.bool(value)
        case .number(let value): writer.number(value)
        case .string(let value): writer.string(value)
        case .array(let elements):
            writer.byte("[")
            for (index, element) in elements.enumerated() {
                if index > 0 { writer.byte(",") }
                element.write(to: &writer)
            }
            writer.byte("]")
        case .object(let object):
            writer.byte("{")
            for (index, member) in object.members.enumerated() {
                if index > 0 { writer.byte(",") }
                writer.key(member.key)
                member.value.write(to: &writer)
            }
            writer.byte("}")
        }
    }
}

extension JSONObject {
    /// Sets `key`, keeping its position when it exists and appending it otherwise.
    public mutating func set(_ key: String, _ value: JSONValue) {
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = value
        } else {
            members.append(Member(key: key, value: value))
        }
    }

    /// Removes the member `key`, if there is one.
    public mutating func remove(_ key: String) {
        members.removeAll { $0.key == key }
    }
}
