import Metrics

/// The board's metrics, served with every stage's on `MES_METRICS_LISTEN`.
struct BoardMetrics: Sendable {
    let notifications = Counter(label: "board_notifications_total")
    let refreshes = Counter(label: "board_refreshes_total")
    let refreshFailures = Counter(label: "board_refresh_failures_total")
    let refreshDuration = Metrics.Timer(label: "board_refresh_duration_seconds")
    let streams = Meter(label: "board_event_streams")
}
