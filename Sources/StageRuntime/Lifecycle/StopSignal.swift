import Synchronization

/// Tells a stage's blocking loop to finish: set from a graceful-shutdown handler (any thread),
/// read by the loop between short waits.
public final class StopSignal: Sendable {
    private let requested = Atomic<Bool>(false)

    /// A signal with no stop requested.
    public init() {}

    /// Asks the loop to finish; safe from any thread, and harmless to repeat.
    public func request() {
        requested.store(true, ordering: .releasing)
    }

    /// Whether a stop has been requested; once true, it stays true.
    public var isRequested: Bool {
        requested.load(ordering: .acquiring)
    }

    /// Sleeps up to `milliseconds` in short steps; returns early (true) once a stop is requested.
    @discardableResult
    public func sleep(milliseconds: Int) -> Bool {
        var left = milliseconds
        while left > 0 && !isRequested {
            let step = min(left, 50)
            usleepMilliseconds(step)
            left -= step
        }
        return isRequested
    }
}
