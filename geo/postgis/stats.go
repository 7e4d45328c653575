package postgis

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// statsGroups is the whitelist of Stats groupings: the key expression and
// which rows the grouping keeps, both constant SQL (byte order via "C").
var statsGroups = map[geo.GroupBy]struct{ key, keep string }{
	geo.ByRegion:      {`region COLLATE "C"`, `region <> ''`},
	geo.ByGovernorate: {`governorate COLLATE "C"`, `governorate <> ''`},
	geo.ByMonth:       {`to_char(date_start, 'YYYY-MM') COLLATE "C"`, `true`},
	geo.ByWeek:        {`to_char(date_start, 'IYYY-"W"IW') COLLATE "C"`, `true`},
	geo.ByEventType:   {`event_type COLLATE "C"`, `true`},
}

var sqlStats = func() map[geo.GroupBy]string {
	m := map[geo.GroupBy]string{}
	base := query("stats")
	for by, g := range statsGroups {
		m[by] = strings.NewReplacer("/*KEY*/", g.key, "/*KEEP*/", g.keep).Replace(base)
	}
	return m
}()

// Stats aggregates the incidents f matches by group, ordered by key.
func (s *Store) Stats(ctx context.Context, f geo.IncidentFilter, by geo.GroupBy) ([]geo.GroupTotals, error) {
	q, ok := sqlStats[by]
	if !ok {
		return nil, fmt.Errorf("stats: unknown grouping %q (want region, governorate, month, week or event_type)", by)
	}
	rows, err := s.db.QueryContext(ctx, q, filterArgs(f)...)
	if err != nil {
		return nil, fmt.Errorf("stats by %s: %w", by, err)
	}
	defer rows.Close()
	var out []geo.GroupTotals
	for rows.Next() {
		var (
			g           geo.GroupTotals
			c           = &g.Casualties
			first, last time.Time
		)
		dest := append([]any{&g.Key, &g.Operations, &g.Killed}, casualtyDest(c)...)
		if err := rows.Scan(append(dest, &first, &last)...); err != nil {
			return nil, fmt.Errorf("stats by %s: %w", by, err)
		}
		g.FirstDate, g.LastDate = calendarDay(first), calendarDay(last)
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stats by %s: %w", by, err)
	}
	return out, nil
}
