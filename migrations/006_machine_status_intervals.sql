-- How long each machine spent in each status: consecutive messages of a machine with the same
-- status, ordered by the machine's own timestamp (then message_id), form one interval; a change
-- of status ends it and starts the next at the changing message's timestamp. The open interval
-- has ended_at NULL. The sink keeps it up to date in each batch's transaction, recomputing from
-- the batch's earliest message of each machine, so every order of arrival gives the same rows.
CREATE TABLE machine_status_intervals (
    cnc_id       text        NOT NULL,
    started_at   timestamptz NOT NULL,
    started_by   uuid        NOT NULL,  -- the message that started it
    status       text        NOT NULL,
    part_program text        NOT NULL,  -- the part program at its start
    ended_at     timestamptz,
    PRIMARY KEY (cnc_id, started_at, started_by)
);

-- An upgraded database starts complete: the intervals of the rows stored before.
INSERT INTO machine_status_intervals (cnc_id, started_at, started_by, status, part_program, ended_at)
SELECT cnc_id, ts, message_id, status, part_program, lead(ts) OVER (PARTITION BY cnc_id ORDER BY ts, message_id)
FROM (
    SELECT cnc_id, ts, message_id, status, part_program,
           lag(status) OVER (PARTITION BY cnc_id ORDER BY ts, message_id) AS before
    FROM machine_state
) AS rows
WHERE before IS DISTINCT FROM status;
