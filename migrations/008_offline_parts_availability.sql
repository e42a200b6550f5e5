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

-- How long the machine had spent in each status before an interval started, since its first
-- stored state: the time in a status over any period is then the difference of two lookups, one
-- at each end, however many intervals lie between (machine_availability).
ALTER TABLE machine_status_intervals
    ADD COLUMN running_before interval NOT NULL DEFAULT interval '0',
    ADD COLUMN idle_before interval NOT NULL DEFAULT interval '0',
    ADD COLUMN stopped_before interval NOT NULL DEFAULT interval '0',
    ADD COLUMN setup_before interval NOT NULL DEFAULT interval '0',
    ADD COLUMN maintenance_before interval NOT NULL DEFAULT interval '0',
    ADD COLUMN error_before interval NOT NULL DEFAULT interval '0',
    ADD COLUMN unknown_before interval NOT NULL DEFAULT interval '0',
    ADD COLUMN offline_before interval NOT NULL DEFAULT interval '0';

-- Parts made: each state whose part counter rose over the state before it (by the machine's
-- order), with how many. A counter that fell was reset, and its new value counts as made since.
-- The sink keeps it with the intervals, recomputed from the same point, so every order of
-- arrival gives the same rows.
CREATE TABLE machine_parts_made (
    cnc_id       text        NOT NULL,
    ts           timestamptz NOT NULL,
    message_id   uuid        NOT NULL,
    parts        bigint      NOT NULL CHECK (parts > 0),
    parts_total  bigint      NOT NULL,  -- the machine's parts up to this one, since its first stored state
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
    INSERT INTO machine_status_intervals (cnc_id, started_at, started_by, status, part_program, ended_at, running_before, idle_before, stopped_before, setup_before, maintenance_before, error_before, unknown_before, offline_before)
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
    ), spans AS (
        SELECT *, lead(ts) OVER (PARTITION BY cnc_id ORDER BY ts, message_id) AS ended_at FROM changes
    )
    SELECT cnc_id, ts, message_id, status, part_program, ended_at,
           coalesce(sum(ended_at - ts) FILTER (WHERE status = 'running') OVER earlier, interval '0'),
           coalesce(sum(ended_at - ts) FILTER (WHERE status = 'idle') OVER earlier, interval '0'),
           coalesce(sum(ended_at - ts) FILTER (WHERE status = 'stopped') OVER earlier, interval '0'),
           coalesce(sum(ended_at - ts) FILTER (WHERE status = 'setup') OVER earlier, interval '0'),
           coalesce(sum(ended_at - ts) FILTER (WHERE status = 'maintenance') OVER earlier, interval '0'),
           coalesce(sum(ended_at - ts) FILTER (WHERE status = 'error') OVER earlier, interval '0'),
           coalesce(sum(ended_at - ts) FILTER (WHERE status = 'unknown') OVER earlier, interval '0'),
           coalesce(sum(ended_at - ts) FILTER (WHERE status = 'offline') OVER earlier, interval '0')
    FROM spans
    WINDOW earlier AS (PARTITION BY cnc_id ORDER BY ts, message_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING);
    INSERT INTO machine_parts_made (cnc_id, ts, message_id, parts, parts_total, part_program)
    SELECT cnc_id, ts, message_id, parts, sum(parts) OVER (PARTITION BY cnc_id ORDER BY ts, message_id), part_program
    FROM (
        SELECT cnc_id, ts, message_id, part_program, CASE WHEN part_count > previous THEN part_count - previous ELSE part_count END AS parts
        FROM (
            SELECT cnc_id, ts, message_id, part_count, part_program,
                   lag(part_count) OVER (PARTITION BY cnc_id ORDER BY ts, message_id) AS previous
            FROM machine_state
        ) AS counted
        WHERE part_count <> previous AND part_count > 0
    ) AS made;
$$;

-- An upgraded database starts complete: the history stored before, with offline intervals by the
-- default threshold (the sink's MES_OFFLINE_AFTER_S default). A plant whose types give other
-- thresholds runs `SELECT rebuild_machine_timeline(...)` again once the sink has connected and
-- written them to machine_types.
SELECT rebuild_machine_timeline(interval '60 seconds');

-- One machine's intervals over [from_ts, to_ts), cut to it: the one in force at from_ts and those
-- that start within, found by two index range scans however long its history. An open interval
-- lasts until now.
CREATE FUNCTION machine_intervals_between(machine text, from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (status text, started_at timestamptz, ended_at timestamptz, part_program text, seconds double precision, open boolean)
LANGUAGE sql STABLE SET jit = off AS $$
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
-- machine whose newest state has no part counter. Each period costs two index lookups a machine
-- in the intervals and two in the parts, at its ends, whatever lies between: the intervals carry
-- the time spent in each status before them, and the parts their running total.
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
LANGUAGE sql STABLE SET jit = off AS $$
    WITH bounds AS (
        -- The periods' ends: from_ts, each step after it, and to_ts.
        SELECT at, lead(at) OVER (ORDER BY at) AS next_at FROM (
            SELECT least(p, to_ts) AS at
            FROM generate_series(from_ts, to_ts + coalesce(step, to_ts - from_ts), coalesce(step, to_ts - from_ts)) AS p
            WHERE p - coalesce(step, to_ts - from_ts) < to_ts) AS ends
    ), totals AS (
        -- Each machine at each end: the time in each status and the parts up to it.
        SELECT m.cnc_id, m.part_count IS NOT NULL AS counts_parts, b.at, b.next_at,
               coalesce(i.running_before, interval '0') + CASE WHEN i.status = 'running' THEN i.elapsed ELSE interval '0' END AS running,
               coalesce(i.idle_before, interval '0') + CASE WHEN i.status = 'idle' THEN i.elapsed ELSE interval '0' END AS idle,
               coalesce(i.stopped_before, interval '0') + CASE WHEN i.status = 'stopped' THEN i.elapsed ELSE interval '0' END AS stopped,
               coalesce(i.setup_before, interval '0') + CASE WHEN i.status = 'setup' THEN i.elapsed ELSE interval '0' END AS setup,
               coalesce(i.maintenance_before, interval '0') + CASE WHEN i.status = 'maintenance' THEN i.elapsed ELSE interval '0' END AS maintenance,
               coalesce(i.error_before, interval '0') + CASE WHEN i.status = 'error' THEN i.elapsed ELSE interval '0' END AS error,
               coalesce(i.unknown_before, interval '0') + CASE WHEN i.status = 'unknown' THEN i.elapsed ELSE interval '0' END AS unknown,
               coalesce(i.offline_before, interval '0') + CASE WHEN i.status = 'offline' THEN i.elapsed ELSE interval '0' END AS offline,
               coalesce(p.parts_total, 0) AS parts
        FROM machine_current m CROSS JOIN bounds b
        LEFT JOIN LATERAL (
            -- The interval in force at the end, and how much of it had passed by then.
            SELECT x.*, least(b.at, now(), coalesce(x.ended_at, 'infinity')) - x.started_at AS elapsed
            FROM machine_status_intervals x WHERE x.cnc_id = m.cnc_id AND x.started_at <= least(b.at, now())
            ORDER BY x.started_at DESC, x.started_by DESC LIMIT 1) i ON true
        LEFT JOIN LATERAL (
            SELECT x.parts_total FROM machine_parts_made x WHERE x.cnc_id = m.cnc_id AND x.ts < b.at
            ORDER BY x.ts DESC, x.message_id DESC LIMIT 1) p ON true
    ), periods AS (
        SELECT s.cnc_id, s.counts_parts, s.at AS period_start, e.at AS period_end,
               extract(epoch FROM e.running - s.running)::double precision AS running_s,
               extract(epoch FROM e.idle - s.idle)::double precision AS idle_s,
               extract(epoch FROM e.stopped - s.stopped)::double precision AS stopped_s,
               extract(epoch FROM e.setup - s.setup)::double precision AS setup_s,
               extract(epoch FROM e.maintenance - s.maintenance)::double precision AS maintenance_s,
               extract(epoch FROM e.error - s.error)::double precision AS error_s,
               extract(epoch FROM e.unknown - s.unknown)::double precision AS unknown_s,
               extract(epoch FROM e.offline - s.offline)::double precision AS offline_s,
               extract(epoch FROM e.running - s.running + e.idle - s.idle + e.stopped - s.stopped + e.setup - s.setup + e.maintenance - s.maintenance + e.error - s.error + e.unknown - s.unknown + e.offline - s.offline)::double precision AS known_s,
               e.parts - s.parts AS parts
        FROM totals s JOIN totals e ON e.cnc_id = s.cnc_id AND e.at = s.next_at
    )
    SELECT p.cnc_id, p.period_start, p.period_end, p.running_s, p.idle_s, p.stopped_s, p.setup_s, p.maintenance_s, p.error_s, p.unknown_s, p.offline_s, p.known_s,
           p.running_s / p.known_s, CASE WHEN p.counts_parts THEN p.parts END
    FROM periods p
    WHERE p.known_s > 0
    ORDER BY p.cnc_id, p.period_start
$$;
