// Package risktest holds any store to the risk model's contract: for every
// cell of the grid, the level (and, to rounding, the score) that risk.Compute
// gives from the fixture incidents alone, never from the store under test.
package risktest

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/demo"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/risk"
	"github.com/badiamap/badiamap/geo/storetest"
)

// Case is one scoring the store must answer: a day and a filter.
type Case struct {
	Name   string
	Day    time.Time
	Filter geo.IncidentFilter
}

// scoreTolerance is the relative difference allowed between two sums of
// the same terms added in another order, by another libm.
const scoreTolerance = 1e-9

// Differences scores the store for every case and compares each cell with
// the oracle: risk.Compute over the incidents the filter's Match selects
// among want (the incidents as the store must hold them, joined).
func Differences(ctx context.Context, store geo.Store, badia []geo.Region, want []geo.Incident, p risk.Params, cases []Case) []string {
	var diffs []string
	grid, err := risk.NewGrid(p.CellSize, badia)
	if err != nil {
		return []string{err.Error()}
	}
	for _, c := range cases {
		z, err := risk.Score(ctx, store, grid, p, c.Day, c.Filter)
		if err != nil {
			diffs = append(diffs, fmt.Sprintf("%s: %v", c.Name, err))
			continue
		}
		var sel []geo.Incident
		for k := range want {
			if c.Filter.Match(&want[k]) {
				sel = append(sel, want[k])
			}
		}
		oracle := risk.Compute(grid, p, c.Day, sel)
		diffs = append(diffs, Compare(c.Name, p, oracle, z.Scores)...)
	}
	return diffs
}

// Compare lists every cell where got differs from want in id, level,
// incident count, count of incidents left out or score beyond rounding.
func Compare(name string, p risk.Params, want, got []risk.CellScore) []string {
	var diffs []string
	if len(want) != len(got) {
		return []string{fmt.Sprintf("%s: %d cells, want %d", name, len(got), len(want))}
	}
	for k := range want {
		w, g := want[k], got[k]
		switch {
		case w.ID != g.ID:
			diffs = append(diffs, fmt.Sprintf("%s: cell %d is %s, want %s", name, k, g.ID, w.ID))
		case p.LevelOf(w.Score) != p.LevelOf(g.Score):
			diffs = append(diffs, fmt.Sprintf("%s: cell %s level %s (score %g), want %s (score %g)", name, w.ID,
				p.LevelOf(g.Score), g.Score, p.LevelOf(w.Score), w.Score))
		case w.Incidents != g.Incidents:
			diffs = append(diffs, fmt.Sprintf("%s: cell %s counts %d incidents, want %d", name, w.ID, g.Incidents, w.Incidents))
		case w.LeftOut != g.LeftOut:
			diffs = append(diffs, fmt.Sprintf("%s: cell %s leaves out %d coarsely located incidents, want %d", name, w.ID, g.LeftOut, w.LeftOut))
		case math.Abs(w.Score-g.Score) > scoreTolerance*math.Max(1, math.Abs(w.Score)):
			diffs = append(diffs, fmt.Sprintf("%s: cell %s score %.15g, want %.15g", name, w.ID, g.Score, w.Score))
		}
		if len(diffs) >= 20 {
			return append(diffs, name+": more differences left out")
		}
	}
	return diffs
}

// DemoCases are days and filters over the demo data (January-April 2024).
func DemoCases() []Case {
	d := func(s string) time.Time { t, _ := time.Parse(geo.DateLayout, s); return t }
	return []Case{
		{"demo 2024-04-21", d("2024-04-21"), geo.IncidentFilter{}},
		{"demo 2024-02-15", d("2024-02-15"), geo.IncidentFilter{}},
		{"demo 2024-04-21 civilians", d("2024-04-21"), geo.IncidentFilter{Victims: []geo.VictimGroup{geo.VictimGroup("civilians")}}},
		{"demo 2024-04-21 Badia of Deir ez-Zor", d("2024-04-21"), geo.IncidentFilter{Regions: []string{"BADIA-SY09"}}},
		{"demo 2025-04-01 (nearly aged out)", d("2025-04-01"), geo.IncidentFilter{}},
		{"demo 2025-06-01 (all outside the window)", d("2025-06-01"), geo.IncidentFilter{}},
	}
}

// UCDPCases are days and filters over the UCDP slice (2016-2019).
func UCDPCases() []Case {
	d := func(s string) time.Time { t, _ := time.Parse(geo.DateLayout, s); return t }
	return []Case{
		{"ucdp 2017-03-01", d("2017-03-01"), geo.IncidentFilter{}},
		{"ucdp 2019-04-15", d("2019-04-15"), geo.IncidentFilter{}},
		{"ucdp 2018-02-01 one-sided", d("2018-02-01"), geo.IncidentFilter{EventTypes: []string{"Violence against civilians"}}},
		{"ucdp 2017-06-30 min_killed 5", d("2017-06-30"), geo.IncidentFilter{MinKilled: 5}},
	}
}

// DemoIncidents are the demo incidents.
func DemoIncidents() ([]geo.Incident, error) { return demo.Incidents() }

// UCDPSlice reads every every-th valid event of the UCDP file under the
// shared data directory dataDir.
func UCDPSlice(dataDir string, every int) ([]geo.Incident, error) {
	return storetest.UCDPSlice(filepath.Join(dataDir, storetest.UCDPFile), every)
}

// Load replaces the store's regions with the bundled boundaries, imports
// incs, and returns them as the store holds them and its Badia regions.
func Load(ctx context.Context, store geo.Store, incs []geo.Incident) ([]geo.Incident, []geo.Region, error) {
	regions, err := boundaries.All()
	if err != nil {
		return nil, nil, err
	}
	if _, err := store.ReplaceRegions(ctx, regions, nil); err != nil {
		return nil, nil, err
	}
	held, err := Import(ctx, store, incs)
	if err != nil {
		return nil, nil, err
	}
	badia, err := store.Regions(ctx, geo.KindBadia)
	return held, badia, err
}

// Import loads incs into the store in one import and returns them as the
// store holds them (joined, with ids), read back in id order.
func Import(ctx context.Context, store geo.Store, incs []geo.Incident) ([]geo.Incident, error) {
	tx, err := store.BeginImport(ctx, "test", nil)
	if err != nil {
		return nil, err
	}
	for k := range incs {
		inc := incs[k]
		if err := tx.Add(&inc); err != nil {
			tx.Rollback()
			return nil, err
		}
	}
	if _, err := tx.Commit(); err != nil {
		return nil, err
	}
	var out []geo.Incident
	err = store.ScanIncidents(ctx, geo.IncidentFilter{}, geo.Page{}, func(inc *geo.Incident) error {
		out = append(out, *inc)
		return nil
	})
	return out, err
}
