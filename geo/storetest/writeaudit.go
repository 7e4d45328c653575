package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
)

// checkWriteAudit: each write that is not an edit (a region replacement, an
// import batch, a report upsert, a removal) given its caller's audit entry
// appends exactly one entry, with the action, target and actor of the write
// and what it did added to the caller's detail; a write the store refuses
// appends none and writes nothing.
func checkWriteAudit(ctx context.Context, c *Case) []string {
	au, ok := c.Store.(geo.AuditStore)
	if !ok {
		return []string{fmt.Sprintf("%T keeps no audit log", c.Store)}
	}
	rs, ok := c.Store.(geo.ReportStore)
	if !ok {
		return []string{fmt.Sprintf("%T holds no reports", c.Store)}
	}
	var d diffs
	last, err := lastAuditID(ctx, au)
	if err != nil {
		return []string{fmt.Sprintf("Audit: %v", err)}
	}
	// appended compares the entries since the last call with want.
	appended := func(what string, err error, want ...geo.AuditEntry) {
		if err != nil {
			d.add("%s: %v", what, err)
		}
		got, rerr := au.Audit(ctx, geo.AuditFilter{}, geo.Page{After: last})
		if rerr != nil {
			d.add("%s: Audit: %v", what, rerr)
			return
		}
		if len(got) > 0 {
			last = got[len(got)-1].ID
		}
		if len(got) != len(want) {
			d.add("%s: %d audit entries appended, want %d: %+v", what, len(got), len(want), got)
			return
		}
		for i := range got {
			g, w := got[i], want[i]
			if g.Actor != w.Actor || g.Action != w.Action || g.Target != w.Target || g.Client != w.Client || g.At.IsZero() {
				d.add("%s: entry %s %s %s from %q at %v, want %s %s %s from %q", what, g.Actor, g.Action, g.Target, g.Client, g.At, w.Actor, w.Action, w.Target, w.Client)
			}
			if !sameJSON(g.Detail, w.Detail) {
				d.add("%s: detail %s, want %s", what, g.Detail, w.Detail)
			}
		}
	}
	caller := func(actor, client string) *geo.AuditEntry {
		return &geo.AuditEntry{Actor: actor, Client: client, Detail: `{"note": "kept as written"}`}
	}

	var kinds []string
	for _, r := range c.Fx.Regions {
		if !slices.Contains(kinds, string(r.Kind)) {
			kinds = append(kinds, string(r.Kind))
		}
	}
	slices.Sort(kinds)
	_, err = c.Store.ReplaceRegions(ctx, c.Fx.Regions, caller("contract:regions", "192.0.2.31"))
	appended("ReplaceRegions", err, geo.AuditEntry{Actor: "contract:regions", Action: "regions_replace", Target: "regions:" + strings.Join(kinds, ","),
		Client: "192.0.2.31", Detail: fmt.Sprintf(`{"note": "kept as written", "regions": %d, "rejoined": 0}`, len(c.Fx.Regions))})

	_, err = c.Store.ReplaceRegions(ctx, nil, caller("contract:regions", "192.0.2.30"))
	appended("ReplaceRegions of no regions", err, geo.AuditEntry{Actor: "contract:regions", Action: "regions_replace", Target: "regions:",
		Client: "192.0.2.30", Detail: `{"note": "kept as written", "regions": 0, "rejoined": 0}`})

	// An import that names no actor is by its author.
	spot := orb.Point{38.123457, 34.654321}
	inc := newIncident("storetest:write-audit")
	inc.Location = spot
	anon := &geo.AuditEntry{Client: "192.0.2.32"}
	_, err = auditedImport(ctx, c.Store, "import:write-audit.csv", anon, inc)
	appended("an import naming no actor", err, geo.AuditEntry{Actor: "import:write-audit.csv", Action: "import", Target: "import:write-audit.csv",
		Client: "192.0.2.32", Detail: `{"inserted": 1, "updated": 0, "unchanged": 0}`})
	_, err = auditedImport(ctx, c.Store, "import:write-audit.csv", caller("contract:import", "192.0.2.33"), inc)
	appended("the same import again", err, geo.AuditEntry{Actor: "contract:import", Action: "import", Target: "import:write-audit.csv",
		Client: "192.0.2.33", Detail: `{"note": "kept as written", "inserted": 0, "updated": 0, "unchanged": 1}`})

	rep := geo.Report{ExternalID: "storetest:write-audit", Publisher: "storetest", PeriodStart: day("2024-01-01"),
		Claims: []geo.Claim{{Scope: "total", Metric: geo.MetricKilled, Value: 3}}}
	_, err = rs.UpsertReports(ctx, []geo.Report{rep}, caller("contract:reports", "192.0.2.34"))
	appended("UpsertReports", err, geo.AuditEntry{Actor: "contract:reports", Action: "reports_upsert", Target: "reports",
		Client: "192.0.2.34", Detail: `{"note": "kept as written", "inserted": 1, "updated": 0}`})

	at := geo.IncidentFilter{BBox: &orb.Bound{Min: spot, Max: spot}}
	n, err := c.Store.RemoveIncidents(ctx, at, caller("contract:remove", "192.0.2.35"))
	if err == nil && n != 1 {
		d.add("RemoveIncidents at %v removed %d, want 1", spot, n)
	}
	appended("RemoveIncidents", err, geo.AuditEntry{Actor: "contract:remove", Action: "incidents_remove", Target: "incidents",
		Client: "192.0.2.35", Detail: `{"note": "kept as written", "removed": 1}`})
	_, err = c.Store.RemoveIncidents(ctx, at, caller("contract:remove", "192.0.2.36"))
	appended("RemoveIncidents of nothing", err, geo.AuditEntry{Actor: "contract:remove", Action: "incidents_remove", Target: "incidents",
		Client: "192.0.2.36", Detail: `{"note": "kept as written", "removed": 0}`})

	// Refused writes: each fails part way on some store, and leaves nothing.
	v0 := version(ctx, c.Store)
	count := func() int {
		n, err := c.Store.CountIncidents(ctx, geo.IncidentFilter{})
		if err != nil {
			d.add("CountIncidents: %v", err)
		}
		return n
	}
	n0 := count()
	broken := []geo.Region{{Code: "SY04", Kind: geo.KindGovernorate, Geom: orb.MultiPolygon{{{{36, 34}, {37, 34}}}}}}
	if _, err := c.Store.ReplaceRegions(ctx, broken, caller("contract:refused", "")); err == nil {
		d.add("ReplaceRegions accepted a ring of 2 points")
	}
	appended("a refused ReplaceRegions", nil)
	twice := newIncident("storetest:write-audit-twice")
	if _, err := auditedImport(ctx, c.Store, "import:refused.csv", caller("contract:refused", ""), twice, twice); err == nil {
		d.add("an import of one external id twice committed")
	}
	appended("a refused import", nil)
	// The caller's detail is not an object: the store finds out only when it
	// audits, after the batch is written, and must take the batch back.
	if _, err := auditedImport(ctx, c.Store, "import:refused.csv", &geo.AuditEntry{Actor: "contract:refused", Detail: `["not an object"]`},
		newIncident("storetest:write-audit-bad-detail")); err == nil {
		d.add("an import whose audit detail is not a JSON object committed")
	}
	appended("an import whose audit entry is refused", nil)
	bad := rep
	bad.Claims = []geo.Claim{{Scope: "total", Metric: "wounded", Value: 1}}
	if _, err := rs.UpsertReports(ctx, []geo.Report{bad}, caller("contract:refused", "")); err == nil {
		d.add("UpsertReports took a claim of an unknown metric")
	}
	appended("a refused UpsertReports", nil)
	if v := version(ctx, c.Store); v != v0 {
		d.add("the refused writes moved DataVersion from %d to %d", v0, v)
	}
	if n := count(); n != n0 {
		d.add("after the refused writes: %d incidents, want %d", n, n0)
	}
	return d
}

// auditedImport imports incs in one batch by author, audited as a says.
func auditedImport(ctx context.Context, s geo.Store, author string, a *geo.AuditEntry, incs ...geo.Incident) (geo.ImportResult, error) {
	tx, err := s.BeginImport(ctx, author, a)
	if err != nil {
		return geo.ImportResult{}, err
	}
	defer tx.Rollback()
	for i := range incs {
		inc := incs[i]
		if err := tx.Add(&inc); err != nil {
			return geo.ImportResult{}, err
		}
	}
	return tx.Commit()
}

// lastAuditID is the id of the newest audit entry (0 for none).
func lastAuditID(ctx context.Context, au geo.AuditStore) (int64, error) {
	page := geo.Page{Limit: 1000}
	for {
		es, err := au.Audit(ctx, geo.AuditFilter{}, page)
		if err != nil || len(es) < page.Limit {
			if len(es) > 0 {
				page.After = es[len(es)-1].ID
			}
			return page.After, err
		}
		page.After = es[len(es)-1].ID
	}
}

// sameJSON reports whether a and b are the same JSON value, whatever the
// spacing and the order of members (jsonb keeps neither).
func sameJSON(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}
