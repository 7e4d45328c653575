package web

import (
	"context"
	"sort"

	"github.com/badiamap/badiamap/geo"
)

// The lines of a region table: what the matching incidents add up to,
// region by region and by how precisely they are located (the precision
// rule, geo/precision.go), so nothing is silently dropped: the lines of one
// table add up to every incident the filter matches.
const (
	linePoint       = "point"       // located to within about 25 km, in the region
	lineDistrict    = "district"    // a governorate's incidents located to a district only
	lineGovernorate = "governorate" // a governorate's incidents located to the governorate only
	lineLeftOut     = "left_out"    // a Badia region's governorate's incidents located too coarsely to say whether they were in it
	lineOutside     = "outside"     // located, but in no region of the kind
	lineCountry     = "country"     // located to the country only (or abroad): joined to nothing
)

// regionLine is one line of a region table.
type regionLine struct {
	Key  string // region code, "" for the outside and country lines
	Line string
	geo.Totals
}

// regionLines is the region table of the incidents f matches for regions
// of kind, ordered by key and line. Badia regions take their points; the
// coarse incidents of a governorate with a Badia region are that region's
// left_out line.
func (s *Server) regionLines(ctx context.Context, f geo.IncidentFilter, kind geo.RegionKind) ([]regionLine, error) {
	byGov, err := s.store.Stats(ctx, f, geo.ByGovernorate)
	if err != nil {
		return nil, s.storeError(err)
	}
	lines := map[[2]string]*geo.Totals{}
	add := func(key, line string, t geo.Totals) {
		k := [2]string{key, line}
		if lines[k] == nil {
			lines[k] = &geo.Totals{}
		}
		lines[k].AddTotals(t)
	}
	if kind == geo.KindGovernorate {
		for _, g := range byGov {
			switch {
			case g.Located == geo.LocatedCountry:
				add("", lineCountry, g.Totals)
			case g.Key == "":
				add("", lineOutside, g.Totals)
			default:
				add(g.Key, string(g.Located), g.Totals)
			}
		}
		return sortedLines(lines), nil
	}
	regions, err := s.store.Regions(ctx, geo.KindBadia)
	if err != nil {
		return nil, s.storeError(err)
	}
	badiaOf := map[string]string{} // governorate -> its Badia region
	for _, r := range regions {
		badiaOf[r.Parent] = r.Code
	}
	for _, g := range byGov {
		if g.Located != geo.LocatedDistrict && g.Located != geo.LocatedGovernorate {
			continue
		}
		if code := badiaOf[g.Key]; code != "" && g.Key != "" {
			add(code, lineLeftOut, g.Totals)
		} else {
			add("", lineOutside, g.Totals)
		}
	}
	byRegion, err := s.store.Stats(ctx, f, geo.ByRegion)
	if err != nil {
		return nil, s.storeError(err)
	}
	for _, g := range byRegion {
		switch {
		case g.Located == geo.LocatedCountry:
			add("", lineCountry, g.Totals)
		case g.Located != geo.LocatedPoint: // counted by governorate above
		case g.Key == "":
			add("", lineOutside, g.Totals)
		default:
			add(g.Key, linePoint, g.Totals)
		}
	}
	return sortedLines(lines), nil
}

func sortedLines(m map[[2]string]*geo.Totals) []regionLine {
	out := make([]regionLine, 0, len(m))
	for k, t := range m {
		out = append(out, regionLine{Key: k[0], Line: k[1], Totals: *t})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Line < out[j].Line
	})
	return out
}

// inRegion says whether a line counts in its region's own totals: a
// governorate's points, district and governorate lines; a Badia region's
// points only.
func inRegion(l regionLine) bool {
	return l.Key != "" && l.Line != lineLeftOut
}

// regionTable is a region table folded for the wire, as /api/regions and
// the OGC region collections give it: each region's own totals (inRegion)
// and its lines, the lines of what no region holds, and their sums.
type regionTable struct {
	own       map[string]*geo.Totals
	lines     map[string]map[string]totalsJSON // region code -> line -> totals
	rest      map[string]*geo.Totals           // left_out, outside, country
	inRegions geo.Totals                       // every region's own totals
	all       geo.Totals                       // every line: every incident the filter matches
}

// regionTable folds the region table of the incidents f matches for
// regions of kind (regionLines).
func (s *Server) regionTable(ctx context.Context, f geo.IncidentFilter, kind geo.RegionKind) (regionTable, error) {
	lines, err := s.regionLines(ctx, f, kind)
	if err != nil {
		return regionTable{}, err
	}
	tab := regionTable{own: map[string]*geo.Totals{}, lines: map[string]map[string]totalsJSON{}, rest: map[string]*geo.Totals{}}
	for _, l := range lines {
		tab.all.AddTotals(l.Totals)
		if l.Key == "" || l.Line == lineLeftOut {
			if tab.rest[l.Line] == nil {
				tab.rest[l.Line] = &geo.Totals{}
			}
			tab.rest[l.Line].AddTotals(l.Totals)
		}
		if l.Key == "" {
			continue
		}
		if tab.lines[l.Key] == nil {
			tab.lines[l.Key] = map[string]totalsJSON{}
		}
		tab.lines[l.Key][l.Line] = toTotalsJSON("", l.Totals)
		if inRegion(l) {
			if tab.own[l.Key] == nil {
				tab.own[l.Key] = &geo.Totals{}
			}
			tab.own[l.Key].AddTotals(l.Totals)
			tab.inRegions.AddTotals(l.Totals)
		}
	}
	return tab, nil
}

// feature is r as GeoJSON with its own totals and its lines.
func (tab regionTable) feature(r geo.Region) *feature {
	var t geo.Totals
	if tab.own[r.Code] != nil {
		t = *tab.own[r.Code]
	}
	feat := regionFeature(r, &t)
	feat.Properties["lines"] = tab.lines[r.Code]
	return feat
}

// restJSON is the lines of what no region holds, in a fixed order.
func (tab regionTable) restJSON() []map[string]any {
	out := []map[string]any{}
	for _, name := range []string{lineLeftOut, lineOutside, lineCountry} {
		if t := tab.rest[name]; t != nil {
			out = append(out, lineJSON(name, *t))
		}
	}
	return out
}
