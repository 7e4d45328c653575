package memstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// Reports live beside the incidents in the data directory, in a file of
// their own (reportsFile): there are few of them, so every upsert rewrites
// the whole file (new file, fsync, rename, directory fsync) and a crash
// leaves either the old set or the new one. The directory's LOCK, held by the
// open Store, keeps other processes away from it too.
//
// A Store's report state is kept in reportStates, keyed by the Store,
// because the Store struct (store.go) has no field for it; it is loaded from
// the file on first use.
const reportsFile = "reports.json"

// reportsFormat is the version of reportsFile's layout.
const reportsFormat = 1

var _ geo.ReportStore = (*Store)(nil)

var reportStates sync.Map // *Store -> *reportState

type reportState struct {
	mu      sync.Mutex
	loaded  bool
	nextID  int64
	reports []geo.Report // ordered by ID
}

func (s *Store) reports() (*reportState, error) {
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		reportStates.Delete(s)
		return nil, errClosed
	}
	v, _ := reportStates.LoadOrStore(s, &reportState{nextID: 1})
	st := v.(*reportState)
	st.mu.Lock()
	if !st.loaded {
		if err := st.load(s.dir); err != nil {
			st.mu.Unlock()
			return nil, err
		}
		st.loaded = true
	}
	return st, nil // locked: the caller unlocks
}

// reportsDoc is reportsFile's content.
type reportsDoc struct {
	Format  int          `json:"format"`
	NextID  int64        `json:"next_id"`
	Reports []reportJSON `json:"reports"`
}

type reportJSON struct {
	ID                 int64       `json:"id"`
	ExternalID         string      `json:"external_id"`
	Publisher          string      `json:"publisher"`
	Title              string      `json:"title"`
	URL                string      `json:"url"`
	Language           string      `json:"language"`
	PublishedOn        string      `json:"published_on"`
	PublishedEstimated bool        `json:"published_estimated"`
	PeriodStart        string      `json:"period_start"`
	PeriodEnd          string      `json:"period_end"`
	RegionsIncomplete  bool        `json:"regions_incomplete"`
	Notes              string      `json:"notes"`
	Claims             []geo.Claim `json:"claims"`
}

func reportDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(geo.DateLayout)
}

func parseReportDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(geo.DateLayout, s)
}

func (st *reportState) load(dir string) error {
	if dir == "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, reportsFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("memstore: reading reports: %w", err)
	}
	var doc reportsDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("memstore: %s is damaged: %w", filepath.Join(dir, reportsFile), err)
	}
	if doc.Format != reportsFormat {
		return fmt.Errorf("memstore: %s has format %d; this build reads %d", filepath.Join(dir, reportsFile), doc.Format, reportsFormat)
	}
	for _, j := range doc.Reports {
		r := geo.Report{ID: j.ID, ExternalID: j.ExternalID, Publisher: j.Publisher, Title: j.Title, URL: j.URL,
			Language: j.Language, PublishedEstimated: j.PublishedEstimated, RegionsIncomplete: j.RegionsIncomplete,
			Notes: j.Notes, Claims: j.Claims}
		for _, d := range []struct {
			s string
			t *time.Time
		}{{j.PublishedOn, &r.PublishedOn}, {j.PeriodStart, &r.PeriodStart}, {j.PeriodEnd, &r.PeriodEnd}} {
			if *d.t, err = parseReportDay(d.s); err != nil {
				return fmt.Errorf("memstore: %s: report %d: %w", reportsFile, j.ID, err)
			}
		}
		st.reports = append(st.reports, r)
	}
	st.nextID = doc.NextID
	return nil
}

func (st *reportState) save(dir string, reports []geo.Report, nextID int64) error {
	if dir == "" {
		return nil
	}
	doc := reportsDoc{Format: reportsFormat, NextID: nextID, Reports: make([]reportJSON, len(reports))}
	for i, r := range reports {
		doc.Reports[i] = reportJSON{ID: r.ID, ExternalID: r.ExternalID, Publisher: r.Publisher, Title: r.Title, URL: r.URL,
			Language: r.Language, PublishedOn: reportDay(r.PublishedOn), PublishedEstimated: r.PublishedEstimated,
			PeriodStart: reportDay(r.PeriodStart), PeriodEnd: reportDay(r.PeriodEnd), RegionsIncomplete: r.RegionsIncomplete,
			Notes: r.Notes, Claims: r.Claims}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, reportsFile)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("memstore: writing reports: %w", err)
	}
	if _, err = f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("memstore: writing reports: %w", err)
	}
	return syncDir(dir)
}

func cloneReport(r geo.Report) geo.Report {
	r.Claims = append([]geo.Claim(nil), r.Claims...)
	return r
}

// UpsertReports validates every report against the Badia regions held and
// stores all of them durably, or none.
func (s *Store) UpsertReports(ctx context.Context, reports []geo.Report) (geo.ReportImportResult, error) {
	var res geo.ReportImportResult
	regions, err := s.Regions(ctx, geo.KindBadia)
	if err != nil {
		return res, err
	}
	badia := map[string]bool{}
	for _, r := range regions {
		badia[r.Code] = true
	}
	if err := geo.ValidateReportBatch(reports, badia); err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	st, err := s.reports()
	if err != nil {
		return res, err
	}
	defer st.mu.Unlock()
	next := append([]geo.Report(nil), st.reports...)
	byExt := map[string]int{}
	for i, r := range next {
		byExt[r.ExternalID] = i
	}
	nextID := st.nextID
	for _, r := range reports {
		r = cloneReport(r)
		if i, ok := byExt[r.ExternalID]; ok {
			r.ID = next[i].ID
			next[i] = r
			res.Updated++
		} else {
			r.ID = nextID
			nextID++
			byExt[r.ExternalID] = len(next)
			next = append(next, r)
			res.Inserted++
		}
		res.IDs = append(res.IDs, r.ID)
	}
	if err := st.save(s.dir, next, nextID); err != nil {
		return geo.ReportImportResult{}, err
	}
	st.reports, st.nextID = next, nextID
	return res, nil
}

// Reports returns the reports f matches, by id.
func (s *Store) Reports(ctx context.Context, f geo.ReportFilter) ([]geo.Report, error) {
	st, err := s.reports()
	if err != nil {
		return nil, err
	}
	defer st.mu.Unlock()
	out := []geo.Report{}
	for i := range st.reports {
		if f.Match(&st.reports[i]) {
			out = append(out, cloneReport(st.reports[i]))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, ctx.Err()
}

// Report returns the report with id, or an error wrapping geo.ErrNotFound.
func (s *Store) Report(ctx context.Context, id int64) (geo.Report, error) {
	st, err := s.reports()
	if err != nil {
		return geo.Report{}, err
	}
	defer st.mu.Unlock()
	for _, r := range st.reports {
		if r.ID == id {
			return cloneReport(r), nil
		}
	}
	return geo.Report{}, fmt.Errorf("report %d: %w", id, geo.ErrNotFound)
}
