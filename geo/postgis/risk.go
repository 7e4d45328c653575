package postgis

import (
	"context"
	"fmt"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/risk"
	"github.com/lib/pq"
)

var _ risk.ScoreStore = (*Store)(nil)

var sqlRiskScores = query("risk_scores")

// RiskScores scores the risk grid over the Badia regions in SQL: the cells of
// ST_HexagonGrid that intersect them, each summing the incidents f selects
// within the cutoff (ST_DWithin on the sphere) and the window.
func (s *Store) RiskScores(ctx context.Context, p risk.Params, day time.Time, f geo.IncidentFilter) ([]risk.CellScore, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	args := filterArgs(f)
	args = append(args,
		p.CellSize, risk.Day(day).Format(geo.DateLayout), p.WindowDays, p.CutoffMetres(), p.SigmaMetres(), p.HalfLifeDays,
		p.Weights.TruffleGatherers, p.Weights.Explosive, p.Weights.Civilians, p.Weights.Other,
		pq.StringArray(risk.ExplosiveSubEventTypes), pq.StringArray(risk.CivilianEventTypes), p.InjuredWeight)
	rows, err := s.db.QueryContext(ctx, sqlRiskScores, args...)
	if err != nil {
		return nil, fmt.Errorf("risk scores: %w", err)
	}
	defer rows.Close()
	var out []risk.CellScore
	for rows.Next() {
		var c risk.CellScore
		var n int64
		if err := rows.Scan(&c.ID.I, &c.ID.J, &n, &c.Score); err != nil {
			return nil, fmt.Errorf("risk scores: %w", err)
		}
		c.Incidents = int(n)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("risk scores: %w", err)
	}
	return out, nil
}
