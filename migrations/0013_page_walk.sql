-- Pages that walk incidents in id order read an index, not the table
-- (issue 19).
--
-- A keyset page walks the primary key until its page is full and tests
-- each row it passes: a filter on where and when (a bbox, a CQL2 polygon,
-- a period) that keeps one row in twenty passes over 20,000 rows for a page
-- of 1,000, and reading each from the table (760 bytes a row at a million)
-- cost 250-300 ms. This index holds, in id order, just what such filters
-- read, so the walk is an index-only scan over a tenth of the bytes; the
-- page then reads its rows from the table by id (sql/page_incidents.sql).
CREATE INDEX incidents_page_walk_idx ON incidents (id)
    INCLUDE (status, date_start, date_end, geom);
