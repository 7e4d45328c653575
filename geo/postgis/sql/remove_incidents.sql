-- Take out every incident the filter matches (the demo's removal); ids are
-- never drawn again.
DELETE FROM incidents
WHERE /*FILTER*/
