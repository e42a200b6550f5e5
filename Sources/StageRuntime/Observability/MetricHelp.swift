import Synchronization

/// The HELP text of each metric, by its swift-metrics label. swift-metrics has no place for it,
/// so a metric is made with its label passed through here (`Counter(label: MetricHelp.label(…,
/// help: …))`), and `HelpfulMetricsFactory` hands the text to the Prometheus registry, which
/// writes it as the metric's `# HELP` line.
package enum MetricHelp {
    private static let texts = Mutex<[String: String]>([:])

    /// `label`, once its help is recorded.
    package static func label(_ label: String, help: String) -> String {
        texts.withLock { $0[label] = help }
        return label
    }

    /// Empty for a metric made without one (a library's): Prometheus then shows no HELP line.
    package static func text(for label: String) -> String {
        texts.withLock { $0[label] } ?? ""
    }
}
