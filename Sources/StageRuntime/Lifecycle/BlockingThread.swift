import Foundation
import ServiceLifecycle

/// Runs a stage's blocking loop (libmosquitto, libzmq and libpq calls) on a thread of its own,
/// never on the Swift concurrency pool, and turns graceful shutdown and cancellation into a
/// `StopSignal` the loop polls. A stage's thread (`health` set) is what `/healthz` reports.
package enum BlockingThread {
    /// Runs `body` on a new thread named `name` and returns, or throws what `body` threw, once it ends.
    /// Graceful shutdown or cancellation of the calling task requests the `StopSignal`; `body` must poll it to end. `health`
    /// (default `StageHealth.process`) is marked alive while `body` runs; nil leaves health alone.
    package static func run(name: String, health: StageHealth? = .process, _ body: @escaping @Sendable (StopSignal) throws -> Void) async throws {
        let stop = StopSignal()
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let thread = Thread {
                        health?.setAlive(true)
                        defer { health?.setAlive(false) }
                        do {
                            try body(stop)
                            continuation.resume()
                        } catch {
                            continuation.resume(throwing: error)
                        }
                    }
                    thread.name = name
                    thread.start()
                }
            } onCancel: {
                stop.request()
            }
        } onGracefulShutdown: {
            stop.request()
        }
    }
}
