package risk

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
)

// ScoreStore is a store that scores the grid itself, in its own query
// language (geo/postgis does it in SQL with ST_HexagonGrid and ST_DWithin).
// It must return exactly the cells of NewGrid over its Badia regions, ordered
// by I then J, with the scores Compute gives for the incidents f selects.
type ScoreStore interface {
	RiskScores(ctx context.Context, p Params, day time.Time, f geo.IncidentFilter) ([]CellScore, error)
}

// LoadGrid lays the grid over the Badia regions the store holds.
func LoadGrid(ctx context.Context, store geo.Store, cellSize float64) (*Grid, error) {
	badia, err := store.Regions(ctx, geo.KindBadia)
	if err != nil {
		return nil, fmt.Errorf("read the Badia regions: %w", err)
	}
	return NewGrid(cellSize, badia)
}

// WindowFilter narrows f to what may count on day: the window's dates and,
// when near is given, a box around it widened by the cutoff. The narrowing
// only saves work: Contribution gives 0 to everything it leaves out.
func (p Params) WindowFilter(f geo.IncidentFilter, day time.Time, near *orb.Bound) geo.IncidentFilter {
	day = Day(day)
	from := day.AddDate(0, 0, -(p.WindowDays - 1))
	if f.From.IsZero() || f.From.Before(from) {
		f.From = from
	}
	if f.To.IsZero() || f.To.After(day) {
		f.To = day
	}
	if near != nil {
		b := widen(*near, p.CutoffMetres())
		if f.BBox != nil {
			b = orb.Bound{
				Min: orb.Point{math.Max(b.Min[0], f.BBox.Min[0]), math.Max(b.Min[1], f.BBox.Min[1])},
				Max: orb.Point{math.Min(b.Max[0], f.BBox.Max[0]), math.Min(b.Max[1], f.BBox.Max[1])},
			}
		}
		f.BBox = &b
	}
	return f
}

// widen grows a lon/lat box by at least metres on every side.
func widen(b orb.Bound, metres float64) orb.Bound {
	dLat := metres/sphereRadius*180/math.Pi*1.01 + 1e-6
	maxLat := math.Min(89, math.Max(math.Abs(b.Min[1]), math.Abs(b.Max[1]))+dLat)
	dLon := math.Min(180, dLat/math.Cos(maxLat*math.Pi/180))
	return orb.Bound{Min: orb.Point{b.Min[0] - dLon, b.Min[1] - dLat}, Max: orb.Point{b.Max[0] + dLon, b.Max[1] + dLat}}
}

// Bound is the lon/lat box of the grid's hexagons.
func (g *Grid) Bound() orb.Bound {
	var b orb.Bound
	for k, c := range g.Cells {
		hb := g.Hexagon(c.ID).Bound()
		if k == 0 {
			b = hb
		} else {
			b = b.Union(hb)
		}
	}
	return b
}

// ScanScores scores grid in Go from the incidents the store selects with f,
// streaming them: memory does not grow with their number.
func ScanScores(ctx context.Context, store geo.Store, grid *Grid, p Params, day time.Time, f geo.IncidentFilter) ([]CellScore, error) {
	s := NewScorer(grid, p, day)
	if len(grid.Cells) == 0 {
		return s.Scores(), nil
	}
	b := grid.Bound()
	err := store.ScanIncidents(ctx, p.WindowFilter(f, day, &b), geo.Page{}, func(inc *geo.Incident) error {
		s.Add(inc)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Scores(), nil
}

// Zones is the grid scored for one day.
type Zones struct {
	Day    time.Time
	Params Params
	Grid   *Grid
	Scores []CellScore // one per grid cell, in the grid's order
}

// Level is cell k's level.
func (z *Zones) Level(k int) Level { return z.Params.LevelOf(z.Scores[k].Score) }

// Score scores grid on day with the store's own ScoreStore when it has one,
// else in Go from the incidents it selects. Both give the same scores (the
// tests hold them to it).
func Score(ctx context.Context, store geo.Store, grid *Grid, p Params, day time.Time, f geo.IncidentFilter) (*Zones, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if grid.Size != p.CellSize {
		return nil, fmt.Errorf("risk: grid of cell size %v scored with parameters of cell size %v", grid.Size, p.CellSize)
	}
	day = Day(day)
	var scores []CellScore
	var err error
	if ss, ok := store.(ScoreStore); ok {
		scores, err = ss.RiskScores(ctx, p, day, f)
		if err == nil {
			scores, err = alignScores(grid, scores)
		}
	} else {
		scores, err = ScanScores(ctx, store, grid, p, day, f)
	}
	if err != nil {
		return nil, err
	}
	return &Zones{Day: day, Params: p, Grid: grid, Scores: scores}, nil
}

// alignScores puts a ScoreStore's answer in the grid's order and refuses one
// whose cells differ from the grid's.
func alignScores(grid *Grid, got []CellScore) ([]CellScore, error) {
	out := make([]CellScore, len(grid.Cells))
	seen := 0
	for _, s := range got {
		k, ok := grid.Index(s.ID)
		if !ok {
			return nil, fmt.Errorf("risk: the store scored cell %s, which the grid does not hold", s.ID)
		}
		out[k] = s
		seen++
	}
	if seen != len(grid.Cells) {
		return nil, fmt.Errorf("risk: the store scored %d cells, the grid holds %d", seen, len(grid.Cells))
	}
	return out, nil
}
