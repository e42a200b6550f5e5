import Synchronization

/// SIGHUP's request to a stage's loop to read its files again (the router's type map, a
/// worker's machine type): set by the signal task, taken by the loop between two messages.
public final class ReloadRequests: Sendable {
    private let requested = Atomic<Bool>(false)

    /// No request pending.
    public init() {}

    /// Asks for a reload; safe from any thread. Requests made before the loop takes one count as one.
    public func request() { requested.store(true, ordering: .releasing) }

    /// True once per request.
    public func take() -> Bool { requested.exchange(false, ordering: .acquiringAndReleasing) }
}
