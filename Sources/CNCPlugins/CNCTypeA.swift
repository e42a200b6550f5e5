import CollectorCore

/// A three-axis machining centre (the seed's `CNCTypeA`, machine CNC001).
///
/// Its controller reports a fixed set of variables, so the plugin is strict: a variable it does
/// not know means a changed controller configuration, which someone should look at before the
/// data is trusted.
public struct CNCTypeA: CNCPlugin {
    public static let typeName = "CNCTypeA"

    static let statuses: [String: MachineState.Status] = [
        "running": .running, "idle": .idle, "stopped": .stopped, "setup": .setup, "error": .error,
    ]

    public init() {}

    public func machineState(for message: CNCMessage, payload: JSONObject) throws(PluginRejection) -> MachineState {
        var variables = PayloadReader(payload)
        let status = try variables.status("status", values: Self.statuses)
        let spindle = try variables.number("spin", in: 0...24_000, unit: "rpm", integer: true)
        let x = try variables.number("X-Axis", in: -1_000...1_000, unit: "mm")
        let y = try variables.number("Y-Axis", in: -1_000...1_000, unit: "mm")
        let z = try variables.number("Z-Axis", in: -600...600, unit: "mm", required: false)
        let feed = try variables.number("feed", in: 0...20_000, unit: "mm/min", required: false)
        try variables.rejectUnknownVariables()
        return MachineState(
            status: status, spindleSpeedRPM: spindle, feedRateMMPerMinute: feed, axisXMillimetres: x, axisYMillimetres: y, axisZMillimetres: z)
    }
}
