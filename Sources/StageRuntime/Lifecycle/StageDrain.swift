/// How a PULL stage finishes after a stop request: it keeps taking input until none has come
/// for `idleMilliseconds` (upstream stages are flushing what they hold), but never longer than
/// `maximumMilliseconds`.
package struct StageDrain {
    /// Time without input, in ms, after which the drain is over; default 500.
    package var idleMilliseconds = 500
    /// The longest drain, in ms, however busy the input; default 15 000.
    package var maximumMilliseconds = 15_000
    private var idleSoFar = 0
    private var drainedSoFar = 0

    /// A drain with these limits, in ms.
    package init(idleMilliseconds: Int = 500, maximumMilliseconds: Int = 15_000) {
        self.idleMilliseconds = idleMilliseconds
        self.maximumMilliseconds = maximumMilliseconds
    }

    /// Records one wait of `milliseconds` during the drain, and whether it saw input.
    /// Returns true when the stage should stop now.
    package mutating func record(waited milliseconds: Int, gotInput: Bool) -> Bool {
        drainedSoFar += milliseconds
        idleSoFar = gotInput ? 0 : idleSoFar + milliseconds
        return idleSoFar >= idleMilliseconds || drainedSoFar >= maximumMilliseconds
    }
}

/// A stage loop holds its drain as an optional: nil until a stop is requested.
extension Optional where Wrapped == StageDrain {
    /// Starts the drain once `stop` is requested; call it before the loop's wait.
    package mutating func start(when stop: StopSignal) {
        if stop.isRequested && self == nil { self = StageDrain() }
    }

    /// Records one wait; true when a started drain is over. Always false before the drain starts.
    package mutating func isOver(afterWaiting milliseconds: Int, gotInput: Bool) -> Bool {
        guard var drain = self else { return false }
        defer { self = drain }
        return drain.record(waited: milliseconds, gotInput: gotInput)
    }
}
