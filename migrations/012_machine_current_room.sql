-- machine_current is a row a machine, and the sink rewrites every row it holds in each batch.
-- On a full page an update cannot stay on its row's page (a HOT update): it writes the new
-- version elsewhere and leaves a dead one, in the table and in its index, that only a vacuum
-- (once a minute at best) takes away. At full speed on 500 machines the table grew to 40 MB for
-- 500 live rows between vacuums, and every read of it, the sink's and the board's, walked those
-- pages. With four fifths of each page free, updates stay on their page, PostgreSQL prunes the
-- dead versions as it reads the page, and the table stays near 2 MB.
ALTER TABLE machine_current SET (fillfactor = 20);

-- An upgraded database's table, rewritten with that room on each page.
CLUSTER machine_current USING machine_current_pkey;
