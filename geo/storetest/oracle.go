package storetest

import (
	"fmt"
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

// expectJoin joins inc as every store must, over regions.
func expectJoin(regions []geo.Region, inc *geo.Incident) {
	govs := map[string]bool{}
	for _, r := range regions {
		if r.Kind == geo.KindGovernorate {
			govs[r.Code] = true
		}
	}
	gov, badia := newBruteJoin(regions).join(inc.Location)
	joinByPrecision(inc, gov, badia, govs)
}

// Expected is the incidents a store must hold after loading fixtures: ids
// 1..n in import order, joined by JoinRule and the precision rule.
func Expected(fx *Fixtures, regions []geo.Region) []geo.Incident {
	all := fx.All()
	j := newBruteJoin(regions)
	govs := map[string]bool{}
	for _, r := range regions {
		if r.Kind == geo.KindGovernorate {
			govs[r.Code] = true
		}
	}
	for i := range all {
		all[i].ID = int64(i + 1)
		all[i].Status, all[i].Version = geo.StatusPublished, 1 // an import publishes version 1
		gov, badia := j.join(all[i].Location)
		joinByPrecision(&all[i], gov, badia, govs)
	}
	return all
}

// The precision rule, written out here apart from package geo's: the suite
// holds the stores (and geo) to the rule, so it must not share their code.
//
//	1-2: governorate and Badia region of the point
//	3:   governorate of the point, no Badia region
//	4-5: the governorate the source names when the store holds it, else the point's; no Badia region
//	6-7: nothing
func locatedClass(precision int) string {
	switch precision {
	case 1, 2:
		return "point"
	case 3:
		return "district"
	case 4, 5:
		return "governorate"
	}
	return "country"
}

func joinByPrecision(inc *geo.Incident, gov, badia string, govs map[string]bool) {
	switch locatedClass(inc.GeoPrecision) {
	case "point":
		inc.Governorate, inc.Region, inc.JoinBasis = gov, badia, "point"
	case "district":
		inc.Governorate, inc.Region, inc.JoinBasis = gov, "", "point"
	case "governorate":
		inc.Governorate, inc.Region, inc.JoinBasis = gov, "", "point"
		if govs[inc.SourceGovernorate] {
			inc.Governorate, inc.JoinBasis = inc.SourceGovernorate, "source_admin1"
		}
	default:
		inc.Governorate, inc.Region, inc.JoinBasis = "", "", "none"
	}
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

// expectedStats is geo.Totals.Add over what f matches, by key and (by
// region and by governorate) location class: every match in one group.
func expectedStats(want []geo.Incident, f geo.IncidentFilter, by geo.GroupBy) []geo.GroupTotals {
	type groupKey struct{ key, located string }
	groups := map[groupKey]*geo.Totals{}
	for i := range want {
		inc := &want[i]
		if !f.Match(inc) {
			continue
		}
		var k groupKey
		switch by {
		case geo.ByRegion:
			k = groupKey{inc.Region, locatedClass(inc.GeoPrecision)}
		case geo.ByGovernorate:
			k = groupKey{inc.Governorate, locatedClass(inc.GeoPrecision)}
		case geo.ByMonth:
			k.key = inc.DateStart.Format("2006-01")
		case geo.ByWeek:
			y, w := inc.DateStart.ISOWeek()
			k.key = fmt.Sprintf("%04d-W%02d", y, w)
		case geo.ByEventType:
			k.key = inc.EventType
		}
		if groups[k] == nil {
			groups[k] = &geo.Totals{}
		}
		groups[k].Add(inc)
	}
	out := []geo.GroupTotals{}
	for k, t := range groups {
		out = append(out, geo.GroupTotals{Key: k.key, Located: geo.Located(k.located), Totals: *t})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Located < out[j].Located
	})
	return out
}

func sortByCode(regions []geo.Region) {
	sort.Slice(regions, func(i, j int) bool { return regions[i].Code < regions[j].Code })
}
