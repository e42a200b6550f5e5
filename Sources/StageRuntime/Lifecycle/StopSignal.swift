import Synchronization

/// Tells a stage's blocking loop to finish: set from a graceful-shutdown handler (any thread),
/// read by the loop between short waits.
public final class StopSignal: Sendable {
    private let requested = Atomic<Bool>(false)

    public init() {}

    public func request() {
        requested.store(true, ordering: .releasing)
    }

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
