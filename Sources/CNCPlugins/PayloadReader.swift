import CollectorCore

/// Reads a machine's variables out of a payload with the checks every machine type shares.
///
/// A collector keeps what the machines sent: only a required variable that is missing, or of a
/// type that cannot be read, refuses the message (`PluginRejection`). Whatever else is odd is
/// kept and marked: an optional variable of the wrong type is left out of the typed state and
/// marked `type:NAME`, a number sent as text (`"1200"`) is read as that number and marked
/// `text:NAME`, a value outside its plausible range is stored and marked `range:NAME`.
/// The checks failed go into `quality`; variables never read are the type's drift
/// (`unknownVariables`).
public struct PayloadReader {
    /// The machine's variables as sent; every read takes from them.
    public let payload: JSONObject
    private var read: Set<String> = []
    /// The checks failed so far, e.g. `range:X-Axis`, in the order they failed.
    public private(set) var quality: [String] = []

    /// A reader of `payload` with nothing read and nothing marked yet.
    public init(_ payload: JSONObject) {
        self.payload = payload
    }

    /// A numeric variable multiplied by `scale` (a unit conversion), marked `range:NAME` outside
    /// `plausible` (in the converted unit) and `whole:NAME` when it should be whole and is not;
    /// nil when optional and absent or unreadable. A text whose whole is a JSON number
    /// (`JSONNumberText`) is read as that number and marked `text:NAME`; other texts cannot be read.
    public mutating func number(
        _ name: String, plausible range: ClosedRange<Double>, integer: Bool = false, scale: Double = 1, required: Bool = true
    ) throws(PluginRejection) -> Double? {
        guard let value = try value(name, required: required) else { return nil }
        let raw: Double
        switch value {
        case .number(let number): raw = number
        case .string(let text):
            guard let number = JSONNumberText.value(of: text) else { return try wrongType(name, "a number", value, required: required) }
            mark("text:\(name)")
            raw = number
        default: return try wrongType(name, "a number", value, required: required)
        }
        if integer && raw.rounded() != raw { mark("whole:\(name)") }
        let number = raw * scale
        if !range.contains(number) { mark("range:\(name)") }
        return number
    }

    /// A string variable, marked `length:NAME` when longer than `maxLength` bytes; nil when
    /// optional and absent or unreadable. With `numbersAsText`, a number is read as its JSON text.
    public mutating func string(_ name: String, maxLength: Int = 64, numbersAsText: Bool = false, required: Bool = true)
        throws(PluginRejection) -> String?
    {
        guard let value = try value(name, required: required) else { return nil }
        let string: String
        switch value {
        case .string(let text): string = text
        case .number where numbersAsText: string = value.serialized()
        default: return try wrongType(name, "a string", value, required: required)
        }
        if string.utf8.count > maxLength { mark("length:\(name)") }
        return string
    }

    /// A status variable mapped through `values`: a string, or with `numericCodes` a number too
    /// (looked up by its JSON text). `unknown`, marked `status:NAME`, when `values` has no entry.
    public mutating func status(
        _ name: String, values: [String: MachineState.Status], caseInsensitive: Bool = false, numericCodes: Bool = false
    ) throws(PluginRejection) -> MachineState.Status {
        let text = try string(name, maxLength: Int.max, numbersAsText: numericCodes)!
        if let status = values[caseInsensitive ? text.lowercased() : text] { return status }
        mark("status:\(name)")
        return .unknown
    }

    /// The status `values` give a variable that overrides the type's status variable when it is
    /// there and mapped (a machine tool's mode over its execution state); nil otherwise, and
    /// nothing is marked: an override that does not apply is not an odd value.
    public mutating func overridingStatus(
        _ name: String, values: [String: MachineState.Status], caseInsensitive: Bool = false
    ) -> MachineState.Status? {
        read.insert(name)
        let text: String
        switch payload[name] {
        case .string(let string)?: text = string
        case .number(let number)?: text = JSONValue.number(number).serialized()
        default: return nil
        }
        return values[caseInsensitive ? text.lowercased() : text]
    }

    /// Records a failed check of the type's own, such as a combination of values it finds odd.
    public mutating func mark(_ check: String) {
        if !quality.contains(check) { quality.append(check) }
    }

    /// The payload's variables that were never read, in payload order (a protocol's own member,
    /// such as a Sparkplug message's metrics as sent, is none).
    public var unknownVariables: [String] {
        payload.keys.filter { !read.contains($0) && !ProtocolMembers.all.contains($0) }
    }

    /// `state` with this reader's quality marks and unknown variables.
    public func marked(_ state: MachineState) -> MachineState {
        var state = state
        state.quality = quality
        state.unknownVariables = unknownVariables
        return state
    }

    private mutating func value(_ name: String, required: Bool) throws(PluginRejection) -> JSONValue? {
        read.insert(name)
        guard let value = payload[name] else {
            if required { throw PluginRejection("missing variable \"\(name)\"") }
            return nil
        }
        return value
    }

    private mutating func wrongType<T>(_ name: String, _ expected: String, _ value: JSONValue, required: Bool) throws(PluginRejection) -> T? {
        if required { throw PluginRejection("variable \"\(name)\" must be \(expected), not \(value.typeName)") }
        mark("type:\(name)")
        return nil
    }
}
