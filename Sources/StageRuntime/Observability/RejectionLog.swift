import CollectorCore
import Logging

/// Logs each rejected message once, with its reason and cnc_id, at most `perSecond` lines a
/// second: under a flood of bad messages the rest are only counted (the metrics have them all)
/// and, once the second is over, one line says how many were left out. The stage's loop calls
/// `reportOmitted()` each turn, so that line comes even when no rejection follows the flood.
/// Owned by one stage thread.
package struct RejectionLog {
    /// Where the lines go.
    package let logger: Logger
    /// The stage each line names.
    package let stage: Stage
    /// The most rejection lines logged per one-second window; default 20.
    package var perSecond = 20
    private var windowStart: UInt64 = 0
    private var logged = 0
    private var omitted = 0

    /// A log of `stage`'s rejections, at most 20 lines a second.
    package init(logger: Logger, stage: Stage) {
        self.logger = logger
        self.stage = stage
    }

    /// Logs one rejection at info level, with `topic` when given; past this second's limit it is only
    /// counted, for the line that says how many were left out.
    package mutating func rejected(cncID: String, reason: String, topic: String? = nil) {
        reportOmitted()
        guard logged < perSecond else {
            omitted += 1
            return
        }
        logged += 1
        var metadata: Logger.Metadata = ["stage": "\(stage.rawValue)", "cnc_id": "\(cncID)", "reason": "\(reason)"]
        if let topic { metadata["topic"] = "\(topic)" }
        logger.info("rejected", metadata: metadata)
    }

    /// Closes the rate window once it is a second old, logging how many rejections it left out;
    /// `force` closes it now (at shutdown).
    package mutating func reportOmitted(now: UInt64 = monotonicMilliseconds(), force: Bool = false) {
        // Wrapping: a clock reading before the window's start closes it rather than trapping.
        guard force || now &- windowStart >= 1_000 else { return }
        if omitted > 0 {
            logger.warning(
                "rejections not logged: more than the log rate limit",
                metadata: ["stage": "\(stage.rawValue)", "omitted": "\(omitted)", "per_second": "\(perSecond)"])
        }
        windowStart = now
        logged = 0
        omitted = 0
    }
}
