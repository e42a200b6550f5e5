import CollectorCore
import Foundation
import LibPQ
import Logging
import MessagePublishing
import Mosquitto
import StageRuntime

/// `mesctl replay`: publishes rejected messages to the broker again, on their own topics and
/// with their own bytes, so they go through the whole pipeline once more (after the type map
/// or a plugin was fixed). A message has the same `message_id` however often it is sent, so a
/// replay cannot store anything twice.
///
/// The rows are marked `replayed_at` before anything is sent: a message the pipeline refuses
/// again then clears the mark with its new reason, whichever comes first. If the broker does
/// not take every message, the marks are taken back.
public enum Replay {
    /// What one replay did; a dry run counts only `selected`.
    public struct Outcome: Sendable, CustomStringConvertible {
        /// The messages the filter selected for replay.
        public var selected = 0
        /// The messages the broker acknowledged.
        public var published = 0
        /// The rows marked `replayed_at` and left marked.
        public var marked = 0

        /// One line for the operator: published of selected, and how many marked.
        public var description: String {
            "replayed \(published) of \(selected) rejected messages; \(marked) marked replayed"
        }
    }

    /// Selects `filter`'s candidates, marks them replayed and publishes each at QoS 1 to `broker` (`database` is a libpq
    /// conninfo; `tls` nil for a plain connection); with `dryRun` it only counts them. Blocking. Throws the database's and the
    /// broker's errors, and a `SettingError` when the broker has not acknowledged every message within 30 s; a throw after the
    /// marking takes the marks back first.
    public static func run(
        database: String, broker: MQTTURL, tls: MQTTClient.TLS?, filter: RejectedMessages.Filter, dryRun: Bool, logger: Logger
    ) throws -> Outcome {
        let connection = try PostgresConnection(conninfo: database)
        let candidates = try RejectedMessages.candidates(connection, filter)
        var outcome = Outcome(selected: candidates.count)
        guard !dryRun, !candidates.isEmpty else { return outcome }
        let ids = candidates.map(\.id)
        outcome.marked = try RejectedMessages.mark(connection, ids: ids)
        let stop = StopSignal()
        do {
            let publisher = try BrokerPublisher(broker: broker, clientID: "mesctl-replay-\(getpid())", tls: tls, maxInFlight: 1_000, stop: stop)
            for candidate in candidates {
                try publisher.publish(topic: candidate.topic, payload: candidate.raw, qos: 1, stop: stop)
            }
            let complete = try publisher.drain()
            publisher.disconnect()
            outcome.published = publisher.acknowledged
            if !complete { throw SettingError(reason: "the broker acknowledged \(publisher.acknowledged) of \(publisher.published) messages") }
        } catch {
            // Unmarked, they are selected again next time; one sent twice is still stored once.
            _ = try? RejectedMessages.mark(connection, ids: ids, replayed: false)
            outcome.marked = 0
            logger.error("replay incomplete; no message marked", metadata: ["error": "\(error)"])
            throw error
        }
        return outcome
    }
}
