package postgis

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/risk"
	"github.com/lib/pq"
)

var (
	_ risk.ScoreStore  = (*Store)(nil)
	_ risk.LatestStore = (*Store)(nil)
)

var (
	sqlRiskScores         = query("risk_scores")
	sqlLatestIncidentDate = query("latest_incident_date")
)

// LatestIncidentDate is the start date of the latest incident held, zero
// when there is none.
func (s *Store) LatestIncidentDate(ctx context.Context) (time.Time, error) {
	var d sql.NullTime
	if err := s.scanOne(ctx, []any{&d}, sqlLatestIncidentDate); err != nil {
		return time.Time{}, fmt.Errorf("latest incident date: %w", err)
	}
	if !d.Valid {
		return time.Time{}, nil
	}
	return calendarDay(d.Time), nil
}

// RiskScores scores the risk grid over the Badia regions in SQL: the cells of
// ST_HexagonGrid that intersect them, each summing the incidents f selects
// within the cutoff (ST_DWithin on the sphere) and the window.
func (s *Store) RiskScores(ctx context.Context, p risk.Params, day time.Time, f geo.IncidentFilter) ([]risk.CellScore, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	q, args, err := bind(sqlRiskScores, f,
		p.CellSize, risk.Day(day).Format(geo.DateLayout), p.WindowDays, p.CutoffMetres(), p.SigmaMetres(), p.HalfLifeDays,
		p.Weights.TruffleGatherers, p.Weights.Explosive, p.Weights.Civilians, p.Weights.Other,
		pq.StringArray(risk.ExplosiveSubEventTypes), pq.StringArray(risk.CivilianEventTypes), p.InjuredWeight,
		geo.GeoExact, risk.MaxScoredPrecision, risk.ScoreUnit)
	if err != nil {
		return nil, fmt.Errorf("risk scores: %w", err)
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("risk scores: %w", err)
	}
	defer rows.Close()
	var out []risk.CellScore
	for rows.Next() {
		var c risk.CellScore
		var n, left int64
		if err := rows.Scan(&c.ID.I, &c.ID.J, &n, &c.Score, &left); err != nil {
			return nil, fmt.Errorf("risk scores: %w", err)
		}
		c.Incidents, c.LeftOut = int(n), int(left)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("risk scores: %w", err)
	}
	return out, nil
}
