-- Write the changed joins found by rejoin_changes.
UPDATE incidents AS i
SET governorate = c.governorate, region = c.region
FROM rejoin_changes AS c
WHERE i.id = c.id
