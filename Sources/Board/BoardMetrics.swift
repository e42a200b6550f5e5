import Metrics
import StageRuntime

/// The board's metrics, served with every stage's on `MES_METRICS_LISTEN`.
struct BoardMetrics: Sendable {
    let notifications = Counter(
        label: MetricHelp.label("board_notifications_total", help: "Notifications of new rows the board received from PostgreSQL"))
    let refreshes = Counter(label: MetricHelp.label("board_refreshes_total", help: "Refreshes of the machines' state the board read"))
    let refreshFailures = Counter(label: MetricHelp.label("board_refresh_failures_total", help: "Refreshes that failed"))
    let refreshDuration = Metrics.Timer(label: MetricHelp.label("board_refresh_duration_seconds", help: "Time of one refresh"))
    let streams = Meter(label: MetricHelp.label("board_event_streams", help: "Clients connected to the event stream"))
}
