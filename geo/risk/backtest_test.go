package risk_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/risk"
	"github.com/badiamap/badiamap/geo/risk/risktest"
	"github.com/badiamap/badiamap/geo/storetest"
)

var ucdpOnce struct {
	sync.Once
	incs  []geo.Incident
	badia []geo.Region
	err   error
}

// ucdpJoined is the whole UCDP release as the embedded store holds it
// (joined to the Badia regions), and the Badia regions.
func ucdpJoined(t testing.TB) ([]geo.Incident, []geo.Region) {
	t.Helper()
	o := &ucdpOnce
	o.Do(func() {
		data, err := storetest.SharedDataDir()
		if err != nil {
			o.err = err
			return
		}
		incs, err := risktest.UCDPSlice(data, 1)
		if err != nil {
			o.err = err
			return
		}
		ctx := context.Background()
		dir, err := os.MkdirTemp("", "risk-backtest-")
		if err != nil {
			o.err = err
			return
		}
		defer os.RemoveAll(dir)
		store, err := memstore.Open(dir)
		if err != nil {
			o.err = err
			return
		}
		defer store.Close()
		o.incs, o.badia, o.err = risktest.Load(ctx, store, incs)
	})
	if o.err != nil {
		t.Fatal(o.err)
	}
	return o.incs, o.badia
}

// TestBacktestUCDP replays the truffle seasons of the whole UCDP release
// with DefaultParams and prints the tables docs/RISK.md reports.
func TestBacktestUCDP(t *testing.T) {
	incs, badia := ucdpJoined(t)
	p := risk.DefaultParams()
	grid, err := risk.NewGrid(p.CellSize, badia)
	if err != nil {
		t.Fatal(err)
	}
	res := risk.Backtest(grid, p, risk.UCDPSplit, incs)
	var out strings.Builder
	fmt.Fprintf(&out, "%d incidents, %d cells, Badia %.0f km²; %s\n\n", len(incs), len(grid.Cells), grid.AreaKM2, p.Describe())
	for _, w := range []func(io.Writer) error{res.WriteSummary, res.WriteTable, res.WriteLevels} {
		if err := w(&out); err != nil {
			t.Fatal(err)
		}
		out.WriteString("\n")
	}
	for _, b := range res.Pools {
		out.WriteString(b.Verdict() + "\n")
	}
	t.Log(out.String())

	// Every season month of 2016-2019 after January 2016, split 6 and 6.
	sets := map[risk.Set]int{}
	for _, m := range res.Months {
		sets[m.Set]++
	}
	if len(res.Months) != 12 || sets[risk.SetTrain] != 6 || sets[risk.SetHeldOut] != 6 {
		t.Fatalf("%d months, by set %v; want 6 train (2016-2017) and 6 held-out (2018-2019)", len(res.Months), sets)
	}
	// A month's targets are its precisely located incidents in the Badia,
	// recounted here; the coarse ones in the Badia are left out.
	coarse := 0
	for _, m := range res.Months {
		all, civ := 0, 0
		for k := range incs {
			inc := &incs[k]
			// The point in the Badia, whatever the precision rule joined it to.
			if risk.RegionOf(badia, inc.Location) == "" || inc.DateStart.Year() != m.Month.Year() || inc.DateStart.Month() != m.Month.Month() {
				continue
			}
			if _, ok := grid.Index(grid.CellOf(inc.Location)); !ok {
				continue
			}
			if inc.GeoPrecision != geo.GeoExact && inc.GeoPrecision != geo.GeoNear {
				coarse++
				continue
			}
			all++
			if inc.EventType == "Violence against civilians" || inc.Casualties.Civilians > 0 {
				civ++
			}
		}
		if m.All != all || m.Civilian != civ {
			t.Errorf("%s: %d incidents, %d against civilians; want %d and %d", m.Month.Format("2006-01"), m.All, m.Civilian, all, civ)
		}
		for _, pr := range risk.Predictors {
			for _, c := range []risk.Capture{m.By(pr).Civilian, m.By(pr).All} {
				if !math.IsNaN(c[0]) && (c[0] < 0 || c[0] > c[1] || c[1] > c[2] || c[2] > 1) {
					t.Errorf("%s %s: captures %v out of order", m.Month.Format("2006-01"), pr, c)
				}
			}
		}
	}
	if coarse == 0 {
		t.Error("no coarsely located incident in the Badia in a season month: the precision rule is not exercised")
	}
	t.Logf("%d coarsely located incidents in the Badia in season months left out of the targets", coarse)
	held, ok := res.Pool(risk.SetHeldOut)
	if !ok {
		t.Fatal("no held-out pool")
	}
	for k, share := range risk.BacktestShares {
		if !(held.Model.All[k] > share) {
			t.Errorf("held out, the model captures %.1f%% in the riskiest %.0f%% of the area: no better than an even spread", 100*held.Model.All[k], 100*share)
		}
	}
}

// TestHeldOutSkill recomputes risk.HeldOutSkill (the figures the check's
// answer quotes) from the UCDP file with DefaultParams.
func TestHeldOutSkill(t *testing.T) {
	incs, badia := ucdpJoined(t)
	p := risk.DefaultParams()
	grid, err := risk.NewGrid(p.CellSize, badia)
	if err != nil {
		t.Fatal(err)
	}
	res := risk.Backtest(grid, p, risk.UCDPSplit, incs)
	got, ok := res.Pool(risk.SetHeldOut)
	if !ok {
		t.Fatal("no held-out pool")
	}
	want := risk.HeldOutSkill
	var diffs []string
	same := func(name string, g, w float64) {
		if math.IsNaN(g) != math.IsNaN(w) || math.Abs(g-w) > 5e-7 {
			diffs = append(diffs, fmt.Sprintf("%s: computed %.6f, stated %.6f", name, g, w))
		}
	}
	if got.Months != want.Months || got.Civilian != want.Civilian || got.All != want.All || fmt.Sprint(got.Years) != fmt.Sprint(want.Years) {
		diffs = append(diffs, fmt.Sprintf("months %d, incidents %d/%d, years %v; stated %d, %d/%d, %v",
			got.Months, got.Civilian, got.All, got.Years, want.Months, want.Civilian, want.All, want.Years))
	}
	for _, pr := range risk.Predictors {
		for k := range risk.BacktestShares {
			same(fmt.Sprintf("%s civilians %d", pr, k), got.By(pr).Civilian[k], want.By(pr).Civilian[k])
			same(fmt.Sprintf("%s all %d", pr, k), got.By(pr).All[k], want.By(pr).All[k])
		}
	}
	if len(got.Levels) != len(want.Levels) {
		diffs = append(diffs, fmt.Sprintf("%d levels, stated %d", len(got.Levels), len(want.Levels)))
	} else {
		for k, l := range got.Levels {
			w := want.Levels[k]
			if l.Level != w.Level {
				diffs = append(diffs, fmt.Sprintf("level %d is %s, stated %s", k, l.Level, w.Level))
			}
			same(l.Level.String()+" area", l.AreaShare, w.AreaShare)
			same(l.Level.String()+" civilians", l.Civilian, w.Civilian)
			same(l.Level.String()+" all", l.All, w.All)
		}
	}
	if len(diffs) > 0 {
		t.Errorf("risk.HeldOutSkill differs from what the code computes:\n%s\ncomputed:\n%s",
			strings.Join(diffs, "\n"), poolLiteral(got))
	}
	// The statements quote these figures.
	pc := func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }
	for _, l := range append([]risk.Level{risk.NotAssessed}, risk.Levels...) {
		m := want.LevelMeaning(p, l)
		t.Log(m)
		var quoted []string
		switch l {
		case risk.NotAssessed:
			quoted = []string{risk.NotInBadia}
		case risk.Low:
			quoted = []string{pc(1 - want.Levels[0].AreaShare), pc(1 - want.Levels[0].All), fmt.Sprint(p.Thresholds[0])}
		default:
			ls := want.Levels[l-1]
			quoted = []string{l.String(), pc(ls.AreaShare), pc(ls.All), pc(ls.Civilian), fmt.Sprint(p.Thresholds[l-1])}
		}
		for _, q := range quoted {
			if !strings.Contains(m, q) {
				t.Errorf("%s: %q does not say %q", l, m, q)
			}
		}
	}
	v := want.Verdict()
	t.Log(v)
	slashed := func(c risk.Capture) string {
		return fmt.Sprintf("%.1f/%.1f/%.1f%%", 100*c[0], 100*c[1], 100*c[2])
	}
	for _, q := range []string{"2018-2019", slashed(want.Model.All), slashed(want.LastMonth.All), slashed(want.AllHistory.Civilian)} {
		if !strings.Contains(v, q) {
			t.Errorf("the verdict does not say %q: %s", q, v)
		}
	}
}

// poolLiteral writes a pool as the Go literal skill.go holds, rounded to
// six decimals.
func poolLiteral(b risk.BacktestPool) string {
	r := func(v float64) string { return strconv.FormatFloat(math.Round(v*1e6)/1e6, 'g', -1, 64) }
	c := func(c risk.Capture) string {
		parts := make([]string, len(c))
		for k, v := range c {
			parts[k] = r(v)
		}
		return "Capture{" + strings.Join(parts, ", ") + "}"
	}
	var s strings.Builder
	fmt.Fprintf(&s, "\tSet: SetHeldOut, Years: %#v, Months: %d, Civilian: %d, All: %d,\n", b.Years, b.Months, b.Civilian, b.All)
	for _, x := range []struct {
		name string
		c    risk.Captures
	}{{"Model", b.Model}, {"LastMonth", b.LastMonth}, {"AllHistory", b.AllHistory}} {
		fmt.Fprintf(&s, "\t%s: Captures{Civilian: %s, All: %s},\n", x.name, c(x.c.Civilian), c(x.c.All))
	}
	s.WriteString("\tLevels: []LevelSkill{\n")
	for _, l := range b.Levels {
		name := strings.ToUpper(l.Level.String()[:1]) + l.Level.String()[1:]
		fmt.Fprintf(&s, "\t\t{Level: %s, AreaShare: %s, Civilian: %s, All: %s},\n", name, r(l.AreaShare), r(l.Civilian), r(l.All))
	}
	s.WriteString("\t},\n")
	return s.String()
}

// TestSearchChoosesDefaultParams reruns the parameter search on the train
// seasons: it must choose DefaultParams, and its objective must be the one
// Backtest computes for them on those seasons.
func TestSearchChoosesDefaultParams(t *testing.T) {
	if testing.Short() {
		t.Skip("the search scores every parameter set of the space")
	}
	incs, badia := ucdpJoined(t)
	p := risk.DefaultParams()
	res, err := risk.Search(badia, p, risk.DefaultSearchSpace, risk.UCDPSplit, incs)
	if err != nil {
		t.Fatal(err)
	}
	for k, c := range res.Candidates[:min(10, len(res.Candidates))] {
		t.Logf("%d. %.4f  %s", k+1, c.Objective, c.Params.Describe())
	}
	if res.Best != p {
		t.Errorf("the search over %d parameter sets chooses\n%s\nDefaultParams are\n%s", risk.DefaultSearchSpace.Size(), res.Best.Describe(), p.Describe())
	}
	grid, err := risk.NewGrid(p.CellSize, badia)
	if err != nil {
		t.Fatal(err)
	}
	bt := risk.Backtest(grid, p, risk.UCDPSplit, incs)
	train, _ := bt.Pool(risk.SetTrain)
	if math.Abs(train.Objective()-res.Objective) > 1e-9 {
		t.Errorf("the search scores DefaultParams %.12f on the train seasons, Backtest %.12f", res.Objective, train.Objective())
	}
	if len(res.Candidates) != risk.DefaultSearchSpace.Size() || res.TrainMonths != 6 {
		t.Errorf("%d candidates over %d train months; want %d over 6", len(res.Candidates), res.TrainMonths, risk.DefaultSearchSpace.Size())
	}
}

// TestSearchNeverSeesHeldOut: the search gives the same objectives with
// every incident from 2018 on removed, so the held-out seasons cannot have
// steered it.
func TestSearchNeverSeesHeldOut(t *testing.T) {
	incs, badia := ucdpJoined(t)
	var before []geo.Incident
	for _, inc := range incs {
		if inc.DateStart.Year() < risk.UCDPSplit.HeldOut[0] {
			before = append(before, inc)
		}
	}
	space := risk.SearchSpace{CellSizes: []float64{6000}, WindowDays: []int{120, 365}, SigmaKM: []float64{5, 15},
		HalfLifeDays: []float64{15, 90}, CivilianWeights: []float64{1, 3}}
	a, err := risk.Search(badia, risk.DefaultParams(), space, risk.UCDPSplit, incs)
	if err != nil {
		t.Fatal(err)
	}
	b, err := risk.Search(badia, risk.DefaultParams(), space, risk.UCDPSplit, before)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Candidates) != space.Size() || len(b.Candidates) != len(a.Candidates) {
		t.Fatalf("%d and %d candidates, want %d", len(a.Candidates), len(b.Candidates), space.Size())
	}
	for k := range a.Candidates {
		if a.Candidates[k] != b.Candidates[k] {
			t.Errorf("candidate %d: %+v with the held-out years, %+v without", k, a.Candidates[k], b.Candidates[k])
		}
	}
}

// TestSearchScoresMatchCompute holds the search's shortcut (incidents summed
// per site before the kernel) to Compute, cell by cell.
func TestSearchScoresMatchCompute(t *testing.T) {
	incs, badia := ucdpJoined(t)
	for _, c := range []struct {
		day string
		p   func(*risk.Params)
	}{
		{"2017-02-28", func(*risk.Params) {}},
		{"2018-03-31", func(p *risk.Params) { p.SigmaKM, p.HalfLifeDays, p.WindowDays = 15, 90, 365 }},
		{"2019-01-31", func(p *risk.Params) { p.CellSize, p.SigmaKM, p.Weights.Civilians = 9000, 25, 1 }},
	} {
		p := risk.DefaultParams()
		c.p(&p)
		grid, err := risk.NewGrid(p.CellSize, badia)
		if err != nil {
			t.Fatal(err)
		}
		day, _ := time.Parse(geo.DateLayout, c.day)
		want := risk.Compute(grid, p, day, incs)
		got := risk.SearchScores(grid, p, day, incs)
		nonzero := 0
		for k := range want {
			if math.Abs(got[k]-want[k].Score) > 1e-9*math.Max(1, want[k].Score) {
				t.Fatalf("%s cell %s: search %.15g, Compute %.15g", c.day, want[k].ID, got[k], want[k].Score)
			}
			if want[k].Score > 0 {
				nonzero++
			}
		}
		if nonzero == 0 {
			t.Errorf("%s: every cell scores 0", c.day)
		}
	}
}
