package risk_test

import (
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/risk"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func badiaGrid(t testing.TB, p risk.Params) *risk.Grid {
	t.Helper()
	badia, err := boundaries.BadiaRegions()
	if err != nil {
		t.Fatal(err)
	}
	g, err := risk.NewGrid(p.CellSize, badia)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

var refDay = time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)

func attack(lon, lat float64, day time.Time, c geo.Casualties) geo.Incident {
	return geo.Incident{ExternalID: "test:1", DateStart: day, DateEnd: day, Location: orb.Point{lon, lat}, GeoPrecision: geo.GeoExact,
		EventType: "Violence against civilians", SubEventType: "Attack", Casualties: c}
}

// TestGridCoversTheBadia: the cells' areas add up to the Badia's, and every
// point of the Badia lies in a grid cell that holds it.
func TestGridCoversTheBadia(t *testing.T) {
	p := risk.DefaultParams()
	g := badiaGrid(t, p)
	outline, err := boundaries.BadiaOutline()
	if err != nil {
		t.Fatal(err)
	}
	want := boundaries.AreaKM2(outline)
	if math.Abs(g.AreaKM2-want)/want > 0.005 {
		t.Errorf("grid area %.0f km², the Badia's %.0f km²", g.AreaKM2, want)
	}
	// A cell is 2 sizes across in map units, cos(latitude) times that on the ground.
	c := g.Cells[len(g.Cells)/2]
	hex := g.Hexagon(c.ID)[0]
	across := risk.Distance(hex[0], hex[3])
	if want := 2 * p.CellSize * math.Cos(c.Centre[1]*math.Pi/180); math.Abs(across-want) > 0.01*want {
		t.Errorf("a cell at %v is %.0f m across, want %.0f m", c.Centre, across, want)
	}
	r := rand.New(rand.NewPCG(1, 2))
	b := outline.Bound()
	for n := 0; n < 2000; {
		pt := orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])}
		if !planar.MultiPolygonContains(outline, pt) {
			continue
		}
		n++
		id := g.CellOf(pt)
		if _, ok := g.Index(id); !ok {
			t.Fatalf("%v is in the Badia but its cell %s is not in the grid", pt, id)
		}
		if !planar.PolygonContains(g.Hexagon(id), pt) {
			t.Fatalf("%v: CellOf gives %s, whose hexagon does not hold it", pt, id)
		}
	}
	t.Logf("%d cells, %.0f km² (outline %.0f km²), %.1f km across", len(g.Cells), g.AreaKM2, want, across/1000)
}

// TestOneIncident: one incident scores highest in its own cell and its
// score falls with distance by the Gaussian kernel, to 0 past 3 sigma.
func TestOneIncident(t *testing.T) {
	p := risk.DefaultParams()
	g := badiaGrid(t, p)
	r := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 20; n++ {
		c := g.Cells[r.IntN(len(g.Cells))]
		// A point well inside the cell (within 80% of the way to a vertex).
		hex := g.Hexagon(c.ID)[0]
		v := hex[r.IntN(6)]
		f := 0.8 * r.Float64()
		pt := orb.Point{c.Centre[0] + f*(v[0]-c.Centre[0]), c.Centre[1] + f*(v[1]-c.Centre[1])}
		inc := attack(pt[0], pt[1], refDay, geo.Casualties{Civilians: 2})
		scores := risk.Compute(g, p, refDay, []geo.Incident{inc})
		own, _ := g.Index(g.CellOf(pt))
		if g.Cells[own].ID != c.ID {
			t.Fatalf("%v: CellOf gives %s, want %s", pt, g.Cells[own].ID, c.ID)
		}
		type hit struct {
			d, score float64
		}
		var hits []hit
		for k, s := range scores {
			d := risk.Distance(g.Cells[k].Centre, pt)
			want := p.Weight(&inc) * math.Exp(-d*d/(2*p.SigmaMetres()*p.SigmaMetres()))
			if d > p.CutoffMetres() {
				want = 0
			}
			if math.Abs(s.Score-want) > 1e-12 {
				t.Fatalf("cell %s at %.0f m: score %g, want %g", s.ID, d, s.Score, want)
			}
			if k != own && s.Score >= scores[own].Score {
				t.Fatalf("cell %s (%.0f m away) scores %g, not below the incident's own cell %s (%g)",
					s.ID, d, s.Score, c.ID, scores[own].Score)
			}
			if s.Score > 0 {
				hits = append(hits, hit{d, s.Score})
			}
		}
		sort.Slice(hits, func(a, b int) bool { return hits[a].d < hits[b].d })
		for k := 1; k < len(hits); k++ {
			if hits[k].score > hits[k-1].score {
				t.Fatalf("score rises with distance: %g at %.0f m, %g at %.0f m", hits[k-1].score, hits[k-1].d, hits[k].score, hits[k].d)
			}
		}
		// The cells within the cutoff: about its disc over a cell's ground area.
		k := math.Cos(c.Centre[1] * math.Pi / 180)
		cells := math.Pi * p.CutoffMetres() * p.CutoffMetres() / (3 * math.Sqrt(3) / 2 * p.CellSize * p.CellSize * k * k)
		if last := hits[len(hits)-1]; last.d > p.CutoffMetres() || float64(len(hits)) < cells/2 {
			t.Fatalf("%d cells scored (about %.0f lie within the cutoff), farthest at %.0f m (cutoff %.0f m)", len(hits), cells, last.d, p.CutoffMetres())
		}
	}
}

// TestAgeHalvesTheScore: each half-life of age halves the score, and
// nothing outside the window (too old, or after the day) counts.
func TestAgeHalvesTheScore(t *testing.T) {
	p := risk.DefaultParams()
	g := badiaGrid(t, p)
	c := g.Cells[len(g.Cells)/3]
	k, _ := g.Index(c.ID)
	score := func(age int) float64 {
		inc := attack(c.Centre[0], c.Centre[1], refDay.AddDate(0, 0, -age), geo.Casualties{Civilians: 1})
		return risk.Compute(g, p, refDay, []geo.Incident{inc})[k].Score
	}
	fresh := score(0)
	if fresh <= 0 {
		t.Fatal("a fresh incident at a cell's centre scores 0")
	}
	for _, age := range []int{1, 30, 90, 180, 364} {
		want := fresh * math.Pow(0.5, float64(age)/p.HalfLifeDays)
		if got := score(age); math.Abs(got-want) > 1e-12*fresh {
			t.Errorf("age %d days: %g, want %g", age, got, want)
		}
	}
	if got, half := score(int(p.HalfLifeDays)), score(0)/2; p.HalfLifeDays == math.Trunc(p.HalfLifeDays) && math.Abs(got-half) > 1e-12 {
		t.Errorf("one half-life: %g, want half of fresh %g", got, half)
	}
	for _, age := range []int{p.WindowDays, p.WindowDays + 1, 1000, -1, -30} {
		if got := score(age); got != 0 {
			t.Errorf("age %d days (window %d days): score %g, want 0", age, p.WindowDays, got)
		}
	}
}

// TestTruffleGatherersOutweighSoldiers: the same attack weighs more when
// truffle gatherers die than soldiers, and mines more than a clash.
func TestTruffleGatherersOutweighSoldiers(t *testing.T) {
	p := risk.DefaultParams()
	g := badiaGrid(t, p)
	c := g.Cells[len(g.Cells)/2]
	k, _ := g.Index(c.ID)
	score := func(inc geo.Incident) float64 { return risk.Compute(g, p, refDay, []geo.Incident{inc})[k].Score }
	gatherers := attack(c.Centre[0], c.Centre[1], refDay, geo.Casualties{Civilians: 4, TruffleGatherers: 4})
	soldiers := attack(c.Centre[0], c.Centre[1], refDay, geo.Casualties{Military: 4})
	soldiers.EventType, soldiers.SubEventType = "Battles", "Armed clash"
	if sg, ss := score(gatherers), score(soldiers); !(sg > ss) {
		t.Errorf("4 truffle gatherers killed score %g, 4 soldiers %g", sg, ss)
	}
	mine := soldiers
	mine.EventType, mine.SubEventType = "Explosions/Remote violence", "Remote explosive/landmine/IED"
	if sm, ss := score(mine), score(soldiers); !(sm > ss) {
		t.Errorf("a mine killing 4 soldiers scores %g, a clash killing 4 %g", sm, ss)
	}
	if kg, ks := risk.KindOf(&gatherers), risk.KindOf(&soldiers); kg != risk.KindTruffle || ks != risk.KindOther {
		t.Errorf("kinds %s and %s", kg, ks)
	}
	// More dead, more weight.
	worse := gatherers
	worse.Casualties = geo.Casualties{Civilians: 9, TruffleGatherers: 9}
	if !(score(worse) > score(gatherers)) {
		t.Error("9 dead do not outweigh 4")
	}
}

func TestLevels(t *testing.T) {
	p := risk.DefaultParams()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		score float64
		want  risk.Level
	}{{0, risk.Low}, {p.Thresholds[0] - 1e-9, risk.Low}, {p.Thresholds[0], risk.Moderate},
		{p.Thresholds[1], risk.High}, {p.Thresholds[2] * 10, risk.Severe}} {
		if got := p.LevelOf(c.score); got != c.want {
			t.Errorf("score %g: %s, want %s", c.score, got, c.want)
		}
	}
	bad := p
	bad.Thresholds = [3]float64{3, 2, 1}
	if bad.Validate() == nil {
		t.Error("thresholds out of order accepted")
	}
	bad = p
	bad.CellSize = math.NaN()
	if bad.Validate() == nil {
		t.Error("NaN cell size accepted")
	}
}

func TestTruffleSeason(t *testing.T) {
	for m, want := range map[time.Month]bool{time.January: false, time.February: true, time.April: true, time.May: false} {
		if got := risk.InTruffleSeason(time.Date(2024, m, 10, 0, 0, 0, 0, time.UTC)); got != want {
			t.Errorf("%s: %v", m, got)
		}
	}
}

// TestCoarseIncidentsLeftOut: only precision 1-2 incidents are scored; a
// coarser or unknown one adds nothing and is counted as left out in the
// cells within the cutoff.
func TestCoarseIncidentsLeftOut(t *testing.T) {
	p := risk.DefaultParams()
	g := badiaGrid(t, p)
	c := g.Cells[len(g.Cells)/2]
	k, _ := g.Index(c.ID)
	for prec := 0; prec <= geo.GeoAbroad; prec++ {
		inc := attack(c.Centre[0], c.Centre[1], refDay, geo.Casualties{Civilians: 1})
		inc.GeoPrecision = prec
		s := risk.Compute(g, p, refDay, []geo.Incident{inc})[k]
		scored := prec == geo.GeoExact || prec == geo.GeoNear
		if risk.Scored(&inc) != scored {
			t.Errorf("precision %d: Scored %v", prec, risk.Scored(&inc))
		}
		switch {
		case scored && (s.Score <= 0 || s.Incidents != 1 || s.LeftOut != 0):
			t.Errorf("precision %d: score %g, %d incidents, %d left out; want it scored", prec, s.Score, s.Incidents, s.LeftOut)
		case !scored && (s.Score != 0 || s.Incidents != 0 || s.LeftOut != 1):
			t.Errorf("precision %d: score %g, %d incidents, %d left out; want it left out", prec, s.Score, s.Incidents, s.LeftOut)
		}
		if got := p.Contribution(&inc, c.Centre, refDay); (got > 0) != scored {
			t.Errorf("precision %d: contribution %g", prec, got)
		}
	}
}

// TestScoreUnit: one clash killing one person at a cell's centre on the
// day scores 1; ten of them 10.
func TestScoreUnit(t *testing.T) {
	p := risk.DefaultParams()
	g := badiaGrid(t, p)
	c := g.Cells[len(g.Cells)/4]
	k, _ := g.Index(c.ID)
	clash := attack(c.Centre[0], c.Centre[1], refDay, geo.Casualties{Military: 1})
	clash.EventType, clash.SubEventType = "Battles", "Armed clash"
	if got := risk.Compute(g, p, refDay, []geo.Incident{clash})[k].Score; math.Abs(got-1) > 1e-12 {
		t.Errorf("one fatal clash at the centre scores %g, want 1", got)
	}
	ten := make([]geo.Incident, 10)
	for n := range ten {
		ten[n] = clash
	}
	if got := risk.Compute(g, p, refDay, ten)[k].Score; math.Abs(got-10) > 1e-9 {
		t.Errorf("ten fatal clashes at the centre score %g, want 10", got)
	}
	if p.LevelOf(1) != risk.High || p.LevelOf(10) != risk.Severe || p.LevelOf(0.1) != risk.Moderate {
		t.Errorf("levels of 0.1, 1, 10: %s, %s, %s", p.LevelOf(0.1), p.LevelOf(1), p.LevelOf(10))
	}
	note := p.ScaleNote()
	for _, q := range []string{"one clash killing one person", "or a mine weighs 3 clashes", "half every 15 days", "sigma 5 km", "beyond 15 km"} {
		if !strings.Contains(note, q) {
			t.Errorf("the scale note does not say %q: %s", q, note)
		}
	}
}

// TestVictims: the reason names the injured when they add to the weight.
func TestVictims(t *testing.T) {
	p := risk.DefaultParams()
	for _, c := range []struct {
		cas   geo.Casualties
		n     int
		label string
	}{
		{geo.Casualties{Civilians: 2}, 2, risk.VictimsKilled},
		{geo.Casualties{Injured: 5}, 5, risk.VictimsKilledOrInjured},
		{geo.Casualties{Military: 1, Injured: 3}, 4, risk.VictimsKilledOrInjured},
		{geo.Casualties{}, 0, risk.VictimsKilled},
	} {
		inc := attack(38, 34.5, refDay, c.cas)
		if n, label := p.Victims(&inc); n != c.n || label != c.label {
			t.Errorf("%+v: %d %s, want %d %s", c.cas, n, label, c.n, c.label)
		}
	}
	q := p
	q.InjuredWeight = 0
	inc := attack(38, 34.5, refDay, geo.Casualties{Injured: 5})
	if n, label := q.Victims(&inc); n != 0 || label != risk.VictimsKilled {
		t.Errorf("injured weighing nothing: %d %s, want 0 killed", n, label)
	}
}

// TestChooseDay: the default day is the latest incident's, the answer is
// stale past StaleAfterDays after it, and an empty store answers for today,
// stale.
func TestChooseDay(t *testing.T) {
	d := func(s string) time.Time { v, _ := time.Parse(geo.DateLayout, s); return v }
	latest, today := d("2024-04-21"), d("2026-01-10")
	for _, c := range []struct {
		requested, latest time.Time
		day               time.Time
		source            risk.DaySource
		stale             bool
	}{
		{time.Time{}, latest, latest, risk.DayLatestIncident, false},
		{d("2024-03-01"), latest, d("2024-03-01"), risk.DayRequested, false},
		{latest.AddDate(0, 0, risk.StaleAfterDays), latest, latest.AddDate(0, 0, risk.StaleAfterDays), risk.DayRequested, false},
		{latest.AddDate(0, 0, risk.StaleAfterDays+1), latest, latest.AddDate(0, 0, risk.StaleAfterDays+1), risk.DayRequested, true},
		{time.Time{}, time.Time{}, today, risk.DayToday, true},
		{d("2024-03-01"), time.Time{}, d("2024-03-01"), risk.DayRequested, true},
	} {
		got := risk.ChooseDay(c.requested, c.latest, today)
		if !got.Day.Equal(c.day) || got.Source != c.source || got.Stale != c.stale || got.Stale != (got.Message != "") {
			t.Errorf("requested %s, latest %s: %+v; want %s from %s, stale %v", c.requested.Format(geo.DateLayout),
				c.latest.Format(geo.DateLayout), got, c.day.Format(geo.DateLayout), c.source, c.stale)
		}
	}
}
