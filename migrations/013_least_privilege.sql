-- Least privilege: the sink writes as a role that may read and change the rows of these tables
-- and nothing more; the owner of the tables (the role that runs the migrations, `mesctl
-- migrate`) keeps every DDL. A deployment makes the sink's login role a member of cnc_writer
-- (deploy/roles.sql: CREATE ROLE cnc_sink LOGIN PASSWORD '...' IN ROLE cnc_writer).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cnc_writer') THEN
        IF NOT (SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user) THEN
            RAISE EXCEPTION 'the role cnc_writer is missing and % may not create it', current_user
                USING HINT = 'A superuser runs CREATE ROLE cnc_writer NOLOGIN once; then run the migrations again.';
        END IF;
        BEGIN
            CREATE ROLE cnc_writer NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- another database's migration made it at the same moment
        END;
    END IF;
END
$$;

-- Rows only: no TRUNCATE, no REFERENCES, no TRIGGER, no CREATE in the schema. Tables made by
-- later migrations, and the day partitions, get the same by the default privileges (of the
-- owner, who makes them).
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO cnc_writer', current_schema());
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO cnc_writer', current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO cnc_writer', current_schema());
    EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM cnc_writer', current_schema());
END
$$;

-- Making and dropping a day partition needs the ownership of cnc_data and machine_state: the two
-- functions run as their owner (SECURITY DEFINER), so the sink may make today's partitions and
-- apply MES_RETENTION_DAYS without owning anything. Each does only what its body says, by
-- names it builds itself, with the search path fixed so that no object of the caller's is
-- found first; only cnc_writer (and the owner) may call them.
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION ensure_day_partitions(date[]) SECURITY DEFINER SET search_path = %I, pg_temp', current_schema());
    EXECUTE format('ALTER FUNCTION drop_day_partitions_before(timestamptz) SECURITY DEFINER SET search_path = %I, pg_temp', current_schema());
END
$$;
REVOKE EXECUTE ON FUNCTION ensure_day_partitions(date[]), drop_day_partitions_before(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ensure_day_partitions(date[]), drop_day_partitions_before(timestamptz) TO cnc_writer;

-- The record of the migrations is the owner's to write.
REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM cnc_writer;
