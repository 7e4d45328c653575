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
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("remove incidents: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return 0, err
	}
	v, err := bumpDataVersion(ctx, tx)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("remove incidents: %w", err)
	}
	s.heard(v)
	return int(n), nil
}
