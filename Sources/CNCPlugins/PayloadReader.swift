import CollectorCore

/// Reads a machine's variables out of a payload with the checks plugins share, and remembers
/// which ones were read so that a strict plugin can refuse the rest.
public struct PayloadReader {
    public let payload: JSONObject
    private var read: Set<String> = []

    public init(_ payload: JSONObject) {
        self.payload = payload
    }

    /// A numeric variable within `range`; nil when optional and absent.
    public mutating func number(_ name: String, in range: ClosedRange<Double>, unit: String = "", integer: Bool = false, required: Bool = true)
        throws(PluginRejection) -> Double?
    {
        read.insert(name)
        guard let value = payload[name] else {
            if required { throw PluginRejection("missing variable \"\(name)\"") }
            return nil
        }
        guard case .number(let number) = value else {
            throw PluginRejection("variable \"\(name)\" must be a number, not \(value.typeName)")
        }
        if integer && number.rounded() != number {
            throw PluginRejection("variable \"\(name)\" must be a whole number, got \(number)")
        }
        guard range.contains(number) else {
            let suffix = unit.isEmpty ? "" : " \(unit)"
            throw PluginRejection(
                "variable \"\(name)\" = \(number) outside \(Self.format(range.lowerBound))...\(Self.format(range.upperBound))\(suffix)")
        }
        return number
    }

    /// A string variable; nil when optional and absent.
    public mutating func string(_ name: String, maxLength: Int = 64, required: Bool = true) throws(PluginRejection) -> String? {
        read.insert(name)
        guard let value = payload[name] else {
            if required { throw PluginRejection("missing variable \"\(name)\"") }
            return nil
        }
        guard case .string(let string) = value else {
            throw PluginRejection("variable \"\(name)\" must be a string, not \(value.typeName)")
        }
        guard string.utf8.count <= maxLength else {
            throw PluginRejection("variable \"\(name)\" longer than \(maxLength) bytes")
        }
        return string
    }

    /// A string variable that must map to a status through `values`.
    public mutating func status(_ name: String, values: [String: MachineState.Status], caseInsensitive: Bool = false) throws(PluginRejection)
        -> MachineState.Status
    {
        let text = try string(name)!
        if let status = values[caseInsensitive ? text.lowercased() : text] { return status }
        throw PluginRejection("variable \"\(name)\" = \"\(text.prefix(32))\" is not one of \(values.keys.sorted().joined(separator: ", "))")
    }

    /// Refuses variables that were never read.
    public func rejectUnknownVariables() throws(PluginRejection) {
        if let unknown = payload.keys.first(where: { !read.contains($0) }) {
            throw PluginRejection("unknown variable \"\(unknown.prefix(64))\"")
        }
    }

    private static func format(_ number: Double) -> String {
        number.rounded() == number ? String(Int64(number)) : String(number)
    }
}
