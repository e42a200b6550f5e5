-- Message sources (docs/sources.md). A machine with no program loaded sends none: its rows keep
-- part_program NULL ("no program") instead of being refused.
ALTER TABLE cnc_data ALTER COLUMN part_program DROP NOT NULL;
ALTER TABLE machine_state ALTER COLUMN part_program DROP NOT NULL;
ALTER TABLE machine_current ALTER COLUMN part_program DROP NOT NULL;
ALTER TABLE machine_status_intervals ALTER COLUMN part_program DROP NOT NULL;
ALTER TABLE machine_parts_made ALTER COLUMN part_program DROP NOT NULL;

-- What its source knows of each machine besides its identity, such as its site and line from
-- the levels of its topic ({"site": "hall1", "line": "line2"}): those of the message stored last
-- that had any. An MES groups machines by them.
ALTER TABLE machine_current ADD COLUMN tags jsonb NOT NULL DEFAULT '{}';
