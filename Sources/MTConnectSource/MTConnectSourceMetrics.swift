import Metrics
import StageRuntime

/// What the MTConnect source counts (README, Observability).
struct MTConnectSourceMetrics {
    /// Answers by outcome: `ok`, `unreachable` (no connection, no answer in time, too large),
    /// `unreadable` (not an MTConnect document, malformed, of the wrong content type) and
    /// `error` (an error document).
    private let requests = Dictionary(
        uniqueKeysWithValues: ["ok", "unreachable", "unreadable", "error"].map {
            (
                $0,
                Counter(
                    label: MetricHelp.label("cnc.mtconnect.requests.total", help: "Requests to MTConnect agents, by outcome"),
                    dimensions: [("outcome", $0)])
            )
        })
    let messages = Counter(label: MetricHelp.label("cnc.mtconnect.messages.total", help: "Messages made from agents' observations and sent on"))
    let gaps = Counter(
        label: MetricHelp.label("cnc.mtconnect.gaps.total", help: "Sequence gaps recorded: an agent restarted or its buffer moved past"))
    let redelivered = Counter(
        label: MetricHelp.label(
            "cnc.mtconnect.redelivered.total", help: "Times observations were fetched again for want of the sink's acknowledgement"))
    let waiting = Gauge(label: MetricHelp.label("cnc.mtconnect.waiting", help: "Messages and events awaiting the sink's acknowledgement"))

    func request(_ outcome: String) {
        requests[outcome]?.increment()
    }
}
