import CollectorCore

/// What a device has said so far: the last value of each DataItem under its key, and the
/// conditions active now. An observation changes one DataItem; the payload a machine type
/// reads holds them all.
public struct MTConnectDeviceState: Sendable {
    /// The device as the probe described it.
    public let device: DeviceModel
    /// The payload key of each of the device's DataItems.
    public let keys: DataItemKeys
    private let definitions: [String: DataItemDefinition]
    /// JSON text of each key's last value.
    private var values: [String: [UInt8]] = [:]
    /// The conditions active now, by DataItem, each by its native code.
    private var conditions: [String: [String: ActiveCondition]] = [:]
    /// The last program (`PROGRAM`) the device named.
    public private(set) var program: String?

    /// A warning or fault still active: its level, its text, and the sequence number that raised it.
    struct ActiveCondition: Sendable {
        var level: Observation.ConditionState.Level
        var text: String
        var sequence: UInt64
    }

    /// A device that has said nothing yet.
    public init(device: DeviceModel) {
        self.device = device
        keys = DataItemKeys(device)
        definitions = Dictionary(device.dataItems.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The key of an observation's DataItem; one the probe did not list keeps its id.
    public func key(of observation: Observation) -> String {
        keys.byID[observation.dataItemID] ?? observation.dataItemID
    }

    /// The probe's definition of a DataItem.
    func definition(of id: String) -> DataItemDefinition? {
        definitions[id]
    }

    /// Takes one observation.
    mutating func apply(_ observation: Observation) {
        let key = key(of: observation)
        var value = JSONTextWriter(capacity: 16)
        if let condition = observation.condition {
            var active = conditions[observation.dataItemID] ?? [:]
            switch condition.level {
            case .normal, .unavailable:
                if let code = condition.nativeCode, condition.level == .normal { active[code] = nil } else { active = [:] }
            case .warning, .fault:
                active[condition.nativeCode ?? ""] = ActiveCondition(
                    level: condition.level, text: Self.text(observation), sequence: observation.sequence)
            }
            conditions[observation.dataItemID] = active
            let worst = active.values.max { Self.rank($0.level) < Self.rank($1.level) }?.level
            value.string(condition.level == .unavailable ? "UNAVAILABLE" : (worst ?? .normal).rawValue)
        } else {
            let definition = definitions[observation.dataItemID]
            ObservationValueWriter.write(observation, definition: definition, to: &value)
            if definition?.type == "PROGRAM" {
                if case .text(let text) = observation.value { program = text.isEmpty ? nil : text } else { program = nil }
            }
        }
        values[key] = value.bytes
    }

    private static func text(_ observation: Observation) -> String {
        if case .text(let text) = observation.value { text } else { "" }
    }

    private static func rank(_ level: Observation.ConditionState.Level) -> Int {
        switch level {
        case .fault: 2
        case .warning: 1
        case .normal, .unavailable: 0
        }
    }

    /// `"KEY":value,` for every key with a value, in the probe's order, then the others, then the
    /// summary of the conditions.
    func writeValues(to writer: inout JSONTextWriter) {
        var written = Set<String>()
        for key in keys.ordered + values.keys.sorted() where !written.contains(key) {
            guard let value = values[key] else { continue }
            written.insert(key)
            writer.key(key)
            writer.json(value)
            writer.byte(",")
        }
        let active = conditions.flatMap { item in item.value.map { (code: $0.key, condition: $0.value) } }
        let worst = active.max { (Self.rank($0.condition.level), $0.condition.sequence) < (Self.rank($1.condition.level), $1.condition.sequence) }
        writer.key(DataItemKeys.alarmKeys[0])
        writer.string(worst?.condition.level.rawValue ?? "NORMAL")
        writer.byte(",")
        writer.key(DataItemKeys.alarmKeys[1])
        if let worst, !worst.code.isEmpty { writer.string(worst.code) } else { writer.raw("null") }
        writer.byte(",")
        writer.key(DataItemKeys.alarmKeys[2])
        if let worst, !worst.condition.text.isEmpty { writer.string(worst.condition.text) } else { writer.raw("null") }
        writer.byte(",")
    }
}
