package memstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
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
// The file is JSON, checksummed twice: the body as a whole (next id, the
// list) and each report on its own, so a damaged file refuses to open and
// salvage still copies every report whose own checksum holds:
//
//	{"format":2,"crc32c":"<CRC-32C of body, hex>","body":{"next_id":N,"reports":[
//	{"crc32c":"<CRC-32C of report, hex>","report":{...}},
//	...
//	]}}
//
// The checksums cover the bytes exactly as they stand in the file. Format 1,
// the same list with no checksums, is read and rewritten as format 2 on
// open.
const reportsFile = "reports.json"

// reportsFormat is the version of reportsFile's layout this build writes.
const reportsFormat = 2

// legacyReportsFormat is the first layout, without checksums.
const legacyReportsFormat = 1

var _ geo.ReportStore = (*Store)(nil)

type reportState struct {
	mu      sync.Mutex
	nextID  int64
	reports []geo.Report // ordered by ID
}

// reports returns the store's reports locked: the caller unlocks.
func (s *Store) reports() (*reportState, error) {
	s.mu.RLock()
	closed, st := s.closed, s.reportState
	s.mu.RUnlock()
	if closed {
		return nil, errClosed
	}
	st.mu.Lock()
	return st, nil
}

// legacyReportsDoc is reportsFile's content in format 1.
type legacyReportsDoc struct {
	Format  int           `json:"format"`
	NextID  *int64        `json:"next_id"`
	Reports *[]reportJSON `json:"reports"`
}

// reportsEnvelope and reportsBody are reportsFile's content in format 2.
type reportsEnvelope struct {
	Format int             `json:"format"`
	CRC    string          `json:"crc32c"`
	Body   json.RawMessage `json:"body"`
}

type reportsBody struct {
	NextID  *int64            `json:"next_id"`
	Reports []json.RawMessage `json:"reports"`
}

type reportItem struct {
	CRC    string          `json:"crc32c"`
	Report json.RawMessage `json:"report"`
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

func toReportJSON(r geo.Report) reportJSON {
	return reportJSON{ID: r.ID, ExternalID: r.ExternalID, Publisher: r.Publisher, Title: r.Title, URL: r.URL,
		Language: r.Language, PublishedOn: reportDay(r.PublishedOn), PublishedEstimated: r.PublishedEstimated,
		PeriodStart: reportDay(r.PeriodStart), PeriodEnd: reportDay(r.PeriodEnd), RegionsIncomplete: r.RegionsIncomplete,
		Notes: r.Notes, Claims: r.Claims}
}

func (j *reportJSON) report() (geo.Report, error) {
	r := geo.Report{ID: j.ID, ExternalID: j.ExternalID, Publisher: j.Publisher, Title: j.Title, URL: j.URL,
		Language: j.Language, PublishedEstimated: j.PublishedEstimated, RegionsIncomplete: j.RegionsIncomplete,
		Notes: j.Notes, Claims: j.Claims}
	for _, d := range []struct {
		s string
		t *time.Time
	}{{j.PublishedOn, &r.PublishedOn}, {j.PeriodStart, &r.PeriodStart}, {j.PeriodEnd, &r.PeriodEnd}} {
		var err error
		if *d.t, err = parseReportDay(d.s); err != nil {
			return r, err
		}
	}
	return r, nil
}

// reportsRead is what a reports file holds, report by report.
type reportsRead struct {
	exists  bool
	size    int64
	format  int
	nextID  int64
	reports []geo.Report   // the reports that verify (all of a format 1 file that decodes)
	damage  []*DamageError // every damaged place, in file order
	// lostIDs are the external ids read from damaged reports (unverified;
	// "" where none reads).
	lostIDs []string
}

// loadReports reads the data directory's reports for Open: any damage is a
// *DamageError. legacy says the file has format 1 and wants rewriting.
func loadReports(dir string) (st *reportState, legacy bool, err error) {
	rd, err := readReports(dir)
	if err != nil {
		return nil, false, err
	}
	if len(rd.damage) > 0 {
		return nil, false, rd.damage[0]
	}
	return &reportState{nextID: rd.nextID, reports: rd.reports}, rd.exists && rd.format == legacyReportsFormat, nil
}

// readReports reads reportsFile, finding every damaged place rather than
// stopping at the first, and keeping every report that verifies.
func readReports(dir string) (reportsRead, error) {
	path := filepath.Join(dir, reportsFile)
	rd := reportsRead{nextID: 1}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return rd, nil
	}
	if err != nil {
		return rd, fmt.Errorf("memstore: reading reports: %w", err)
	}
	rd.exists, rd.size = true, int64(len(b))
	damaged := func(off int64, record int, typ, format string, a ...any) {
		rd.damage = append(rd.damage, &DamageError{File: path, Offset: off, Record: record, Type: typ, Reason: fmt.Sprintf(format, a...)})
	}
	var probe struct {
		Format json.RawMessage `json:"format"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		damaged(jsonErrorOffset(err), 0, "", "the file is not JSON: %v", err)
		rd.scanItems(path, b)
		return rd, nil
	}
	switch string(probe.Format) {
	case "1":
		rd.format = legacyReportsFormat
		rd.readLegacy(path, b)
	case "2":
		rd.format = reportsFormat
		rd.readChecksummed(path, b)
	default:
		damaged(int64(bytes.Index(b, []byte(`"format"`))), 0, "", "format %s is unknown: the file is damaged, or a newer badiamap wrote it", probe.Format)
		rd.scanItems(path, b)
	}
	return rd, nil
}

// jsonErrorOffset is where a JSON decoding error was found, or 0.
func jsonErrorOffset(err error) int64 {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return syn.Offset
	case errors.As(err, &typ):
		return typ.Offset
	}
	return 0
}

// decodeStrict decodes the JSON value b into v, refusing unknown fields
// and anything after the value.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if off := dec.InputOffset(); off != int64(len(b)) {
		return &json.SyntaxError{Offset: off}
	}
	return nil
}

// readLegacy reads a format 1 file. It has no checksums: what decodes is
// taken as it is.
func (rd *reportsRead) readLegacy(path string, b []byte) {
	var doc legacyReportsDoc
	if err := decodeStrict(b, &doc); err != nil || doc.NextID == nil || doc.Reports == nil {
		if err == nil {
			err = errors.New("next_id or reports is missing")
		}
		rd.damage = append(rd.damage, &DamageError{File: path, Offset: jsonErrorOffset(err), Reason: fmt.Sprintf("format 1 (no checksums) does not decode: %v", err)})
		rd.scanItems(path, b)
		return
	}
	rd.nextID = *doc.NextID
	cursor := 0
	for i, j := range *doc.Reports {
		off := int64(cursor)
		if at := bytes.Index(b[cursor:], fmt.Appendf(nil, `{"id":%d,`, j.ID)); at >= 0 {
			off, cursor = int64(cursor+at), cursor+at+1
		}
		r, err := j.report()
		if err != nil {
			rd.damage = append(rd.damage, &DamageError{File: path, Offset: off, Record: i + 1, Type: "report " + j.ExternalID, Reason: err.Error()})
			rd.lostIDs = append(rd.lostIDs, j.ExternalID)
			continue
		}
		rd.reports = append(rd.reports, r)
	}
}

// readChecksummed reads a format 2 file.
func (rd *reportsRead) readChecksummed(path string, b []byte) {
	var env reportsEnvelope
	if err := decodeStrict(b, &env); err != nil {
		rd.damage = append(rd.damage, &DamageError{File: path, Offset: jsonErrorOffset(err), Reason: fmt.Sprintf("the file does not decode: %v", err)})
		rd.scanItems(path, b)
		return
	}
	bodyAt := int64(bytes.Index(b, env.Body))
	bodyOK := crcHex(env.Body) == env.CRC
	var body reportsBody
	if err := decodeStrict(env.Body, &body); err != nil || body.NextID == nil {
		if err == nil {
			err = errors.New("next_id is missing")
		}
		rd.damage = append(rd.damage, &DamageError{File: path, Offset: bodyAt + jsonErrorOffset(err), Reason: fmt.Sprintf("the body does not decode: %v", err)})
		rd.scanItems(path, b)
		return
	}
	rd.nextID = *body.NextID
	itemsOK := true
	cursor := bodyAt
	for i, raw := range body.Reports {
		off := cursor + int64(bytes.Index(b[cursor:], raw))
		cursor = off + int64(len(raw))
		r, ext, err := decodeReportItem(raw)
		if err != nil {
			itemsOK = false
			typ := ""
			if ext != "" {
				typ = "report " + ext
			}
			rd.lostIDs = append(rd.lostIDs, ext)
			rd.damage = append(rd.damage, &DamageError{File: path, Offset: off, Record: i + 1, Type: typ, Reason: err.Error()})
			continue
		}
		rd.reports = append(rd.reports, r)
	}
	if bodyOK {
		return
	}
	if itemsOK {
		rd.damage = append(rd.damage, &DamageError{File: path, Offset: bodyAt,
			Reason: "the body's checksum does not match, though every report's does: the damage is in the next id, the list or the checksum"})
	}
	// Number on from the highest id that verifies (reports are never
	// deleted, so that is what the next id was).
	rd.nextID = 1
	for _, r := range rd.reports {
		rd.nextID = max(rd.nextID, r.ID+1)
	}
}

// decodeReportItem verifies and decodes one report of a format 2 file. The
// external id is returned, unverified, even when the report fails.
func decodeReportItem(raw []byte) (geo.Report, string, error) {
	var item reportItem
	if err := decodeStrict(raw, &item); err != nil {
		return geo.Report{}, "", fmt.Errorf("the report does not decode: %v", err)
	}
	var j reportJSON
	jerr := json.Unmarshal(item.Report, &j)
	if crcHex(item.Report) != item.CRC {
		if jerr != nil {
			j.ExternalID = externalIDIn(item.Report)
		}
		return geo.Report{}, j.ExternalID, errors.New("checksum mismatch")
	}
	if jerr != nil {
		return geo.Report{}, j.ExternalID, fmt.Errorf("the report does not decode: %v", jerr)
	}
	r, err := j.report()
	if err != nil {
		return geo.Report{}, j.ExternalID, err
	}
	return r, j.ExternalID, nil
}

// externalIDIn reads the external id of a report whose JSON is broken
// elsewhere, or "".
func externalIDIn(raw []byte) string {
	i := bytes.Index(raw, []byte(`"external_id":`))
	if i < 0 {
		return ""
	}
	var ext string
	if json.NewDecoder(bytes.NewReader(raw[i+len(`"external_id":`):])).Decode(&ext) != nil {
		return ""
	}
	return ext
}

// reportItemStart begins every report of a format 2 file.
var reportItemStart = []byte(`{"crc32c":"`)

// scanItems looks, in a file whose structure is broken, for reports that
// still verify on their own, for salvage; the others are lost.
func (rd *reportsRead) scanItems(path string, b []byte) {
	var starts []int
	for at := 0; ; at++ {
		i := bytes.Index(b[at:], reportItemStart)
		if i < 0 {
			break
		}
		at += i
		starts = append(starts, at)
	}
	for k, at := range starts {
		end := len(b)
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		var raw json.RawMessage
		if err := json.NewDecoder(bytes.NewReader(b[at:end])).Decode(&raw); err != nil {
			rd.lostIDs = append(rd.lostIDs, externalIDIn(b[at:end]))
			continue
		}
		r, ext, err := decodeReportItem(raw)
		if err != nil {
			rd.lostIDs = append(rd.lostIDs, ext)
			continue
		}
		rd.reports = append(rd.reports, r)
		rd.nextID = max(rd.nextID, r.ID+1)
	}
}

func crcHex(b []byte) string { return fmt.Sprintf("%08x", crc32.Checksum(b, castagnoli)) }

// encodeReports is the content of reportsFile (format 2).
func encodeReports(reports []geo.Report, nextID int64) ([]byte, error) {
	body := fmt.Appendf(nil, `{"next_id":%d,"reports":[`, nextID)
	for i, r := range reports {
		rj, err := json.Marshal(toReportJSON(r))
		if err != nil {
			return nil, err
		}
		if i > 0 {
			body = append(body, ',')
		}
		body = fmt.Appendf(body, "\n{\"crc32c\":%q,\"report\":%s}", crcHex(rj), rj)
	}
	body = append(body, "\n]}"...)
	return fmt.Appendf(nil, `{"format":%d,"crc32c":%q,"body":%s}`, reportsFormat, crcHex(body), body), nil
}

func (st *reportState) save(dir string, reports []geo.Report, nextID int64) error {
	if dir == "" {
		return nil
	}
	b, err := encodeReports(reports, nextID)
	if err != nil {
		return err
	}
	return writeFileDurably(dir, reportsFile, b)
}

// writeFileDurably replaces dir/name with b: a new file, fsynced, renamed
// into place, the directory fsynced. A crash leaves the old file or the new.
func writeFileDurably(dir, name string, b []byte) error {
	path := filepath.Join(dir, name)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("memstore: writing %s: %w", path, err)
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
		return fmt.Errorf("memstore: writing %s: %w", path, err)
	}
	return syncDir(dir)
}

func cloneReport(r geo.Report) geo.Report {
	r.Claims = append([]geo.Claim(nil), r.Claims...)
	return r
}

// UpsertReports validates every report against the Badia regions held and
// stores all of them durably, or none.
func (s *Store) UpsertReports(ctx context.Context, reports []geo.Report, a *geo.AuditEntry) (geo.ReportImportResult, error) {
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
	if err := s.auditWrite(ctx, a, func(a geo.AuditEntry) (geo.AuditEntry, error) { return geo.ReportsAudit(a, res) }); err != nil {
		return geo.ReportImportResult{}, err
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
