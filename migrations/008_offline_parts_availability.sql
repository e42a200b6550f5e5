-- How long a machine may stay silent before it counts as offline, per type. The sink writes it
-- from the types directory (`offline_after` in a description, else MES_OFFLINE_AFTER_S) when it
-- connects and on SIGHUP; a type not listed here takes the sink's default.
CREATE TABLE machine_types (
    cnc_type      text     PRIMARY KEY,
    offline_after interval NOT NULL CHECK (offline_after > interval '0')
);

-- The open interval of each machine, found without reading its closed ones: the current status
-- of every machine, and the sink's search for machines gone silent.
CREATE INDEX machine_status_intervals_open ON machine_status_intervals (cnc_id) WHERE ended_at IS NULL;

-- Parts made: each state whose part counter rose over the state before it (by the machine's
-- order), with how many. A counter that fell was reset, and its new value counts as made since.
-- The sink keeps it with the intervals, recomputed from the same point, so every order of
-- arrival gives the same rows.
CREATE TABLE machine_parts_made (
    cnc_id       text        NOT NULL,
    ts           timestamptz NOT NULL,
    message_id   uuid        NOT NULL,
    parts        bigint      NOT NULL CHECK (parts > 0),
    part_program text        NOT NULL,
    PRIMARY KEY (cnc_id, ts, message_id)
);

-- The intervals and parts of every machine computed afresh from all its states, as the sink
-- keeps them batch by batch, with each type's threshold from machine_types, else
-- `default_offline_after`. The sink reopens the offline intervals of machines silent now within
-- a second. For history after a change of thresholds, and for an upgraded database; the sink
-- waits while it runs.
CREATE FUNCTION rebuild_machine_timeline(default_offline_after interval) RETURNS void
LANGUAGE sql AS $$
    LOCK TABLE machine_status_intervals, machine_parts_made IN EXCLUSIVE MODE;
    DELETE FROM machine_status_intervals;
    DELETE FROM machine_parts_made;
    INSERT INTO machine_status_intervals (cnc_id, started_at, started_by, status, part_program, ended_at)
    WITH states AS (
        SELECT s.cnc_id, s.ts, s.message_id, s.status, s.part_program, coalesce(t.offline_after, default_offline_after) AS offline_after,
               lead(s.ts) OVER (PARTITION BY s.cnc_id ORDER BY s.ts, s.message_id) AS next_ts
        FROM machine_state s LEFT JOIN machine_types t ON t.cnc_type = s.cnc_type
    ), marked AS (
        SELECT cnc_id, ts, message_id, status, part_program FROM states
        UNION ALL
        SELECT cnc_id, ts + offline_after, message_id, 'offline', part_program FROM states WHERE next_ts - ts > offline_after
    ), changes AS (
        SELECT * FROM (SELECT *, lag(status) OVER (PARTITION BY cnc_id ORDER BY ts, message_id) AS previous FROM marked) m
        WHERE previous IS DISTINCT FROM status
    )
    SELECT cnc_id, ts, message_id, status, part_program, lead(ts) OVER (PARTITION BY cnc_id ORDER BY ts, message_id) FROM changes;
    INSERT INTO machine_parts_made (cnc_id, ts, message_id, parts, part_program)
    SELECT cnc_id, ts, message_id, CASE WHEN part_count > previous THEN part_count - previous ELSE part_count END, part_program
    FROM (
        SELECT cnc_id, ts, message_id, part_count, part_program,
               lag(part_count) OVER (PARTITION BY cnc_id ORDER BY ts, message_id) AS previous
        FROM machine_state
    ) AS counted
    WHERE part_count <> previous AND part_count > 0;
$$;

-- An upgraded database starts complete: the history stored before, with offline intervals by the
-- default threshold (the sink's MES_OFFLINE_AFTER_S default).
SELECT rebuild_machine_timeline(interval '60 seconds');

-- One machine's intervals over [from_ts, to_ts), cut to it: the one in force at from_ts and those
-- that start within, found by two index range scans however long its history. An open interval
-- lasts until now.
CREATE FUNCTION machine_intervals_between(machine text, from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (status text, started_at timestamptz, ended_at timestamptz, part_program text, seconds double precision, open boolean)
LANGUAGE sql STABLE AS $$
    SELECT i.status, greatest(i.started_at, from_ts), least(coalesce(i.ended_at, greatest(now(), i.started_at)), to_ts), i.part_program,
           extract(epoch FROM least(coalesce(i.ended_at, greatest(now(), i.started_at)), to_ts) - greatest(i.started_at, from_ts))::double precision,
           i.ended_at IS NULL
    FROM (
        (SELECT x.status, x.started_at, x.started_by, x.ended_at, x.part_program FROM machine_status_intervals x
         WHERE x.cnc_id = machine AND x.started_at < from_ts ORDER BY x.started_at DESC, x.started_by DESC LIMIT 1)
        UNION ALL
        SELECT x.status, x.started_at, x.started_by, x.ended_at, x.part_program FROM machine_status_intervals x
        WHERE x.cnc_id = machine AND x.started_at >= from_ts AND x.started_at < to_ts
    ) AS i
    WHERE coalesce(i.ended_at, greatest(now(), i.started_at)) > from_ts
    ORDER BY i.started_at, i.started_by
$$;

-- Availability: for each machine and period, the seconds it spent in each status, the share of
-- them running, and the parts it made. The periods are [from_ts, to_ts) cut in steps of `step`
-- (an hour, a day), or one period when step is NULL. Only time the intervals cover counts: before
-- a machine's first message nothing is known, and an open interval lasts until now. Offline
-- time counts in known_s, so an unreachable machine lowers its share. parts_made is NULL for a
-- machine whose newest state has no part counter.
CREATE FUNCTION machine_availability(from_ts timestamptz, to_ts timestamptz, step interval DEFAULT NULL)
RETURNS TABLE (
    cnc_id        text,
    period_start  timestamptz,
    period_end    timestamptz,
    running_s     double precision,
    idle_s        double precision,
    stopped_s     double precision,
    setup_s       double precision,
    maintenance_s double precision,
    error_s       double precision,
    unknown_s     double precision,
    offline_s     double precision,
    known_s       double precision,
    running_share double precision,
    parts_made    bigint
)
LANGUAGE sql STABLE AS $$
    WITH periods AS (
        SELECT p AS period_start, least(p + coalesce(step, to_ts - from_ts), to_ts) AS period_end
        FROM generate_series(from_ts, to_ts - interval '1 microsecond', coalesce(step, to_ts - from_ts)) AS p
    ), intervals AS (
        SELECT m.cnc_id, i.status, i.started_at, i.ended_at
        FROM machine_current m CROSS JOIN LATERAL machine_intervals_between(m.cnc_id, from_ts, to_ts) AS i
    ), spent AS (
        SELECT i.cnc_id, p.period_start, p.period_end, i.status,
               sum(extract(epoch FROM least(i.ended_at, p.period_end) - greatest(i.started_at, p.period_start)))::double precision AS seconds
        FROM intervals i JOIN periods p ON i.started_at < p.period_end AND i.ended_at > p.period_start
        GROUP BY 1, 2, 3, 4
    ), made AS (
        SELECT m.cnc_id, p.period_start, sum(x.parts)::bigint AS parts
        FROM machine_current m
        JOIN machine_parts_made x ON x.cnc_id = m.cnc_id AND x.ts >= from_ts AND x.ts < to_ts
        JOIN periods p ON x.ts >= p.period_start AND x.ts < p.period_end
        GROUP BY 1, 2
    )
    SELECT s.cnc_id, s.period_start, s.period_end,
           coalesce(sum(s.seconds) FILTER (WHERE s.status = 'running'), 0),
           coalesce(sum(s.seconds) FILTER (WHERE s.status = 'idle'), 0),
           coalesce(sum(s.seconds) FILTER (WHERE s.status = 'stopped'), 0),
           coalesce(sum(s.seconds) FILTER (WHERE s.status = 'setup'), 0),
           coalesce(sum(s.seconds) FILTER (WHERE s.status = 'maintenance'), 0),
           coalesce(sum(s.seconds) FILTER (WHERE s.status = 'error'), 0),
           coalesce(sum(s.seconds) FILTER (WHERE s.status = 'unknown'), 0),
           coalesce(sum(s.seconds) FILTER (WHERE s.status = 'offline'), 0),
           sum(s.seconds),
           coalesce(sum(s.seconds) FILTER (WHERE s.status = 'running'), 0) / nullif(sum(s.seconds), 0),
           CASE WHEN c.part_count IS NOT NULL THEN coalesce(max(d.parts), 0) END
    FROM spent s
    JOIN machine_current c ON c.cnc_id = s.cnc_id
    LEFT JOIN made d ON d.cnc_id = s.cnc_id AND d.period_start = s.period_start
    GROUP BY s.cnc_id, s.period_start, s.period_end, c.part_count
    ORDER BY s.cnc_id, s.period_start
$$;
