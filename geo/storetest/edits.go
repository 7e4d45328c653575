package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
)

// checkEdits (after remove: it adds incidents) holds an EditStore to the
// review workflow: a new incident is a draft no public read sees; a
// reviewer other than its author publishes it; an edit of a published
// incident is a pending draft while the published version stays public;
// a retraction hides it; a revert drafts an old version again; every
// version stays in the history with its author, action and fields; the
// changes feed lists what public reads saw; a stale version is a conflict,
// and of concurrent edits from one version exactly one lands.
func checkEdits(ctx context.Context, c *Case) []string {
	es, ok := c.Store.(geo.EditStore)
	if !ok {
		return []string{fmt.Sprintf("the %T store keeps no versions (no EditStore): every store takes edits", c.Store)}
	}
	var diffs []string
	bad := func(format string, a ...any) { diffs = append(diffs, fmt.Sprintf(format, a...)) }
	published := func() int {
		n, err := c.Store.CountIncidents(ctx, geo.IncidentFilter{})
		if err != nil {
			bad("CountIncidents: %v", err)
		}
		return n
	}
	public := func(id int64) (geo.Incident, bool) {
		inc, err := c.Store.Incident(ctx, id)
		if err != nil && !errors.Is(err, geo.ErrNotFound) {
			bad("Incident(%d): %v", id, err)
		}
		return inc, err == nil
	}
	n0 := published()

	// A new incident: a draft, invisible to public reads, so the data
	// version (and every cache keyed on it) stays.
	first := newIncident("storetest:edit-1")
	first.LocationName, first.Notes = "entered at the desk", "first draft"
	vNew := version(ctx, c.Store)
	v, err := es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionCreate, Incident: first, Author: "amal", Comment: "from the morning report"})
	if err != nil {
		return append(diffs, fmt.Sprintf("create: %v", err))
	}
	id := v.Incident.ID
	if v.Incident.Version != 1 || v.Incident.Status != geo.StatusDraft || v.Action != geo.ActionCreate || v.Author != "amal" {
		bad("create: head version %d %s %s by %s; want 1, draft, create, amal", v.Incident.Version, v.Incident.Status, v.Action, v.Author)
	}
	if _, seen := public(id); seen || published() != n0 {
		bad("a new draft is seen by public reads")
	}
	if dv := version(ctx, c.Store); dv != vNew {
		bad("a new draft moved the data version from %d to %d: public reads did not change", vNew, dv)
	}
	if ids := draftIDs(ctx, es, &diffs); !slices.Contains(ids, id) {
		bad("Drafts does not list the new draft %d: %v", id, ids)
	}

	// Publication: not by its author.
	if _, err := es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionPublish, ID: id, IfVersion: 1, Author: "amal"}); !errors.Is(err, geo.ErrSelfReview) {
		bad("the author publishing their own draft: %v, want ErrSelfReview", err)
	}
	v0 := version(ctx, c.Store)
	if v, err = es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionPublish, ID: id, IfVersion: 1, Author: "badr"}); err != nil {
		return append(diffs, fmt.Sprintf("publish: %v", err))
	}
	if v.Incident.Version != 2 || v.Incident.Status != geo.StatusPublished {
		bad("publish: head version %d %s; want 2, published", v.Incident.Version, v.Incident.Status)
	}
	if inc, seen := public(id); !seen || inc.Notes != "first draft" || published() != n0+1 {
		bad("the published incident is not what public reads see (seen %v, notes %q)", seen, inc.Notes)
	}
	if version(ctx, c.Store) <= v0 {
		bad("publishing did not bump the data version")
	}

	// An edit of a published incident waits beside it as a draft.
	second := first
	second.Location, second.Notes, second.GeoPrecision = orb.Point{40.15, 35.33}, "second draft: moved to Deir ez-Zor", geo.GeoNear
	if _, err := es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionEdit, ID: id, IfVersion: 1, Incident: second, Author: "amal"}); !errors.Is(err, geo.ErrConflict) {
		bad("an edit from a stale version: %v, want ErrConflict", err)
	}
	vEdit := version(ctx, c.Store)
	if v, err = es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionEdit, ID: id, IfVersion: 2, Incident: second, Author: "amal", Comment: "moved"}); err != nil {
		return append(diffs, fmt.Sprintf("edit: %v", err))
	}
	if dv := version(ctx, c.Store); dv != vEdit {
		bad("a pending edit moved the data version from %d to %d: public reads did not change", vEdit, dv)
	}
	if v.Incident.Version != 3 || v.Incident.Status != geo.StatusDraft || v.Incident.Notes != second.Notes {
		bad("edit: head version %d %s %q; want 3, draft, the new notes", v.Incident.Version, v.Incident.Status, v.Incident.Notes)
	}
	if inc, _ := public(id); inc.Version != 2 || inc.Notes != "first draft" {
		bad("while an edit waits, public reads see version %d %q; want the published version 2", inc.Version, inc.Notes)
	}
	want := second
	expectJoin(c.Fx.Regions, &want)
	if v.Incident.Governorate != want.Governorate || v.Incident.Region != want.Region {
		bad("the draft is joined to %q/%q; want %q/%q", v.Incident.Governorate, v.Incident.Region, want.Governorate, want.Region)
	}
	if v, err = es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionPublish, ID: id, IfVersion: 3, Author: "badr"}); err != nil {
		return append(diffs, fmt.Sprintf("publish the edit: %v", err))
	}
	if inc, _ := public(id); inc.Version != 4 || inc.Notes != second.Notes || inc.Governorate != want.Governorate {
		bad("after publishing the edit public reads see version %d %q in %q; want 4, the edit, in %q", inc.Version, inc.Notes, inc.Governorate, want.Governorate)
	}
	if _, err := es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionPublish, ID: id, IfVersion: 4, Author: "badr"}); !errors.Is(err, geo.ErrNoDraft) {
		bad("publishing with no draft: %v, want ErrNoDraft", err)
	}

	// Retraction, with a reason; then a revert drafts version 2 again.
	if _, err := es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionRetract, ID: id, IfVersion: 4, Author: "badr"}); !errors.Is(err, geo.ErrNoReason) {
		bad("a retraction without a reason: %v, want ErrNoReason", err)
	}
	if _, err = es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionRetract, ID: id, IfVersion: 4, Author: "badr", Comment: "duplicate of another report"}); err != nil {
		return append(diffs, fmt.Sprintf("retract: %v", err))
	}
	if _, seen := public(id); seen || published() != n0 {
		bad("a retracted incident is seen by public reads")
	}
	if v, err = es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionRevert, ID: id, IfVersion: 5, RevertTo: 2, Author: "amal", Comment: "not a duplicate"}); err != nil {
		return append(diffs, fmt.Sprintf("revert: %v", err))
	}
	if v.Incident.Version != 6 || v.Incident.Notes != "first draft" || v.Incident.Status != geo.StatusDraft {
		bad("revert to version 2: head version %d %s %q; want 6, draft, version 2's notes", v.Incident.Version, v.Incident.Status, v.Incident.Notes)
	}

	// The history holds every version.
	hist, err := es.History(ctx, id)
	if err != nil {
		return append(diffs, fmt.Sprintf("History: %v", err))
	}
	wantHist := []struct {
		action geo.Action
		status geo.Status
		author string
		notes  string
	}{{geo.ActionCreate, geo.StatusDraft, "amal", "first draft"}, {geo.ActionPublish, geo.StatusPublished, "badr", "first draft"},
		{geo.ActionEdit, geo.StatusDraft, "amal", second.Notes}, {geo.ActionPublish, geo.StatusPublished, "badr", second.Notes},
		{geo.ActionRetract, geo.StatusRetracted, "badr", second.Notes}, {geo.ActionRevert, geo.StatusDraft, "amal", "first draft"}}
	if len(hist) != len(wantHist) {
		bad("History: %d versions, want %d", len(hist), len(wantHist))
	} else {
		for k, h := range hist {
			w := wantHist[k]
			if h.Incident.Version != k+1 || h.Action != w.action || h.Incident.Status != w.status || h.Author != w.author || h.Incident.Notes != w.notes {
				bad("History version %d: %d %s %s by %s %q; want %d %s %s by %s %q", k+1, h.Incident.Version, h.Action, h.Incident.Status,
					h.Author, h.Incident.Notes, k+1, w.action, w.status, w.author, w.notes)
			}
		}
		if hist[4].Comment != "duplicate of another report" {
			bad("the retraction's reason is %q in the history", hist[4].Comment)
		}
	}

	// Every edit that landed has its audit entry, by its author; a refused
	// one has none.
	if as, ok := c.Store.(geo.AuditStore); ok {
		entries, err := as.Audit(ctx, geo.AuditFilter{Target: fmt.Sprintf("incident:%d", id)}, geo.Page{})
		if err != nil {
			return append(diffs, fmt.Sprintf("Audit: %v", err))
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.Action+" by "+e.Actor)
		}
		var want []string
		for _, h := range hist {
			want = append(want, "incident_"+string(h.Action)+" by "+h.Author)
		}
		if !slices.Equal(got, want) {
			bad("the audit log of the edited incident: %v, want one entry per version: %v", got, want)
		}
	}

	// The changes feed: what public reads saw of it, in order.
	everything := geo.IncidentFilter{Statuses: []geo.Status{geo.StatusPublished, geo.StatusRetracted}}
	changes, err := es.Changes(ctx, everything, 0, 0, false)
	if err != nil {
		return append(diffs, fmt.Sprintf("Changes: %v", err))
	}
	var ours []int
	for k, ch := range changes {
		if k > 0 && ch.Seq <= changes[k-1].Seq {
			bad("Changes out of order: %d then %d", changes[k-1].Seq, ch.Seq)
			break
		}
		if ch.Version.Incident.ID == id {
			ours = append(ours, ch.Version.Incident.Version)
		}
	}
	if !slices.Equal(ours, []int{2, 4, 5}) {
		bad("Changes of the edited incident: versions %v, want the publications and the retraction 2, 4, 5", ours)
	}
	if len(changes) < len(c.Want)/2 {
		bad("Changes lists %d changes; the imports alone published %d incidents", len(changes), len(c.Want))
	}
	newest, err := es.Changes(ctx, everything, 0, 3, true)
	if err != nil || len(newest) != 3 || len(changes) < 3 || newest[0].Seq != changes[len(changes)-1].Seq || newest[2].Seq != changes[len(changes)-3].Seq {
		bad("the 3 newest changes: %d, %v; want the last 3 of the feed, newest first", len(newest), err)
	}
	// Filtered, the feed keeps the changes of the incidents whose current
	// record matches: here those of the edited incident's governorate.
	current := map[int64]geo.Incident{}
	if err := c.Store.ScanIncidents(ctx, everything, geo.Page{}, func(inc *geo.Incident) error {
		current[inc.ID] = *inc
		return nil
	}); err != nil {
		bad("ScanIncidents: %v", err)
	}
	if gov := current[id].Governorate; gov != "" {
		one := everything
		one.Governorates = []string{gov}
		var want []int64
		for _, ch := range changes {
			if current[ch.Version.Incident.ID].Governorate == gov {
				want = append(want, ch.Seq)
			}
		}
		filtered, err := es.Changes(ctx, one, 0, 0, false)
		var got []int64
		for _, ch := range filtered {
			got = append(got, ch.Seq)
		}
		if err != nil || !slices.Equal(got, want) || len(want) == 0 || len(want) == len(changes) {
			bad("Changes of governorate %s: %d changes, %v; want the %d of its incidents (of %d)", gov, len(got), err, len(want), len(changes))
		}
	} else {
		bad("the edited incident %d joined no governorate", id)
	}
	if len(changes) > 2 {
		page, err := es.Changes(ctx, everything, changes[1].Seq, 1, false)
		if err != nil || len(page) != 1 || page[0].Seq != changes[2].Seq {
			bad("the change after the second: %v, %v; want the third", page, err)
		}
	}

	// Concurrent edits from one version: exactly one lands.
	var wg sync.WaitGroup
	var mu sync.Mutex
	landed, conflicts := 0, 0
	for k := 0; k < 20; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			inc := first
			inc.Notes = fmt.Sprintf("concurrent edit %d", k)
			_, err := es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionEdit, ID: id, IfVersion: 6, Incident: inc, Author: "amal"})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				landed++
			case errors.Is(err, geo.ErrConflict):
				conflicts++
			default:
				bad("concurrent edit %d: %v", k, err)
			}
		}(k)
	}
	wg.Wait()
	if landed != 1 || conflicts != 19 {
		bad("20 concurrent edits from version 6: %d landed, %d conflicts; want 1 and 19", landed, conflicts)
	}

	// What cannot be stored is refused, naming the field.
	broken := first
	broken.ExternalID, broken.Location = "storetest:edit-bad", orb.Point{2.35, 48.85}
	var invalid *geo.InvalidIncident
	if _, err := es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionCreate, Incident: broken, Author: "amal"}); !errors.As(err, &invalid) {
		bad("creating an incident in Paris: %v, want an InvalidIncident", err)
	}
	if _, err := es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionCreate, Incident: first, Author: "amal"}); !errors.Is(err, geo.ErrExternalIDTaken) {
		bad("creating a second storetest:edit-1: %v, want ErrExternalIDTaken", err)
	}
	if _, err := es.Head(ctx, 1<<40); !errors.Is(err, geo.ErrNotFound) {
		bad("Head of no incident: %v, want ErrNotFound", err)
	}

	// An imported incident: one version, published by the import.
	imported, err := es.History(ctx, c.Want[len(c.Want)/2].ID)
	if err != nil || len(imported) < 1 || imported[0].Action != geo.ActionImport || imported[0].Author != "test" {
		bad("History of an imported incident: %d versions, %v", len(imported), err)
	}
	return diffs
}

// draftIDs lists the ids of every draft head.
func draftIDs(ctx context.Context, es geo.EditStore, diffs *[]string) []int64 {
	var ids []int64
	err := es.Drafts(ctx, geo.IncidentFilter{Statuses: []geo.Status{geo.StatusDraft}}, geo.Page{}, func(v geo.Version) error {
		ids = append(ids, v.Incident.ID)
		return nil
	})
	if err != nil {
		*diffs = append(*diffs, fmt.Sprintf("Drafts: %v", err))
	}
	return ids
}
