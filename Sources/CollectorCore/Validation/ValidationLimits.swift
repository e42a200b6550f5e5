/// Bounds on what `MessageValidator` accepts.
public struct ValidationLimits: Sendable, Equatable {
    /// Larger messages are rejected before parsing.
    public var maxMessageBytes: Int
    /// Deepest nesting of objects and arrays, the message's own object included.
    public var maxDepth: Int
    public var maxCNCIDLength: Int
    public var maxPartProgramLength: Int

    public init(maxMessageBytes: Int = 65_536, maxDepth: Int = 16, maxCNCIDLength: Int = 64, maxPartProgramLength: Int = 256) {
        self.maxMessageBytes = maxMessageBytes
        self.maxDepth = maxDepth
        self.maxCNCIDLength = maxCNCIDLength
        self.maxPartProgramLength = maxPartProgramLength
    }
}
