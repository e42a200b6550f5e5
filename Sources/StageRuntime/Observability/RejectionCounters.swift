import CollectorCore
import Metrics

/// A counter of rejections per `RejectionClass`, made up front: a label of few values, and no
/// metric lookup on the path of a rejected message.
package struct RejectionCounters {
    private let counters: [RejectionClass: Counter]

    /// One counter named `label` per `RejectionClass`, each with `dimensions` and its own `reason`
    /// dimension; `help` is the metric's HELP line.
    package init(label: String, help: String, dimensions: [(String, String)] = []) {
        counters = Dictionary(
            uniqueKeysWithValues: RejectionClass.allCases.map {
                ($0, Counter(label: MetricHelp.label(label, help: help), dimensions: dimensions + [("reason", $0.rawValue)]))
            })
    }

    /// Counts one rejection under its class.
    package func increment(_ rejection: Rejection) {
        increment(stage: rejection.stage, reason: rejection.reason)
    }

    /// Counts `count` rejections for `reason` at `stage`, under their `RejectionClass`.
    package func increment(stage: Stage, reason: String, by count: Int = 1) {
        counters[RejectionClass(stage: stage, reason: reason)]!.increment(by: count)
    }
}
