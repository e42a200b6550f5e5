-- deploy/board-role.sql: the board's login role, a member of cnc_reader, which may only read
-- (migrations/011_board.sql gives cnc_reader SELECT on every table, and finds it made here).
-- The board must connect as this role, never as the sink's.
--
-- deploy/docker-compose.yml mounts it in /docker-entrypoint-initdb.d: PostgreSQL runs it once,
-- as POSTGRES_USER, when it makes a new data volume. For a volume made before, run it by hand:
--   docker compose -f deploy/docker-compose.yml exec -T postgres psql -U cnc -d cnc < deploy/board-role.sql
-- scripts/run-local.sh runs it too (its cluster trusts loopback: the password is not asked).
-- Running it again changes nothing. The password is the one MES_BOARD_DATABASE_URL gives in
-- deploy/docker-compose.yml: change both together (ALTER ROLE cnc_board PASSWORD '...' for a
-- role made before).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cnc_reader') THEN
        CREATE ROLE cnc_reader NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cnc_board') THEN
        CREATE ROLE cnc_board LOGIN PASSWORD 'cnc_board' IN ROLE cnc_reader;
    END IF;
END
$$;
-- A cnc_board made by hand without the membership gains it; one that has it stays as it is.
SET client_min_messages = warning;
GRANT cnc_reader TO cnc_board;
