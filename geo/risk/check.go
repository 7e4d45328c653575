package risk

import (
	"context"
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
	Point         orb.Point
	Day           time.Time
	Cell          CellID
	Centre        orb.Point
	InGrid        bool   // the cell is one of the Badia grid's
	Region        string // the Badia region holding the point, "" outside the Badia
	Score         float64
	Level         Level
	Incidents     int // incidents counted in the score
	Contributors  []Contributor
	Counts        []Count
	TruffleSeason bool
}

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
// badia are the Badia regions, to name the one pt lies in.
func CheckPoint(ctx context.Context, store geo.Store, grid *Grid, badia []geo.Region, p Params, day time.Time, f geo.IncidentFilter, pt orb.Point, top int) (*PointCheck, error) {
	day = Day(day)
	id := grid.CellOf(pt)
	_, inGrid := grid.Index(id)
	c := &PointCheck{Point: pt, Day: day, Cell: id, Centre: grid.Centre(id), InGrid: inGrid,
		Region: RegionOf(badia, pt), TruffleSeason: InTruffleSeason(day)}
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
		if v := p.Contribution(inc, c.Centre, day); v > 0 || p.InWindow(inc, day) && Distance(c.Centre, inc.Location) <= p.CutoffMetres() {
			c.Score += v
			c.Incidents++
			contrib = append(contrib, Contributor{Incident: *inc, Kind: KindOf(inc), AgeDays: AgeDays(inc, day),
				DistanceM: Distance(pt, inc.Location), Contribution: v})
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
	Level     Level
	Incidents int
	InGrid    bool
}

// AreaCheck is the answer for an area.
type AreaCheck struct {
	Day           time.Time
	AreaKM2       float64
	Cells         []AreaCell
	Highest       int     // index in Cells of the highest score
	WeightedScore float64 // the cells' scores weighted by the share of the area in each
	WeightedLevel Level
	Contributors  []Contributor // by area-weighted contribution
	Regions       []string      // Badia regions the area's cells mostly lie in
	TruffleSeason bool
}

// CheckArea scores every cell mp overlaps (validate mp with ValidateArea
// first), their highest and area-weighted levels, and the incidents that
// add most to the area-weighted score.
func CheckArea(ctx context.Context, store geo.Store, grid *Grid, p Params, day time.Time, f geo.IncidentFilter, mp orb.MultiPolygon, top int) (*AreaCheck, error) {
	day = Day(day)
	covers := grid.CoverCells(mp)
	a := &AreaCheck{Day: day, TruffleSeason: InTruffleSeason(day)}
	for _, cv := range covers {
		a.AreaKM2 += cv.AreaKM2
	}
	regions := map[string]bool{}
	for _, cv := range covers {
		k, in := grid.Index(cv.ID)
		ac := AreaCell{Cover: cv, InGrid: in}
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
	if len(covers) == 0 {
		return a, nil
	}
	centres := make([]orb.Point, len(a.Cells))
	for k := range a.Cells {
		centres[k] = grid.Centre(a.Cells[k].ID)
	}
	box := orb.MultiPoint(centres).Bound()
	byID := map[int64]*Contributor{}
	err := scan(ctx, store, f, day, p.WindowDays, box, p.CutoffMetres(), func(inc *geo.Incident) {
		var weighted float64
		counted := false
		for k := range a.Cells {
			if !p.InWindow(inc, day) || Distance(centres[k], inc.Location) > p.CutoffMetres() {
				continue
			}
			v := p.Contribution(inc, centres[k], day)
			a.Cells[k].Score += v
			a.Cells[k].Incidents++
			weighted += v * a.Cells[k].Share
			counted = true
		}
		if counted {
			byID[inc.ID] = &Contributor{Incident: *inc, Kind: KindOf(inc), AgeDays: AgeDays(inc, day),
				DistanceM: DistanceToArea(inc.Location, mp), Contribution: weighted}
		}
	})
	if err != nil {
		return nil, err
	}
	for k := range a.Cells {
		c := &a.Cells[k]
		c.Level = p.LevelOf(c.Score)
		a.WeightedScore += c.Score * c.Share
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
