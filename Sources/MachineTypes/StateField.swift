import CollectorCore

/// A field of the typed state (`machine_state`) that a description can map a variable to,
/// named as its column is.
public enum StateField: String, CaseIterable, Sendable {
    case spindleSpeedRPM = "spindle_speed_rpm"
    case feedRateMMPerMinute = "feed_rate_mm_min"
    case axisXMillimetres = "axis_x_mm"
    case axisYMillimetres = "axis_y_mm"
    case axisZMillimetres = "axis_z_mm"
    case spindleLoadPercent = "spindle_load_pct"
    case feedOverridePercent = "feed_override_pct"
    case spindleOverridePercent = "spindle_override_pct"
    case partCount = "part_count"
    case tool
    case block
    case alarmCode = "alarm_code"
    case alarmText = "alarm_text"

    /// What the field measures, which decides the units a description may give it in.
    public var quantity: Quantity {
        switch self {
        case .spindleSpeedRPM: .rotationalSpeed
        case .feedRateMMPerMinute: .feed
        case .axisXMillimetres, .axisYMillimetres, .axisZMillimetres: .length
        case .spindleLoadPercent, .feedOverridePercent, .spindleOverridePercent: .percent
        case .partCount: .count
        case .tool, .block, .alarmCode, .alarmText: .text
        }
    }
}

/// What a field measures, its unit in `machine_state`, and the units a machine may send it in,
/// each with the factor that converts it.
public enum Quantity: Sendable {
    case length
    case rotationalSpeed
    case feed
    case percent
    case count
    case text

    /// The unit `machine_state` stores it in; nil for a count or a text.
    public var storedUnit: String? {
        switch self {
        case .length: "mm"
        case .rotationalSpeed: "rpm"
        case .feed: "mm/min"
        case .percent: "%"
        case .count, .text: nil
        }
    }

    /// Units accepted in a description, to the factor into `storedUnit`.
    public var units: [String: Double] {
        switch self {
        case .length: ["mm": 1, "um": 0.001, "µm": 0.001, "cm": 10, "m": 1_000, "in": 25.4, "inch": 25.4]
        case .rotationalSpeed: ["rpm": 1, "rev/min": 1, "rev/s": 60, "rps": 60, "rad/s": 60 / (2 * Double.pi)]
        case .feed: ["mm/min": 1, "mm/s": 60, "m/min": 1_000, "in/min": 25.4, "inch/min": 25.4, "in/s": 1_524, "inch/s": 1_524]
        case .percent: ["%": 1, "percent": 1, "fraction": 100]
        case .count, .text: [:]
        }
    }
}

extension StateField {
    /// Sets a measured number's property; a switch, since a key path write costs several times
    /// more on the worker's hot path.
    func assign(_ number: Double?, to state: inout MachineState) {
        switch self {
        case .spindleSpeedRPM: state.spindleSpeedRPM = number
        case .feedRateMMPerMinute: state.feedRateMMPerMinute = number
        case .axisXMillimetres: state.axisXMillimetres = number
        case .axisYMillimetres: state.axisYMillimetres = number
        case .axisZMillimetres: state.axisZMillimetres = number
        case .spindleLoadPercent: state.spindleLoadPercent = number
        case .feedOverridePercent: state.feedOverridePercent = number
        case .spindleOverridePercent: state.spindleOverridePercent = number
        case .partCount, .tool, .block, .alarmCode, .alarmText: preconditionFailure("\(self) is not a measured number")
        }
    }

    /// The state's property of a measured number; nil for a count or a text.
    var number: WritableKeyPath<MachineState, Double?>? {
        switch self {
        case .spindleSpeedRPM: \.spindleSpeedRPM
        case .feedRateMMPerMinute: \.feedRateMMPerMinute
        case .axisXMillimetres: \.axisXMillimetres
        case .axisYMillimetres: \.axisYMillimetres
        case .axisZMillimetres: \.axisZMillimetres
        case .spindleLoadPercent: \.spindleLoadPercent
        case .feedOverridePercent: \.feedOverridePercent
        case .spindleOverridePercent: \.spindleOverridePercent
        case .partCount, .tool, .block, .alarmCode, .alarmText: nil
        }
    }

    /// The state's property of a text; nil for a number.
    var text: WritableKeyPath<MachineState, String?>? {
        switch self {
        case .tool: \.tool
        case .block: \.block
        case .alarmCode: \.alarmCode
        case .alarmText: \.alarmText
        default: nil
        }
    }
}

extension MachineState {
    /// A field's value as JSON: for a check's condition, and for showing a row.
    package func value(of field: StateField) -> JSONValue {
        if let number = field.number { return self[keyPath: number].map(JSONValue.number) ?? .null }
        if let text = field.text { return self[keyPath: text].map(JSONValue.string) ?? .null }
        return partCount.map { .number(Double($0)) } ?? .null
    }
}
