-- The shop-floor board (docs/board.md) reads these tables with a role that can only read, and
-- asks them for shifts, availability by any periods and performance.

-- cnc_reader: SELECT on every table, today's and those made later (day partitions are read
-- through their parent). A deployment makes the board's login role a member of it
-- (CREATE ROLE cnc_board LOGIN PASSWORD '...' IN ROLE cnc_reader). Roles belong to the whole
-- cluster, so a second database finds it made.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cnc_reader') THEN
        IF NOT (SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user) THEN
            RAISE EXCEPTION 'the role cnc_reader is missing and % may not create it', current_user
                USING HINT = 'A superuser runs CREATE ROLE cnc_reader NOLOGIN once; then start the sink again.';
        END IF;
        BEGIN
            CREATE ROLE cnc_reader NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- another database's migration made it at the same moment
        END;
    END IF;
END
$$;
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO cnc_reader', current_schema());
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO cnc_reader', current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO cnc_reader', current_schema());
END
$$;

-- The board's "quality marks in the last hour" and a machine's rejections, without reading
-- every stored message or rejection: only the marked states are indexed.
CREATE INDEX machine_state_marked ON machine_state (ts) WHERE quality <> '{}';
CREATE INDEX rejected_messages_cnc_id ON rejected_messages (cnc_id, rejected_at);

-- How long one part of a program takes at best, in seconds: the plant's own figures. OEE's
-- performance is the ideal time of the parts made over the time running, and only where every
-- part made in a period has its program here.
CREATE TABLE part_program_cycle_times (
    part_program  text             PRIMARY KEY,
    ideal_cycle_s double precision NOT NULL CHECK (ideal_cycle_s > 0)
);

-- The shifts of a calendar that overlap [from_ts, to_ts): each named shift of each day in the
-- plant's time zone, from its start to its end, the next day when it ends at or before its
-- start. Local times are made instants in the zone, so a night across the change of summer time
-- lasts 7 or 9 hours.
CREATE FUNCTION shift_windows(from_ts timestamptz, to_ts timestamptz, time_zone text, names text[], starts time[], ends time[])
RETURNS TABLE (shift text, shift_start timestamptz, shift_end timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT w.shift, w.shift_start, w.shift_end FROM (
        SELECT s.name AS shift,
               (d.day + s.start_at) AT TIME ZONE time_zone AS shift_start,
               (d.day + s.end_at + CASE WHEN s.end_at <= s.start_at THEN interval '1 day' ELSE interval '0' END) AT TIME ZONE time_zone AS shift_end
        FROM generate_series(((from_ts AT TIME ZONE time_zone)::date - 1)::timestamp, (to_ts AT TIME ZONE time_zone)::date::timestamp, interval '1 day') AS d(day)
        CROSS JOIN unnest(names, starts, ends) AS s(name, start_at, end_at)
    ) AS w
    WHERE w.shift_end > from_ts AND w.shift_start < to_ts
    ORDER BY w.shift_start
$$;

-- Availability over any periods [period_starts[i], period_ends[i]) (shifts, hours), for every
-- machine or those named: as machine_availability, plus ideal_running_s, the ideal time of the
-- parts made in the period by part_program_cycle_times, NULL when a part's program has none.
-- Each period costs two index lookups a machine at its ends, and a read of its parts for
-- ideal_running_s.
CREATE FUNCTION machine_availability_periods(period_starts timestamptz[], period_ends timestamptz[], machines text[] DEFAULT NULL)
RETURNS TABLE (
    cnc_id          text,
    period_start    timestamptz,
    period_end      timestamptz,
    running_s       double precision,
    idle_s          double precision,
    stopped_s       double precision,
    setup_s         double precision,
    maintenance_s   double precision,
    error_s         double precision,
    unknown_s       double precision,
    offline_s       double precision,
    known_s         double precision,
    running_share   double precision,
    parts_made      bigint,
    ideal_running_s double precision
)
LANGUAGE sql STABLE SET jit = off AS $$
    WITH periods AS (
        SELECT DISTINCT p.s AS period_start, p.e AS period_end FROM unnest(period_starts, period_ends) AS p(s, e) WHERE p.e > p.s
    ), points AS (
        SELECT period_start AS at FROM periods UNION SELECT period_end FROM periods
    ), chosen AS (
        SELECT m.cnc_id, m.part_count IS NOT NULL AS counts_parts FROM machine_current m WHERE machines IS NULL OR m.cnc_id = ANY (machines)
    ), totals AS (
        -- Each machine at each end: the time in each status and the parts up to it.
        SELECT m.cnc_id, m.counts_parts, b.at,
               coalesce(i.running_before, interval '0') + CASE WHEN i.status = 'running' THEN i.elapsed ELSE interval '0' END AS running,
               coalesce(i.idle_before, interval '0') + CASE WHEN i.status = 'idle' THEN i.elapsed ELSE interval '0' END AS idle,
               coalesce(i.stopped_before, interval '0') + CASE WHEN i.status = 'stopped' THEN i.elapsed ELSE interval '0' END AS stopped,
               coalesce(i.setup_before, interval '0') + CASE WHEN i.status = 'setup' THEN i.elapsed ELSE interval '0' END AS setup,
               coalesce(i.maintenance_before, interval '0') + CASE WHEN i.status = 'maintenance' THEN i.elapsed ELSE interval '0' END AS maintenance,
               coalesce(i.error_before, interval '0') + CASE WHEN i.status = 'error' THEN i.elapsed ELSE interval '0' END AS error,
               coalesce(i.unknown_before, interval '0') + CASE WHEN i.status = 'unknown' THEN i.elapsed ELSE interval '0' END AS unknown,
               coalesce(i.offline_before, interval '0') + CASE WHEN i.status = 'offline' THEN i.elapsed ELSE interval '0' END AS offline,
               coalesce(p.parts_total, 0) AS parts
        FROM chosen m CROSS JOIN points b
        LEFT JOIN LATERAL (
            -- The interval in force at the end, and how much of it had passed by then.
            SELECT x.*, least(b.at, now(), coalesce(x.ended_at, 'infinity')) - x.started_at AS elapsed
            FROM machine_status_intervals x WHERE x.cnc_id = m.cnc_id AND x.started_at <= least(b.at, now())
            ORDER BY x.started_at DESC, x.started_by DESC LIMIT 1) i ON true
        LEFT JOIN LATERAL (
            SELECT x.parts_total FROM machine_parts_made x WHERE x.cnc_id = m.cnc_id AND x.ts < b.at
            ORDER BY x.ts DESC, x.message_id DESC LIMIT 1) p ON true
    ), spans AS (
        SELECT s.cnc_id, s.counts_parts, p.period_start, p.period_end,
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
        FROM periods p JOIN totals s ON s.at = p.period_start JOIN totals e ON e.cnc_id = s.cnc_id AND e.at = p.period_end
    )
    SELECT sp.cnc_id, sp.period_start, sp.period_end, sp.running_s, sp.idle_s, sp.stopped_s, sp.setup_s, sp.maintenance_s, sp.error_s,
           sp.unknown_s, sp.offline_s, sp.known_s, sp.running_s / sp.known_s, CASE WHEN sp.counts_parts THEN sp.parts END,
           (SELECT CASE WHEN count(*) = count(c.ideal_cycle_s) THEN coalesce(sum(x.parts * c.ideal_cycle_s), 0) END
            FROM machine_parts_made x LEFT JOIN part_program_cycle_times c ON c.part_program = x.part_program
            WHERE x.cnc_id = sp.cnc_id AND x.ts >= sp.period_start AND x.ts < sp.period_end)
    FROM spans sp
    WHERE sp.known_s > 0
    ORDER BY sp.cnc_id, sp.period_start
$$;

-- machine_availability keeps its answers, cut from the periods above: one computation of
-- availability.
CREATE OR REPLACE FUNCTION machine_availability(from_ts timestamptz, to_ts timestamptz, step interval DEFAULT NULL)
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
    )
    SELECT a.cnc_id, a.period_start, a.period_end, a.running_s, a.idle_s, a.stopped_s, a.setup_s, a.maintenance_s, a.error_s, a.unknown_s,
           a.offline_s, a.known_s, a.running_share, a.parts_made
    FROM machine_availability_periods(
        ARRAY(SELECT at FROM bounds WHERE next_at IS NOT NULL ORDER BY at),
        ARRAY(SELECT next_at FROM bounds WHERE next_at IS NOT NULL ORDER BY at)) AS a
$$;
