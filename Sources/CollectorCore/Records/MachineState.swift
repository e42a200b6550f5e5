/// The normalised operating state that every machine type maps its machine's variables into:
/// one typed, query-friendly row per message in `machine_state`, whatever the CNC type.
///
/// What a type cannot vouch for is kept and marked, never dropped: a value outside its plausible
/// range is stored with the check it failed in `quality`; a variable the type does not know is
/// named in `unknownVariables` and stays in the raw payload.
public struct MachineState: Sendable, Equatable {
    /// What the machine is doing, as its type maps it; the raw value is what is stored and sent.
    public enum Status: String, Sendable, CaseIterable {
        case running
        case idle
        case stopped
        case setup
        case maintenance
        case error
        /// The machine says it is not there: its controller is off, or its MTConnect agent calls
        /// it UNAVAILABLE. Offline from this state on, at once, as after silence.
        case offline
        /// A status text the type does not map; `quality` names its variable (`status:VARIABLE`).
        case unknown
    }

    /// The operating status.
    public var status: Status
    /// Spindle speed, revolutions per minute.
    public var spindleSpeedRPM: Double?
    /// Feed rate, millimetres per minute.
    public var feedRateMMPerMinute: Double?
    /// X axis position, millimetres.
    public var axisXMillimetres: Double?
    /// Y axis position, millimetres.
    public var axisYMillimetres: Double?
    /// Z axis position, millimetres.
    public var axisZMillimetres: Double?
    /// Spindle load in percent of its rating.
    public var spindleLoadPercent: Double?
    /// The operator's feed and spindle overrides, in percent (100 is as programmed).
    public var feedOverridePercent: Double?
    /// The operator's spindle override, in percent (100 is as programmed).
    public var spindleOverridePercent: Double?
    /// The controller's part counter.
    public var partCount: Int64?
    /// The active tool, as the controller names it.
    public var tool: String?
    /// The block (line, sequence number) of the part program being run.
    public var block: String?
    /// A machine alarm or error code, when the machine reports one.
    public var alarmCode: String?
    /// The alarm's text, when the machine reports one.
    public var alarmText: String?
    /// Further variables the type keeps typed, by the names its description gives them.
    public var extra: JSONObject
    /// The plausibility checks this message failed, e.g. `range:X-Axis`; empty when none.
    public var quality: [String]
    /// Payload variables the type does not know: drift, counted and listed, kept in `cnc_data`.
    public var unknownVariables: [String]

    /// A state of `status` and whatever else the type read; what is not passed is absent (nil or empty).
    public init(
        status: Status, spindleSpeedRPM: Double? = nil, feedRateMMPerMinute: Double? = nil, axisXMillimetres: Double? = nil,
        axisYMillimetres: Double? = nil, axisZMillimetres: Double? = nil, spindleLoadPercent: Double? = nil,
        feedOverridePercent: Double? = nil, spindleOverridePercent: Double? = nil, partCount: Int64? = nil, tool: String? = nil,
        block: String? = nil, alarmCode: String? = nil, alarmText: String? = nil, extra: JSONObject = JSONObject(), quality: [String] = [],
        unknownVariables: [String] = []
    ) {
        self.status = status
        self.spindleSpeedRPM = spindleSpeedRPM
        self.feedRateMMPerMinute = feedRateMMPerMinute
        self.axisXMillimetres = axisXMillimetres
        self.axisYMillimetres = axisYMillimetres
        self.axisZMillimetres = axisZMillimetres
        self.spindleLoadPercent = spindleLoadPercent
        self.feedOverridePercent = feedOverridePercent
        self.spindleOverridePercent = spindleOverridePercent
        self.partCount = partCount
        self.tool = tool
        self.block = block
        self.alarmCode = alarmCode
        self.alarmText = alarmText
        self.extra = extra
        self.quality = quality
        self.unknownVariables = unknownVariables
    }
}
