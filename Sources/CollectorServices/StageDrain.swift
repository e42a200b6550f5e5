/// How a PULL stage finishes after a stop request: it keeps taking input until none has come
/// for `idleMilliseconds` (upstream stages are flushing what they hold), but never longer than
/// `maximumMilliseconds`.
struct StageDrain {
    var idleMilliseconds = 500
    var maximumMilliseconds = 15_000
    private var idleSoFar = 0
    private var drainedSoFar = 0

    init(idleMilliseconds: Int = 500, maximumMilliseconds: Int = 15_000) {
        self.idleMilliseconds = idleMilliseconds
        self.maximumMilliseconds = maximumMilliseconds
    }

    /// Records one wait of `milliseconds` during the drain, and whether it saw input.
    /// Returns true when the stage should stop now.
    mutating func record(waited milliseconds: Int, gotInput: Bool) -> Bool {
        drainedSoFar += milliseconds
        idleSoFar = gotInput ? 0 : idleSoFar + milliseconds
        return idleSoFar >= idleMilliseconds || drainedSoFar >= maximumMilliseconds
    }
}
