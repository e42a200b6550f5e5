import Metrics
import StageRuntime

/// What the MTConnect source counts (docs/observability.md).
struct MTConnectSourceMetrics {
    /// What became of a request to an agent.
    enum Outcome: String, CaseIterable {
        case ok
        /// No connection, or no answer in time.
        case unreachable
        /// An answer over MES_MTCONNECT_MAX_DOCUMENT_BYTES: a sample is asked again smaller.
        case tooLarge = "too_large"
        /// Not an MTConnect document: malformed, of another content type or another root.
        case unreadable
        /// An error document, other than OUT_OF_RANGE.
        case error
    }

    private let requests = Dictionary(
        uniqueKeysWithValues: Outcome.allCases.map {
            (
                $0,
                Counter(
                    label: MetricHelp.label("cnc.mtconnect.requests.total", help: "Requests to MTConnect agents, by outcome"),
                    dimensions: [("outcome", $0.rawValue)])
            )
        })
    let messages = Counter(label: MetricHelp.label("cnc.mtconnect.messages.total", help: "Messages made from agents' observations and sent on"))
    let gaps = Counter(
        label: MetricHelp.label("cnc.mtconnect.gaps.total", help: "Sequence gaps recorded: an agent restarted or its buffer moved past"))
    let redelivered = Counter(
        label: MetricHelp.label(
            "cnc.mtconnect.redelivered.total", help: "Times observations were fetched again for want of the sink's acknowledgement"))
    let waiting = Gauge(label: MetricHelp.label("cnc.mtconnect.waiting", help: "Messages and events awaiting the sink's acknowledgement"))

    func request(_ outcome: Outcome) {
        requests[outcome]!.increment()
    }
}
