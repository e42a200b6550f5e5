import CollectorCore
import Foundation
import LibPQ
import Logging
import StageRuntime
import SystemCalls

/// Writes one batch of rows and rejections in one transaction, and keeps the tables around them.
///
/// Rows go by binary COPY straight into the tables; a batch that meets a message stored
/// already goes instead into temporary staging tables and from there into the real tables with
/// `ON CONFLICT (cnc_id, ts, message_id) DO NOTHING`, so a batch written twice (after a retry whose
/// COMMIT reply was lost) stores each message once. The same transaction makes the day
/// partitions the rows need and brings the MES tables up to date (`MachineTimeline`).
final class BatchWriter {
    private let connection: PostgresConnection
    private let timeline: MachineTimeline
    private var partitions = DayPartitions()

    init(connection: PostgresConnection, timeline: MachineTimeline) throws {
        self.connection = connection
        self.timeline = timeline
        // Temporary tables vanish with the connection, so every new connection makes them. Each
        // commit truncates every ON COMMIT DELETE ROWS table, used or not, at about 0.2 ms a
        // table: the four that only a batch meeting a duplicate, a rejection or a tagged message
        // uses are emptied by that batch instead.
        try connection.execute(
            """
            CREATE TEMP TABLE staging_cnc_data (LIKE cnc_data INCLUDING DEFAULTS);
            CREATE TEMP TABLE staging_machine_state (LIKE machine_state);
            CREATE TEMP TABLE staging_rejected_messages (LIKE rejected_messages);
            CREATE TEMP TABLE staging_machine_tags (cnc_id text, ts timestamptz, message_id uuid, tags jsonb);
            CREATE TEMP TABLE staging_machine_events (LIKE machine_events INCLUDING DEFAULTS);
            \(MachineTimeline.temporaryTables)
            -- The staging tables are never analysed, so the planner's guesses about them can make
            -- a batch's plan look costly enough to compile: compiling costs far more than it saves.
            SET jit = off;
            """)
        let statements = timeline.upkeep
        upkeep = statements.indices.map { "upkeep_\($0)" }
        for (name, statement) in zip(upkeep, statements) { try connection.prepare(name, statement) }
    }

    /// The prepared statements of `MachineTimeline.upkeep`, in order: planning them for every
    /// batch cost about 3 ms, as much as the upkeep itself for a batch of a few hundred rows.
    private let upkeep: [String]

    /// The primary key of `cnc_data` and `machine_state`: unique as `message_id` alone is, since
    /// the id is a hash of the bytes the machine and the time are read from, and in the order
    /// that every read by machine and time wants.
    static let messageKey = "cnc_id, ts, message_id"

    static let cncDataColumns = "message_id, cnc_id, cnc_type, part_program, ts, payload, topic, received_at"
    static let machineStateColumnList = [
        "message_id", "cnc_id", "cnc_type", "ts", "part_program", "status", "spindle_speed_rpm", "feed_rate_mm_min", "axis_x_mm", "axis_y_mm",
        "axis_z_mm", "spindle_load_pct", "feed_override_pct", "spindle_override_pct", "part_count", "tool", "block", "alarm_code", "alarm_text",
        "extra", "quality", "unknown_variables",
    ]
    static let machineStateColumns = machineStateColumnList.joined(separator: ", ")
    static let rejectedColumns = "message_id, rejected_at, received_at, stage, reason, topic, cnc_id, raw"

    /// A round trip that fails when the connection is gone.
    func ping() throws(PostgresError) {
        _ = try connection.execute("SELECT 1")
    }

    /// Makes the day partitions `records` need that this connection has not seen, in a short
    /// transaction of its own before the batch's, so that the batch never holds the parent
    /// tables' exclusive lock; returns the partitions it made.
    func preparePartitions(for records: [StoredRecord]) throws(PostgresError) -> [String] {
        try partitions.ensure(days: Set(records.map { DayPartitions.day(ofMicroseconds: $0.message.timestamp) }), on: connection)
    }

    /// Writes one batch in one transaction; returns the partitions it had to make again.
    @discardableResult
    func write(records: [StoredRecord], rejections: [Rejection], events: [MachineEvent] = []) throws(PostgresError) -> [String] {
        do throws(PostgresError) {
            try writeOnce(records: records, rejections: rejections, events: events)
            return []
        } catch  where error.sqlState == "23514" && error.message.contains("no partition") {
            // Another sink's retention dropped a day this connection knew: make it again, once.
            partitions.forget()
            let made = try preparePartitions(for: records)
            try writeOnce(records: records, rejections: rejections, events: events)
            return made
        }
    }

    /// The batch's statements read the stored tables a machine at a time, by index. The planner
    /// cannot see that: it guesses a thousand rows for every staging table, which is never
    /// analysed, and at such a guess a scan of the whole table looks cheaper than lookups until
    /// the table holds about a hundred thousand rows, so each batch read all of it. Only the
    /// staging tables, which have no index, are still scanned whole.
    static let batchSettings: KeyValuePairs<String, String> = ["enable_seqscan": "off"]

    private func writeOnce(records: [StoredRecord], rejections: [Rejection], events: [MachineEvent]) throws(PostgresError) {
        try connection.transaction(settingLocally: Self.batchSettings) { () throws(PostgresError) in
            if !records.isEmpty {
                try writeRows(of: records)
                for statement in upkeep { try connection.executePrepared(statement) }
                if records.contains(where: { !$0.message.tags.isEmpty }) { try writeTags(of: records) }
                // Delivered once the batch commits: the board reads what changed then.
                try connection.execute("NOTIFY \(StoreNotifications.machinesChanged)")
            }
            if !rejections.isEmpty {
                try connection.copyIn(
                    "COPY staging_rejected_messages (\(Self.rejectedColumns)) FROM STDIN (FORMAT binary)", data: Self.encodeRejections(rejections))
                // A message refused again after `mesctl replay` gets its new reason; any other
                // repeat (a redelivery, a replay of the journal) leaves the row as it is.
                try connection.execute(
                    """
                    INSERT INTO rejected_messages (\(Self.rejectedColumns))
                    SELECT DISTINCT ON (message_id) \(Self.rejectedColumns) FROM staging_rejected_messages
                    ON CONFLICT (message_id) DO UPDATE
                    SET rejected_at = EXCLUDED.rejected_at, stage = EXCLUDED.stage, reason = EXCLUDED.reason, replayed_at = NULL
                    WHERE rejected_messages.replayed_at IS NOT NULL;
                    TRUNCATE staging_rejected_messages;
                    """)
            }
            // After the batch's rows: a death in the batch follows the machine's last data.
            if !events.isEmpty {
                try connection.copyIn(
                    "COPY staging_machine_events (\(MachineTimeline.eventColumns)) FROM STDIN (FORMAT binary)", data: Self.encodeEvents(events))
                try connection.execute(MachineTimeline.storeEvents)
            }
        }
    }

    /// The rows of `records` in `cnc_data` and `machine_state`, and the new ones in
    /// `staging_new_states`. COPY straight into the tables is the cheapest way; a batch that
    /// meets a message stored already (after a redelivery or a replay, or twice in the batch)
    /// is taken back to the savepoint and goes through the staging tables and `ON CONFLICT`.
    private func writeRows(of records: [StoredRecord]) throws(PostgresError) {
        let cncData = Self.encodeCNCData(records), machineState = Self.encodeMachineState(records)
        try connection.execute("SAVEPOINT straight")
        do throws(PostgresError) {
            try connection.copyIn("COPY cnc_data (\(Self.cncDataColumns)) FROM STDIN (FORMAT binary)", data: cncData)
            try connection.copyIn("COPY machine_state (\(Self.machineStateColumns)) FROM STDIN (FORMAT binary)", data: machineState)
            try connection.copyIn(
                "COPY staging_new_states (\(MachineTimeline.newStateColumns)) FROM STDIN (FORMAT binary)", data: Self.encodeNewStates(records))
            try connection.execute("RELEASE SAVEPOINT straight")
        } catch  where error.sqlState == "23505" {
            try connection.execute("ROLLBACK TO SAVEPOINT straight")
            try connection.copyIn("COPY staging_cnc_data (\(Self.cncDataColumns)) FROM STDIN (FORMAT binary)", data: cncData)
            try connection.copyIn("COPY staging_machine_state (\(Self.machineStateColumns)) FROM STDIN (FORMAT binary)", data: machineState)
            // cnc_data and machine_state take the same messages, so cnc_data's new rows are both's.
            try connection.execute(
                """
                WITH inserted AS (
                    INSERT INTO cnc_data (\(Self.cncDataColumns))
                        SELECT \(Self.cncDataColumns) FROM staging_cnc_data ON CONFLICT (\(Self.messageKey)) DO NOTHING
                        RETURNING \(MachineTimeline.newStateColumns))
                INSERT INTO staging_new_states (\(MachineTimeline.newStateColumns)) SELECT \(MachineTimeline.newStateColumns) FROM inserted;
                INSERT INTO machine_state (\(Self.machineStateColumns))
                    SELECT \(Self.machineStateColumns) FROM staging_machine_state ON CONFLICT (\(Self.messageKey)) DO NOTHING;
                TRUNCATE staging_cnc_data, staging_machine_state;
                """)
        }
    }

    /// Each machine's tags, from its newest tagged message of the batch: those of the message
    /// stored last that had any, whatever newer state the machine has from a source without tags.
    private func writeTags(of records: [StoredRecord]) throws(PostgresError) {
        try connection.copyIn(
            "COPY staging_machine_tags (cnc_id, ts, message_id, tags) FROM STDIN (FORMAT binary)", data: Self.encodeMachineTags(records))
        try connection.execute(
            """
            UPDATE machine_current c SET tags = t.tags
                FROM (SELECT DISTINCT ON (cnc_id) * FROM staging_machine_tags ORDER BY cnc_id, ts DESC, message_id DESC) t
                WHERE c.cnc_id = t.cnc_id AND c.tags IS DISTINCT FROM t.tags;
            TRUNCATE staging_machine_tags;
            """)
    }

    /// Makes the partitions of today and the next days; with `retentionDays` above 0, drops the
    /// expired ones. Returns the partitions made and dropped.
    func keepPartitions(retentionDays: Int) throws(PostgresError) -> (made: [String], dropped: [String]) {
        let made = try partitions.ensure(days: DayPartitions.daysAhead(ofMicroseconds: WallClock.nowMicroseconds()), on: connection)
        let dropped = retentionDays > 0 ? try partitions.dropExpired(retentionDays: retentionDays, on: connection) : []
        return (made, dropped)
    }

    /// Opens the offline intervals of machines silent beyond their threshold; returns how many
    /// machines are offline.
    func sweepOffline() throws(PostgresError) -> Int {
        let rows = try connection.execute(timeline.offlineSweep)
        return rows.first?.first.flatMap { $0 }.flatMap { Int($0) } ?? 0
    }

    /// Replaces `machine_types` with the thresholds of the types in force, in seconds.
    func recordMachineTypes(offlineAfterSeconds: [String: Double]) throws(PostgresError) {
        try connection.transaction { () throws(PostgresError) in
            try connection.execute("DELETE FROM machine_types")
            for (type, seconds) in offlineAfterSeconds.sorted(by: { $0.key < $1.key }) {
                try connection.execute(
                    "INSERT INTO machine_types (cnc_type, offline_after) VALUES ($1, make_interval(secs => $2::double precision))",
                    parameters: [type, String(seconds)])
            }
        }
    }

    static func encodeCNCData(_ records: [StoredRecord]) -> [UInt8] {
        var copy = PostgresBinaryCopy()
        for record in records {
            let message = record.message
            copy.beginRow(fields: 8)
            copy.uuid(message.id)
            copy.text(message.cncID)
            copy.text(record.cncType)
            copy.text(message.partProgram)
            copy.timestamptz(unixMicroseconds: message.timestamp)
            copy.jsonb(message.payloadJSON)
            copy.text(message.topic)
            copy.timestamptz(unixMicroseconds: message.receivedAt)
        }
        return copy.finish()
    }

    static func encodeMachineState(_ records: [StoredRecord]) -> [UInt8] {
        var copy = PostgresBinaryCopy()
        for record in records {
            let message = record.message, state = record.state
            copy.beginRow(fields: 22)
            copy.uuid(message.id)
            copy.text(message.cncID)
            copy.text(record.cncType)
            copy.timestamptz(unixMicroseconds: message.timestamp)
            copy.text(message.partProgram)
            copy.text(state.status.rawValue)
            for number in state.wireNumbers { copy.float8(number) }
            copy.int8(state.partCount)
            for text in state.wireTexts { copy.text(text) }
            if state.extra.members.isEmpty {
                copy.null()
            } else {
                copy.jsonb(Array(JSONValue.object(state.extra).serialized().utf8))
            }
            copy.textArray(state.quality)
            copy.textArray(state.unknownVariables)
        }
        return copy.finish()
    }

    static func encodeNewStates(_ records: [StoredRecord]) -> [UInt8] {
        var copy = PostgresBinaryCopy()
        for record in records {
            copy.beginRow(fields: 4)
            copy.text(record.message.cncID)
            copy.timestamptz(unixMicroseconds: record.message.timestamp)
            copy.uuid(record.message.id)
            copy.timestamptz(unixMicroseconds: record.message.receivedAt)
        }
        return copy.finish()
    }

    static func encodeMachineTags(_ records: [StoredRecord]) -> [UInt8] {
        var copy = PostgresBinaryCopy()
        for record in records where !record.message.tags.isEmpty {
            let message = record.message
            copy.beginRow(fields: 4)
            copy.text(message.cncID)
            copy.timestamptz(unixMicroseconds: message.timestamp)
            copy.uuid(message.id)
            let tags = JSONObject(members: message.tags.map { JSONObject.Member(key: $0.name, value: .string($0.value)) })
            copy.jsonb(Array(JSONValue.object(tags).serialized().utf8))
        }
        return copy.finish()
    }

    static func encodeEvents(_ events: [MachineEvent]) -> [UInt8] {
        var copy = PostgresBinaryCopy()
        for event in events {
            copy.beginRow(fields: 6)
            copy.uuid(event.id)
            copy.text(event.cncID)
            copy.text(event.kind.rawValue)
            copy.timestamptz(unixMicroseconds: event.at)
            copy.text(event.topic)
            copy.jsonb(event.detail)
        }
        return copy.finish()
    }

    static func encodeRejections(_ rejections: [Rejection]) -> [UInt8] {
        var copy = PostgresBinaryCopy()
        for rejection in rejections {
            copy.beginRow(fields: 8)
            copy.uuid(rejection.id)
            copy.timestamptz(unixMicroseconds: rejection.rejectedAt)
            copy.timestamptz(unixMicroseconds: rejection.receivedAt)
            copy.text(rejection.stage.rawValue)
            copy.text(rejection.reason)
            copy.text(rejection.topic)
            copy.text(rejection.cncID.isEmpty ? nil : rejection.cncID)
            copy.bytea(rejection.raw)
        }
        return copy.finish()
    }
}
