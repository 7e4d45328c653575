package risk

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Contributor is one incident and what it adds to a check's score.
type Contributor struct {
	Incident     geo.Incident
	Kind         Kind
	AgeDays      int
	DistanceM    float64 // from the checked point, or to the checked area (0 inside)
	Contribution float64 // added to the score (area-weighted for an area)
	Share        float64 // Contribution / score
	// Victims are the people counted in the incident's severity, named by
	// VictimsLabel: "killed", or "killed or injured" when injuries add to it.
	Victims      int
	VictimsLabel string
	// Reason is one line saying what happened, when and how near.
	Reason string
}

// Victim labels: what Contributor.Victims counts.
const (
	VictimsKilled          = "killed"
	VictimsKilledOrInjured = "killed or injured"
)

// Victims is how many people inc's severity counts and how to name them:
// the killed, and the injured too when InjuredWeight makes them add to it.
func (p Params) Victims(inc *geo.Incident) (int, string) {
	c := inc.Casualties
	if p.InjuredWeight > 0 && c.Injured > 0 {
		return c.Killed() + c.Injured, VictimsKilledOrInjured
	}
	return c.Killed(), VictimsKilled
}

// kindPhrases name the kinds in a reason.
var kindPhrases = map[Kind]string{
	KindTruffle:   "attack killing truffle gatherers",
	KindExplosive: "mine, IED or explosive remnant",
	KindCivilians: "violence against civilians",
	KindOther:     "clash or attack",
}

// contributor describes inc's part in a check on day, distance metres from
// the point or area (0 inside the area).
func (p Params) contributor(inc *geo.Incident, day time.Time, metres, contribution float64) Contributor {
	c := Contributor{Incident: *inc, Kind: KindOf(inc), AgeDays: AgeDays(inc, day), DistanceM: metres, Contribution: contribution}
	c.Victims, c.VictimsLabel = p.Victims(inc)
	where := fmt.Sprintf("%.1f km away", metres/1000)
	if metres == 0 {
		where = "inside the area"
	}
	c.Reason = fmt.Sprintf("%s on %s (%d days before), %s: %d %s", kindPhrases[c.Kind],
		inc.DateStart.Format(geo.DateLayout), c.AgeDays, where, c.Victims, c.VictimsLabel)
	return c
}

// Count is how many incidents (and their dead) lie within a radius of the
// checked point over the last days ending on the day.
type Count struct {
	WithinKM  int
	Days      int
	Incidents int
	Killed    int
}

// CountRadiiKM and CountDays are the rings and spans a point check counts.
var (
	CountRadiiKM = []int{10, 25, 50}
	CountDays    = []int{30, 90, 365}
)

// PointCheck is the answer for one point: the score of the cell holding it.
type PointCheck struct {
	Point  orb.Point
	Day    time.Time
	Cell   CellID
	Centre orb.Point
	InGrid bool   // the cell is one of the Badia grid's
	Region string // the Badia region holding the point, "" outside the Badia
	Score  float64
	// Level is NotAssessed outside the grid (outside the Badia), with the Reason.
	Level     Level
	Reason    string
	Incidents int // incidents counted in the score
	// LeftOut counts the incidents within the cutoff of the cell's centre
	// in the window that were not scored: located more coarsely than
	// MaxScoredPrecision (the cell's CellScore.LeftOut).
	LeftOut       int
	Contributors  []Contributor
	Counts        []Count // scored incidents only
	TruffleSeason bool
}

// NotInBadia is the reason a point or an area outside the Badia (outside
// every hexagon of the grid) is NotAssessed.
const NotInBadia = "outside the Badia: the risk model scores only the hexagons over the Badia regions, so it does not assess this place (which does not make it safe)"

// RegionOf is the code of the region of regions holding p, "" for none.
func RegionOf(regions []geo.Region, p orb.Point) string {
	for _, r := range regions {
		if r.Geom.Bound().Contains(p) && planar.MultiPolygonContains(r.Geom, p) {
			return r.Code
		}
	}
	return ""
}

// scan selects what may matter within metres of box over days days ending on day.
func scan(ctx context.Context, store geo.Store, f geo.IncidentFilter, day time.Time, days int, box orb.Bound, metres float64, fn func(*geo.Incident)) error {
	q := Params{WindowDays: days, SigmaKM: metres / 1000, CutoffSigmas: 1}
	return store.ScanIncidents(ctx, q.WindowFilter(f, day, &box), geo.Page{}, func(inc *geo.Incident) error {
		fn(inc)
		return nil
	})
}

// CheckPoint scores the cell holding pt on day from the incidents f selects,
// lists the top contributors (at most top) and counts the incidents around pt.
// badia are the Badia regions, to name the one pt lies in. A point whose
// cell is not in the grid (no hexagon of the map reaches it: it lies outside
// the Badia) is NotAssessed, and nothing is scored or counted.
func CheckPoint(ctx context.Context, store geo.Store, grid *Grid, badia []geo.Region, p Params, day time.Time, f geo.IncidentFilter, pt orb.Point, top int) (*PointCheck, error) {
	day = Day(day)
	id := grid.CellOf(pt)
	_, inGrid := grid.Index(id)
	c := &PointCheck{Point: pt, Day: day, Cell: id, Centre: grid.Centre(id), InGrid: inGrid,
		Region: RegionOf(badia, pt), TruffleSeason: InTruffleSeason(day)}
	if !inGrid {
		c.Level, c.Reason = NotAssessed, NotInBadia
		return c, nil
	}
	for _, r := range CountRadiiKM {
		for _, d := range CountDays {
			c.Counts = append(c.Counts, Count{WithinKM: r, Days: d})
		}
	}
	maxDays, maxKM := p.WindowDays, 0
	for _, d := range CountDays {
		maxDays = max(maxDays, d)
	}
	for _, r := range CountRadiiKM {
		maxKM = max(maxKM, r)
	}
	box := orb.MultiPoint{pt, c.Centre}.Bound()
	var contrib []Contributor
	err := scan(ctx, store, f, day, maxDays, box, math.Max(p.CutoffMetres(), float64(maxKM)*1000), func(inc *geo.Incident) {
		near := p.InWindow(inc, day) && Distance(c.Centre, inc.Location) <= p.CutoffMetres()
		if !Scored(inc) {
			if near {
				c.LeftOut++
			}
			return
		}
		if near {
			v := p.Contribution(inc, c.Centre, day)
			c.Score += v
			c.Incidents++
			contrib = append(contrib, p.contributor(inc, day, Distance(pt, inc.Location), v))
		}
		d, age := Distance(pt, inc.Location), AgeDays(inc, day)
		for k := range c.Counts {
			n := &c.Counts[k]
			if d <= float64(n.WithinKM)*1000 && age >= 0 && age < n.Days {
				n.Incidents++
				n.Killed += inc.Casualties.Killed()
			}
		}
	})
	if err != nil {
		return nil, err
	}
	c.Level = p.LevelOf(c.Score)
	c.Contributors = topContributors(contrib, c.Score, top)
	return c, nil
}

func topContributors(list []Contributor, score float64, top int) []Contributor {
	sort.SliceStable(list, func(a, b int) bool {
		if list[a].Contribution != list[b].Contribution {
			return list[a].Contribution > list[b].Contribution
		}
		return list[a].Incident.ID < list[b].Incident.ID
	})
	if len(list) > top {
		list = list[:top]
	}
	for k := range list {
		if score > 0 {
			list[k].Share = list[k].Contribution / score
		}
	}
	return list
}

// AreaCell is one cell an area check covers.
type AreaCell struct {
	Cover
	Share     float64 // of the area's ground area
	Score     float64
	Level     Level // NotAssessed outside the grid
	Incidents int
	InGrid    bool
}

// AreaCheck is the answer for an area.
type AreaCheck struct {
	Day     time.Time
	AreaKM2 float64
	Cells   []AreaCell
	Highest int // index in Cells of the highest score among the grid's cells
	// AssessedShare is the share of the area in cells of the grid; the rest
	// lies outside the Badia and is NotAssessed.
	AssessedShare float64
	// WeightedScore is the grid cells' scores weighted by the share of the
	// assessed area in each. WeightedLevel is NotAssessed, with the Reason,
	// when no cell of the area is in the grid.
	WeightedScore float64
	WeightedLevel Level
	Reason        string
	// LeftOut counts the incidents within the cutoff of a grid cell's
	// centre in the window that were not scored (too coarsely located).
	LeftOut       int
	Contributors  []Contributor // by area-weighted contribution
	Regions       []string      // Badia regions the area's cells mostly lie in
	TruffleSeason bool
}

// CheckArea scores every grid cell mp overlaps (validate mp with
// ValidateArea first), their highest and area-weighted levels, and the
// incidents that add most to the area-weighted score. Cells outside the
// grid (outside the Badia) are NotAssessed and weigh nothing; an area with
// no cell in the grid is NotAssessed as a whole.
func CheckArea(ctx context.Context, store geo.Store, grid *Grid, p Params, day time.Time, f geo.IncidentFilter, mp orb.MultiPolygon, top int) (*AreaCheck, error) {
	day = Day(day)
	covers := grid.CoverCells(mp)
	a := &AreaCheck{Day: day, TruffleSeason: InTruffleSeason(day)}
	assessedKM2 := 0.0
	for _, cv := range covers {
		a.AreaKM2 += cv.AreaKM2
		if _, in := grid.Index(cv.ID); in {
			assessedKM2 += cv.AreaKM2
		}
	}
	regions := map[string]bool{}
	for _, cv := range covers {
		k, in := grid.Index(cv.ID)
		ac := AreaCell{Cover: cv, InGrid: in, Level: NotAssessed}
		if a.AreaKM2 > 0 {
			ac.Share = cv.AreaKM2 / a.AreaKM2
		}
		if in && grid.Cells[k].Region != "" && !regions[grid.Cells[k].Region] {
			regions[grid.Cells[k].Region] = true
			a.Regions = append(a.Regions, grid.Cells[k].Region)
		}
		a.Cells = append(a.Cells, ac)
	}
	sort.Strings(a.Regions)
	if a.AreaKM2 > 0 {
		a.AssessedShare = assessedKM2 / a.AreaKM2
	}
	if assessedKM2 <= 0 {
		a.WeightedLevel, a.Reason = NotAssessed, NotInBadia
		return a, nil
	}
	var in []int // indexes in Cells of the grid's cells
	var centres []orb.Point
	for k := range a.Cells {
		if a.Cells[k].InGrid {
			in = append(in, k)
			centres = append(centres, grid.Centre(a.Cells[k].ID))
		}
	}
	box := orb.MultiPoint(centres).Bound()
	byID := map[int64]*Contributor{}
	err := scan(ctx, store, f, day, p.WindowDays, box, p.CutoffMetres(), func(inc *geo.Incident) {
		if !p.InWindow(inc, day) {
			return
		}
		scored := Scored(inc)
		var weighted float64
		counted := false
		for n, k := range in {
			if Distance(centres[n], inc.Location) > p.CutoffMetres() {
				continue
			}
			counted = true
			if !scored {
				break
			}
			v := p.Contribution(inc, centres[n], day)
			a.Cells[k].Score += v
			a.Cells[k].Incidents++
			weighted += v * a.Cells[k].AreaKM2 / assessedKM2
		}
		switch {
		case counted && !scored:
			a.LeftOut++
		case counted:
			c := p.contributor(inc, day, DistanceToArea(inc.Location, mp), weighted)
			byID[inc.ID] = &c
		}
	})
	if err != nil {
		return nil, err
	}
	a.Highest = in[0]
	for _, k := range in {
		c := &a.Cells[k]
		c.Level = p.LevelOf(c.Score)
		a.WeightedScore += c.Score * c.AreaKM2 / assessedKM2
		if c.Score > a.Cells[a.Highest].Score {
			a.Highest = k
		}
	}
	a.WeightedLevel = p.LevelOf(a.WeightedScore)
	list := make([]Contributor, 0, len(byID))
	for _, c := range byID {
		list = append(list, *c)
	}
	a.Contributors = topContributors(list, a.WeightedScore, top)
	return a, nil
}
