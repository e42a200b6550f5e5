import CollectorCore
import Metrics
import StageRuntime

/// What a worker counts (docs/observability.md), labelled with its machine type.
struct WorkerMetrics {
    let stored: Counter
    let rejected: RejectionCounters
    let undelivered: Counter

    init(type: String) {
        stored = Counter(label: MetricHelp.label("cnc.worker.stored.total", help: "Rows a worker sent to the sink"), dimensions: [("cnc_type", type)])
        rejected = RejectionCounters(
            label: "cnc.worker.rejected.total", help: "Messages the machine type refused, by class of reason", dimensions: [("cnc_type", type)])
        undelivered = Counter(
            label: MetricHelp.label("cnc.worker.undelivered.total", help: "Rows or rejections the sink did not take before shutdown"),
            dimensions: [("cnc_type", type)])
    }
}
