-- stored_at is the moment the row was written, not the start of its batch's transaction:
-- with now() every row of a batch got the same time, which hides how long a message waited.
ALTER TABLE cnc_data ALTER COLUMN stored_at SET DEFAULT clock_timestamp();
