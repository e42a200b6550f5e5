-- The current state of every machine: its newest message by the machine's own timestamp, so a
-- late message never overwrites a newer one (ties go to the greater message_id, whatever the
-- order of arrival). The sink keeps it up to date in each batch's transaction. last_heard_at is
-- when ingest last received any message of the machine.
CREATE TABLE machine_current (
    cnc_id               text PRIMARY KEY,
    message_id           uuid             NOT NULL,
    cnc_type             text             NOT NULL,
    ts                   timestamptz      NOT NULL,
    part_program         text             NOT NULL,
    status               text             NOT NULL,
    spindle_speed_rpm    double precision,
    feed_rate_mm_min     double precision,
    axis_x_mm            double precision,
    axis_y_mm            double precision,
    axis_z_mm            double precision,
    spindle_load_pct     double precision,
    feed_override_pct    double precision,
    spindle_override_pct double precision,
    part_count           bigint,
    tool                 text,
    block                text,
    alarm_code           text,
    alarm_text           text,
    extra                jsonb,
    quality              text[]           NOT NULL,
    unknown_variables    text[]           NOT NULL,
    last_heard_at        timestamptz      NOT NULL
);

-- An upgraded database starts complete: each machine's newest stored state.
INSERT INTO machine_current
SELECT DISTINCT ON (s.cnc_id)
       s.cnc_id, s.message_id, s.cnc_type, s.ts, s.part_program, s.status, s.spindle_speed_rpm, s.feed_rate_mm_min,
       s.axis_x_mm, s.axis_y_mm, s.axis_z_mm, s.spindle_load_pct, s.feed_override_pct, s.spindle_override_pct,
       s.part_count, s.tool, s.block, s.alarm_code, s.alarm_text, s.extra, s.quality, s.unknown_variables,
       (SELECT max(d.received_at) FROM cnc_data d WHERE d.cnc_id = s.cnc_id)
FROM machine_state s
ORDER BY s.cnc_id, s.ts DESC, s.message_id DESC;
