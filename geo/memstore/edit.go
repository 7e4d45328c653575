package memstore

import (
	"cmp"
	"context"

	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
)

var _ geo.EditStore = (*Store)(nil)

// ApplyEdit makes one edit as one import-batch record of the log: the
// record public reads see, or a pending draft beside it (a record marked
// pending). Replay applies it as any batch, so what it supersedes goes into
// the history the same way on open (applyBatch, supersede).
func (s *Store) ApplyEdit(ctx context.Context, e geo.Edit) (geo.Version, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.writable(); err != nil {
		return geo.Version{}, err
	}
	if err := ctx.Err(); err != nil {
		return geo.Version{}, err
	}
	local := newSymbols()
	now := time.Now().UTC().Truncate(time.Microsecond).UnixMicro()
	seq := s.version + 1
	id, r, err := s.editRecord(local, e, now)
	if err != nil {
		return geo.Version{}, err
	}
	if r.vers.status != geo.StatusDraft {
		r.vers.seq = changeSeq(seq, 0)
	}
	// The entry goes first: a crash may leave an entry without its edit,
	// never an edit without its entry.
	if _, err := s.AppendAudit(ctx, e.AuditEntry(int64(id), time.UnixMicro(now))); err != nil {
		return geo.Version{}, err
	}
	if !s.held {
		if err := s.markHeld(); err != nil {
			return geo.Version{}, err
		}
	}
	if err := s.appendLog(encodeBatch(seq, local.list, []uint32{id}, []record{r})); err != nil {
		return geo.Version{}, err
	}
	s.mu.Lock()
	cs := geo.NewChangeSet()
	err = s.applyBatch(local.list, []uint32{id}, []record{r}, cs)
	s.commit(seq, cs, true, r.vers.status != geo.StatusDraft)
	s.mu.Unlock()
	if err != nil {
		return geo.Version{}, err
	}
	s.maybeCompact()
	return s.Head(ctx, int64(id))
}

// editRecord is the record e writes (symbols in local) and its incident's id.
func (s *Store) editRecord(local *symbols, e geo.Edit, now int64) (uint32, record, error) {
	vers := versionInfo{action: e.Action, author: local.intern(e.Author), at: now, comment: e.Comment}
	if e.Action == geo.ActionCreate {
		id := uint32(s.recs.len()) + 1
		inc := e.Incident
		if inc.ExternalID == "" {
			inc.ExternalID = "desk:" + strconv.FormatUint(uint64(id), 10)
		}
		if _, taken := s.byExt[inc.ExternalID]; taken {
			return 0, record{}, fmt.Errorf("%w: %s", geo.ErrExternalIDTaken, inc.ExternalID)
		}
		r, err := s.content(local, &inc)
		if err != nil {
			return 0, record{}, err
		}
		r.created, r.updated = now, now
		vers.status, vers.version = geo.StatusDraft, 1
		r.vers = vers
		return id, r, nil
	}
	if e.ID < 1 || e.ID > int64(s.recs.len()) || s.recs.at(uint32(e.ID)).removed {
		return 0, record{}, fmt.Errorf("incident %d: %w", e.ID, geo.ErrNotFound)
	}
	id := uint32(e.ID)
	row := s.recs.at(id)
	head := s.headVersion(id)
	if e.IfVersion != int(head) {
		return 0, record{}, fmt.Errorf("%w: its head is version %d, not %d", geo.ErrConflict, head, e.IfVersion)
	}
	vers.version = head + 1
	pending, hasPending := s.edits[id]
	var r record
	switch e.Action {
	case geo.ActionEdit, geo.ActionRevert:
		inc := e.Incident
		if e.Action == geo.ActionRevert {
			old, ok := s.versionRecord(id, uint32(e.RevertTo))
			if !ok {
				return 0, record{}, fmt.Errorf("incident %d has no version %d: %w", id, e.RevertTo, geo.ErrNotFound)
			}
			old.fill(&inc, int64(id), s.syms.list, false)
		}
		inc.ExternalID = row.ext // the external id is the incident's for good
		var err error
		if r, err = s.content(local, &inc); err != nil {
			return 0, record{}, err
		}
		vers.status = geo.StatusDraft
		// A draft no one has published replaces itself; a draft of changes
		// to a published or retracted incident waits beside it.
		vers.pending = row.status() != geo.StatusDraft
	case geo.ActionPublish:
		draft := row
		if hasPending {
			draft = &pending
		} else if row.status() != geo.StatusDraft {
			return 0, record{}, geo.ErrNoDraft
		}
		if !e.AllowSelfReview && s.syms.list[draft.vers.author] == e.Author {
			return 0, record{}, geo.ErrSelfReview
		}
		r = s.relocal(local, draft)
		vers.status = geo.StatusPublished
	case geo.ActionRetract:
		if e.Comment == "" {
			return 0, record{}, geo.ErrNoReason
		}
		if row.status() == geo.StatusRetracted && !hasPending {
			return 0, record{}, geo.ErrRetracted
		}
		r = s.relocal(local, row)
		vers.status = geo.StatusRetracted
	default:
		return 0, record{}, fmt.Errorf("unknown edit action %q", e.Action)
	}
	r.created, r.updated = row.created, now
	r.vers = vers
	return id, r, nil
}

// content is the record of inc's fields, checked as an import checks them
// and joined by the precision rule.
func (s *Store) content(local *symbols, inc *geo.Incident) (record, error) {
	if errs := inc.Validate(geo.ValidateOptions{}); len(errs) > 0 {
		return record{}, &geo.InvalidIncident{Errs: errs}
	}
	if err := checkFits(inc); err != nil {
		return record{}, &geo.InvalidIncident{Errs: []error{err}}
	}
	r := newRecord(local, inc)
	gov, badia := s.join.joinByRule(orb.Point{r.lon, r.lat}, int(r.geoPrec), inc.SourceGovernorate)
	r.gov, r.region = local.intern(gov), local.intern(badia)
	return r, nil
}

// relocal is a copy of the stored record r with its symbols in local.
func (s *Store) relocal(local *symbols, r *record) record {
	c := *r
	g := s.syms.list
	for _, p := range [...]*sym{&c.locName, &c.srcAdm1, &c.srcAdm2, &c.srcGov, &c.gov, &c.region, &c.eventType, &c.subType, &c.perp, &c.target, &c.vers.author} {
		*p = local.intern(g[*p])
	}
	c.sources = slices.Clone(c.sources)
	for i := range c.sources {
		c.sources[i].name = local.intern(g[c.sources[i].name])
	}
	return c
}

// versionRecord is version n of incident id, wherever it is kept.
func (s *Store) versionRecord(id, n uint32) (*record, bool) {
	if r := s.recs.at(id); max(r.vers.version, 1) == n {
		return r, true
	}
	if d, ok := s.edits[id]; ok && d.vers.version == n {
		return &d, true
	}
	for i := range s.history[id] {
		if h := &s.history[id][i]; max(h.vers.version, 1) == n {
			return h, true
		}
	}
	return nil, false
}

// Head is the newest version of incident id: its pending draft, or else
// the record public reads see (or a draft not yet published).
func (s *Store) Head(ctx context.Context, id int64) (geo.Version, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return geo.Version{}, errClosed
	}
	if id < 1 || id > int64(s.recs.len()) || s.recs.at(uint32(id)).removed {
		return geo.Version{}, fmt.Errorf("incident %d: %w", id, geo.ErrNotFound)
	}
	if d, ok := s.edits[uint32(id)]; ok {
		return d.version(id, s.syms.list), nil
	}
	return s.recs.at(uint32(id)).version(id, s.syms.list), nil
}

// History is every version of incident id, oldest first.
func (s *Store) History(ctx context.Context, id int64) ([]geo.Version, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	if id < 1 || id > int64(s.recs.len()) || s.recs.at(uint32(id)).removed {
		return nil, fmt.Errorf("incident %d: %w", id, geo.ErrNotFound)
	}
	var out []geo.Version
	for i := range s.history[uint32(id)] {
		out = append(out, s.history[uint32(id)][i].version(id, s.syms.list))
	}
	out = append(out, s.recs.at(uint32(id)).version(id, s.syms.list))
	if d, ok := s.edits[uint32(id)]; ok {
		out = append(out, d.version(id, s.syms.list))
	}
	slices.SortFunc(out, func(a, b geo.Version) int { return a.Incident.Version - b.Incident.Version })
	return out, nil
}

// Drafts calls fn for every incident whose head is a draft f matches.
func (s *Store) Drafts(ctx context.Context, f geo.IncidentFilter, page geo.Page, fn func(geo.Version) error) error {
	var heads []geo.Version
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return errClosed
	}
	for i := max(page.After, 0); i < int64(s.recs.len()); i++ {
		id := uint32(i + 1)
		r := s.recs.at(id)
		if d, ok := s.edits[id]; ok {
			r = &d
		} else if r.removed || r.status() != geo.StatusDraft {
			continue
		}
		v := r.version(int64(id), s.syms.list)
		if rec := s.recs.at(id); r != rec && rec.status() == geo.StatusPublished {
			v.Published = int(max(rec.vers.version, 1))
		}
		if f.Match(&v.Incident) {
			heads = append(heads, v)
			if page.Limit > 0 && len(heads) == page.Limit {
				break
			}
		}
	}
	s.mu.RUnlock()
	for _, v := range heads {
		if err := fn(v); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// Changes lists the published changes of the incidents whose current
// fields f matches, after seq after, oldest first.
func (s *Store) Changes(ctx context.Context, f geo.IncidentFilter, after int64, limit int, newest bool) ([]geo.Change, error) {
	if newest {
		after = 0
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	// Only the page's versions are built: the walk notes where each
	// change is, and the filter is asked only of incidents with a change
	// after after.
	type at struct {
		seq  int64
		id   uint32
		hist int // index in s.history[id], -1 for the record itself
	}
	var found []at
	var cur geo.Incident
	for i, r := range s.recs.all() {
		if r.removed {
			continue
		}
		id := uint32(i + 1)
		n := len(found)
		if r.vers.seq != 0 && int64(r.vers.seq) > after && publishedChange(r) {
			found = append(found, at{int64(r.vers.seq), id, -1})
		}
		for j := range s.history[id] {
			if h := &s.history[id][j]; h.vers.seq != 0 && int64(h.vers.seq) > after && publishedChange(h) {
				found = append(found, at{int64(h.vers.seq), id, j})
			}
		}
		if len(found) == n {
			continue
		}
		if r.fill(&cur, int64(id), s.syms.list, true); !f.Match(&cur) {
			found = found[:n]
		}
	}
	slices.SortFunc(found, func(a, b at) int {
		if newest {
			return cmp.Compare(b.seq, a.seq)
		}
		return cmp.Compare(a.seq, b.seq)
	})
	if limit > 0 && len(found) > limit {
		found = found[:limit]
	}
	out := make([]geo.Change, len(found))
	for k, c := range found {
		r := s.recs.at(c.id)
		if c.hist >= 0 {
			r = &s.history[c.id][c.hist]
		}
		out[k] = geo.Change{Seq: c.seq, Version: r.version(int64(c.id), s.syms.list)}
	}
	return out, ctx.Err()
}

// publishedChange says whether a version is a change public reads saw: a
// publication, an import or a retraction.
func publishedChange(r *record) bool {
	switch r.status() {
	case geo.StatusPublished, geo.StatusRetracted:
		return true
	}
	return false
}
