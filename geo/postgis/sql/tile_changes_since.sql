-- The data version and, in the same snapshot, every tile noted by the
-- writes after version $1 up to it (none when no write came after).
SELECT d.version, c.version, c.z, c.x, c.y
FROM data_version AS d
LEFT JOIN tile_changes AS c ON c.version > $1::bigint AND c.version <= d.version
ORDER BY c.version
