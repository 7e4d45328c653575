INSERT INTO reports (external_id, publisher, title, url, language, published_on, published_estimated,
                     period_start, period_end, regions_incomplete, notes)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (external_id) DO UPDATE SET
    publisher = EXCLUDED.publisher, title = EXCLUDED.title, url = EXCLUDED.url,
    language = EXCLUDED.language, published_on = EXCLUDED.published_on,
    published_estimated = EXCLUDED.published_estimated, period_start = EXCLUDED.period_start,
    period_end = EXCLUDED.period_end, regions_incomplete = EXCLUDED.regions_incomplete,
    notes = EXCLUDED.notes, updated_at = now()
RETURNING id, (xmax = 0) AS inserted
