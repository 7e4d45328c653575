package risk_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/risk"
	"github.com/badiamap/badiamap/geo/risk/risktest"
	"github.com/paulmach/orb"
)

var (
	palmyra  = orb.Point{38.2684, 34.5510}
	damascus = orb.Point{36.2765, 33.5138}
)

// demoStore is an embedded store holding the bundled boundaries and the
// demo incidents, and its Badia regions.
func demoStore(t *testing.T) (*memstore.Store, []geo.Region) {
	t.Helper()
	ctx := context.Background()
	s, err := memstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	incs, err := risktest.DemoIncidents()
	if err != nil {
		t.Fatal(err)
	}
	_, badia, err := risktest.Load(ctx, s, incs)
	if err != nil {
		t.Fatal(err)
	}
	return s, badia
}

// TestCheckDemo is the acceptance on the demo store: with no date
// the check answers for 2024-04-21 (the latest incident), at Palmyra above
// low, at Damascus not assessed; long after the data it is stale.
func TestCheckDemo(t *testing.T) {
	ctx := context.Background()
	store, badia := demoStore(t)
	p := risk.DefaultParams()
	grid, err := risk.LoadGrid(ctx, store, p.CellSize)
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	day, err := risk.ReferenceDay(ctx, store, time.Time{}, today)
	if err != nil {
		t.Fatal(err)
	}
	if got := day.Day.Format(geo.DateLayout); got != "2024-04-21" || day.Source != risk.DayLatestIncident || day.Stale {
		t.Fatalf("default day %s from %q, stale %v (%s); want 2024-04-21 from the latest incident, not stale", got, day.Source, day.Stale, day.Message)
	}
	chk, err := risk.CheckPoint(ctx, store, grid, badia, p, day.Day, geo.IncidentFilter{}, palmyra, 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Palmyra on %s: %s, score %.3f, %d incidents, %d left out", day.Day.Format(geo.DateLayout), chk.Level, chk.Score, chk.Incidents, chk.LeftOut)
	if chk.Level <= risk.Low || chk.Region == "" || len(chk.Contributors) == 0 {
		t.Errorf("Palmyra: level %s in region %q with %d contributors; want above low in the Badia", chk.Level, chk.Region, len(chk.Contributors))
	}
	for _, c := range chk.Contributors {
		if !strings.Contains(c.Reason, c.VictimsLabel) || !strings.Contains(c.Reason, c.Incident.DateStart.Format(geo.DateLayout)) {
			t.Errorf("reason %q does not name the date and %q", c.Reason, c.VictimsLabel)
		}
	}
	out, err := risk.CheckPoint(ctx, store, grid, badia, p, day.Day, geo.IncidentFilter{}, damascus, 10)
	if err != nil {
		t.Fatal(err)
	}
	if out.Level != risk.NotAssessed || out.Reason == "" || out.Level.String() != "not_assessed" || out.Score != 0 || len(out.Contributors) != 0 {
		t.Errorf("Damascus: level %s (%q), score %g, %d contributors; want not_assessed with a reason", out.Level, out.Reason, out.Score, len(out.Contributors))
	}
	// An area around Palmyra is assessed; one around Damascus is not.
	square := func(c orb.Point, d float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{c[0] - d, c[1] - d}, {c[0] + d, c[1] - d}, {c[0] + d, c[1] + d}, {c[0] - d, c[1] + d}, {c[0] - d, c[1] - d}}}}
	}
	a, err := risk.CheckArea(ctx, store, grid, p, day.Day, geo.IncidentFilter{}, square(palmyra, 0.1), 10)
	if err != nil {
		t.Fatal(err)
	}
	if a.WeightedLevel == risk.NotAssessed || a.AssessedShare < 0.99 || a.Cells[a.Highest].Level <= risk.Low {
		t.Errorf("area around Palmyra: weighted %s, %.2f assessed, highest %s", a.WeightedLevel, a.AssessedShare, a.Cells[a.Highest].Level)
	}
	a, err = risk.CheckArea(ctx, store, grid, p, day.Day, geo.IncidentFilter{}, square(damascus, 0.02), 10)
	if err != nil {
		t.Fatal(err)
	}
	if a.WeightedLevel != risk.NotAssessed || a.Reason == "" || a.AssessedShare != 0 {
		t.Errorf("area around Damascus: weighted %s (%q), %.2f assessed; want not_assessed", a.WeightedLevel, a.Reason, a.AssessedShare)
	}
	for _, c := range a.Cells {
		if c.Level != risk.NotAssessed {
			t.Errorf("cell %s of an area outside the Badia is %s", c.ID, c.Level)
		}
	}
	// A strip from Homs (outside the Badia) to Palmyra: the cells outside
	// the grid are not assessed and weigh nothing; the rest are scored.
	strip := orb.MultiPolygon{{{{36.75, 34.5}, {38.3, 34.5}, {38.3, 34.6}, {36.75, 34.6}, {36.75, 34.5}}}}
	a, err = risk.CheckArea(ctx, store, grid, p, day.Day, geo.IncidentFilter{}, strip, 10)
	if err != nil {
		t.Fatal(err)
	}
	outside, weighted := 0, 0.0
	for _, c := range a.Cells {
		switch {
		case !c.InGrid && c.Level != risk.NotAssessed:
			t.Errorf("cell %s outside the grid is %s", c.ID, c.Level)
		case !c.InGrid:
			outside++
		default:
			weighted += c.Score * c.Share / a.AssessedShare
		}
	}
	t.Logf("strip Homs-Palmyra: %d cells, %d outside the grid, %.2f assessed, weighted %s %.3f", len(a.Cells), outside, a.AssessedShare, a.WeightedLevel, a.WeightedScore)
	if outside == 0 || !(a.AssessedShare > 0 && a.AssessedShare < 1) || a.WeightedLevel == risk.NotAssessed ||
		math.Abs(weighted-a.WeightedScore) > 1e-9*math.Max(1, weighted) {
		t.Errorf("strip Homs-Palmyra: %d cells outside the grid, %.2f assessed, weighted %s %g (cells give %g)",
			outside, a.AssessedShare, a.WeightedLevel, a.WeightedScore, weighted)
	}
	// Today, two years after the data end, the answer is stale.
	later, err := risk.ReferenceDay(ctx, store, today, today)
	if err != nil {
		t.Fatal(err)
	}
	if !later.Stale || later.Source != risk.DayRequested || !strings.Contains(later.Message, "2024-04-21") {
		t.Errorf("%s: %+v; want stale, naming the latest incident", today.Format(geo.DateLayout), later)
	}
}
