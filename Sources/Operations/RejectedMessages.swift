import CollectorCore
import LibPQ
import StageRuntime

/// The operator's queries over `rejected_messages`: what was refused and why, and which
/// messages to send through the pipeline again. Every value from the command line travels
/// as a parameter.
public enum RejectedMessages {
    /// Which rejected messages an operator means.
    public struct Filter: Sendable {
        /// Only messages these stages refused (`ingest`, `router`, `worker`, `sink`); empty: every stage.
        public var stages: [String] = []
        /// Only this machine's messages; nil: every machine.
        public var cncID: String?
        /// A piece of the reason, matched without regard to case.
        public var reasonContains: String?
        /// Whether messages already replayed count too; default false.
        public var includeReplayed = false
        /// At most this many rows or messages; default 100, and less than 1 counts as 1.
        public var limit = 100

        /// Every stage and machine, only messages not yet replayed, at most 100.
        public init() {}

        /// The WHERE clause and its parameters.
        func clause() -> (sql: String, parameters: [String?]) {
            var conditions: [String] = [], parameters: [String?] = []
            if !stages.isEmpty {
                parameters.append("{\(stages.joined(separator: ","))}")
                conditions.append("stage = ANY($\(parameters.count)::text[])")
            }
            if let cncID {
                parameters.append(cncID)
                conditions.append("cnc_id = $\(parameters.count)")
            }
            if let reasonContains {
                // ILIKE's own wildcards and escape character, taken literally.
                let literal = reasonContains.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
                parameters.append("%\(literal)%")
                conditions.append("reason ILIKE $\(parameters.count)")
            }
            if !includeReplayed { conditions.append("replayed_at IS NULL") }
            return (conditions.isEmpty ? "TRUE" : conditions.joined(separator: " AND "), parameters)
        }
    }

    /// Counts by stage and reason, most frequent first: stage, reason, messages, last, replayed.
    public static func summary(_ connection: PostgresConnection, _ filter: Filter) throws(PostgresError) -> [[String?]] {
        let (clause, parameters) = filter.clause()
        return try connection.execute(
            """
            SELECT stage, reason, count(*)::text, to_char(max(rejected_at), 'YYYY-MM-DD HH24:MI:SS'), count(replayed_at)::text
            FROM rejected_messages WHERE \(clause)
            GROUP BY stage, reason ORDER BY count(*) DESC, stage, reason LIMIT \(max(1, filter.limit))
            """, parameters: parameters)
    }

    /// The latest rejected messages: rejected_at, stage, cnc_id, reason, replayed_at, message_id.
    public static func latest(_ connection: PostgresConnection, _ filter: Filter) throws(PostgresError) -> [[String?]] {
        let (clause, parameters) = filter.clause()
        return try connection.execute(
            """
            SELECT to_char(rejected_at, 'YYYY-MM-DD HH24:MI:SS'), stage, coalesce(cnc_id, ''), reason,
                   coalesce(to_char(replayed_at, 'YYYY-MM-DD HH24:MI:SS'), ''), message_id::text
            FROM rejected_messages WHERE \(clause)
            ORDER BY rejected_at DESC LIMIT \(max(1, filter.limit))
            """, parameters: parameters)
    }

    /// A message to send again: its id, topic and bytes as published.
    public struct Candidate: Sendable {
        /// The `message_id`, as PostgreSQL prints a uuid.
        public var id: String
        /// The topic it was published on; never empty (a message with none is no candidate).
        public var topic: String
        /// The whole message as published (a message cut to a prefix is no candidate).
        public var raw: [UInt8]
    }

    /// The oldest matching messages that can be replayed; a message cut to a prefix (too large
    /// when it came) cannot.
    public static func candidates(_ connection: PostgresConnection, _ filter: Filter) throws(PostgresError) -> [Candidate] {
        let (clause, parameters) = filter.clause()
        let rows = try connection.execute(
            """
            SELECT message_id::text, topic, encode(raw, 'hex') FROM rejected_messages
            WHERE \(clause) AND topic <> '' AND reason NOT LIKE 'message too large:%'
            ORDER BY rejected_at LIMIT \(max(1, filter.limit))
            """, parameters: parameters)
        return rows.map { row in
            Candidate(id: row[0] ?? "", topic: row[1] ?? "", raw: hexBytes(row[2] ?? ""))
        }
    }

    /// Marks messages as replayed now, or (`replayed: false`) takes the mark back; returns how
    /// many rows changed.
    public static func mark(_ connection: PostgresConnection, ids: [String], replayed: Bool = true) throws(PostgresError) -> Int {
        guard !ids.isEmpty else { return 0 }
        let rows = try connection.execute(
            "WITH marked AS (UPDATE rejected_messages SET replayed_at = \(replayed ? "now()" : "NULL") WHERE message_id = ANY($1::uuid[]) "
                + "RETURNING 1) SELECT count(*)::text FROM marked",
            parameters: ["{\(ids.joined(separator: ","))}"]
        )
        return Int(rows.first?.first.flatMap { $0 } ?? "0") ?? 0
    }

    /// The bytes of lowercase hex digits, as PostgreSQL's `encode(_, 'hex')` writes them.
    static func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var high: UInt8?
        for character in hex.utf8 {
            let nibble: UInt8 = character >= 97 ? character - 87 : character - 48
            if let value = high {
                bytes.append(value << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }
}
