-- What happened to machines' links rather than to the machines (docs/sparkplug.md): a Sparkplug
-- edge node's births and deaths, the sequence gaps in which its messages were lost, and the
-- rebirths the collector asked for. A gap is "no data", which an MES must not read as idle.
-- A death also makes the machine offline from `at` in machine_status_intervals.
CREATE TABLE machine_events (
    event_id  uuid        PRIMARY KEY,
    cnc_id    text        NOT NULL,
    event     text        NOT NULL CHECK (event IN ('birth', 'death', 'sequence_gap', 'rebirth_requested')),
    at        timestamptz NOT NULL,  -- when the collector received what tells of it
    topic     text        NOT NULL,
    detail    jsonb       NOT NULL DEFAULT '{}',
    stored_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX machine_events_cnc_id_at ON machine_events (cnc_id, at);
