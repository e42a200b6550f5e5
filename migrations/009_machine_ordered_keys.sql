-- One index a table instead of two: the primary keys of cnc_data and machine_state become
-- (cnc_id, ts, message_id), which serves every read by machine and time as the (cnc_id, ts)
-- indexes did, and keeps each message once as (message_id, ts) did: message_id is a hash of the
-- bytes as published, from which cnc_id and ts are read, so one message_id never comes with two
-- machines. Each row now costs one index entry, written next to its machine's newest instead of
-- at a random place (message_id is random), which halves the index work of a stored message.
-- A lookup by message_id alone has no index of its own; give it the machine or the time.
ALTER TABLE cnc_data DROP CONSTRAINT cnc_data_pkey;
DROP INDEX cnc_data_cnc_id_ts;
ALTER TABLE cnc_data ADD PRIMARY KEY (cnc_id, ts, message_id);

ALTER TABLE machine_state DROP CONSTRAINT machine_state_pkey;
DROP INDEX machine_state_cnc_id_ts;
ALTER TABLE machine_state ADD PRIMARY KEY (cnc_id, ts, message_id);
