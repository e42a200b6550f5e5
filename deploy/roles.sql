-- deploy/roles.sql: the login roles of the board and the sink, each a member of a group role
-- that a migration gives its grants (and finds made here, when the migrations run later):
--   cnc_board, a member of cnc_reader (migrations/011_board.sql): may only read;
--   cnc_sink, a member of cnc_writer (migrations/013_least_privilege.sql): may read and write the
--   rows of the collector's tables and make and drop day partitions through the owner's
--   functions, but not change the schema.
-- The board and the sink must connect as these, never as the owner, who runs the migrations
-- (`mesctl migrate`) before the sink starts.
--
-- deploy/docker-compose.yml mounts it in /docker-entrypoint-initdb.d: PostgreSQL runs it once,
-- as POSTGRES_USER, when it makes a new data volume. For a volume made before, run it by hand:
--   docker compose -f deploy/docker-compose.yml exec -T postgres psql -U cnc -d cnc < deploy/roles.sql
-- scripts/run-local.sh runs it too (its cluster trusts loopback: the passwords are not asked).
-- Running it again changes nothing. The passwords are the ones MES_BOARD_DATABASE_URL and the
-- sink's DATABASE_URL give in deploy/docker-compose.yml: change both together
-- (ALTER ROLE cnc_board PASSWORD '...' for a role made before).
DO $$
DECLARE
    login text[];
BEGIN
    FOREACH login SLICE 1 IN ARRAY ARRAY[['cnc_board', 'cnc_reader'], ['cnc_sink', 'cnc_writer']] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = login[2]) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', login[2]);
        END IF;
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = login[1]) THEN
            EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I', login[1], login[1], login[2]);
        END IF;
    END LOOP;
END
$$;
-- A login role made by hand without its membership gains it; one that has it stays as it is.
SET client_min_messages = warning;
GRANT cnc_reader TO cnc_board;
GRANT cnc_writer TO cnc_sink;
