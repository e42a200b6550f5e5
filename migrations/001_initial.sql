-- The tables the pipeline writes. Every row carries the message's identity (message_id,
-- see docs/wire-format.md), which makes every write idempotent.

-- Every accepted message, as received: the seed's table, with types PostgreSQL can index.
CREATE TABLE cnc_data (
    message_id   uuid        PRIMARY KEY,
    cnc_id       text        NOT NULL,
    cnc_type     text        NOT NULL,
    part_program text        NOT NULL,
    ts           timestamptz NOT NULL,  -- the message's own timestamp
    payload      jsonb       NOT NULL,
    topic        text        NOT NULL,
    received_at  timestamptz NOT NULL,  -- when ingest received it
    stored_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cnc_data_cnc_id_ts ON cnc_data (cnc_id, ts);

-- The same messages mapped by their type's plugin into one typed shape for every machine.
CREATE TABLE machine_state (
    message_id        uuid        PRIMARY KEY,
    cnc_id            text        NOT NULL,
    cnc_type          text        NOT NULL,
    ts                timestamptz NOT NULL,
    part_program      text        NOT NULL,
    status            text        NOT NULL CHECK (status IN ('running', 'idle', 'stopped', 'setup', 'maintenance', 'error')),
    spindle_speed_rpm double precision,
    feed_rate_mm_min  double precision,
    axis_x_mm         double precision,
    axis_y_mm         double precision,
    axis_z_mm         double precision,
    alarm_code        text
);
CREATE INDEX machine_state_cnc_id_ts ON machine_state (cnc_id, ts);

-- Every message the pipeline refused, with the stage and the reason; raw is the bytes as
-- published (which need not be UTF-8).
CREATE TABLE rejected_messages (
    message_id  uuid        PRIMARY KEY,
    rejected_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    stage       text        NOT NULL,
    reason      text        NOT NULL,
    topic       text        NOT NULL,
    cnc_id      text,
    raw         bytea       NOT NULL
);
CREATE INDEX rejected_messages_rejected_at ON rejected_messages (rejected_at);
