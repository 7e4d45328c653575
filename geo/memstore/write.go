package memstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
)

// importTx queues records with symbols of its own; Commit joins them,
// writes them to the log and applies them.
type importTx struct {
	author string
	audit  *geo.AuditEntry // appended at commit, before the batch; nil: none
	s      *Store
	ctx    context.Context
	syms   *symbols
	staged []record
	seen   map[string]bool
	err    error // the first rejected Add: Commit will apply nothing
	done   bool
}

// BeginImport starts an all-or-nothing batch of upserts. Batches may be
// prepared concurrently; their commits are applied one at a time.
func (s *Store) BeginImport(ctx context.Context, author string, a *geo.AuditEntry) (geo.ImportTx, error) {
	if err := s.Ping(ctx); err != nil {
		return nil, err
	}
	return &importTx{author: author, audit: a, s: s, ctx: ctx, syms: newSymbols(), seen: map[string]bool{}}, nil
}

var errTxDone = errors.New("import batch already committed or rolled back")

// Add queues inc. An incident that fails geo.Incident.Validate (with
// AllowOutsideSyria: the importer decides about Syria), or repeats an external
// id of this batch, is refused and makes the whole batch fail at Commit.
func (tx *importTx) Add(inc *geo.Incident) error {
	if tx.done {
		return errTxDone
	}
	err := tx.check(inc)
	if err != nil {
		if tx.err == nil {
			tx.err = err
		}
		return err
	}
	tx.seen[inc.ExternalID] = true
	tx.staged = append(tx.staged, newRecord(tx.syms, inc))
	return nil
}

func (tx *importTx) check(inc *geo.Incident) error {
	if errs := inc.Validate(geo.ValidateOptions{AllowOutsideSyria: true}); len(errs) > 0 {
		return fmt.Errorf("incident %q: %w", inc.ExternalID, errors.Join(errs...))
	}
	if tx.seen[inc.ExternalID] {
		return fmt.Errorf("incident %q appears twice in one import batch", inc.ExternalID)
	}
	return checkFits(inc)
}

// Commit joins, logs (fsynced) and applies the batch, or applies nothing.
func (tx *importTx) Commit() (geo.ImportResult, error) {
	if tx.done {
		return geo.ImportResult{}, errTxDone
	}
	tx.done = true
	if tx.err != nil {
		return geo.ImportResult{}, fmt.Errorf("import batch not applied: %w", tx.err)
	}
	if err := tx.ctx.Err(); err != nil {
		return geo.ImportResult{}, err
	}
	res, err := tx.s.commitBatch(tx.ctx, tx.syms, tx.staged, tx.author, tx.audit)
	tx.staged = nil
	return res, err
}

// Rollback discards the batch; after Commit it does nothing.
func (tx *importTx) Rollback() error {
	tx.done = true
	tx.staged = nil
	return nil
}

// batchRecord is the log record of an import batch: a symbol table and the
// records with their ids, joins and timestamps, exactly as applied.
const (
	recImport  byte = 'I'
	recRegions byte = 'R' // regions only (the first format): replay joins again
	// recRegionsJoined holds the regions and the join of every incident
	// they made, so replay applies the join instead of computing it.
	recRegionsJoined byte = 'J'
)

func (s *Store) commitBatch(ctx context.Context, local *symbols, staged []record, author string, audit *geo.AuditEntry) (geo.ImportResult, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.writable(); err != nil {
		return geo.ImportResult{}, err
	}
	var res geo.ImportResult
	if len(staged) == 0 {
		return res, s.auditWrite(ctx, audit, func(a geo.AuditEntry) (geo.AuditEntry, error) { return geo.ImportAudit(a, author, res) })
	}
	now := time.Now().UTC().Truncate(time.Microsecond).UnixMicro()
	ids := make([]uint32, 0, len(staged))
	next := uint32(s.recs.len()) + 1
	seq := s.version + 1
	by := local.intern(author)
	// Only writers change recs and syms, and writeMu is held: no read lock needed.
	kept := staged[:0] // the records to write: unchanged ones are dropped
	for i := range staged {
		r := staged[i]
		gov, badia := s.join.joinByRule(orb.Point{r.lon, r.lat}, int(r.geoPrec), local.list[r.srcGov])
		r.gov, r.region = local.intern(gov), local.intern(badia)
		if src := local.list[r.srcGov]; gov != "" && src != "" && gov != src {
			res.Elsewhere = append(res.Elsewhere, geo.Relocation{ExternalID: r.ext, SourceGovernorate: src, Governorate: gov})
		}
		if id, ok := s.byExt[r.ext]; ok {
			old := s.recs.at(id)
			if sameIncident(&r, local.list, old, s.syms.list) {
				res.Unchanged++
				continue
			}
			ids = append(ids, id)
			r.created = old.created
			// A new version of the incident, its status kept.
			r.vers = versionInfo{status: old.vers.status, version: s.headVersion(id) + 1}
			res.Updated++
		} else {
			ids = append(ids, next)
			next++
			r.created = now
			r.vers = versionInfo{version: 1}
			res.Inserted++
		}
		r.updated = now
		r.vers.action, r.vers.author, r.vers.at = geo.ActionImport, by, now
		r.vers.seq = changeSeq(seq, len(kept))
		kept = append(kept, r)
	}
	staged = kept
	if err := s.auditWrite(ctx, audit, func(a geo.AuditEntry) (geo.AuditEntry, error) { return geo.ImportAudit(a, author, res) }); err != nil {
		return geo.ImportResult{}, err
	}
	if res.Inserted > 0 && !s.held {
		// The marker goes first: a store with incidents on disk always
		// has it, so the demo never lands in a store that lost its data.
		if err := s.markHeld(); err != nil {
			return geo.ImportResult{}, err
		}
	}
	if err := s.appendLog(encodeBatch(seq, local.list, ids, staged)); err != nil {
		return geo.ImportResult{}, err
	}
	s.mu.Lock()
	cs := geo.NewChangeSet()
	err := s.applyBatch(local.list, ids, staged, cs)
	s.commit(seq, cs, true, true)
	s.mu.Unlock()
	if err != nil {
		return geo.ImportResult{}, err
	}
	s.maybeCompact()
	return res, nil
}

func encodeBatch(seq int64, table []string, ids []uint32, staged []record) []byte {
	var e encoder
	e.byte(recImport)
	e.uvarint(uint64(seq))
	e.symTable(table)
	e.uvarint(uint64(len(staged)))
	identity := func(s sym) uint64 { return uint64(s) }
	for i := range staged {
		e.record(ids[i], &staged[i], identity)
	}
	return e.buf
}

// applyBatch puts records (symbols from table) at their ids, under mu,
// noting in cs (when not nil) the tiles that change.
func (s *Store) applyBatch(table []string, ids []uint32, staged []record, cs *geo.ChangeSet) error {
	m := make([]sym, len(table))
	for i, v := range table {
		m[i] = s.syms.intern(v)
	}
	dirty := false
	for i := range staged {
		r := staged[i]
		for _, p := range [...]*sym{&r.locName, &r.srcAdm1, &r.srcAdm2, &r.srcGov, &r.gov, &r.region, &r.eventType, &r.subType, &r.perp, &r.target, &r.vers.author} {
			*p = m[*p]
		}
		for j := range r.sources {
			r.sources[j].name = m[r.sources[j].name]
		}
		id := ids[i]
		if r.vers.pending {
			// A draft of changes beside the published record; the draft it
			// replaces goes into the history.
			if int(id) > s.recs.len() || id < 1 {
				return fmt.Errorf("a draft of incident %d, which does not exist", id)
			}
			if prev, ok := s.edits[id]; ok {
				s.history[id] = append(s.history[id], prev)
			}
			s.edits[id] = r
			continue
		}
		switch {
		case id >= 1 && int(id) <= s.recs.len():
			old := s.recs.at(id)
			if old.ext != r.ext {
				return fmt.Errorf("incident %d is %q, not %q", id, old.ext, r.ext)
			}
			noteTileChange(cs, old, &r)
			s.supersede(id, old, &r)
			if old.lon != r.lon || old.lat != r.lat {
				s.points.Delete(point32(old), point32(old), id)
				s.points.Insert(point32(&r), point32(&r), id)
			}
			if old.gov != r.gov || old.region != r.region {
				dirty = true
			}
			r.ext = old.ext
			*old = r
			if r.removed {
				delete(s.byExt, r.ext) // an import of the same id later adds a new incident
			}
		case int(id) == s.recs.len()+1:
			noteTileChange(cs, nil, &r)
			s.recs.add(r)
			s.byExt[r.ext] = id
			s.points.Insert(point32(&r), point32(&r), id)
			if r.gov != 0 {
				s.byGov[r.gov] = append(s.byGov[r.gov], id)
			}
			if r.region != 0 {
				s.byRegion[r.region] = append(s.byRegion[r.region], id)
			}
		default:
			return fmt.Errorf("incident id %d does not follow the last id %d", id, s.recs.len())
		}
	}
	if dirty {
		s.rebuildLists()
	}
	return nil
}

func point32(r *record) [2]float32 { return [2]float32{float32(r.lon), float32(r.lat)} }

// rebuildLists makes new per-governorate and per-region id lists, leaving the
// old ones intact for scans that hold them.
func (s *Store) rebuildLists() {
	gov, reg := map[sym][]uint32{}, map[sym][]uint32{}
	for i, r := range s.recs.all() {
		if r.gov != 0 {
			gov[r.gov] = append(gov[r.gov], uint32(i+1))
		}
		if r.region != 0 {
			reg[r.region] = append(reg[r.region], uint32(i+1))
		}
	}
	s.byGov, s.byRegion = gov, reg
}

// ReplaceRegions replaces every region of the kinds present in regions,
// re-joins every incident and returns how many changed governorate or Badia
// region. It is logged and fsynced before it is applied.
func (s *Store) ReplaceRegions(ctx context.Context, regions []geo.Region, a *geo.AuditEntry) (int, error) {
	if err := validateRegions(regions); err != nil {
		return 0, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.writable(); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	merged := mergeRegions(s.regions, regions)
	body, err := json.Marshal(merged)
	if err != nil {
		return 0, fmt.Errorf("encoding regions: %w", err)
	}
	ix := newJoinIndex(merged)
	joins, changed := s.rejoin(ix)
	if err := s.auditWrite(ctx, a, func(a geo.AuditEntry) (geo.AuditEntry, error) { return geo.RegionsAudit(a, regions, changed) }); err != nil {
		return 0, err
	}
	seq := s.version + 1
	if err := s.appendLog(encodeRegionsJoined(seq, body, joins)); err != nil {
		return 0, err
	}
	s.mu.Lock()
	s.applyRegions(merged, ix, joins)
	// The joins, and so every tile's properties and filters, may change;
	// the pyramid does not (it counts by position).
	cs := geo.NewChangeSet()
	cs.SetAll()
	s.commit(seq, cs, false, true)
	s.mu.Unlock()
	s.maybeCompact()
	return changed, nil
}

// mergeRegions keeps the old regions of kinds regions does not hold and
// returns them with (deep copies of) regions, ordered by code.
func mergeRegions(old, regions []geo.Region) []geo.Region {
	kinds := map[geo.RegionKind]bool{}
	for _, r := range regions {
		kinds[r.Kind] = true
	}
	var out []geo.Region
	for _, r := range old {
		if !kinds[r.Kind] {
			out = append(out, r)
		}
	}
	for _, r := range regions {
		r.Geom = cloneMultiPolygon(r.Geom)
		out = append(out, r)
	}
	sortRegions(out)
	return out
}

func cloneMultiPolygon(mp orb.MultiPolygon) orb.MultiPolygon {
	if mp == nil {
		return nil
	}
	return orb.Clone(mp).(orb.MultiPolygon)
}

// joinCodes is the join of one incident, as codes.
type joinCodes struct{ gov, region string }

// rejoin computes every incident's join under ix, without changing anything.
func (s *Store) rejoin(ix *joinIndex) ([]joinCodes, int) {
	joins := make([]joinCodes, s.recs.len())
	changed := 0
	for i, r := range s.recs.all() {
		g, b := ix.joinByRule(orb.Point{r.lon, r.lat}, int(r.geoPrec), s.syms.list[r.srcGov])
		joins[i] = joinCodes{g, b}
		if g != s.syms.list[r.gov] || b != s.syms.list[r.region] {
			changed++
		}
	}
	return joins, changed
}

// encodeRegionsJoined is the log record of a region replacement: the
// regions as JSON and the join of each incident, by id, as indexes into a
// table of the codes.
func encodeRegionsJoined(seq int64, regionsJSON []byte, joins []joinCodes) []byte {
	// Index 0 of the table is left unused, so no index is a zero byte: a
	// run of incidents outside every region cannot fill a sector with
	// zeros, which is a crash's mark (see examine).
	codes := &symbols{list: []string{"", ""}, index: map[string]sym{"": 1}}
	pairs := make([]sym, 0, 2*len(joins))
	for _, j := range joins {
		pairs = append(pairs, codes.intern(j.gov), codes.intern(j.region))
	}
	var e encoder
	e.byte(recRegionsJoined)
	e.uvarint(uint64(seq))
	e.uvarint(uint64(len(regionsJSON)))
	e.buf = append(e.buf, regionsJSON...)
	e.symTable(codes.list)
	e.uvarint(uint64(len(joins)))
	for _, p := range pairs {
		e.uvarint(uint64(p))
	}
	return e.buf
}

// regionsJoined reads the rest of a recRegionsJoined record.
func (d *decoder) regionsJoined() ([]geo.Region, []joinCodes, error) {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.buf)) {
		return nil, nil, errShort
	}
	var regions []geo.Region
	if err := json.Unmarshal(d.buf[:n], &regions); err != nil {
		return nil, nil, fmt.Errorf("decoding regions: %w", err)
	}
	d.buf = d.buf[n:]
	if err := validateRegions(regions); err != nil {
		return nil, nil, err
	}
	count := d.uvarint()
	var codes []string
	for i := uint64(0); i < count && d.err == nil; i++ {
		codes = append(codes, d.str())
	}
	n = d.uvarint()
	if d.err != nil || n > uint64(len(d.buf)) {
		return nil, nil, errShort
	}
	code := func() string {
		i := d.uvarint()
		if i >= uint64(len(codes)) {
			d.fail(errors.New("region code index out of range"))
			return ""
		}
		return codes[i]
	}
	joins := make([]joinCodes, n)
	for i := range joins {
		joins[i].gov = code()
		joins[i].region = code()
	}
	if d.err != nil {
		return nil, nil, d.err
	}
	return regions, joins, nil
}

// applyRegions installs regions and the joins rejoin computed, under mu.
func (s *Store) applyRegions(regions []geo.Region, ix *joinIndex, joins []joinCodes) {
	s.regions, s.join = regions, ix
	for i, r := range s.recs.all() {
		r.gov = s.syms.intern(joins[i].gov)
		r.region = s.syms.intern(joins[i].region)
	}
	s.rebuildLists()
}

// supersede keeps what a new record of incident id replaces: the old record
// goes into the history when the new one is another version, and so does
// a pending draft older than it (a newer published version supersedes the
// draft). A removal keeps nothing.
func (s *Store) supersede(id uint32, old, r *record) {
	if r.removed {
		delete(s.history, id)
		delete(s.edits, id)
		return
	}
	if old.vers.version != r.vers.version {
		s.history[id] = append(s.history[id], *old)
	}
	if d, ok := s.edits[id]; ok && d.vers.version < r.vers.version {
		s.history[id] = append(s.history[id], d)
		delete(s.edits, id)
	}
}

// headVersion is the newest version number of incident id: its pending
// draft's, or else its record's (1 for a record of the first format).
func (s *Store) headVersion(id uint32) uint32 {
	v := max(s.recs.at(id).vers.version, 1)
	if d, ok := s.edits[id]; ok {
		v = max(v, d.vers.version)
	}
	return v
}

// changeSeq orders the versions commits make: the commit's number, then
// the version's place in it.
func changeSeq(commit int64, i int) uint64 { return uint64(commit)<<24 | uint64(i) }
