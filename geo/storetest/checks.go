package storetest

import (
	"context"
	"fmt"
	"reflect"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
)

// checkRegions: Regions returns the fixture regions by code, kind filter
// included, with their geometry.
func checkRegions(ctx context.Context, c *Case) []string {
	var diffs []string
	for _, kinds := range [][]geo.RegionKind{nil, {geo.KindGovernorate}, {geo.KindBadia}, {geo.KindGovernorate, geo.KindBadia}, {geo.KindCustom}} {
		got, err := c.Store.Regions(ctx, kinds...)
		if err != nil {
			diffs = append(diffs, fmt.Sprintf("Regions(%v): %v", kinds, err))
			continue
		}
		var want []geo.Region
		for _, r := range c.Fx.Regions {
			if len(kinds) == 0 || hasKind(kinds, r.Kind) {
				want = append(want, r)
			}
		}
		sortByCode(want)
		if len(got) != len(want) {
			diffs = append(diffs, fmt.Sprintf("Regions(%v): %d regions, want %d", kinds, len(got), len(want)))
			continue
		}
		for i := range got {
			g, w := got[i], want[i]
			if g.Code != w.Code || g.Kind != w.Kind || g.NameEN != w.NameEN || g.NameAR != w.NameAR || g.Parent != w.Parent {
				diffs = append(diffs, fmt.Sprintf("Regions(%v)[%d]: %s %s %q %q parent %q, want %s %s %q %q parent %q",
					kinds, i, g.Code, g.Kind, g.NameEN, g.NameAR, g.Parent, w.Code, w.Kind, w.NameEN, w.NameAR, w.Parent))
				continue
			}
			if !sameMultiPolygon(g.Geom, w.Geom) {
				diffs = append(diffs, fmt.Sprintf("Regions: %s geometry differs from the one stored", g.Code))
			}
		}
	}
	return diffs
}

// sameMultiPolygon compares by polygons, rings and points; a store may
// start a ring elsewhere or wind it the other way, so each ring is compared
// as a set of vertices.
func sameMultiPolygon(a, b orb.MultiPolygon) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if !sameRing(a[i][j], b[i][j]) {
				return false
			}
		}
	}
	return true
}

func sameRing(a, b orb.Ring) bool {
	if len(a) != len(b) {
		return false
	}
	set := map[orb.Point]int{}
	for _, p := range a {
		set[p]++
	}
	for _, p := range b {
		set[p]--
	}
	for _, n := range set {
		if n != 0 {
			return false
		}
	}
	return true
}

// checkIncidents: every incident comes back with its id, every field it was
// imported with, and the oracle's governorate and Badia region; by
// Incident(id) for a sample and by a full scan for all.
func checkIncidents(ctx context.Context, c *Case) []string {
	var diffs []string
	got, err := scanAll(ctx, c.Store, geo.IncidentFilter{}, geo.Page{})
	if err != nil {
		return []string{fmt.Sprintf("ScanIncidents: %v", err)}
	}
	if d := diffIDs(ids(got), ids(c.Want)); d != "" {
		return []string{"scan of everything: " + d}
	}
	for i := range got {
		if d := compareIncident(&got[i], &c.Want[i]); d != "" {
			diffs = append(diffs, d)
		}
	}
	// Incident(id) for every edge case and every 97th incident.
	for i := range c.Want {
		w := &c.Want[i]
		if i%97 != 0 && w.ExternalID[:10] != "storetest:" {
			continue
		}
		inc, err := c.Store.Incident(ctx, w.ID)
		if err != nil {
			diffs = append(diffs, fmt.Sprintf("Incident(%d): %v", w.ID, err))
			continue
		}
		if d := compareIncident(&inc, w); d != "" {
			diffs = append(diffs, "Incident(): "+d)
		}
	}
	return limit(diffs)
}

// compareIncident names the first fields of got that differ from want
// (timestamps excepted: the store sets them).
func compareIncident(got, want *geo.Incident) string {
	g, w := *got, *want
	// Timestamps are the store's own and are not compared.
	var bad []string
	field := func(name string, ok bool, gv, wv any) {
		if !ok {
			bad = append(bad, fmt.Sprintf("%s %v, want %v", name, gv, wv))
		}
	}
	field("id", g.ID == w.ID, g.ID, w.ID)
	field("external id", g.ExternalID == w.ExternalID, g.ExternalID, w.ExternalID)
	field("governorate", g.Governorate == w.Governorate, g.Governorate, w.Governorate)
	field("region", g.Region == w.Region, g.Region, w.Region)
	field("join basis", g.JoinBasis == w.JoinBasis, g.JoinBasis, w.JoinBasis)
	field("status", g.Status == w.Status, g.Status, w.Status)
	field("version", g.Version == w.Version, g.Version, w.Version)
	field("illustrative", g.Illustrative == w.Illustrative, g.Illustrative, w.Illustrative)
	field("date start", g.DateStart.Equal(w.DateStart), g.DateStart, w.DateStart)
	field("date end", g.DateEnd.Equal(w.DateEnd), g.DateEnd, w.DateEnd)
	field("date precision", g.DatePrecision == w.DatePrecision, g.DatePrecision, w.DatePrecision)
	field("location", g.Location == w.Location, g.Location, w.Location)
	field("geo precision", g.GeoPrecision == w.GeoPrecision, g.GeoPrecision, w.GeoPrecision)
	field("location name", g.LocationName == w.LocationName, g.LocationName, w.LocationName)
	field("source admin1", g.SourceAdmin1 == w.SourceAdmin1, g.SourceAdmin1, w.SourceAdmin1)
	field("source admin2", g.SourceAdmin2 == w.SourceAdmin2, g.SourceAdmin2, w.SourceAdmin2)
	field("source governorate", g.SourceGovernorate == w.SourceGovernorate, g.SourceGovernorate, w.SourceGovernorate)
	field("event type", g.EventType == w.EventType, g.EventType, w.EventType)
	field("sub-event type", g.SubEventType == w.SubEventType, g.SubEventType, w.SubEventType)
	field("perpetrator", g.Perpetrator == w.Perpetrator, g.Perpetrator, w.Perpetrator)
	field("target", g.Target == w.Target, g.Target, w.Target)
	field("casualties", g.Casualties == w.Casualties, g.Casualties, w.Casualties)
	field("deaths", reflect.DeepEqual(g.Deaths, w.Deaths), g.Deaths, w.Deaths)
	field("notes", g.Notes == w.Notes, g.Notes, w.Notes)
	sameSources := len(g.Sources) == len(w.Sources)
	for i := 0; sameSources && i < len(g.Sources); i++ {
		a, b := g.Sources[i], w.Sources[i]
		sameSources = a.Name == b.Name && a.URL == b.URL && a.Headline == b.Headline && a.Date.Equal(b.Date)
	}
	field("sources", sameSources, g.Sources, w.Sources)
	if len(bad) == 0 {
		return ""
	}
	return fmt.Sprintf("incident %d (%s): %v", w.ID, w.ExternalID, bad)
}

func limit(diffs []string) []string {
	if len(diffs) > 20 {
		return append(diffs[:20], fmt.Sprintf("... and %d more", len(diffs)-20))
	}
	return diffs
}

// checkNotFound: ids outside 1..n are geo.ErrNotFound.
func checkNotFound(ctx context.Context, c *Case) []string {
	var diffs []string
	for _, id := range []int64{0, -1, int64(len(c.Want)) + 1, 1 << 40} {
		if _, err := c.Store.Incident(ctx, id); !isNotFound(err) {
			diffs = append(diffs, fmt.Sprintf("Incident(%d): error %v, want geo.ErrNotFound", id, err))
		}
	}
	return diffs
}

// checkFilters: for every row of the filter table, the same ids in the same
// order as geo.IncidentFilter.Match, and the same count.
func checkFilters(ctx context.Context, c *Case) []string {
	var diffs []string
	for _, nf := range c.Filters {
		want := expectedIDs(c.Want, nf.Filter)
		if nf.Some && len(want) == 0 {
			diffs = append(diffs, fmt.Sprintf("filter %q: the oracle selects nothing, so the fixtures do not exercise it", nf.Name))
		}
		got, err := scanAll(ctx, c.Store, nf.Filter, geo.Page{})
		if err != nil {
			diffs = append(diffs, fmt.Sprintf("filter %q: ScanIncidents: %v", nf.Name, err))
			continue
		}
		if d := diffIDs(ids(got), want); d != "" {
			diffs = append(diffs, fmt.Sprintf("filter %q: %s", nf.Name, d))
		}
		n, err := c.Store.CountIncidents(ctx, nf.Filter)
		if err != nil || n != len(want) {
			diffs = append(diffs, fmt.Sprintf("filter %q: CountIncidents %d (error %v), want %d", nf.Name, n, err, len(want)))
		}
	}
	return diffs
}

// checkStats: for every grouping and a few filters, the same groups with the
// same totals as geo.Totals.Add over Match.
func checkStats(ctx context.Context, c *Case) []string {
	var diffs []string
	for _, nf := range c.Filters {
		switch nf.Name {
		case "everything", "governorate", "two badia regions", "victims civilians", "from to", "text arabic", "unknown governorate",
			"precision 2", "illustrative", "cql killed and governorate", "cql period and governorate field":
		default:
			continue
		}
		for _, by := range geo.GroupBys {
			want := expectedStats(c.Want, nf.Filter, by)
			got, err := c.Store.Stats(ctx, nf.Filter, by)
			if err != nil {
				diffs = append(diffs, fmt.Sprintf("Stats(%q, %s): %v", nf.Name, by, err))
				continue
			}
			if len(got) != len(want) {
				diffs = append(diffs, fmt.Sprintf("Stats(%q, %s): %d groups, want %d", nf.Name, by, len(got), len(want)))
				continue
			}
			for i := range got {
				if d := compareTotals(got[i], want[i]); d != "" {
					diffs = append(diffs, fmt.Sprintf("Stats(%q, %s) group %d: %s", nf.Name, by, i, d))
				}
			}
		}
	}
	if _, err := c.Store.Stats(ctx, geo.IncidentFilter{}, geo.GroupBy("no-such-grouping")); err == nil {
		diffs = append(diffs, "Stats with an unknown grouping: no error")
	}
	return limit(diffs)
}

func compareTotals(g, w geo.GroupTotals) string {
	if g.Key != w.Key || g.Operations != w.Operations || g.Killed != w.Killed || g.Casualties != w.Casualties ||
		!g.FirstDate.Equal(w.FirstDate) || !g.LastDate.Equal(w.LastDate) {
		return fmt.Sprintf("got %s: %d ops, %d killed, %+v, %s..%s; want %s: %d ops, %d killed, %+v, %s..%s",
			g.Key, g.Operations, g.Killed, g.Casualties, g.FirstDate.Format(geo.DateLayout), g.LastDate.Format(geo.DateLayout),
			w.Key, w.Operations, w.Killed, w.Casualties, w.FirstDate.Format(geo.DateLayout), w.LastDate.Format(geo.DateLayout))
	}
	return ""
}

// checkPaging: keyset pages of several sizes visit every id exactly once, in
// ascending order, with and without a filter; fn's error stops a scan.
func checkPaging(ctx context.Context, c *Case) []string {
	var diffs []string
	filters := []NamedFilter{{Name: "everything"}}
	for _, nf := range c.Filters {
		if nf.Name == "badia region" || nf.Name == "victims civilians" || nf.Name == "bbox Palmyra" || nf.Name == "cql triangle" {
			filters = append(filters, nf)
		}
	}
	for _, nf := range filters {
		want := expectedIDs(c.Want, nf.Filter)
		for _, size := range []int{1, 7, 100, 1000, len(want), len(want) + 1} {
			if size == 0 || (size == 1 && len(want) > 300) {
				continue // one id per page is for small sets only
			}
			var got []int64
			after := int64(0)
			for pages := 0; ; pages++ {
				if pages > len(want)+1 {
					diffs = append(diffs, fmt.Sprintf("paging %q by %d: more pages than ids", nf.Name, size))
					break
				}
				page, err := scanAll(ctx, c.Store, nf.Filter, geo.Page{After: after, Limit: size})
				if err != nil {
					diffs = append(diffs, fmt.Sprintf("paging %q by %d after %d: %v", nf.Name, size, after, err))
					break
				}
				if len(page) > size {
					diffs = append(diffs, fmt.Sprintf("paging %q by %d after %d: %d incidents, more than the limit", nf.Name, size, after, len(page)))
				}
				got = append(got, ids(page)...)
				if len(page) < size {
					break
				}
				after = page[len(page)-1].ID
			}
			if d := diffIDs(got, want); d != "" {
				diffs = append(diffs, fmt.Sprintf("paging %q by %d: %s", nf.Name, size, d))
			}
		}
	}
	// Starting in the middle: after an id that the filter does not select.
	mid := c.Want[len(c.Want)/2].ID
	got, err := scanAll(ctx, c.Store, geo.IncidentFilter{}, geo.Page{After: mid, Limit: 3})
	if err != nil || len(got) != 3 || got[0].ID != mid+1 || got[2].ID != mid+3 {
		diffs = append(diffs, fmt.Sprintf("page after %d limit 3: ids %v (error %v), want %d..%d", mid, ids(got), err, mid+1, mid+3))
	}
	stop := fmt.Errorf("stop here")
	calls := 0
	err = c.Store.ScanIncidents(ctx, geo.IncidentFilter{}, geo.Page{}, func(*geo.Incident) error {
		calls++
		if calls == 5 {
			return stop
		}
		return nil
	})
	if err != stop || calls != 5 {
		diffs = append(diffs, fmt.Sprintf("a scan whose fn fails at the 5th incident: %d calls, error %v; want 5 calls and fn's error", calls, err))
	}
	return diffs
}

// checkVersionReads: reads leave DataVersion alone.
func checkVersionReads(ctx context.Context, c *Case) []string {
	v0, err := c.Store.DataVersion(ctx)
	if err != nil {
		return []string{fmt.Sprintf("DataVersion: %v", err)}
	}
	f := geo.IncidentFilter{Governorates: []string{c.Want[0].Governorate}}
	c.Store.CountIncidents(ctx, f)
	scanAll(ctx, c.Store, f, geo.Page{Limit: 10})
	c.Store.Stats(ctx, f, geo.ByMonth)
	c.Store.Regions(ctx)
	c.Store.Incident(ctx, 1)
	c.Store.Ping(ctx)
	if v, err := c.Store.DataVersion(ctx); err != nil || v != v0 {
		return []string{fmt.Sprintf("DataVersion went from %d to %d (error %v) after reads only", v0, v, err)}
	}
	return nil
}

func hasKind(kinds []geo.RegionKind, k geo.RegionKind) bool {
	for _, v := range kinds {
		if v == k {
			return true
		}
	}
	return false
}
