/// Bounds on what `MessageValidator` accepts.
public struct ValidationLimits: Sendable, Equatable {
    /// Larger messages are rejected before parsing; in bytes, 65 536 by default.
    public var maxMessageBytes: Int
    /// Deepest nesting of objects and arrays, the message's own object included; 16 by default.
    public var maxDepth: Int
    /// Longest accepted `cnc_id`, in UTF-8 bytes; 64 by default.
    public var maxCNCIDLength: Int
    /// Longest accepted part program, in UTF-8 bytes; 256 by default.
    public var maxPartProgramLength: Int

    /// Limits with the defaults given above for whatever is not passed.
    public init(maxMessageBytes: Int = 65_536, maxDepth: Int = 16, maxCNCIDLength: Int = 64, maxPartProgramLength: Int = 256) {
        self.maxMessageBytes = maxMessageBytes
        self.maxDepth = maxDepth
        self.maxCNCIDLength = maxCNCIDLength
        self.maxPartProgramLength = maxPartProgramLength
    }
}
