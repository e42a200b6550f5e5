import CNCPlugins
import CollectorCore
import DescriptionFiles
import Yams

extension MachineTypeDescription {
    /// Reads a description from its YAML text; `file` names it in errors. Anything the format
    /// does not allow, an unknown key included, is an error naming the line, the column and the
    /// field, so that a typo never passes silently.
    public static func parse(yaml text: String, file: String) throws(DescriptionError) -> MachineTypeDescription {
        let reader = DescriptionReader(file: file)
        return try reader.description(try reader.root(yaml: text))
    }
}

/// Walks the YAML of one description, keeping the place of every value for the errors.
struct DescriptionReader: YAMLDescriptionReader {
    let file: String

    static let statusNames = MachineState.Status.allCases.filter { $0 != .unknown }.map(\.rawValue)

    /// A described type, or with a `program` key an external plugin.
    func definition(_ root: Node) throws(DescriptionError) -> TypeDefinition {
        guard case .mapping(let mapping) = root, mapping.keys.contains(where: { $0.scalar?.string == "program" }) else {
            return .described(try description(root))
        }
        let entries = try self.mapping(root, "", keys: ["name", "description", "program", "offline_after"])
        let name = try typeName(entries["name"], root)
        guard case .sequence(let sequence) = entries["program"]!, !sequence.isEmpty else {
            throw fail(entries["program"], "program", "must be [program, argument, ...], e.g. [python3, plugins/CNCTypeC.py]")
        }
        var command: [String] = []
        for (index, node) in sequence.enumerated() { command.append(try text(node, "program[\(index)]")) }
        let directory = file.contains("/") ? String(file[..<file.lastIndex(of: "/")!]) : "."
        return .external(
            ExternalPluginDescription(
                name: name, summary: try entries["description"].map { (node) throws(DescriptionError) in try text(node, "description") } ?? "",
                command: command, directory: directory, offlineAfterSeconds: try offlineAfter(entries["offline_after"])))
    }

    /// `offline_after`: a duration with its unit (`90s`, `5min`, `2h`, `500ms`), or seconds.
    private func offlineAfter(_ node: Node?) throws(DescriptionError) -> Double? {
        guard let node else { return nil }
        let written = try text(node, "offline_after").trimmingCharacters(in: .whitespaces)
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("min", 60), ("s", 1), ("h", 3600)]
        let unit = units.first { written.hasSuffix($0.suffix) } ?? ("", 1)
        guard let number = Double(written.dropLast(unit.suffix.count).trimmingCharacters(in: .whitespaces)), number.isFinite else {
            throw fail(node, "offline_after", "\"\(written.prefix(32))\" is not a duration such as 90s, 5min, 2h or 500ms")
        }
        let seconds = number * unit.seconds
        guard seconds >= 1, seconds <= Self.longestOfflineAfter else {
            throw fail(node, "offline_after", "must be 1s to 7 days, not \(written.prefix(32))")
        }
        return seconds
    }

    static let longestOfflineAfter: Double = 7 * 86_400

    private func typeName(_ node: Node?, _ root: Node) throws(DescriptionError) -> String {
        guard let node else { throw fail(root, "name", "missing: the type's name, as cnc_classes.json's class_name gives it") }
        let name = try text(node, "name")
        guard MachineTypeName.isValid(name) else {
            throw fail(node, "name", "\"\(name.prefix(64))\" is not a type name (letters, digits, _; a letter first; at most 64)")
        }
        return name
    }

    func description(_ root: Node) throws(DescriptionError) -> MachineTypeDescription {
        let entries = try mapping(root, "", keys: ["name", "description", "status", "fields", "extra", "checks", "offline_after"])
        let name = try typeName(entries["name"], root)
        guard let statusNode = entries["status"] else { throw fail(root, "status", "missing: which variable gives the status, and how it maps") }
        let fields = try entries["fields"].map { (node) throws(DescriptionError) in try fieldMappings(node) } ?? []
        return MachineTypeDescription(
            name: name,
            summary: try entries["description"].map { (node) throws(DescriptionError) in try text(node, "description") } ?? "",
            status: try statusMapping(statusNode),
            fields: fields,
            extra: try entries["extra"].map { (node) throws(DescriptionError) in try extraVariables(node) } ?? [],
            checks: try entries["checks"].map { (node) throws(DescriptionError) in try checks(node, fields: fields) } ?? [],
            offlineAfterSeconds: try offlineAfter(entries["offline_after"])
        )
    }

    /// `status`, or one of its `overrides` (`path` names it), which has none of its own.
    private func statusMapping(_ node: Node, path: String = "status") throws(DescriptionError) -> MachineTypeDescription.StatusMapping {
        let isOverride = path != "status"
        let entries = try mapping(node, path, keys: ["variable", "case_sensitive", "map"] + (isOverride ? [] : ["overrides"]))
        guard let variableNode = entries["variable"] else { throw fail(node, "\(path).variable", "missing: the payload variable of the status") }
        let caseSensitive =
            try entries["case_sensitive"].map { (node) throws(DescriptionError) in try bool(node, "\(path).case_sensitive") } ?? false
        guard let mapNode = entries["map"] else {
            throw fail(node, "\(path).map", "missing: the machine's statuses, each to one of \(Self.statusList)")
        }
        var values: [String: MachineState.Status] = [:]
        for (key, keyNode, valueNode) in try pairs(mapNode, "\(path).map") {
            let entryPath = "\(path).map.\(key)"
            let normalised = try text(valueNode, entryPath)
            guard let status = MachineState.Status(rawValue: normalised), status != .unknown else {
                throw fail(valueNode, entryPath, "\"\(normalised.prefix(32))\" is not one of \(Self.statusList)")
            }
            let machineText = caseSensitive ? key : key.lowercased()
            guard values[machineText] == nil else {
                throw fail(
                    keyNode, entryPath, "\"\(key)\" is mapped twice\(caseSensitive ? "" : " (case does not count unless case_sensitive: true)")")
            }
            values[machineText] = status
        }
        guard !values.isEmpty else { throw fail(mapNode, "\(path).map", "empty: map at least one status") }
        var overrides: [MachineTypeDescription.StatusMapping] = []
        if let overridesNode = entries["overrides"] {
            guard case .sequence(let sequence) = overridesNode, !sequence.isEmpty else {
                throw fail(overridesNode, "status.overrides", "must be a list of {variable, map}, read in order before status.variable")
            }
            for (index, overrideNode) in sequence.enumerated() {
                overrides.append(try statusMapping(overrideNode, path: "status.overrides[\(index)]"))
            }
        }
        return MachineTypeDescription.StatusMapping(
            variable: try text(variableNode, "\(path).variable"), caseSensitive: caseSensitive, values: values,
            numericCodes: values.keys.contains { Double($0) != nil }, overrides: overrides)
    }

    private func fieldMappings(_ node: Node) throws(DescriptionError) -> [MachineTypeDescription.FieldMapping] {
        var mappings: [MachineTypeDescription.FieldMapping] = []
        for (key, keyNode, valueNode) in try pairs(node, "fields") {
            let path = "fields.\(key)"
            guard let field = StateField(rawValue: key) else {
                throw fail(
                    keyNode, path, "not a field of machine_state; the fields are \(StateField.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let quantity = field.quantity
            var keys = ["variable", "required"]
            switch quantity {
            case .text: keys += ["max_length"]
            case .count: keys += ["plausible"]
            default: keys += ["unit", "plausible", "whole"]
            }
            let entries = try mapping(valueNode, path, keys: keys)
            guard let variableNode = entries["variable"] else { throw fail(valueNode, "\(path).variable", "missing: the payload variable of \(key)") }
            var scale = 1.0
            if let unitNode = entries["unit"] {
                let unit = try text(unitNode, "\(path).unit")
                guard let factor = quantity.units[unit] else {
                    throw fail(
                        unitNode, "\(path).unit",
                        "\"\(unit.prefix(32))\" is not a unit of \(key): one of \(quantity.units.keys.sorted().joined(separator: ", "))")
                }
                scale = factor
            }
            mappings.append(
                MachineTypeDescription.FieldMapping(
                    field: field, variable: try text(variableNode, "\(path).variable"),
                    required: try entries["required"].map { (node) throws(DescriptionError) in try bool(node, "\(path).required") } ?? false,
                    scale: scale,
                    plausible: try entries["plausible"].map { (node) throws(DescriptionError) in try range(node, "\(path).plausible") },
                    whole: try entries["whole"].map { (node) throws(DescriptionError) in try bool(node, "\(path).whole") } ?? false,
                    maxLength: try entries["max_length"].map { (node) throws(DescriptionError) in try positiveInteger(node, "\(path).max_length") }
                        ?? 64
                ))
        }
        return mappings
    }

    private func extraVariables(_ node: Node) throws(DescriptionError) -> [MachineTypeDescription.ExtraVariable] {
        var variables: [MachineTypeDescription.ExtraVariable] = []
        for (key, keyNode, valueNode) in try pairs(node, "extra") {
            let path = "extra.\(key)"
            guard MachineTypeName.isValid(key) else { throw fail(keyNode, path, "not a name (letters, digits, _; a letter first)") }
            let entries = try mapping(valueNode, path, keys: ["variable", "type", "required", "plausible"])
            guard let variableNode = entries["variable"] else { throw fail(valueNode, "\(path).variable", "missing: the payload variable to keep") }
            var kind = MachineTypeDescription.ExtraVariable.Kind.number
            if let typeNode = entries["type"] {
                let name = try text(typeNode, "\(path).type")
                guard let known = MachineTypeDescription.ExtraVariable.Kind(rawValue: name) else {
                    throw fail(typeNode, "\(path).type", "\"\(name.prefix(32))\" is not number or text")
                }
                kind = known
            }
            if kind == .text, let plausible = entries["plausible"] {
                throw fail(plausible, "\(path).plausible", "only a number has a plausible range")
            }
            variables.append(
                MachineTypeDescription.ExtraVariable(
                    name: key, variable: try text(variableNode, "\(path).variable"), kind: kind,
                    required: try entries["required"].map { (node) throws(DescriptionError) in try bool(node, "\(path).required") } ?? false,
                    plausible: try entries["plausible"].map { (node) throws(DescriptionError) in try range(node, "\(path).plausible") }))
        }
        return variables
    }

    private func checks(_ node: Node, fields: [MachineTypeDescription.FieldMapping]) throws(DescriptionError) -> [MachineTypeDescription.Check] {
        var checks: [MachineTypeDescription.Check] = []
        for (name, nameNode, valueNode) in try pairs(node, "checks") {
            let path = "checks.\(name)"
            guard MachineTypeName.isValid(name) else { throw fail(nameNode, path, "not a name (letters, digits, _; a letter first)") }
            var conditions: [MachineTypeDescription.Check.Condition] = []
            for (key, keyNode, conditionNode) in try pairs(valueNode, path) {
                let conditionPath = "\(path).\(key)"
                if key == "status" {
                    let status = try text(conditionNode, conditionPath)
                    guard Self.statusNames.contains(status) else {
                        throw fail(conditionNode, conditionPath, "\"\(status.prefix(32))\" is not one of \(Self.statusList)")
                    }
                    conditions.append(.init(subject: .status, value: .string(status)))
                    continue
                }
                guard let field = StateField(rawValue: key), fields.contains(where: { $0.field == field }) else {
                    throw fail(keyNode, conditionPath, "a check compares status or a field this description maps; \"\(key)\" is neither")
                }
                let value: JSONValue =
                    field.quantity == .text ? .string(try text(conditionNode, conditionPath)) : .number(try number(conditionNode, conditionPath))
                conditions.append(.init(subject: .field(field), value: value))
            }
            guard !conditions.isEmpty else { throw fail(valueNode, path, "empty: give at least one condition") }
            checks.append(MachineTypeDescription.Check(name: name, conditions: conditions))
        }
        return checks
    }

    // MARK: - Values

    private static var statusList: String { statusNames.joined(separator: ", ") }
}
