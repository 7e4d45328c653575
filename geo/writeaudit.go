package geo

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The audit actions of the writes that are not edits (an edit's is
// "incident_" and its Action). Every store names its writes with these.
const (
	AuditImport          = "import"           // an import batch; target: its author, "import:FILE"
	AuditRegionsReplace  = "regions_replace"  // ReplaceRegions; target "regions:KIND,..."
	AuditReportsUpsert   = "reports_upsert"   // UpsertReports; target "reports"
	AuditIncidentsRemove = "incidents_remove" // RemoveIncidents; target "incidents"
)

// A write that is not an edit takes the caller's audit entry (nil: none) and
// the store appends it with the write: on PostGIS in the write's
// transaction, on the embedded store first, as an edit's. The caller says
// who (Actor), from where (Client) and why (Detail, a JSON object); the
// store completes it with the functions below, so every store writes the
// same entry for the same write.

// ImportAudit is the entry of a committed import by author that did res;
// by author when a names no actor.
func ImportAudit(a AuditEntry, author string, res ImportResult) (AuditEntry, error) {
	return a.forWrite(AuditImport, author, author, map[string]any{
		"inserted": res.Inserted, "updated": res.Updated, "unchanged": res.Unchanged})
}

// RegionsAudit is the entry of a ReplaceRegions of regions that re-joined
// rejoined incidents. Its target names the kinds replaced.
func RegionsAudit(a AuditEntry, regions []Region, rejoined int) (AuditEntry, error) {
	var kinds []string
	for _, r := range regions {
		if !slices.Contains(kinds, string(r.Kind)) {
			kinds = append(kinds, string(r.Kind))
		}
	}
	slices.Sort(kinds)
	return a.forWrite(AuditRegionsReplace, "regions:"+strings.Join(kinds, ","), "", map[string]any{
		"regions": len(regions), "rejoined": rejoined})
}

// ReportsAudit is the entry of an UpsertReports that did res.
func ReportsAudit(a AuditEntry, res ReportImportResult) (AuditEntry, error) {
	return a.forWrite(AuditReportsUpsert, "reports", "", map[string]any{"inserted": res.Inserted, "updated": res.Updated})
}

// RemovalAudit is the entry of a RemoveIncidents that removed n incidents.
func RemovalAudit(a AuditEntry, n int) (AuditEntry, error) {
	return a.forWrite(AuditIncidentsRemove, "incidents", "", map[string]any{"removed": n})
}

// forWrite sets the action and target the store knows, the actor to author
// when the caller named none, and adds what the write did to the caller's
// detail (the store's members win a clash: they are the facts).
func (a AuditEntry) forWrite(action, target, author string, did map[string]any) (AuditEntry, error) {
	a = a.completed(action, target, author)
	detail := map[string]any{}
	if a.Detail != "" {
		if err := json.Unmarshal([]byte(a.Detail), &detail); err != nil || detail == nil {
			return a, fmt.Errorf("the audit entry's detail is not a JSON object: %.80q", a.Detail)
		}
	}
	for k, v := range did {
		detail[k] = v
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return a, fmt.Errorf("the audit entry's detail: %w", err)
	}
	a.Detail = string(b)
	return a, nil
}

// completed is a with the action and target of its write, by author when
// the caller named no actor.
func (a AuditEntry) completed(action, target, author string) AuditEntry {
	if a.Actor == "" {
		a.Actor = author
	}
	a.Action, a.Target = action, target
	return a
}
