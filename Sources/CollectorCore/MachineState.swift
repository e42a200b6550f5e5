/// The normalised operating state that every plugin maps its machine's variables into:
/// one typed, query-friendly row per message in `machine_state`, whatever the CNC type.
public struct MachineState: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case running
        case idle
        case stopped
        case setup
        case maintenance
        case error
    }

    public var status: Status
    public var spindleSpeedRPM: Double?
    public var feedRateMMPerMinute: Double?
    public var axisXMillimetres: Double?
    public var axisYMillimetres: Double?
    public var axisZMillimetres: Double?
    /// A machine alarm or error code, when the machine reports one.
    public var alarmCode: String?

    public init(
        status: Status, spindleSpeedRPM: Double? = nil, feedRateMMPerMinute: Double? = nil, axisXMillimetres: Double? = nil,
        axisYMillimetres: Double? = nil, axisZMillimetres: Double? = nil, alarmCode: String? = nil
    ) {
        self.status = status
        self.spindleSpeedRPM = spindleSpeedRPM
        self.feedRateMMPerMinute = feedRateMMPerMinute
        self.axisXMillimetres = axisXMillimetres
        self.axisYMillimetres = axisYMillimetres
        self.axisZMillimetres = axisZMillimetres
        self.alarmCode = alarmCode
    }
}
