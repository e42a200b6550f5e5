-- cnc_data and machine_state grow by every message, so they are partitioned by day of the
-- machine's timestamp (UTC): a query over a period reads only its days, and retention drops
-- whole days (MES_RETENTION_DAYS) instead of deleting rows.
--
-- Idempotent writes need a unique key, and a partitioned table's unique keys must include the
-- partition key: the key is (message_id, ts). It is as strict as message_id alone, because ts is
-- part of the message: message_id is a hash of the bytes as published (docs/wire-format.md),
-- timestamp included, so the same message always has the same ts, lands in the same partition,
-- and meets its first copy there.
--
-- Every day a row needs has a partition of its own, made before the row is written: the sink
-- makes today's and the next days' ahead of need, and the day of any row outside them in the
-- batch that brings it. There is no default partition, so that the planner can read a machine's
-- days in order and stop at the first row it needs.

-- The partitions of every partitioned table for each of `days`, made where missing; returns the
-- names it made. Sinks that start together take turns.
CREATE FUNCTION ensure_day_partitions(days date[]) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    day date;
    parent text;
    partition text;
BEGIN
    PERFORM pg_advisory_xact_lock(7346201894352);
    FOR day IN SELECT DISTINCT unnest(days) ORDER BY 1 LOOP
        FOREACH parent IN ARRAY ARRAY['cnc_data', 'machine_state'] LOOP
            partition := parent || '_p' || to_char(day, 'YYYYMMDD');
            IF to_regclass(quote_ident(partition)) IS NULL THEN
                EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                    partition, parent, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
                RETURN NEXT partition;
            END IF;
        END LOOP;
    END LOOP;
END
$$;

-- Drops the day partitions whose whole day ended at or before `cutoff`, so no row younger than
-- the cutoff goes; returns the names it dropped. Only partitions named <table>_pYYYYMMDD, which
-- ensure_day_partitions makes, are ever dropped.
CREATE FUNCTION drop_day_partitions_before(cutoff timestamptz) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    partition text;
BEGIN
    PERFORM pg_advisory_xact_lock(7346201894352);
    FOR partition IN
        SELECT c.relname FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname IN ('cnc_data', 'machine_state') AND p.relnamespace = c.relnamespace
          AND c.relname ~ ('^' || p.relname || '_p[0-9]{8}$')
          AND (to_date(right(c.relname, 8), 'YYYYMMDD') + 1)::timestamp AT TIME ZONE 'UTC' <= cutoff
        ORDER BY c.relname
    LOOP
        EXECUTE format('DROP TABLE %I', partition);
        RETURN NEXT partition;
    END LOOP;
END
$$;

-- The tables as they were become the partitioned ones; every row moves into its day.
ALTER TABLE cnc_data RENAME TO cnc_data_unpartitioned;
ALTER INDEX cnc_data_pkey RENAME TO cnc_data_unpartitioned_pkey;
ALTER INDEX cnc_data_cnc_id_ts RENAME TO cnc_data_unpartitioned_cnc_id_ts;
ALTER TABLE machine_state RENAME TO machine_state_unpartitioned;
ALTER INDEX machine_state_pkey RENAME TO machine_state_unpartitioned_pkey;
ALTER INDEX machine_state_cnc_id_ts RENAME TO machine_state_unpartitioned_cnc_id_ts;

CREATE TABLE cnc_data (LIKE cnc_data_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS, PRIMARY KEY (message_id, ts))
    PARTITION BY RANGE (ts);
CREATE INDEX cnc_data_cnc_id_ts ON cnc_data (cnc_id, ts);
CREATE TABLE machine_state (LIKE machine_state_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS, PRIMARY KEY (message_id, ts))
    PARTITION BY RANGE (ts);
CREATE INDEX machine_state_cnc_id_ts ON machine_state (cnc_id, ts);

SELECT count(*) FROM ensure_day_partitions(ARRAY(
    SELECT DISTINCT (ts AT TIME ZONE 'UTC')::date FROM cnc_data_unpartitioned
    UNION SELECT DISTINCT (ts AT TIME ZONE 'UTC')::date FROM machine_state_unpartitioned));
INSERT INTO cnc_data SELECT * FROM cnc_data_unpartitioned;
INSERT INTO machine_state SELECT * FROM machine_state_unpartitioned;
DROP TABLE cnc_data_unpartitioned;
DROP TABLE machine_state_unpartitioned;
