import CNCPlugins
import CollectorCore

/// A machine type served from its description: maps each message as the description says,
/// with the checks and marks every type shares (`PayloadReader`).
public struct DescribedType: MachineTypeMapper {
    /// The description this type maps by.
    public let description: MachineTypeDescription

    /// Serves the type `description` describes.
    public init(_ description: MachineTypeDescription) {
        self.description = description
    }

    /// Maps by the description: the status (its overrides first), the fields and the extra variables, then marks each check
    /// that holds with its name. Throws when the status variable, or a required one, is missing or cannot be read.
    public func machineState(for message: CNCMessage, payload: JSONObject) throws(PluginRejection) -> MachineState {
        var reader = PayloadReader(payload)
        let statusMapping = description.status
        // Every override is read, so that none is taken for a variable the type does not know.
        let overridden = statusMapping.overrides.map { mapping in
            reader.overridingStatus(mapping.variable, values: mapping.values, caseInsensitive: !mapping.caseSensitive)
        }.lazy.compactMap { $0 }.first
        let status: MachineState.Status
        if let overridden {
            // The status variable must be there all the same, but is not marked when it is unmapped.
            _ = try reader.string(statusMapping.variable, maxLength: Int.max, numbersAsText: statusMapping.numericCodes)
            status = overridden
        } else {
            status = try reader.status(
                statusMapping.variable, values: statusMapping.values, caseInsensitive: !statusMapping.caseSensitive,
                numericCodes: statusMapping.numericCodes)
        }
        var state = MachineState(status: status)
        for mapping in description.fields {
            try read(mapping, into: &state, with: &reader)
        }
        var extra: [JSONObject.Member] = []
        extra.reserveCapacity(description.extra.count)
        for variable in description.extra {
            let value: JSONValue?
            switch variable.kind {
            case .number:
                value = try reader.number(
                    variable.variable, plausible: variable.plausible ?? -.infinity...(.infinity), required: variable.required
                ).map(JSONValue.number)
            case .text:
                value = try reader.string(variable.variable, maxLength: Int.max, numbersAsText: true, required: variable.required)
                    .map(JSONValue.string)
            }
            if let value { extra.append(JSONObject.Member(key: variable.name, value: value)) }
        }
        if !extra.isEmpty { state.extra = JSONObject(members: extra) }
        for check in description.checks where check.conditions.allSatisfy({ holds($0, in: state) }) {
            reader.mark(check.name)
        }
        return reader.marked(state)
    }

    private func read(_ mapping: MachineTypeDescription.FieldMapping, into state: inout MachineState, with reader: inout PayloadReader)
        throws(PluginRejection)
    {
        let anyValue = -Double.infinity...Double.infinity
        switch mapping.field.quantity {
        case .text:
            let text = try reader.string(mapping.variable, maxLength: mapping.maxLength, numbersAsText: true, required: mapping.required)
            // An empty text means none, as controllers report "no alarm".
            if let property = mapping.field.text { state[keyPath: property] = text.flatMap { $0.isEmpty ? nil : $0 } }
        case .count:
            guard
                let number = try reader.number(
                    mapping.variable, plausible: mapping.plausible ?? anyValue, integer: true, required: mapping.required)
            else { return }
            if let count = Int64(exactly: number.rounded()) {
                state.partCount = count
            } else {
                reader.mark("range:\(mapping.variable)")
            }
        case .length, .rotationalSpeed, .feed, .percent:
            let number = try reader.number(
                mapping.variable, plausible: mapping.plausible ?? anyValue, integer: mapping.whole, scale: mapping.scale,
                required: mapping.required)
            mapping.field.assign(number, to: &state)
        }
    }

    private func holds(_ condition: MachineTypeDescription.Check.Condition, in state: MachineState) -> Bool {
        switch condition.subject {
        case .status: condition.value == .string(state.status.rawValue)
        case .field(let field): condition.value == state.value(of: field)
        }
    }
}
