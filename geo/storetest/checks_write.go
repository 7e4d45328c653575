package storetest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
)

func version(ctx context.Context, s geo.Store) int64 {
	v, err := s.DataVersion(ctx)
	if err != nil {
		return -1
	}
	return v
}

// compareAll scans everything and compares it with want.
func compareAll(ctx context.Context, s geo.Store, what string, want []geo.Incident) []string {
	got, err := scanAll(ctx, s, geo.IncidentFilter{}, geo.Page{})
	if err != nil {
		return []string{fmt.Sprintf("%s: ScanIncidents: %v", what, err)}
	}
	if d := diffIDs(ids(got), ids(want)); d != "" {
		return []string{what + ": " + d}
	}
	var diffs []string
	for i := range got {
		if d := compareIncident(&got[i], &want[i]); d != "" {
			diffs = append(diffs, what+": "+d)
		}
	}
	return limit(diffs)
}

// checkReplaceRegions: loading governorates without the busiest one re-joins
// exactly the incidents the oracle says, those lose its code, the Badia
// regions stay; restoring the full set brings every join back.
func checkReplaceRegions(ctx context.Context, c *Case) []string {
	var diffs []string
	bad := func(format string, a ...any) { diffs = append(diffs, fmt.Sprintf(format, a...)) }
	removed := mostCommon(c.Want, func(i *geo.Incident) string { return i.Governorate })
	var govs, reduced, all []geo.Region
	for _, r := range c.Fx.Regions {
		if r.Kind != geo.KindGovernorate {
			all = append(all, r)
			continue
		}
		govs = append(govs, r)
		if r.Code != removed {
			reduced = append(reduced, r)
		}
	}
	all = append(all, reduced...)
	want := Expected(c.Fx, all)
	changed := 0
	for i := range want {
		if want[i].Governorate != c.Want[i].Governorate || want[i].Region != c.Want[i].Region {
			changed++
		}
	}
	if changed == 0 {
		bad("the fixtures have no incident in %s, so removing it tests nothing", removed)
	}
	v0 := version(ctx, c.Store)
	n, err := c.Store.ReplaceRegions(ctx, reduced, nil)
	if err != nil {
		return append(diffs, fmt.Sprintf("ReplaceRegions without %s: %v", removed, err))
	}
	if n != changed {
		bad("ReplaceRegions without %s re-joined %d incidents, the oracle says %d", removed, n, changed)
	}
	v1 := version(ctx, c.Store)
	if v1 == v0 {
		bad("DataVersion stayed %d after ReplaceRegions", v0)
	}
	diffs = append(diffs, compareAll(ctx, c.Store, "without "+removed, want)...)
	if k, err := c.Store.CountIncidents(ctx, geo.IncidentFilter{Governorates: []string{removed}}); err != nil || k != 0 {
		bad("without %s, %d incidents (error %v) still joined to it", removed, k, err)
	}
	gotGovs, err := c.Store.Regions(ctx, geo.KindGovernorate)
	if err != nil || len(gotGovs) != len(reduced) {
		bad("without %s: %d governorates (error %v), want %d", removed, len(gotGovs), err, len(reduced))
	}
	for _, r := range gotGovs {
		if r.Code == removed {
			bad("Regions still lists %s after it was replaced away", removed)
		}
	}
	badia, err := c.Store.Regions(ctx, geo.KindBadia)
	wantBadia := 0
	for _, r := range c.Fx.Regions {
		if r.Kind == geo.KindBadia {
			wantBadia++
		}
	}
	if err != nil || len(badia) != wantBadia {
		bad("replacing governorates left %d Badia regions (error %v), want %d", len(badia), err, wantBadia)
	}

	n, err = c.Store.ReplaceRegions(ctx, govs, nil)
	if err != nil {
		return append(diffs, fmt.Sprintf("restoring the governorates: %v", err))
	}
	if n != changed {
		bad("restoring %s re-joined %d incidents, the oracle says %d", removed, n, changed)
	}
	if v := version(ctx, c.Store); v == v1 {
		bad("DataVersion stayed %d after restoring the regions", v)
	}
	diffs = append(diffs, compareAll(ctx, c.Store, "restored", c.Want)...)

	// Two servers loading the same boundaries at once (both started on a
	// store with none): both land, one after the other, and the regions
	// are the set they loaded.
	errs := make(chan error, 2)
	start := make(chan struct{})
	for range 2 {
		go func() {
			<-start
			_, err := c.Store.ReplaceRegions(ctx, govs, nil)
			errs <- err
		}()
	}
	close(start)
	for range 2 {
		if err := <-errs; err != nil {
			bad("two concurrent ReplaceRegions of the same regions: %v", err)
		}
	}
	if got, err := c.Store.Regions(ctx, geo.KindGovernorate); err != nil || len(got) != len(govs) {
		bad("after two concurrent ReplaceRegions: %d governorates (error %v), want %d", len(got), err, len(govs))
	}
	diffs = append(diffs, compareAll(ctx, c.Store, "after two concurrent region loads", c.Want)...)

	// A region set that cannot be stored changes nothing.
	v2 := version(ctx, c.Store)
	broken := []geo.Region{{Code: "SY04", Kind: geo.KindGovernorate, Geom: orb.MultiPolygon{{{{36, 34}, {37, 34}}}}}}
	if _, err := c.Store.ReplaceRegions(ctx, broken, nil); err == nil {
		bad("ReplaceRegions accepted a ring of 2 points")
	}
	if v := version(ctx, c.Store); v != v2 {
		bad("a refused ReplaceRegions changed DataVersion from %d to %d", v2, v)
	}
	return diffs
}

// checkUpsert: importing every batch again inserts nothing and keeps every
// id; changing one incident's place re-joins it and keeps its id.
func checkUpsert(ctx context.Context, c *Case) []string {
	var diffs []string
	bad := func(format string, a ...any) { diffs = append(diffs, fmt.Sprintf(format, a...)) }
	stamps := func() map[string]time.Time {
		m := map[string]time.Time{}
		err := c.Store.ScanIncidents(ctx, geo.IncidentFilter{}, geo.Page{}, func(inc *geo.Incident) error {
			m[inc.ExternalID] = inc.UpdatedAt
			return nil
		})
		if err != nil {
			bad("scanning the updated_at stamps: %v", err)
		}
		return m
	}
	before := stamps()
	next := 0
	for bi, batch := range c.Fx.Batches {
		v0 := version(ctx, c.Store)
		res, err := importBatch(ctx, c.Store, batch)
		if err != nil {
			return append(diffs, fmt.Sprintf("importing batch %d again: %v", bi+1, err))
		}
		if res.Inserted != 0 || res.Updated != 0 || res.Unchanged != len(batch) {
			bad("importing batch %d again: inserted %d, updated %d, unchanged %d; want 0, 0 and %d", bi+1, res.Inserted, res.Updated, res.Unchanged, len(batch))
		}
		diffs = append(diffs, compareElsewhere(fmt.Sprintf("batch %d again", bi+1), res.Elsewhere, c.Want[next:next+len(batch)])...)
		next += len(batch)
		if v := version(ctx, c.Store); v == v0 {
			bad("DataVersion stayed %d after importing batch %d again", v, bi+1)
		}
	}
	diffs = append(diffs, compareAll(ctx, c.Store, "after importing again", c.Want)...)
	for id, t := range stamps() {
		if !t.Equal(before[id]) {
			bad("importing %q again with the same fields moved its updated_at from %v to %v", id, before[id], t)
			break
		}
	}

	// Move the point outside the box to Palmyra, with new casualties.
	i := -1
	for k := range c.Want {
		if c.Want[k].ExternalID == "storetest:bbox-outside" {
			i = k
		}
	}
	if i < 0 {
		return append(diffs, "fixture storetest:bbox-outside missing")
	}
	moved := c.Want[i]
	moved.Location = orb.Point{38.2684, 34.5560}
	moved.Casualties = geo.Casualties{Civilians: 4, TruffleGatherers: 4}
	moved.Notes = "moved by the upsert check"
	in := moved
	in.ID, in.Governorate, in.Region = 0, "", ""
	res, err := importBatch(ctx, c.Store, []geo.Incident{in})
	if err != nil {
		return append(diffs, fmt.Sprintf("upserting a moved incident: %v", err))
	}
	if res.Inserted != 0 || res.Updated != 1 || res.Unchanged != 0 {
		bad("upserting a moved incident: inserted %d, updated %d, unchanged %d; want 0, 1 and 0", res.Inserted, res.Updated, res.Unchanged)
	}
	expectJoin(c.Fx.Regions, &moved)
	moved.Version++ // the import's change is a new version
	c.Want[i] = moved
	diffs = append(diffs, compareAll(ctx, c.Store, "after moving one incident", c.Want)...)
	for _, nf := range c.Filters {
		if nf.Name != "bbox Palmyra" && nf.Name != "victims truffle_gatherers" && nf.Name != "badia region" {
			continue
		}
		got, err := scanAll(ctx, c.Store, nf.Filter, geo.Page{})
		if err != nil {
			bad("filter %q after the move: %v", nf.Name, err)
		} else if d := diffIDs(ids(got), expectedIDs(c.Want, nf.Filter)); d != "" {
			bad("filter %q after the move: %s", nf.Name, d)
		}
	}
	return diffs
}

// newIncident is a valid incident no fixture has.
func newIncident(ext string) geo.Incident {
	d := day("2024-03-01")
	return geo.Incident{ExternalID: ext, DateStart: d, DateEnd: d, DatePrecision: geo.DateExact,
		Location: orb.Point{38.3, 34.6}, GeoPrecision: geo.GeoExact, LocationName: "storetest never stored",
		EventType: "Battles", Casualties: geo.Casualties{Military: 1}}
}

// unchanged reports how the store moved away from its state before a batch
// that must leave nothing.
func unchanged(ctx context.Context, c *Case, what string, v0 int64, n0 int) []string {
	var diffs []string
	if v := version(ctx, c.Store); v != v0 {
		diffs = append(diffs, fmt.Sprintf("%s: DataVersion went from %d to %d", what, v0, v))
	}
	if n, err := c.Store.CountIncidents(ctx, geo.IncidentFilter{}); err != nil || n != n0 {
		diffs = append(diffs, fmt.Sprintf("%s: %d incidents (error %v), want %d", what, n, err, n0))
	}
	if n, err := c.Store.CountIncidents(ctx, geo.IncidentFilter{Text: "never stored"}); err != nil || n != 0 {
		diffs = append(diffs, fmt.Sprintf("%s: %d incidents of the batch are stored (error %v)", what, n, err))
	}
	return append(diffs, compareAll(ctx, c.Store, what, c.Want)...)
}

// checkRollback: a rolled-back batch of inserts and updates leaves nothing.
func checkRollback(ctx context.Context, c *Case) []string {
	v0, n0 := version(ctx, c.Store), len(c.Want)
	tx, err := c.Store.BeginImport(ctx, "test", nil)
	if err != nil {
		return []string{fmt.Sprintf("BeginImport: %v", err)}
	}
	a, b := newIncident("storetest:rollback-1"), c.Want[0]
	b.Notes, b.LocationName = "changed in a rolled-back batch", "storetest never stored"
	for _, inc := range []geo.Incident{a, b} {
		if err := tx.Add(&inc); err != nil {
			return []string{fmt.Sprintf("Add: %v", err)}
		}
	}
	if err := tx.Rollback(); err != nil {
		return []string{fmt.Sprintf("Rollback: %v", err)}
	}
	return unchanged(ctx, c, "after Rollback", v0, n0)
}

// checkFailedBatch: a batch that adds one external id twice fails, at Add or
// at Commit, and leaves nothing, not even its valid rows.
func checkFailedBatch(ctx context.Context, c *Case) []string {
	v0, n0 := version(ctx, c.Store), len(c.Want)
	tx, err := c.Store.BeginImport(ctx, "test", nil)
	if err != nil {
		return []string{fmt.Sprintf("BeginImport: %v", err)}
	}
	a, b := newIncident("storetest:failed-1"), c.Want[1]
	b.Notes, b.LocationName = "changed in a failed batch", "storetest never stored"
	dup := newIncident("storetest:failed-1")
	failed := false
	for _, inc := range []geo.Incident{a, b, dup} {
		if err := tx.Add(&inc); err != nil {
			failed = true
			break
		}
	}
	if _, err := tx.Commit(); err != nil {
		failed = true
	}
	tx.Rollback()
	var diffs []string
	if !failed {
		diffs = append(diffs, "a batch adding storetest:failed-1 twice committed without error")
	}
	return append(diffs, unchanged(ctx, c, "after a failed batch", v0, n0)...)
}

// checkRemove (last: it changes the ids the other checks rely on): removing
// what a filter matches takes exactly those incidents out of every read,
// bumps the data version, and a later import of one of their external ids
// adds a new incident with the next id, never the old one.
func checkRemove(ctx context.Context, c *Case) []string {
	var diffs []string
	bad := func(format string, a ...any) { diffs = append(diffs, fmt.Sprintf(format, a...)) }
	yes := true
	f := geo.IncidentFilter{Illustrative: &yes}
	want := expectedIDs(c.Want, f)
	if len(want) == 0 {
		return []string{"the fixtures hold no illustrative incident to remove"}
	}
	v0 := version(ctx, c.Store)
	n, err := c.Store.RemoveIncidents(ctx, f, nil)
	if err != nil || n != len(want) {
		return []string{fmt.Sprintf("RemoveIncidents(illustrative) = %d, %v; want %d", n, err, len(want))}
	}
	if v := version(ctx, c.Store); v <= v0 {
		bad("RemoveIncidents did not bump the data version (%d, then %d)", v0, v)
	}
	var kept []geo.Incident
	var gone *geo.Incident
	for i := range c.Want {
		if c.Want[i].Illustrative {
			gone = &c.Want[i]
			continue
		}
		kept = append(kept, c.Want[i])
	}
	diffs = append(diffs, compareAll(ctx, c.Store, "after removing the illustrative incidents", kept)...)
	if _, err := c.Store.Incident(ctx, gone.ID); !errors.Is(err, geo.ErrNotFound) {
		bad("Incident(%d) of a removed incident: %v, want ErrNotFound", gone.ID, err)
	}
	if m, err := c.Store.CountIncidents(ctx, f); err != nil || m != 0 {
		bad("%d illustrative incidents counted after their removal (error %v)", m, err)
	}
	if m, err := c.Store.RemoveIncidents(ctx, f, nil); err != nil || m != 0 {
		bad("removing again: %d, %v; want 0", m, err)
	}
	again := *gone
	again.ID, again.Governorate, again.Region = 0, "", ""
	res, err := importBatch(ctx, c.Store, []geo.Incident{again})
	if err != nil || res.Inserted != 1 {
		return append(diffs, fmt.Sprintf("importing a removed external id again: %+v, %v; want one new incident", res, err))
	}
	last := c.Want[len(c.Want)-1].ID
	got, err := scanAll(ctx, c.Store, geo.IncidentFilter{Illustrative: &yes}, geo.Page{})
	if err != nil || len(got) != 1 || got[0].ID != last+1 {
		bad("the re-imported incident: %v (error %v), want one with the next id %d", ids(got), err, last+1)
	}
	return diffs
}
