package memstore

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
)

// SalvageReport is what Salvage copied and what it could not.
type SalvageReport struct {
	From, To string
	Files    []FileCheck // of the damaged store
	// The new store: its incidents (each at the latest version that
	// verified), reports, regions and data version.
	Incidents, Reports, Regions int
	Version                     int64
	Lost                        []*LostSpan // every damaged stretch of every file
	TornTail                    *TornTail   // an unfinished write, dropped: it was never acknowledged
	// MissingIDs are the incident ids the damaged store had and the new
	// one lacks; the incidents after them close up, so Renumbered of them
	// have a new id.
	MissingIDs []IDRange
	Renumbered int
	// LostReports are the external ids of reports that did not verify, as
	// far as the damaged bytes tell ("" where none reads); ReportsUnverified says reports.json
	// had no checksums (format 1) and was copied as it read.
	LostReports       []string
	ReportsUnverified bool
	RegionsLost       bool // no region list verified: the new store has none
	// Users, Tokens and AuditEntries are the accounts and audit entries
	// that verified and were copied (a lost audit entry is a Lost span).
	Users, Tokens, AuditEntries int
	// Check is the check of the new store, which opened.
	Check *CheckReport
}

// IDRange is the incident ids First to Last.
type IDRange struct{ First, Last int64 }

// Salvage copies every record of the store in dir that verifies, before and
// after any damage, into a new store in to (a directory that does not exist
// or is empty), and reports what was lost. It writes nothing in dir and
// holds its lock meanwhile. Incidents keep their latest version that
// verifies and their order; they are joined again to the regions that
// verify last. The new store is opened and checked before Salvage returns.
func Salvage(dir, to string) (*SalvageReport, error) {
	from, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if to, err = filepath.Abs(to); err != nil {
		return nil, err
	}
	if from == to || strings.HasPrefix(to, from+string(filepath.Separator)) {
		return nil, fmt.Errorf("memstore: salvage writes nothing into the damaged store: choose a directory outside %s", from)
	}
	if st, err := os.Stat(from); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("memstore: no data directory at %s", from)
	}
	if entries, err := os.ReadDir(to); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("memstore: %s is not empty: salvage writes a new store into a new or empty directory", to)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	lock, err := lockDir(from, false)
	if err != nil {
		return nil, err
	}
	if lock != nil {
		defer lock.Close()
	}
	sv := newSurvey(from, true)
	if err := sv.run(); err != nil {
		return nil, err
	}
	rep := &SalvageReport{From: from, To: to, Files: sv.files, Lost: sv.spans, TornTail: sv.torn,
		LostReports: sv.reports.lostIDs, ReportsUnverified: sv.reports.format == legacyReportsFormat,
		RegionsLost: !sv.regionsSet}

	s := sv.build()
	s.dir = to
	rep.Incidents, rep.Regions, rep.Version = s.recs.len(), len(s.regions), s.version
	ids := make([]uint32, 0, len(sv.incidents))
	for id := range sv.incidents {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i, id := range ids {
		if uint32(i+1) != id {
			rep.Renumbered++
		}
	}
	rep.MissingIDs = missing(ids, sv.maxID)
	reports := sv.reports.reports
	slices.SortFunc(reports, func(a, b geo.Report) int { return cmp.Compare(a.ID, b.ID) })
	rep.Reports = len(reports)

	if err := writeSalvaged(s, reports, sv.reports.nextID, sv.held || s.recs.len() > 0); err != nil {
		return nil, err
	}
	if err := writeSalvagedAccounts(to, &sv.accounts, sv.audit); err != nil {
		return nil, err
	}
	rep.Users, rep.Tokens, rep.AuditEntries = len(sv.accounts.users), len(sv.accounts.tokens), len(sv.audit)
	// The new store must open, and pass a check.
	opened, err := OpenWith(to, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, fmt.Errorf("memstore: the salvaged store in %s does not open: %w", to, err)
	}
	n := opened.Len()
	opened.Close()
	if n != s.recs.len() {
		return nil, fmt.Errorf("memstore: the salvaged store in %s holds %d incidents, %d were written", to, n, s.recs.len())
	}
	if rep.Check, err = Check(to); err != nil {
		return nil, err
	}
	if len(rep.Check.Damage) > 0 {
		return rep, fmt.Errorf("memstore: the salvaged store in %s fails its check: %w", to, rep.Check.Damage[0])
	}
	return rep, nil
}

// build is the store the survey kept: incidents by their old id, closed up,
// joined to the regions.
func (sv *survey) build() *Store {
	s := newState()
	s.syms = sv.syms
	regions := sv.regions
	sortRegions(regions)
	s.regions, s.join = regions, newJoinIndex(regions)
	ids := make([]uint32, 0, len(sv.incidents))
	for id := range sv.incidents {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	s.recs = recordTable{}
	for _, id := range ids {
		r := sv.incidents[id].rec
		gov, badia := s.join.joinByRule(orb.Point{r.lon, r.lat}, int(r.geoPrec), s.syms.list[r.srcGov])
		r.gov, r.region = s.syms.intern(gov), s.syms.intern(badia)
		s.recs.add(r)
	}
	// A version above any the damaged store reached: caches keyed by it
	// never take the new store's data for the old.
	s.version = sv.maxSeq + 1
	return s
}

// missing is the ids up to maxID not in ids (ascending).
func missing(ids []uint32, maxID uint32) []IDRange {
	var out []IDRange
	next := uint32(1)
	for _, id := range append(ids, maxID+1) {
		if id > next {
			out = append(out, IDRange{int64(next), int64(id - 1)})
		}
		next = max(next, id+1)
	}
	return out
}

// writeSalvaged writes the new store: its snapshot, an empty log, the
// reports and the demo marker.
func writeSalvaged(s *Store, reports []geo.Report, nextID int64, held bool) error {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("memstore: creating %s: %w", s.dir, err)
	}
	tmp := filepath.Join(s.dir, snapshotFile+".tmp")
	if _, err := s.writeSnapshot(tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("memstore: writing the salvaged snapshot: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, snapshotFile)); err != nil {
		return err
	}
	if err := writeFileDurably(s.dir, logFile, nil); err != nil {
		return err
	}
	if len(reports) > 0 || nextID > 1 {
		b, err := encodeReports(reports, nextID)
		if err != nil {
			return err
		}
		if err := writeFileDurably(s.dir, reportsFile, b); err != nil {
			return err
		}
	}
	if held {
		s.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		return s.markHeld()
	}
	return syncDir(s.dir)
}
