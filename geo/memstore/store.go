package memstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"slices"

	"sync"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Store is the embedded geo.Store. Open it on a data directory; Close it to
// release the directory for another process.
type Store struct {
	dir  string
	lock *os.File

	// writeMu admits one writer at a time: imports, region replacements and
	// compaction. The writer reads the data below without mu; it takes mu
	// only to change it.
	writeMu sync.Mutex
	mu      sync.RWMutex
	closed  bool

	syms     *symbols
	recs     recordTable       // the incident with id i is recs.at(i)
	byExt    map[string]uint32 // external id -> id
	points   rtree.RTreeGN[float32, uint32]
	byGov    map[sym][]uint32 // ascending ids per governorate; never changed in place
	byRegion map[sym][]uint32 // ascending ids per Badia region; never changed in place
	regions  []geo.Region     // ordered by code
	// history holds every superseded version of an incident, oldest first;
	// edits the pending draft of a published or retracted incident. A
	// record in recs is the version public reads see (or a draft no one
	// has published yet).
	history map[uint32][]record
	edits   map[uint32]record
	join    *joinIndex
	// version is the sequence number of the last log record (every
	// commit, drafts included); dataVersion is the version public reads
	// see: the last commit that changed them (drafts do not), or the log's
	// version when the store was opened.
	version     int64
	dataVersion int64
	// pyramid aggregates the drawn incidents per cell for low-zoom tiles;
	// changes notes where each commit changed tiles (pyramid.go).
	pyramid *pyramid
	changes changeLog

	log      *os.File
	logSize  int64
	snapSize int64
	broken   error // a failed log write: the store refuses further writes
	recovery Recovery
	held     bool // the directory has held incidents (heldFile); under mu
	// compactRetryAt is the log size a compaction waits for after one failed.
	compactRetryAt int64
	reportState    *reportState
	accounts       *accountState // users, tokens, sessions and the audit log (accounts.go)
	logger         *slog.Logger
	readOnly       bool // loaded by Check: nothing is written
}

var _ geo.Store = (*Store)(nil)

// errClosed is returned by every method after Close.
var errClosed = errors.New("memstore: store is closed")

func newState() *Store {
	s := &Store{syms: newSymbols(), byExt: map[string]uint32{}, byGov: map[sym][]uint32{}, byRegion: map[sym][]uint32{},
		history: map[uint32][]record{}, edits: map[uint32]record{}}
	s.join = newJoinIndex(nil)
	s.pyramid = newPyramid()
	return s
}

// Dir is the data directory the store was opened on.
func (s *Store) Dir() string { return s.dir }

// Len is the number of incidents held.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.recs.len()
}

// Ping reports whether the store can answer now.
func (s *Store) Ping(ctx context.Context) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return errClosed
	}
	if s.broken != nil {
		return s.broken
	}
	return ctx.Err()
}

// DataVersion moves with every commit that changes public reads: a draft
// leaves it, as in PostGIS, so caches keyed on it survive the desk's work.
func (s *Store) DataVersion(ctx context.Context) (int64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, errClosed
	}
	return s.dataVersion, nil
}

// KnownDataVersion is DataVersion: the store holds it in memory.
func (s *Store) KnownDataVersion() (int64, bool) {
	v, err := s.DataVersion(context.Background())
	return v, err == nil
}

var _ geo.VersionWatcher = (*Store)(nil)

// Regions returns the regions of the given kinds (all when none), by code.
func (s *Store) Regions(ctx context.Context, kinds ...geo.RegionKind) ([]geo.Region, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	out := []geo.Region{}
	for _, r := range s.regions {
		if len(kinds) > 0 && !slices.Contains(kinds, r.Kind) {
			continue
		}
		r.Geom = cloneMultiPolygon(r.Geom)
		out = append(out, r)
	}
	return out, nil
}

// Incident returns the incident with id, or an error wrapping geo.ErrNotFound.
func (s *Store) Incident(ctx context.Context, id int64) (geo.Incident, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return geo.Incident{}, errClosed
	}
	// A draft or a retracted incident is not there for public reads.
	if id < 1 || id > int64(s.recs.len()) || s.recs.at(uint32(id)).removed || s.recs.at(uint32(id)).status() != geo.StatusPublished {
		return geo.Incident{}, fmt.Errorf("incident %d: %w", id, geo.ErrNotFound)
	}
	var inc geo.Incident
	s.recs.at(uint32(id)).fill(&inc, id, s.syms.list, false)
	return inc, nil
}

// scanChunk is how many candidates a scan looks at per read lock.
const scanChunk = 512

// ScanIncidents calls fn for each incident f matches, by ascending id, after
// page.After and at most page.Limit of them. fn is called with no lock held
// and gets an incident of its own.
func (s *Store) ScanIncidents(ctx context.Context, f geo.IncidentFilter, page geo.Page, fn func(*geo.Incident) error) error {
	if page.Limit < 0 {
		return fmt.Errorf("page limit %d is negative", page.Limit)
	}
	return s.scan(ctx, &f, page, false, fn)
}

// CountIncidents is how many incidents f matches.
func (s *Store) CountIncidents(ctx context.Context, f geo.IncidentFilter) (int, error) {
	n := 0
	err := s.scan(ctx, &f, geo.Page{}, true, func(*geo.Incident) error { n++; return nil })
	return n, err
}

// Stats aggregates the incidents f matches by group, ordered by key.
func (s *Store) Stats(ctx context.Context, f geo.IncidentFilter, by geo.GroupBy) ([]geo.GroupTotals, error) {
	known := false
	for _, g := range geo.GroupBys {
		known = known || g == by
	}
	if !known {
		return nil, fmt.Errorf("unknown grouping %q (want one of %v)", by, geo.GroupBys)
	}
	type groupKey struct {
		key     string
		located geo.Located
	}
	groups := map[groupKey]*geo.Totals{}
	err := s.scan(ctx, &f, geo.Page{}, true, func(inc *geo.Incident) error {
		key, located, _ := geo.GroupKey(inc, by)
		k := groupKey{key, located}
		t := groups[k]
		if t == nil {
			t = &geo.Totals{}
			groups[k] = t
		}
		t.Add(inc)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]geo.GroupTotals, 0, len(groups))
	for k, t := range groups {
		out = append(out, geo.GroupTotals{Key: k.key, Located: k.located, Totals: *t})
	}
	geo.SortGroups(out)
	return out, nil
}

// scan visits the incidents f matches. With inLock, visit runs under the
// read lock on a scratch incident it must not keep (for counts and stats);
// otherwise it runs unlocked on an incident of its own.
func (s *Store) scan(ctx context.Context, f *geo.IncidentFilter, page geo.Page, inLock bool, visit func(*geo.Incident) error) error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return errClosed
	}
	after := max(page.After, 0)
	if after >= int64(s.recs.len()) {
		s.mu.RUnlock()
		return ctx.Err()
	}
	cur := s.candidates(f, uint32(after))
	pre := s.prefilter(f)
	s.mu.RUnlock()

	left := page.Limit
	var scratch geo.Incident
	out := make([]*geo.Incident, 0, scanChunk)
	var visitErr error
	return s.walkChunks(ctx, cur, pre, func(id uint32, r *record, syms []string) bool {
		r.fill(&scratch, int64(id), syms, true)
		if !f.Match(&scratch) {
			return true
		}
		if inLock {
			if visitErr = visit(&scratch); visitErr != nil {
				return false
			}
		} else {
			inc := new(geo.Incident)
			r.fill(inc, int64(id), syms, false)
			out = append(out, inc)
		}
		if page.Limit > 0 {
			left--
			return left > 0
		}
		return true
	}, func() error {
		if visitErr != nil {
			return visitErr
		}
		for _, inc := range out {
			if err := visit(inc); err != nil {
				return err
			}
		}
		out = out[:0]
		return nil
	})
}

// walkChunks calls visit for each id of cur whose record passes pre, under
// the read lock, scanChunk ids at a time; visit must not keep r and returns
// false to end the walk. afterChunk, when not nil, runs after each chunk
// with the lock released; its error ends the walk.
func (s *Store) walkChunks(ctx context.Context, cur cursor, pre prefilter, visit func(id uint32, r *record, syms []string) bool, afterChunk func() error) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		done := false
		s.mu.RLock()
		if s.closed {
			s.mu.RUnlock()
			return errClosed
		}
		syms := s.syms.list
		for n := 0; n < scanChunk; n++ {
			id, ok := cur.next()
			if !ok {
				done = true
				break
			}
			r := s.recs.at(id)
			if r.removed || !pre.pass(r) {
				continue
			}
			if !visit(id, r, syms) {
				done = true
				break
			}
		}
		s.mu.RUnlock()
		if afterChunk != nil {
			if err := afterChunk(); err != nil {
				return err
			}
		}
		if done {
			return nil
		}
	}
}

// prefilter rejects records on the compact fields before an incident is
// built for geo.IncidentFilter.Match, which always has the final word.
type prefilter struct {
	statuses      []geo.Status // the statuses kept (IncidentFilter.Statuses)
	govs, regions []sym        // nil: no restriction
	noGov, noReg  bool         // the filter names only codes no incident has
	from, to      int32
	box           *orb.Bound // Match's box test, edges included
}

func (s *Store) prefilter(f *geo.IncidentFilter) prefilter {
	p := prefilter{statuses: f.Statuses, from: math.MinInt32, to: math.MaxInt32, box: f.BBox}
	lookup := func(codes []string) ([]sym, bool) {
		var out []sym
		for _, c := range codes {
			if id, ok := s.syms.index[c]; ok {
				out = append(out, id)
			}
		}
		return out, len(codes) > 0 && len(out) == 0
	}
	p.govs, p.noGov = lookup(f.Governorates)
	p.regions, p.noReg = lookup(f.Regions)
	if !f.From.IsZero() {
		// DateStart is a midnight: it is before From exactly when its day
		// is before From's day rounded up.
		d := toDay(f.From)
		if fromDay(d).Before(f.From) {
			d++
		}
		p.from = d
	}
	if !f.To.IsZero() {
		p.to = toDay(f.To)
	}
	return p
}

func (p *prefilter) pass(r *record) bool {
	if p.noGov || p.noReg || r.dateStart < p.from || r.dateStart > p.to {
		return false
	}
	if st := r.status(); p.statuses == nil && st != geo.StatusPublished || p.statuses != nil && !slices.Contains(p.statuses, st) {
		return false
	}
	if b := p.box; b != nil && !b.Contains(orb.Point{r.lon, r.lat}) {
		return false
	}
	if p.govs != nil && !hasSym(p.govs, r.gov) {
		return false
	}
	if p.regions != nil && !hasSym(p.regions, r.region) {
		return false
	}
	return true
}

func hasSym(list []sym, s sym) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
