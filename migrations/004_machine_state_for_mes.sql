-- What an MES needs from a CNC beyond status, spindle and axes, and marks where plugins used to
-- refuse. Every column is nullable or has a constant default, so existing rows are not rewritten:
-- old rows read NULL, or an empty list.
ALTER TABLE machine_state
    ADD COLUMN spindle_load_pct     double precision,
    ADD COLUMN feed_override_pct    double precision,
    ADD COLUMN spindle_override_pct double precision,
    ADD COLUMN part_count           bigint,
    ADD COLUMN tool                 text,
    ADD COLUMN block                text,
    ADD COLUMN alarm_text           text,
    ADD COLUMN extra                jsonb,                   -- further variables a type keeps typed
    ADD COLUMN quality              text[] NOT NULL DEFAULT '{}',  -- checks the message failed
    ADD COLUMN unknown_variables    text[] NOT NULL DEFAULT '{}';  -- payload variables its type does not know

-- 'unknown': a status text the type does not map; its quality mark names the variable. NOT VALID
-- skips checking the old rows, which hold only the old values.
ALTER TABLE machine_state DROP CONSTRAINT machine_state_status_check;
ALTER TABLE machine_state ADD CONSTRAINT machine_state_status_check
    CHECK (status IN ('running', 'idle', 'stopped', 'setup', 'maintenance', 'error', 'unknown')) NOT VALID;
