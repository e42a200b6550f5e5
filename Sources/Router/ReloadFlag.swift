import CNCPlugins
import CollectorCore
import Foundation
import Logging
import ServiceLifecycle
import StageRuntime
import Synchronization
import UnixSignals
import ZeroMQ

/// Set by the signal task, taken by the router thread.
final class ReloadFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    func set() { flag.store(true, ordering: .releasing) }

    func take() -> Bool { flag.exchange(false, ordering: .acquiringAndReleasing) }
}
