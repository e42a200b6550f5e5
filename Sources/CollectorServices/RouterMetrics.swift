import Metrics

/// What the router counts (README, Observability), per machine type where it routes.
struct RouterMetrics {
    let rejected = RejectionCounters(label: "cnc.router.rejected.total")
    private var routed: [String: Counter] = [:]
    private var held: [String: Gauge] = [:]

    /// Makes a type's metrics, when its workers get an outlet.
    mutating func add(type: String) {
        routed[type] = Counter(label: "cnc.router.routed.total", dimensions: [("cnc_type", type)])
        held[type] = Gauge(label: "cnc.router.held", dimensions: [("cnc_type", type)])
    }

    func routed(_ count: Int, type: String) {
        routed[type]?.increment(by: count)
    }

    func held(_ count: Int, type: String) {
        held[type]?.record(count)
    }
}
