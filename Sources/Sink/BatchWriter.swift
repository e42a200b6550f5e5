import CollectorCore
import Foundation
import LibPQ
import Logging
import StageRuntime

/// Writes one batch of rows and rejections in one transaction.
///
/// Rows go by binary COPY into temporary staging tables and from there into the real tables
/// with `ON CONFLICT (message_id) DO NOTHING`, so a batch written twice (after a retry whose
/// COMMIT reply was lost) stores each message once. `machine_current` takes each machine's
/// newest state of the batch when it is newer, by the machine's timestamp, than the one it holds.
final class BatchWriter {
    private let connection: PostgresConnection

    init(connection: PostgresConnection) throws {
        self.connection = connection
        // Temporary tables vanish with the connection, so every new connection makes them.
        try connection.execute(
            """
            CREATE TEMP TABLE staging_cnc_data (LIKE cnc_data INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
            CREATE TEMP TABLE staging_machine_state (LIKE machine_state) ON COMMIT DELETE ROWS;
            CREATE TEMP TABLE staging_rejected_messages (LIKE rejected_messages) ON COMMIT DELETE ROWS;
            CREATE TEMP TABLE staging_new_states (cnc_id text, ts timestamptz, message_id uuid) ON COMMIT DELETE ROWS;
            """)
    }

    static let cncDataColumns = "message_id, cnc_id, cnc_type, part_program, ts, payload, topic, received_at"
    static let machineStateColumns =
        "message_id, cnc_id, cnc_type, ts, part_program, status, spindle_speed_rpm, feed_rate_mm_min, axis_x_mm, axis_y_mm, axis_z_mm, "
        + "spindle_load_pct, feed_override_pct, spindle_override_pct, part_count, tool, block, alarm_code, alarm_text, extra, quality, "
        + "unknown_variables"
    static let rejectedColumns = "message_id, rejected_at, received_at, stage, reason, topic, cnc_id, raw"

    /// The status intervals of each machine the batch brought new states of, recomputed from its
    /// earliest new state on: the intervals from there are deleted, the interval before it (its
    /// status is that of every state up to there) is the starting status, and the states from
    /// there, old and new, give the change points. A batch in the machine's order reads only its
    /// own states; a late one reads the states after it.
    static let statusIntervalsUpkeep = """
        DELETE FROM machine_status_intervals i
            USING (SELECT DISTINCT ON (cnc_id) cnc_id, ts, message_id FROM staging_new_states ORDER BY cnc_id, ts, message_id) f
            WHERE i.cnc_id = f.cnc_id AND i.started_at >= f.ts AND (i.started_at, i.started_by) >= (f.ts, f.message_id);
        WITH firsts AS (
            SELECT DISTINCT ON (cnc_id) cnc_id, ts, message_id FROM staging_new_states ORDER BY cnc_id, ts, message_id
        ), before AS (
            -- One index lookup a machine, however many intervals it has.
            SELECT f.cnc_id, i.started_at, i.started_by, i.status
            FROM firsts f CROSS JOIN LATERAL (
                SELECT started_at, started_by, status FROM machine_status_intervals
                WHERE cnc_id = f.cnc_id ORDER BY started_at DESC, started_by DESC LIMIT 1) i
        ), states AS (
            SELECT s.cnc_id, s.ts, s.message_id, s.status, s.part_program,
                   lag(s.status) OVER (PARTITION BY s.cnc_id ORDER BY s.ts, s.message_id) AS previous
            -- ts >= f.ts on its own lets the (cnc_id, ts) index bound the scan; the pair then orders ties.
            FROM machine_state s JOIN firsts f ON s.cnc_id = f.cnc_id AND s.ts >= f.ts AND (s.ts, s.message_id) >= (f.ts, f.message_id)
        ), changes AS (
            SELECT s.cnc_id, s.ts, s.message_id, s.status, s.part_program
            FROM states s LEFT JOIN before b USING (cnc_id)
            WHERE s.status IS DISTINCT FROM coalesce(s.previous, b.status)
        ), added AS (
            INSERT INTO machine_status_intervals (cnc_id, started_at, started_by, status, part_program, ended_at)
            SELECT cnc_id, ts, message_id, status, part_program, lead(ts) OVER (PARTITION BY cnc_id ORDER BY ts, message_id)
            FROM changes
        )
        UPDATE machine_status_intervals i
            SET ended_at = (SELECT min(c.ts) FROM changes c WHERE c.cnc_id = b.cnc_id)
            FROM before b
            WHERE (i.cnc_id, i.started_at, i.started_by) = (b.cnc_id, b.started_at, b.started_by);
        """

    /// Each machine's newest state in the batch, over the one `machine_current` holds when newer
    /// (ties: the greater message_id, so every order of arrival ends the same); then when each
    /// machine was last heard from, older messages included.
    static let machineCurrentUpkeep = """
        INSERT INTO machine_current (\(machineStateColumns), last_heard_at)
            SELECT DISTINCT ON (s.cnc_id) \(machineStateColumns.split(separator: ",").map { "s." + $0.trimmingCharacters(in: .whitespaces) }
                .joined(separator: ", ")), d.received_at
            FROM staging_machine_state s JOIN staging_cnc_data d USING (message_id)
            ORDER BY s.cnc_id, s.ts DESC, s.message_id DESC
        ON CONFLICT (cnc_id) DO UPDATE SET \(machineStateColumns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { $0 != "cnc_id" }.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", "))
            WHERE (EXCLUDED.ts, EXCLUDED.message_id) > (machine_current.ts, machine_current.message_id);
        UPDATE machine_current c SET last_heard_at = h.heard
            FROM (SELECT cnc_id, max(received_at) AS heard FROM staging_cnc_data GROUP BY cnc_id) h
            WHERE c.cnc_id = h.cnc_id AND h.heard > c.last_heard_at;
        """

    /// A round trip that fails when the connection is gone.
    func ping() throws(PostgresError) {
        _ = try connection.execute("SELECT 1")
    }

    func write(records: [StoredRecord], rejections: [Rejection]) throws(PostgresError) {
        do throws(PostgresError) {
            try connection.execute("BEGIN")
            if !records.isEmpty {
                try connection.copyIn("COPY staging_cnc_data (\(Self.cncDataColumns)) FROM STDIN (FORMAT binary)", data: Self.encodeCNCData(records))
                try connection.copyIn(
                    "COPY staging_machine_state (\(Self.machineStateColumns)) FROM STDIN (FORMAT binary)", data: Self.encodeMachineState(records))
                try connection.execute(
                    """
                    INSERT INTO cnc_data (\(Self.cncDataColumns))
                        SELECT \(Self.cncDataColumns) FROM staging_cnc_data ON CONFLICT (message_id) DO NOTHING;
                    WITH inserted AS (
                        INSERT INTO machine_state (\(Self.machineStateColumns))
                            SELECT \(Self.machineStateColumns) FROM staging_machine_state ON CONFLICT (message_id) DO NOTHING
                            RETURNING cnc_id, ts, message_id)
                    INSERT INTO staging_new_states SELECT cnc_id, ts, message_id FROM inserted;
                    \(Self.machineCurrentUpkeep)
                    \(Self.statusIntervalsUpkeep)
                    """)
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
                    WHERE rejected_messages.replayed_at IS NOT NULL
                    """)
            }
            try connection.execute("COMMIT")
        } catch {
            if error.kind == .statement { _ = try? connection.execute("ROLLBACK") }
            throw error
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
