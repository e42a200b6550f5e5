import Synchronization

/// What `/healthz` and `/readyz` report: whether this process's stage loop runs, and whether it
/// has what it needs (ingest its broker, the sink its database, router and workers their
/// sockets). The stage thread sets it; the metrics server's thread reads it.
public final class StageHealth: Sendable {
    /// The one stage of this process.
    public static let process = StageHealth()

    private let alive = Atomic<Bool>(false)
    private let ready = Atomic<Bool>(false)

    /// Neither alive nor ready.
    public init() {}

    /// The stage's loop is running.
    public var isAlive: Bool { alive.load(ordering: .acquiring) }

    /// The loop runs and is connected to what it needs.
    public var isReady: Bool { isAlive && ready.load(ordering: .acquiring) }

    /// Set by the stage's thread as it starts and ends; ending also ends readiness.
    public func setAlive(_ value: Bool) {
        alive.store(value, ordering: .releasing)
        if !value { setReady(false) }
    }

    /// Set by the stage's loop as it gains or loses what it needs.
    public func setReady(_ value: Bool) {
        ready.store(value, ordering: .releasing)
    }
}
