-- 'offline': a machine type may map what a machine says of itself to offline, such as an MTConnect
-- agent's UNAVAILABLE (docs/mtconnect.md). Such a state starts an offline interval at its own time,
-- as silence does after the threshold. NOT VALID skips checking the old rows, which hold only the old values.
ALTER TABLE machine_state DROP CONSTRAINT machine_state_status_check;
ALTER TABLE machine_state ADD CONSTRAINT machine_state_status_check
    CHECK (status IN ('running', 'idle', 'stopped', 'setup', 'maintenance', 'error', 'offline', 'unknown')) NOT VALID;
