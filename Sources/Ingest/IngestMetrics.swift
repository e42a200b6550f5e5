import CollectorCore
import Metrics
import StageRuntime

/// What ingest counts (README, Observability), updated by its thread a round at a time.
struct IngestMetrics {
    let received = Counter(label: "cnc.ingest.received.total")
    let accepted = Counter(label: "cnc.ingest.accepted.total")
    let rejected = RejectionCounters(label: "cnc.ingest.rejected.total")
    let replayed = Counter(label: "cnc.ingest.replayed.total")
    let redelivered = Counter(label: "cnc.ingest.redelivered.total")
    let acknowledged = Counter(label: "cnc.ingest.acknowledged.total")
    let undelivered = Counter(label: "cnc.ingest.undelivered.total")
    let reconnects = Counter(label: "cnc.ingest.reconnects.total")
    /// Messages journaled and handed on that the sink has not yet acknowledged.
    let waiting = Gauge(label: "cnc.ingest.journal.waiting")
    let brokerConnected = Gauge(label: "cnc.ingest.broker.connected")
}
