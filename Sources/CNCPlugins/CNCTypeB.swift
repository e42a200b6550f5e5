import CollectorCore

/// A turning centre (the seed's `CNCTypeB`, machine CNC002).
///
/// Its controllers come in firmware versions that spell states differently ("RUN", "running",
/// "ALARM") and add diagnostic variables over time, so the plugin normalises the status and
/// carries an alarm code when there is one.
public struct CNCTypeB: CNCPlugin {
    /// The seed's class name for this type, as `cnc_classes.json` gives it.
    public static let typeName = "CNCTypeB"

    static let statuses: [String: MachineState.Status] = [
        "running": .running, "run": .running, "idle": .idle, "ready": .idle, "stopped": .stopped, "stop": .stopped,
        "setup": .setup, "maintenance": .maintenance, "error": .error, "alarm": .error,
    ]

    /// The plugin holds no state: any instance maps as any other.
    public init() {}

    /// Requires `status`, `spin`, `X-Axis` and `Y-Axis` (`Z-Axis`, `feed` and `alarm` are optional), taken as sent in rpm, mm
    /// and mm/min, and marks `running_without_spindle` when a running machine reports its spindle at 0.
    public func machineState(for message: CNCMessage, payload: JSONObject) throws(PluginRejection) -> MachineState {
        var variables = PayloadReader(payload)
        let status = try variables.status("status", values: Self.statuses, caseInsensitive: true)
        let spindle = try variables.number("spin", plausible: 0...6_000)
        let x = try variables.number("X-Axis", plausible: -400...400)
        let y = try variables.number("Y-Axis", plausible: -200...200)
        let z = try variables.number("Z-Axis", plausible: -1_500...1_500, required: false)
        let feed = try variables.number("feed", plausible: 0...10_000, required: false)
        let alarm = try variables.string("alarm", maxLength: 64, required: false)
        // Real controllers report it during rapid moves, tool changes, dwell and probing: kept, marked.
        if status == .running && spindle == 0 { variables.mark("running_without_spindle") }
        return variables.marked(
            MachineState(
                status: status, spindleSpeedRPM: spindle, feedRateMMPerMinute: feed, axisXMillimetres: x, axisYMillimetres: y,
                axisZMillimetres: z, alarmCode: alarm.flatMap { $0.isEmpty ? nil : $0 }))
    }
}
