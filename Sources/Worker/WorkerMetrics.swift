import CollectorCore
import Metrics
import StageRuntime

/// What a worker counts (README, Observability), labelled with its machine type.
struct WorkerMetrics {
    let stored: Counter
    let rejected: RejectionCounters
    let undelivered: Counter

    init(type: String) {
        stored = Counter(label: "cnc.worker.stored.total", dimensions: [("cnc_type", type)])
        rejected = RejectionCounters(label: "cnc.worker.rejected.total", dimensions: [("cnc_type", type)])
        undelivered = Counter(label: "cnc.worker.undelivered.total", dimensions: [("cnc_type", type)])
    }
}
