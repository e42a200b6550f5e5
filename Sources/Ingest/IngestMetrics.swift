import CollectorCore
import Metrics
import StageRuntime

/// What ingest counts (docs/observability.md), updated by its thread a round at a time.
struct IngestMetrics {
    let received = Counter(label: MetricHelp.label("cnc.ingest.received.total", help: "Messages read from the broker"))
    let accepted = Counter(label: MetricHelp.label("cnc.ingest.accepted.total", help: "Messages that passed validation"))
    let rejected = RejectionCounters(label: "cnc.ingest.rejected.total", help: "Messages ingest refused, by class of reason")
    let replayed = Counter(label: MetricHelp.label("cnc.ingest.replayed.total", help: "Journal entries sent again at start"))
    let redelivered = Counter(
        label: MetricHelp.label("cnc.ingest.redelivered.total", help: "Messages sent again for want of the sink's acknowledgement"))
    let acknowledged = Counter(label: MetricHelp.label("cnc.ingest.acknowledged.total", help: "Messages the sink acknowledged"))
    let undelivered = Counter(
        label: MetricHelp.label("cnc.ingest.undelivered.total", help: "Messages that could not be handed on; the journal keeps them"))
    let reconnects = Counter(label: MetricHelp.label("cnc.ingest.reconnects.total", help: "Reconnects to the broker after a lost connection"))
    let waiting = Gauge(label: MetricHelp.label("cnc.ingest.journal.waiting", help: "Journaled messages awaiting the sink's acknowledgement"))
    let brokerConnected = Gauge(label: MetricHelp.label("cnc.ingest.broker.connected", help: "1 while connected to the broker"))
    let sparkplugHeld = Counter(
        label: MetricHelp.label("cnc.ingest.sparkplug.held.total", help: "Sparkplug DATA journaled unnamed and held for a birth"))
    let sparkplugWaiting = Gauge(
        label: MetricHelp.label(
            "cnc.ingest.sparkplug.waiting", help: "Sparkplug messages held for a birth or waiting for the missing sequence numbers"))
    let sparkplugEvents = SparkplugEventCounters()

    /// A counter per kind of machine event, made up front.
    struct SparkplugEventCounters {
        private let counters = Dictionary(
            uniqueKeysWithValues: MachineEvent.Kind.allCases.map {
                (
                    $0,
                    Counter(
                        label: MetricHelp.label(
                            "cnc.ingest.sparkplug.events.total", help: "Sparkplug births, deaths, sequence gaps and rebirth requests"),
                        dimensions: [("kind", $0.rawValue)])
                )
            })

        func increment(kind: MachineEvent.Kind) {
            counters[kind]!.increment()
        }
    }
}
