package postgis

import (
	"context"
	"fmt"

	"github.com/badiamap/badiamap/geo"
)

var sqlRemoveIncidents = query("remove_incidents")

// RemoveIncidents deletes every incident f matches, in one transaction that
// bumps the data version when it removes any.
func (s *Store) RemoveIncidents(ctx context.Context, f geo.IncidentFilter) (int, error) {
	tx, err := s.primary.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("remove incidents: %w", err)
	}
	defer tx.Rollback()
	q, args, err := bind(sqlRemoveIncidents, f)
	if err != nil {
		return 0, fmt.Errorf("remove incidents: %w", err)
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("remove incidents: %w", err)
	}
	cs := geo.NewChangeSet()
	n := 0
	for rows.Next() {
		var x, y float64
		var drawn bool
		if err := rows.Scan(&x, &y, &drawn); err != nil {
			rows.Close()
			return 0, fmt.Errorf("remove incidents: %w", err)
		}
		if drawn {
			cs.Add3857(x, y)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("remove incidents: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	v, err := commitWrite(ctx, tx, cs, true)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("remove incidents: %w", err)
	}
	s.heard(v)
	return int(n), nil
}
