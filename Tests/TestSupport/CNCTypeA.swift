import CNCPlugins
import CollectorCore

/// The seed's `CNCTypeA` written in Swift, as it was before it became a description
/// (deploy/types/CNCTypeA.yaml): the reference the description must match, message for message.
package struct CNCTypeA: CNCPlugin {
    package static let typeName = "CNCTypeA"

    static let statuses: [String: MachineState.Status] = [
        "running": .running, "idle": .idle, "stopped": .stopped, "setup": .setup, "error": .error,
    ]

    package init() {}

    package func machineState(for message: CNCMessage, payload: JSONObject) throws(PluginRejection) -> MachineState {
        var variables = PayloadReader(payload)
        let status = try variables.status("status", values: Self.statuses)
        let spindle = try variables.number("spin", plausible: 0...24_000, integer: true)
        let x = try variables.number("X-Axis", plausible: -1_000...1_000)
        let y = try variables.number("Y-Axis", plausible: -1_000...1_000)
        let z = try variables.number("Z-Axis", plausible: -600...600, required: false)
        let feed = try variables.number("feed", plausible: 0...20_000, required: false)
        return variables.marked(
            MachineState(
                status: status, spindleSpeedRPM: spindle, feedRateMMPerMinute: feed, axisXMillimetres: x, axisYMillimetres: y,
                axisZMillimetres: z))
    }
}
