import Synchronization

/// Set by the signal task, taken by the router thread.
final class ReloadFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    func set() { flag.store(true, ordering: .releasing) }

    func take() -> Bool { flag.exchange(false, ordering: .acquiringAndReleasing) }
}
