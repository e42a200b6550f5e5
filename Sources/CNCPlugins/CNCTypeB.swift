import CollectorCore

/// A turning centre (the seed's `CNCTypeB`, machine CNC002).
///
/// Its controllers come in firmware versions that spell states differently ("RUN", "running",
/// "ALARM") and add diagnostic variables over time, so the plugin normalises the status,
/// carries an alarm code when there is one, and ignores variables it does not use (they stay in
/// `cnc_data.payload`).
public struct CNCTypeB: CNCPlugin {
    public static let typeName = "CNCTypeB"

    static let statuses: [String: MachineState.Status] = [
        "running": .running, "run": .running, "idle": .idle, "ready": .idle, "stopped": .stopped, "stop": .stopped,
        "setup": .setup, "maintenance": .maintenance, "error": .error, "alarm": .error,
    ]

    public init() {}

    public func machineState(for message: CNCMessage, payload: JSONObject) throws(PluginRejection) -> MachineState {
        var variables = PayloadReader(payload)
        let status = try variables.status("status", values: Self.statuses, caseInsensitive: true)
        let spindle = try variables.number("spin", in: 0...6_000, unit: "rpm")
        let x = try variables.number("X-Axis", in: -400...400, unit: "mm")
        let y = try variables.number("Y-Axis", in: -200...200, unit: "mm")
        let z = try variables.number("Z-Axis", in: -1_500...1_500, unit: "mm", required: false)
        let feed = try variables.number("feed", in: 0...10_000, unit: "mm/min", required: false)
        let alarm = try variables.string("alarm", maxLength: 64, required: false)
        if status == .running && spindle == 0 {
            throw PluginRejection("status \"running\" with the spindle at 0 rpm: the controller reports an impossible state")
        }
        return MachineState(
            status: status, spindleSpeedRPM: spindle, feedRateMMPerMinute: feed, axisXMillimetres: x, axisYMillimetres: y, axisZMillimetres: z,
            alarmCode: alarm.flatMap { $0.isEmpty ? nil : $0 })
    }
}
