package postgis

import (
	"context"
	"fmt"

	"github.com/badiamap/badiamap/geo"
)

var sqlRemoveIncidents = query("remove_incidents")

// RemoveIncidents deletes every incident f matches, in one transaction that
// bumps the data version when it removes any.
func (s *Store) RemoveIncidents(ctx context.Context, f geo.IncidentFilter, a *geo.AuditEntry) (int, error) {
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
	if n == 0 && a == nil {
		return 0, nil
	}
	if err := auditWrite(ctx, tx, a, func(a geo.AuditEntry) (geo.AuditEntry, error) { return geo.RemovalAudit(a, n) }); err != nil {
		return 0, fmt.Errorf("remove incidents: %w", err)
	}
	var v int64
	if n > 0 {
		if v, err = commitWrite(ctx, tx, cs, true); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("remove incidents: %w", err)
	}
	if v > 0 {
		s.heard(v)
	}
	return n, nil
}
