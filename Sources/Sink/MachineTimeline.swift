import CollectorCore

/// What the sink derives from the states for an MES, kept in each batch's transaction:
/// `machine_current`, `machine_status_intervals` (offline ones included) and
/// `machine_parts_made`. Every order of arrival gives the same rows, because each machine the
/// batch brought states of is recomputed from the state before its earliest new one.
///
/// Offline: a gap longer than the type's `offline_after` between two states of a machine, by the
/// machine's own timestamps, is an `offline` interval from the earlier state's time plus the
/// threshold to the later state; so is a Sparkplug death (`machine_events`), from its time.
/// The machine's clock decides because both ends are its stamps: the result does not depend on
/// when the messages arrived, so a broker outage or a journal replay shows no machine offline
/// that was not. A machine silent right now has no later stamp;
/// only the collector's clock can tell its silence has lasted, so `offlineSweep` opens its
/// offline interval when ingest last heard it (`last_heard_at`) longer ago than the threshold,
/// at the same place on the machine's time axis: its last state's time plus the threshold.
struct MachineTimeline {
    /// MES_OFFLINE_AFTER_S: the threshold of a type `machine_types` does not list.
    let defaultOfflineAfterSeconds: Int

    private var offlineAfter: String { "coalesce(t.offline_after, interval '\(defaultOfflineAfterSeconds) seconds')" }

    /// The batch's messages that were not stored before, with when ingest received them.
    static let newStateColumns = "cnc_id, ts, message_id, received_at"

    static let temporaryTables = """
        CREATE TEMP TABLE staging_new_states (cnc_id text, ts timestamptz, message_id uuid, received_at timestamptz) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE staging_anchors (cnc_id text, ts timestamptz, message_id uuid) ON COMMIT DELETE ROWS;
        """

    /// The statements that bring the MES tables up to date with a batch, in order, one each.
    var upkeep: [String] { Self.currentUpkeep + intervalsAndPartsUpkeep }

    /// Each machine's newest new state in the batch, over the one `machine_current` holds when
    /// newer (ties: the greater message_id, so every order of arrival ends the same); then when
    /// each machine was last heard from, older messages included. The upsert locks each machine's row
    /// until the batch commits, even when it changes nothing: two sinks writing one machine take
    /// turns, so each recomputes its intervals from what the other committed.
    static let currentUpkeep = [
        """
        INSERT INTO machine_current (\(BatchWriter.machineStateColumns), last_heard_at)
            SELECT \(BatchWriter.machineStateColumnList.map { "s." + $0 }.joined(separator: ", ")), n.received_at
            FROM (SELECT DISTINCT ON (cnc_id) * FROM staging_new_states ORDER BY cnc_id, ts DESC, message_id DESC) n
            -- A lookup by the primary key, in one day's partition, for each machine's newest state (LIMIT keeps
            -- the planner from joining every stored state instead).
            CROSS JOIN LATERAL (SELECT * FROM machine_state WHERE cnc_id = n.cnc_id AND ts = n.ts AND message_id = n.message_id LIMIT 1) s
        ON CONFLICT (cnc_id) DO UPDATE SET \(BatchWriter.machineStateColumnList.filter { $0 != "cnc_id" }.map { "\($0) = EXCLUDED.\($0)" }
            .joined(separator: ", "))
            WHERE (EXCLUDED.ts, EXCLUDED.message_id) > (machine_current.ts, machine_current.message_id)
        """,
        """
        UPDATE machine_current c SET last_heard_at = h.heard
            FROM (SELECT cnc_id, max(received_at) AS heard FROM staging_new_states GROUP BY cnc_id) h
            WHERE c.cnc_id = h.cnc_id AND h.heard > c.last_heard_at
        """,
    ]

    /// What an interval can be: a machine status, `offline` included (a state's own, or after
    /// silence or a death). Each interval carries the time its machine spent in each before it
    /// started (`running_before`, ...), so that availability over a period reads two intervals a
    /// machine, one at each end.
    static let intervalStatuses = MachineState.Status.allCases.map(\.rawValue)
    private static var timeBeforeColumns: String { intervalStatuses.map { "\($0)_before" }.joined(separator: ", ") }

    /// SQL: the time the machine of `interval` (an alias of a `machine_status_intervals` row,
    /// possibly NULL) had spent in `status` by `point`, a moment within that interval.
    private static func time(in status: String, of interval: String, by point: String) -> String {
        "coalesce(\(interval).\(status)_before, interval '0') "
            + "+ CASE WHEN \(interval).status = '\(status)' THEN \(point) - \(interval).started_at ELSE interval '0' END"
    }

    /// The intervals and parts of each machine with new states (`staging_new_states`),
    /// recomputed from its anchor: the newest state stored before its earliest new one (or that
    /// one, for a machine's first). What started after the anchor is deleted; the interval left
    /// last is the one in force at the anchor; the states from the anchor on, old and new, with
    /// an `offline` mark in every gap longer than the threshold, give the change points. A batch
    /// in the machine's order reads only the anchor and its own states; a late one reads the
    /// states after it too. Every read goes a machine at a time (LATERAL, kept apart by LIMIT or
    /// OFFSET), so that the day partitions and index ranges before the anchor are never read,
    /// and every delete and update finds its rows by the ctid read: the sink prepares these
    /// statements once, and their plans must not depend on how full the tables were then.
    var intervalsAndPartsUpkeep: [String] {
        [
            """
            INSERT INTO staging_anchors (cnc_id, ts, message_id)
                SELECT f.cnc_id, coalesce(p.ts, f.ts), coalesce(p.message_id, f.message_id)
                FROM (SELECT DISTINCT ON (cnc_id) cnc_id, ts, message_id FROM staging_new_states ORDER BY cnc_id, ts, message_id) f
                LEFT JOIN LATERAL (
                    -- ts <= f.ts on its own lets the (cnc_id, ts) index bound the scan; the pair then orders ties.
                    SELECT s.ts, s.message_id FROM machine_state s
                    WHERE s.cnc_id = f.cnc_id AND s.ts <= f.ts AND (s.ts, s.message_id) < (f.ts, f.message_id)
                    ORDER BY s.ts DESC, s.message_id DESC LIMIT 1) p ON true
            """,
            """
            DELETE FROM machine_status_intervals
                WHERE ctid = ANY (ARRAY(
                    SELECT x.ctid FROM staging_anchors a CROSS JOIN LATERAL (
                        SELECT ctid FROM machine_status_intervals
                        WHERE cnc_id = a.cnc_id AND started_at >= a.ts AND (started_at, started_by) >= (a.ts, a.message_id) OFFSET 0) x))
            """,
            """
            DELETE FROM machine_parts_made
                WHERE ctid = ANY (ARRAY(
                    SELECT x.ctid FROM staging_anchors a CROSS JOIN LATERAL (
                        SELECT ctid FROM machine_parts_made
                        WHERE cnc_id = a.cnc_id AND ts >= a.ts AND (ts, message_id) > (a.ts, a.message_id) OFFSET 0) x))
            """,
            """
            WITH before AS (
                -- One index lookup a machine, however many intervals it has.
                SELECT a.cnc_id, i.*
                FROM staging_anchors a CROSS JOIN LATERAL (
                    SELECT ctid, started_at, started_by, status, \(Self.timeBeforeColumns) FROM machine_status_intervals
                    WHERE cnc_id = a.cnc_id ORDER BY started_at DESC, started_by DESC LIMIT 1) i
            ), parts_before AS (
                SELECT a.cnc_id, p.parts_total
                FROM staging_anchors a CROSS JOIN LATERAL (
                    SELECT parts_total FROM machine_parts_made WHERE cnc_id = a.cnc_id ORDER BY ts DESC, message_id DESC LIMIT 1) p
            ), states AS (
                SELECT s.cnc_id, s.ts, s.message_id, s.status, s.part_program, s.part_count, \(offlineAfter) AS offline_after,
                       lead(s.ts) OVER machine AS next_ts, lag(s.part_count) OVER machine AS previous_count
                FROM staging_anchors a CROSS JOIN LATERAL (
                    SELECT * FROM machine_state WHERE cnc_id = a.cnc_id AND ts >= a.ts AND (ts, message_id) >= (a.ts, a.message_id) OFFSET 0) s
                LEFT JOIN machine_types t ON t.cnc_type = s.cnc_type
                WINDOW machine AS (PARTITION BY s.cnc_id ORDER BY s.ts, s.message_id)
            ), deaths AS (
                -- A Sparkplug death (machine_events) is offline from its time, whatever the threshold.
                SELECT a.cnc_id, d.at, d.event_id
                FROM staging_anchors a CROSS JOIN LATERAL (
                    SELECT at, event_id FROM machine_events WHERE cnc_id = a.cnc_id AND at >= a.ts AND event = 'death' OFFSET 0) d
            ), marked AS (
                SELECT cnc_id, ts, message_id, status, part_program FROM states
                UNION ALL
                SELECT cnc_id, ts + offline_after, message_id, 'offline', part_program FROM states WHERE next_ts - ts > offline_after
                UNION ALL
                SELECT cnc_id, at, event_id, 'offline', NULL FROM deaths
            ), changes AS (
                SELECT m.cnc_id, m.ts, m.message_id, m.status, m.part_program,
                       lead(m.ts) OVER machine AS ended_at, min(m.ts) OVER (PARTITION BY m.cnc_id) AS first_change
                FROM (SELECT *, lag(status) OVER (PARTITION BY cnc_id ORDER BY ts, message_id) AS previous FROM marked) m
                LEFT JOIN before b USING (cnc_id)
                WHERE m.status IS DISTINCT FROM coalesce(m.previous, b.status)
                WINDOW machine AS (PARTITION BY m.cnc_id ORDER BY m.ts, m.message_id)
            ), parts AS (
                INSERT INTO machine_parts_made (cnc_id, ts, message_id, parts, parts_total, part_program)
                SELECT m.cnc_id, m.ts, m.message_id, m.parts,
                       coalesce(p.parts_total, 0) + sum(m.parts) OVER (PARTITION BY m.cnc_id ORDER BY m.ts, m.message_id), m.part_program
                FROM (
                    SELECT cnc_id, ts, message_id, part_program,
                           CASE WHEN part_count > previous_count THEN part_count - previous_count ELSE part_count END AS parts
                    FROM states WHERE part_count <> previous_count AND part_count > 0) m
                LEFT JOIN parts_before p USING (cnc_id)
            ), added AS (
                INSERT INTO machine_status_intervals (cnc_id, started_at, started_by, status, part_program, ended_at, \(Self.timeBeforeColumns))
                SELECT c.cnc_id, c.ts, c.message_id, c.status, c.part_program, c.ended_at,
                       \(Self.intervalStatuses.map { status in
                       // The time in the status by the first change, and in the new intervals before this one.
                       Self.time(in: status, of: "b", by: "c.first_change")
                           + " + coalesce(sum(c.ended_at - c.ts) FILTER (WHERE c.status = '\(status)') OVER earlier, interval '0')"
                   }.joined(separator: ",\n           "))
                FROM changes c LEFT JOIN before b USING (cnc_id)
                WINDOW earlier AS (PARTITION BY c.cnc_id ORDER BY c.ts, c.message_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
            )
            -- The interval in force at the anchor ends at the machine's first change, or stays open.
            -- ctid = ANY (...) says the same as the join on ctid, but only it gives the plan,
            -- made once, a TID scan rather than a scan of every interval.
            UPDATE machine_status_intervals i
                SET ended_at = f.first_change
                FROM before b LEFT JOIN (SELECT DISTINCT cnc_id, first_change FROM changes) f USING (cnc_id)
                WHERE i.ctid = ANY (ARRAY(SELECT ctid FROM before)) AND i.ctid = b.ctid
            """,
        ]
    }

    /// Opens an offline interval for every machine heard from longer ago than its threshold,
    /// ending its open interval there; then counts the machines offline. Whatever it opens is
    /// after the machine's newest state, so the next state of the machine recomputes it. A
    /// machine whose `machine_current` row a batch holds (another sink's, uncommitted) is left to
    /// the next round: its batch may end the silence.
    var offlineSweep: String {
        """
        WITH silent AS (
            SELECT c.cnc_id, c.ts + \(offlineAfter) AS offline_at, c.message_id, c.part_program
            FROM machine_current c LEFT JOIN machine_types t USING (cnc_type)
            WHERE c.last_heard_at < now() - \(offlineAfter)
            FOR UPDATE OF c SKIP LOCKED
        )\(Self.openOffline);
        SELECT count(*) FROM machine_status_intervals WHERE ended_at IS NULL AND status = 'offline';
        """
    }

    /// Stores the batch's machine events from `staging_machine_events`, each once, and makes the
    /// machine of each new death offline from the death's time: an edge node that died is
    /// offline now, not after the silence threshold.
    static let storeEvents = """
        WITH stored AS (
            INSERT INTO machine_events (\(eventColumns))
            SELECT DISTINCT ON (event_id) \(eventColumns) FROM staging_machine_events
            ON CONFLICT (event_id) DO NOTHING
            RETURNING cnc_id, event, at
        ), silent AS (
            SELECT DISTINCT ON (c.cnc_id) c.cnc_id, d.at AS offline_at, c.message_id, c.part_program
            FROM stored d JOIN machine_current c USING (cnc_id)
            WHERE d.event = 'death'
            ORDER BY c.cnc_id, d.at
        )\(openOffline);
        TRUNCATE staging_machine_events;
        """

    static let eventColumns = "event_id, cnc_id, event, at, topic, detail"

    /// After a CTE `silent (cnc_id, offline_at, message_id, part_program)`: opens an offline
    /// interval for each from `offline_at`, ending its open interval there, and notifies the board.
    private static let openOffline = """
        , opened AS (
            INSERT INTO machine_status_intervals (cnc_id, started_at, started_by, status, part_program, \(timeBeforeColumns))
            SELECT s.cnc_id, s.offline_at, s.message_id, 'offline', s.part_program,
                   \(intervalStatuses.map { time(in: $0, of: "o", by: "s.offline_at") }.joined(separator: ",\n           "))
            FROM silent s JOIN machine_status_intervals o ON o.cnc_id = s.cnc_id AND o.ended_at IS NULL AND o.status <> 'offline'
            WHERE s.offline_at > o.started_at
            ON CONFLICT DO NOTHING
            RETURNING cnc_id, started_at
        )
        , ended AS (
            UPDATE machine_status_intervals i SET ended_at = o.started_at
                FROM opened o
                WHERE i.cnc_id = o.cnc_id AND i.ended_at IS NULL
            RETURNING i.cnc_id
        )
        SELECT pg_notify('\(StoreNotifications.machinesChanged)', '') FROM (SELECT 1 FROM ended LIMIT 1) AS any_ended
        """
}
