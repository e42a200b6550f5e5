import CollectorCore

/// Reads a machine's variables out of a payload with the checks plugins share.
///
/// A collector keeps what the machines sent: only a required variable that is missing, or a
/// variable of a type that cannot be read, refuses the message (`PluginRejection`). A value
/// that is readable but implausible is kept and marked: the check it failed goes into
/// `quality`. Variables never read are the type's drift (`unknownVariables`).
public struct PayloadReader {
    public let payload: JSONObject
    private var read: Set<String> = []
    /// The checks failed so far, e.g. `range:X-Axis`, in the order they failed.
    public private(set) var quality: [String] = []

    public init(_ payload: JSONObject) {
        self.payload = payload
    }

    /// A numeric variable, marked `range:NAME` outside `plausible` and `whole:NAME` when it
    /// should be whole and is not; nil when optional and absent.
    public mutating func number(_ name: String, plausible range: ClosedRange<Double>, integer: Bool = false, required: Bool = true)
        throws(PluginRejection) -> Double?
    {
        guard let value = try value(name, required: required) else { return nil }
        guard case .number(let number) = value else {
            throw PluginRejection("variable \"\(name)\" must be a number, not \(value.typeName)")
        }
        if integer && number.rounded() != number { mark("whole:\(name)") }
        if !range.contains(number) { mark("range:\(name)") }
        return number
    }

    /// A string variable, marked `length:NAME` when longer than `maxLength` bytes; nil when
    /// optional and absent.
    public mutating func string(_ name: String, maxLength: Int = 64, required: Bool = true) throws(PluginRejection) -> String? {
        guard let value = try value(name, required: required) else { return nil }
        guard case .string(let string) = value else {
            throw PluginRejection("variable \"\(name)\" must be a string, not \(value.typeName)")
        }
        if string.utf8.count > maxLength { mark("length:\(name)") }
        return string
    }

    /// A string variable mapped to a status through `values`; `unknown`, marked `status:NAME`,
    /// when `values` has no entry for it.
    public mutating func status(_ name: String, values: [String: MachineState.Status], caseInsensitive: Bool = false)
        throws(PluginRejection) -> MachineState.Status
    {
        let text = try string(name)!
        if let status = values[caseInsensitive ? text.lowercased() : text] { return status }
        mark("status:\(name)")
        return .unknown
    }

    /// Records a failed check of the plugin's own, such as a combination of values it finds odd.
    public mutating func mark(_ check: String) {
        if !quality.contains(check) { quality.append(check) }
    }

    /// The payload's variables that were never read, in payload order.
    public var unknownVariables: [String] {
        payload.keys.filter { !read.contains($0) }
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
}
