package postgis

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// statsGroups is the whitelist of Stats groupings: the key expression and
// whether groups split by location class, both constant SQL (byte order
// via "C").
var statsGroups = map[geo.GroupBy]struct{ key, located string }{
	geo.ByRegion:      {`region COLLATE "C"`, `located COLLATE "C"`},
	geo.ByGovernorate: {`governorate COLLATE "C"`, `located COLLATE "C"`},
	geo.ByMonth:       {`to_char(date_start, 'YYYY-MM') COLLATE "C"`, `''`},
	geo.ByWeek:        {`to_char(date_start, 'IYYY-"W"IW') COLLATE "C"`, `''`},
	geo.ByEventType:   {`event_type COLLATE "C"`, `''`},
}

var sqlStats = func() map[geo.GroupBy]string {
	m := map[geo.GroupBy]string{}
	base := query("stats")
	for by, g := range statsGroups {
		m[by] = strings.NewReplacer("/*KEY*/", g.key, "/*LOCATED*/", g.located).Replace(base)
	}
	return m
}()

// Stats aggregates the incidents f matches by group, ordered by key and
// location class.
func (s *Store) Stats(ctx context.Context, f geo.IncidentFilter, by geo.GroupBy) ([]geo.GroupTotals, error) {
	q, ok := sqlStats[by]
	if !ok {
		return nil, fmt.Errorf("stats: unknown grouping %q (want region, governorate, month, week or event_type)", by)
	}
	q, args, err := bind(q, f)
	if err != nil {
		return nil, fmt.Errorf("stats by %s: %w", by, err)
	}
	rows, err := s.query(ctx, q, args...)
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
		var located string
		dest := append([]any{&g.Key, &located, &g.Operations, &g.Killed}, casualtyDest(c)...)
		if err := rows.Scan(append(dest, &first, &last)...); err != nil {
			return nil, fmt.Errorf("stats by %s: %w", by, err)
		}
		g.FirstDate, g.LastDate = calendarDay(first), calendarDay(last)
		g.Located = geo.Located(located)
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stats by %s: %w", by, err)
	}
	return out, nil
}
