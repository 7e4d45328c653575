-- The start date of the latest incident (NULL when there is none), for the
-- risk model's default reference day (risk.LatestStore); the index on
-- date_start answers it without a scan.
SELECT max(date_start) FROM incidents
