-- Write the changed joins found by rejoin_changes.
UPDATE incidents AS i
SET governorate = c.governorate, region = c.region, join_basis = c.join_basis
FROM rejoin_changes AS c
WHERE i.id = c.id
