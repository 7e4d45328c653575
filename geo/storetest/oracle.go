package storetest

import (
	"math"
	"sort"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// The oracle answers from the fixtures alone, by brute force, with no index
// and no store: what every store must answer.

// JoinRule is the join every store implements, by brute force over regions:
// a region of a kind holds a point inside it or on any of its rings (planar
// containment, or a zero cross product within a segment's box); among
// several, the lowest code wins. It returns the governorate and Badia region
// of a point, "" for none.
func JoinRule(regions []geo.Region) func(p orb.Point) (gov, badia string) {
	return newBruteJoin(regions).join
}

// bruteJoin tries every region, skipping only those whose bounding box
// misses the point.
type bruteJoin struct {
	regions []geo.Region
	bounds  []orb.Bound
}

func newBruteJoin(regions []geo.Region) *bruteJoin {
	b := &bruteJoin{regions: regions, bounds: make([]orb.Bound, len(regions))}
	for i, r := range regions {
		b.bounds[i] = r.Geom.Bound()
	}
	return b
}

func (b *bruteJoin) join(p orb.Point) (gov, badia string) {
	for i, r := range b.regions {
		if !b.bounds[i].Contains(p) {
			continue
		}
		var slot *string
		switch r.Kind {
		case geo.KindGovernorate:
			slot = &gov
		case geo.KindBadia:
			slot = &badia
		default:
			continue
		}
		if *slot != "" && *slot < r.Code {
			continue
		}
		if holds(r.Geom, p) {
			*slot = r.Code
		}
	}
	return gov, badia
}

func holds(mp orb.MultiPolygon, p orb.Point) bool {
	if planar.MultiPolygonContains(mp, p) {
		return true
	}
	for _, poly := range mp {
		for _, ring := range poly {
			for i := 1; i < len(ring); i++ {
				a, b := ring[i-1], ring[i]
				if p[0] < math.Min(a[0], b[0]) || p[0] > math.Max(a[0], b[0]) || p[1] < math.Min(a[1], b[1]) || p[1] > math.Max(a[1], b[1]) {
					continue
				}
				if (b[0]-a[0])*(p[1]-a[1]) == (b[1]-a[1])*(p[0]-a[0]) {
					return true
				}
			}
		}
	}
	return false
}

// Expected is the incidents a store must hold after loading fixtures: ids
// 1..n in import order, joined by JoinRule.
func Expected(fx *Fixtures, regions []geo.Region) []geo.Incident {
	all := fx.All()
	j := newBruteJoin(regions)
	for i := range all {
		all[i].ID = int64(i + 1)
		all[i].Governorate, all[i].Region = j.join(all[i].Location)
	}
	return all
}

// expectedIDs is what geo.IncidentFilter.Match selects.
func expectedIDs(want []geo.Incident, f geo.IncidentFilter) []int64 {
	var ids []int64
	for i := range want {
		if f.Match(&want[i]) {
			ids = append(ids, want[i].ID)
		}
	}
	return ids
}

// expectedStats is geo.Totals.Add over what f matches, by key.
func expectedStats(want []geo.Incident, f geo.IncidentFilter, by geo.GroupBy) []geo.GroupTotals {
	groups := map[string]*geo.Totals{}
	for i := range want {
		if !f.Match(&want[i]) {
			continue
		}
		k, ok := geo.GroupKey(&want[i], by)
		if !ok {
			continue
		}
		if groups[k] == nil {
			groups[k] = &geo.Totals{}
		}
		groups[k].Add(&want[i])
	}
	out := []geo.GroupTotals{}
	for k, t := range groups {
		out = append(out, geo.GroupTotals{Key: k, Totals: *t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func sortByCode(regions []geo.Region) {
	sort.Slice(regions, func(i, j int) bool { return regions[i].Code < regions[j].Code })
}
