package memstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/storetest"
)

// damageStore is a data directory built for damaging: a snapshot holding
// the regions and a first batch, then import batches of new incidents in
// the log, and the snapshot reports.
type damageStore struct {
	dir     string
	all     []geo.Incident   // every incident, by id
	batches [][]string       // external ids per logged batch, in log order
	frames  []int64          // offset of each logged batch's frame; frames[len] is the log size
	reports []geo.Report     // as stored
	byExt   map[string]int64 // id of each external id
}

// damageTemplates are the stores built so far, by their batches: a test
// damages a copy.
var (
	damageTemplates   = map[string]*damageStore{}
	damageTemplatesMu sync.Mutex
)

// buildDamageStore returns a copy, in a directory of t, of the store with
// snapshotIncidents in its snapshot and logBatches in its log.
func buildDamageStore(t *testing.T, snapshotIncidents int, logBatches ...int) *damageStore {
	t.Helper()
	key := fmt.Sprint(snapshotIncidents, logBatches)
	damageTemplatesMu.Lock()
	tpl := damageTemplates[key]
	if tpl == nil {
		dir, err := os.MkdirTemp("", "memstore-damage-")
		if err != nil {
			t.Fatal(err)
		}
		tpl = newDamageStore(t, dir, snapshotIncidents, logBatches...)
		damageTemplates[key] = tpl
	}
	damageTemplatesMu.Unlock()
	ds := *tpl
	ds.dir = t.TempDir()
	entries, err := os.ReadDir(tpl.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.WriteFile(filepath.Join(ds.dir, e.Name()), readFile(t, filepath.Join(tpl.dir, e.Name())), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &ds
}

func newDamageStore(t *testing.T, dir string, snapshotIncidents int, logBatches ...int) *damageStore {
	t.Helper()
	ctx := context.Background()
	ds := &damageStore{dir: dir, byExt: map[string]int64{}}
	s := mustOpen(t, ds.dir)
	defer s.Close()
	if _, err := s.ReplaceRegions(ctx, regions(t), nil); err != nil {
		t.Fatal(err)
	}
	next := 0
	importAll(t, s, generate(100, next, snapshotIncidents))
	next += snapshotIncidents
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(ds.dir, "log")
	for i, n := range logBatches {
		ds.frames = append(ds.frames, fileSize(t, logPath))
		incs := generate(int64(101+i), next, n)
		next += n
		importAll(t, s, incs)
		var ids []string
		for _, inc := range incs {
			ids = append(ids, inc.ExternalID)
		}
		ds.batches = append(ds.batches, ids)
	}
	ds.frames = append(ds.frames, fileSize(t, logPath))
	ds.reports = storetest.SnapshotReports(t)
	if _, err := s.UpsertReports(ctx, ds.reports, nil); err != nil {
		t.Fatal(err)
	}
	var err error
	if ds.reports, err = s.Reports(ctx, geo.ReportFilter{}); err != nil {
		t.Fatal(err)
	}
	ds.all = dump(t, s)
	for _, inc := range ds.all {
		ds.byExt[inc.ExternalID] = inc.ID
	}
	return ds
}

// flip changes the byte at off of path (from the end when off < 0) and
// returns the file's bytes after the change.
func flip(t *testing.T, path string, off int64) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if off < 0 {
		off += int64(len(b))
	}
	b[off] ^= 0x5a
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// refused opens dir, wants a *DamageError naming file, offset and record,
// and wants the file's bytes as they were.
func refused(t *testing.T, dir, file string, off int64, record int) *memstore.DamageError {
	t.Helper()
	path := filepath.Join(dir, file)
	before := readFile(t, path)
	s, err := memstore.Open(dir)
	if err == nil {
		s.Close()
		t.Fatalf("a store with damaged %s opened", file)
	}
	var d *memstore.DamageError
	if !errors.As(err, &d) {
		t.Fatalf("open: %v, want a *DamageError", err)
	}
	if d.File != path || d.Offset != off || d.Record != record {
		t.Errorf("damage named %s byte %d record %d, want %s byte %d record %d (%v)", d.File, d.Offset, d.Record, path, off, record, d)
	}
	where := fmt.Sprintf("record %d", record)
	if record == 0 {
		where = "before the first record"
	}
	for _, want := range []string{path, fmt.Sprintf("byte %d", off), where} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if !bytes.Equal(readFile(t, path), before) {
		t.Errorf("opening changed the damaged %s", file)
	}
	return d
}

// salvaged salvages dir into a new directory, wants the new store to hold
// exactly want (the incidents of dir, in id order, that verified) with ids
// closed up, and returns the report.
func salvaged(t *testing.T, ds *damageStore, want []geo.Incident) (*memstore.SalvageReport, *memstore.Store) {
	t.Helper()
	to := filepath.Join(t.TempDir(), "salvaged")
	logBefore := readFile(t, filepath.Join(ds.dir, "log"))
	rep, err := memstore.Salvage(ds.dir, to)
	if err != nil {
		t.Fatalf("salvage: %v", err)
	}
	if !bytes.Equal(readFile(t, filepath.Join(ds.dir, "log")), logBefore) {
		t.Error("salvage changed the damaged store's log")
	}
	if rep.Check == nil || !rep.Check.Opens || len(rep.Check.Damage) > 0 {
		t.Errorf("the salvaged store does not pass its check: %+v", rep.Check)
	}
	s := mustOpen(t, to)
	t.Cleanup(func() { s.Close() })
	got := dump(t, s)
	if len(got) != len(want) || rep.Incidents != len(want) {
		t.Fatalf("salvaged %d incidents (report says %d), want %d", len(got), rep.Incidents, len(want))
	}
	renumbered := 0
	for i := range got {
		w := want[i]
		if w.ID != int64(i+1) {
			renumbered++
			w.ID = int64(i + 1)
		}
		if !reflect.DeepEqual(got[i], w) {
			t.Fatalf("salvaged incident %d differs:\n got %+v\nwant %+v", i+1, got[i], w)
		}
	}
	if rep.Renumbered != renumbered {
		t.Errorf("report says %d renumbered, %d were", rep.Renumbered, renumbered)
	}
	if !s.HasHeldData() {
		t.Error("the salvaged store does not carry the held-data marker")
	}
	return rep, s
}

// without is ds.all less the incidents with the given external ids.
func (ds *damageStore) without(exts []string) []geo.Incident {
	var out []geo.Incident
	for _, inc := range ds.all {
		if !slices.Contains(exts, inc.ExternalID) {
			out = append(out, inc)
		}
	}
	return out
}

// TestLogDamageRefusesToOpen flips one byte at the start, in the middle and
// at the end of the log: the store refuses to open, naming the file, the
// offset and the record, and leaves the log as it was; Check finds exactly
// that damage; Salvage copies every other record into a new store and names
// the incidents of the damaged batch as lost.
func TestLogDamageRefusesToOpen(t *testing.T) {
	for _, c := range []struct {
		name  string
		batch int                         // the damaged batch
		at    func(ds *damageStore) int64 // the byte flipped
	}{
		{"start", 0, func(ds *damageStore) int64 { return 0 }},
		{"middle", 2, func(ds *damageStore) int64 { return (ds.frames[2] + ds.frames[3]) / 2 }},
		{"end", 4, func(ds *damageStore) int64 { return ds.frames[5] - 1 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ds := buildDamageStore(t, 300, 100, 120, 90, 110, 80)
			logPath := filepath.Join(ds.dir, "log")
			flip(t, logPath, c.at(ds))
			d := refused(t, ds.dir, "log", ds.frames[c.batch], c.batch+1)
			if !strings.Contains(d.Type, "import batch") {
				t.Errorf("damage type %q, want an import batch", d.Type)
			}

			rep, err := memstore.Check(ds.dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Damage) != 1 || rep.Damage[0].Offset != ds.frames[c.batch] || rep.Opens || rep.TornTail != nil {
				t.Fatalf("check: damage %v, opens %v, torn %v; want the one damaged record at byte %d", rep.Damage, rep.Opens, rep.TornTail, ds.frames[c.batch])
			}
			if f := rep.Files[1]; f.Path != logPath || f.Records != 4 || f.Damaged != 1 || f.Incidents != 500-len(ds.batches[c.batch]) {
				t.Errorf("check of the log: %+v", f)
			}

			lost := ds.batches[c.batch]
			srep, _ := salvaged(t, ds, ds.without(lost))
			if len(srep.Lost) != 1 {
				t.Fatalf("salvage reports %d lost stretches, want 1", len(srep.Lost))
			}
			l := srep.Lost[0]
			if l.Offset != ds.frames[c.batch] || l.Bytes != ds.frames[c.batch+1]-ds.frames[c.batch] {
				t.Errorf("lost stretch at byte %d of %d bytes, want byte %d, %d bytes", l.Offset, l.Bytes, ds.frames[c.batch], ds.frames[c.batch+1]-ds.frames[c.batch])
			}
			if want := 1; c.batch == 4 {
				if l.Commits != -1 {
					t.Errorf("damage at the end: %d commits lost, want -1 (unknown)", l.Commits)
				}
			} else if l.Commits != want {
				t.Errorf("%d commits lost, want %d", l.Commits, want)
			}
			// The ids read from the damaged bytes: all of them when the byte
			// flipped is the batch's last (a timestamp), some otherwise.
			if len(l.Lost) == 0 || (c.name == "end" && len(l.Lost) != len(lost)) || len(l.Older) > 0 || l.Recovered > 0 {
				t.Errorf("lost ids read from the damaged batch: %d of %d (older %d, recovered %d)", len(l.Lost), len(lost), len(l.Older), l.Recovered)
			}
			for _, ext := range l.Lost {
				if !slices.Contains(lost, ext) {
					t.Errorf("lost id %s was not in the damaged batch", ext)
				}
			}
			// Ids known missing: those of the batch, unless it was the last
			// (no verified record tells they existed).
			first := ds.byExt[lost[0]]
			want := []memstore.IDRange{{First: first, Last: first + int64(len(lost)) - 1}}
			if c.name == "end" {
				want = nil
			}
			if !reflect.DeepEqual(srep.MissingIDs, want) {
				t.Errorf("missing ids %v, want %v", srep.MissingIDs, want)
			}
			if srep.Reports != len(ds.reports) {
				t.Errorf("salvaged %d reports, want %d", srep.Reports, len(ds.reports))
			}
		})
	}
}

// TestLostUpdateIsNamed: a damaged batch of updates loses the updates, not
// the incidents: salvage keeps them at the version before and says so.
func TestLostUpdateIsNamed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, dir)
	if _, err := s.ReplaceRegions(ctx, regions(t), nil); err != nil {
		t.Fatal(err)
	}
	importAll(t, s, generate(1, 0, 200))
	before := dump(t, s)
	at := fileSize(t, filepath.Join(dir, "log"))
	importAll(t, s, generate(2, 50, 20)) // updates gen:50..69
	end := fileSize(t, filepath.Join(dir, "log"))
	importAll(t, s, generate(3, 60, 5)) // updates gen:60..64 again
	after := dump(t, s)
	s.Close()
	flip(t, filepath.Join(dir, "log"), end-1) // the batch's last byte: every record still reads
	refused(t, dir, "log", at, 3)

	rep, err := memstore.Salvage(dir, filepath.Join(t.TempDir(), "new"))
	if err != nil {
		t.Fatal(err)
	}
	l := rep.Lost[0]
	var older []string
	for i := 50; i < 70; i++ {
		if i < 60 || i >= 65 {
			older = append(older, fmt.Sprintf("gen:%d", i))
		}
	}
	if len(l.Lost) != 0 || !reflect.DeepEqual(l.Older, older) || l.Recovered != 5 {
		t.Fatalf("lost %v, older %v, recovered %d: want none lost, gen:50-59 and 65-69 older, 5 recovered", l.Lost, l.Older, l.Recovered)
	}
	ns := mustOpen(t, rep.To)
	defer ns.Close()
	got := dump(t, ns)
	for i := range got {
		want := before[i]
		if i >= 60 && i < 65 {
			want = after[i] // updated again after the damage
		}
		if !reflect.DeepEqual(got[i], want) {
			t.Fatalf("incident %d: got %+v, want %+v", i+1, got[i], want)
		}
	}
}

// TestSnapshotDamageRefusesToOpen flips a byte inside the second chunk of
// the snapshot: the store refuses to open; salvage copies the other chunks
// and the log, and names the chunk's ids as missing.
func TestSnapshotDamageRefusesToOpen(t *testing.T) {
	ds := buildDamageStore(t, 10000, 50)
	snapPath := filepath.Join(ds.dir, "snapshot")
	frames := snapshotFrames(t, snapPath)
	chunk := frames[5] // the magic line, then H, G, S, C1, C2, C3, E
	flip(t, snapPath, chunk+frameLen(t, snapPath, chunk)/2)
	d := refused(t, ds.dir, "snapshot", chunk, 5)
	if d.Type != "incident chunk" {
		t.Errorf("damage type %q, want incident chunk", d.Type)
	}
	rep, err := memstore.Check(ds.dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Damage) != 1 || rep.Damage[0].Offset != chunk {
		t.Fatalf("check found %v, want the one chunk at byte %d", rep.Damage, chunk)
	}
	var lost []string
	for _, inc := range ds.all[4096:8192] {
		lost = append(lost, inc.ExternalID)
	}
	srep, _ := salvaged(t, ds, ds.without(lost))
	if len(srep.MissingIDs) != 1 || srep.MissingIDs[0] != (memstore.IDRange{First: 4097, Last: 8192}) {
		t.Errorf("missing ids %v, want 4097-8192", srep.MissingIDs)
	}
	if srep.Renumbered != len(ds.all)-8192 {
		t.Errorf("%d renumbered, want %d", srep.Renumbered, len(ds.all)-8192)
	}
	// The magic line too.
	ds = buildDamageStore(t, 20, 5)
	flip(t, filepath.Join(ds.dir, "snapshot"), 3)
	refused(t, ds.dir, "snapshot", 0, 0)
}

// snapshotFrames is the offset of every frame of a snapshot file.
func snapshotFrames(t *testing.T, path string) []int64 {
	b := readFile(t, path)
	off := int64(bytes.IndexByte(b, '\n') + 1)
	out := []int64{0}
	for off < int64(len(b)) {
		out = append(out, off)
		off += frameLen(t, path, off)
	}
	return out
}

// frameLen is the length of the frame at off, header included.
func frameLen(t *testing.T, path string, off int64) int64 {
	b := readFile(t, path)
	return 8 + (int64(b[off]) | int64(b[off+1])<<8 | int64(b[off+2])<<16 | int64(b[off+3])<<24)
}

// logCapture is a logger whose records a test reads.
type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *logCapture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func (c *logCapture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

func (c *logCapture) logger() *slog.Logger { return slog.New(slog.NewTextHandler(c, nil)) }

// TestTornTailDropped cuts or zeroes the last log record the ways a crash
// can leave it: the store opens at the commit before, reports and logs the
// bytes dropped, and a second open finds the log whole.
func TestTornTailDropped(t *testing.T) {
	cases := map[string]func(t *testing.T, path string, last, size int64) int64{} // returns the bytes that must be dropped
	for _, n := range []int64{1, 3, 7} {
		cases[fmt.Sprintf("cut %d bytes into the header", n)] = func(t *testing.T, path string, last, size int64) int64 {
			truncate(t, path, last+n)
			return n
		}
	}
	for _, n := range []int64{8, 9, 600, -1} {
		cases[fmt.Sprintf("cut %d bytes into the frame", n)] = func(t *testing.T, path string, last, size int64) int64 {
			if n < 0 {
				n = size - last - 1
			}
			truncate(t, path, last+n)
			return n
		}
	}
	cases["a sector never written"] = func(t *testing.T, path string, last, size int64) int64 {
		zeroSector(t, path, (last/512+2)*512)
		return size - last
	}
	cases["the header's sector never written"] = func(t *testing.T, path string, last, size int64) int64 {
		b := readFile(t, path)
		clear(b[last : (last/512+1)*512])
		os.WriteFile(path, b, 0o644)
		return size - last
	}
	cases["the file grew, nothing written"] = func(t *testing.T, path string, last, size int64) int64 {
		truncate(t, path, size+4096)
		return 4096
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			ds := buildDamageStore(t, 100, 100, 50)
			logPath := filepath.Join(ds.dir, "log")
			last, size := ds.frames[1], ds.frames[2]
			if name == "the file grew, nothing written" {
				last = size
			}
			dropped := damage(t, logPath, last, size)
			var logs logCapture
			s, err := memstore.OpenWith(ds.dir, memstore.Options{Logger: logs.logger()})
			if err != nil {
				t.Fatalf("a torn tail refused the store: %v", err)
			}
			want := ds.all
			if name != "the file grew, nothing written" {
				want = ds.without(ds.batches[1])
			}
			sameState(t, name, dump(t, s), want)
			r := s.Recovery()
			if r.TruncatedAt != last || r.TruncatedBytes != dropped {
				t.Errorf("recovery %+v, want %d bytes dropped at %d", r, dropped, last)
			}
			for _, want := range []string{"level=WARN", "torn tail", logPath, fmt.Sprintf("offset=%d", last), fmt.Sprintf("bytes=%d", dropped)} {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("log %q does not say %q", logs.String(), want)
				}
			}
			if got := fileSize(t, logPath); got != last {
				t.Errorf("log is %d bytes after the open, want %d", got, last)
			}
			s.Close()
			s = mustOpen(t, ds.dir)
			defer s.Close()
			if r := s.Recovery(); r.TruncatedAt != -1 {
				t.Errorf("second open dropped more: %+v", r)
			}
		})
	}
}

// TestRefusalWritesNothing: a store that refuses to open leaves even a
// torn tail in place, with the damage elsewhere (reports.json).
func TestRefusalWritesNothing(t *testing.T) {
	ds := buildDamageStore(t, 20, 10, 10)
	truncate(t, filepath.Join(ds.dir, "log"), ds.frames[1]+20)
	flip(t, filepath.Join(ds.dir, "reports.json"), 100)
	before := readFile(t, filepath.Join(ds.dir, "log"))
	if s, err := memstore.Open(ds.dir); err == nil {
		s.Close()
		t.Fatal("a store with a damaged reports.json opened")
	}
	if !bytes.Equal(readFile(t, filepath.Join(ds.dir, "log")), before) {
		t.Error("a refused open cut the log's torn tail")
	}
}

func zeroSector(t *testing.T, path string, at int64) {
	b := readFile(t, path)
	clear(b[at : at+512])
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNotATornTail: the marks of a crash count only at the end of the log.
// A record cut short or zeroed with an intact record after it is damage.
func TestNotATornTail(t *testing.T) {
	for name, damage := range map[string]func(t *testing.T, ds *damageStore){
		"a sector of zeros, then an intact record": func(t *testing.T, ds *damageStore) {
			zeroSector(t, filepath.Join(ds.dir, "log"), (ds.frames[0]/512+2)*512)
		},
		"a length past the end, then an intact record": func(t *testing.T, ds *damageStore) {
			b := readFile(t, filepath.Join(ds.dir, "log"))
			b[ds.frames[0]+3] = 0x7f
			os.WriteFile(filepath.Join(ds.dir, "log"), b, 0o644)
		},
	} {
		t.Run(name, func(t *testing.T) {
			ds := buildDamageStore(t, 20, 100, 30)
			damage(t, ds)
			refused(t, ds.dir, "log", ds.frames[0], 1)
			salvaged(t, ds, ds.without(ds.batches[0]))
		})
	}
}

// TestReportsDamageRefusesToOpen flips a byte at the start, in the middle
// and at the end of reports.json, and changes one digit of a figure as a
// bad sector did in the field (58 killed read 98): the store refuses to
// open with the file as it was, and salvage keeps every report whose own
// checksum holds.
func TestReportsDamageRefusesToOpen(t *testing.T) {
	for _, c := range []struct {
		name string
		at   func(b []byte) int64
		lost int  // reports lost
		to   byte // the byte written at at; 0 flips it
	}{
		{"a digit of a figure", func(b []byte) int64 { return after(b, `"Value":`) }, 1, '9'},
		{"start", func(b []byte) int64 { return 0 }, 0, 0},
		{"format", func(b []byte) int64 { return after(b, `"format":`) }, 0, 0},
		{"checksum", func(b []byte) int64 { return after(b, `"crc32c":"`) + 3 }, 0, 0},
		{"next id", func(b []byte) int64 { return after(b, `"next_id":`) }, 0, '9'},
		{"a figure", func(b []byte) int64 { return after(b, `"Value":`) }, 1, 0},
		{"a report's checksum", func(b []byte) int64 { return after(b, "\n"+`{"crc32c":"`) }, 1, 0},
		{"end", func(b []byte) int64 { return int64(len(b) - 1) }, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ds := buildDamageStore(t, 20, 10)
			path := filepath.Join(ds.dir, "reports.json")
			b := readFile(t, path)
			damaged := flipped(b, c.at(b))
			if c.to != 0 {
				if b[c.at(b)] == c.to {
					t.Fatalf("the figure's digit is %c already", c.to)
				}
				damaged[c.at(b)] = c.to
			}
			if err := os.WriteFile(path, damaged, 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := memstore.Open(ds.dir)
			var d *memstore.DamageError
			if err == nil {
				s.Close()
			}
			if !errors.As(err, &d) || d.File != path {
				t.Fatalf("open: %v, want a damage of %s", err, path)
			}
			if !bytes.Equal(readFile(t, path), damaged) {
				t.Error("opening changed the damaged reports.json")
			}
			rep, err := memstore.Check(ds.dir)
			if err != nil || len(rep.Damage) == 0 || rep.Damage[0].File != path {
				t.Fatalf("check: %v, %+v", err, rep)
			}
			srep, ns := salvaged(t, ds, ds.all)
			if srep.Reports != len(ds.reports)-c.lost || len(srep.LostReports) != c.lost {
				t.Errorf("salvaged %d reports, lost %v; want %d lost", srep.Reports, srep.LostReports, c.lost)
			}
			got, err := ns.Reports(context.Background(), geo.ReportFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range got {
				i := slices.IndexFunc(ds.reports, func(w geo.Report) bool { return w.ID == r.ID })
				if i < 0 || !reflect.DeepEqual(r, ds.reports[i]) {
					t.Errorf("salvaged report %d differs from the stored one", r.ID)
				}
			}
		})
	}
}

// after is the offset just after the first s in b; it panics when b holds
// no s, which fails the test.
func after(b []byte, s string) int64 {
	i := bytes.Index(b, []byte(s))
	if i < 0 {
		panic(fmt.Sprintf("no %q in the file", s))
	}
	return int64(i + len(s))
}

func flipped(b []byte, at int64) []byte {
	b = slices.Clone(b)
	b[at] ^= 0x5a
	return b
}

// TestLegacyReportsRead: a reports.json of the first format (no checksums)
// is read, and rewritten with checksums on open; the same file with a
// stray field, as a flipped format digit would make it, is damage.
func TestLegacyReportsRead(t *testing.T) {
	ctx := context.Background()
	ds := buildDamageStore(t, 5, 5)
	path := filepath.Join(ds.dir, "reports.json")
	legacy := fmt.Sprintf(`{"format":1,"next_id":%d,"reports":[`, len(ds.reports)+1)
	for i, r := range ds.reports {
		if i > 0 {
			legacy += ","
		}
		legacy += legacyReport(t, r)
	}
	legacy += "]}"
	if err := os.WriteFile(path, []byte(legacy), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs logCapture
	s, err := memstore.OpenWith(ds.dir, memstore.Options{Logger: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Reports(ctx, geo.ReportFilter{})
	if err != nil || !reflect.DeepEqual(got, ds.reports) {
		t.Fatalf("format 1 reports read back differ (%v)", err)
	}
	s.Close()
	if b := readFile(t, path); !bytes.HasPrefix(b, []byte(`{"format":2,"crc32c":"`)) {
		t.Errorf("reports.json not rewritten with checksums: %.60s", b)
	}
	if !strings.Contains(logs.String(), "rewrote reports with checksums") {
		t.Errorf("the rewrite was not logged: %q", logs.String())
	}
	bad := strings.Replace(legacy, `"format":1,`, `"format":1,"crc32c":"00000000",`, 1)
	os.WriteFile(path, []byte(bad), 0o644)
	if s, err := memstore.Open(ds.dir); err == nil {
		s.Close()
		t.Fatal("a format 1 file with a stray field opened")
	}
}

func legacyReport(t *testing.T, r geo.Report) string {
	day := func(v time.Time) string {
		if v.IsZero() {
			return ""
		}
		return v.Format(geo.DateLayout)
	}
	claims := "null"
	if r.Claims != nil {
		claims = mustJSON(t, r.Claims)
	}
	return fmt.Sprintf(`{"id":%d,"external_id":%s,"publisher":%s,"title":%s,"url":%s,"language":%s,"published_on":%q,"published_estimated":%v,"period_start":%q,"period_end":%q,"regions_incomplete":%v,"notes":%s,"claims":%s}`,
		r.ID, mustJSON(t, r.ExternalID), mustJSON(t, r.Publisher), mustJSON(t, r.Title), mustJSON(t, r.URL), mustJSON(t, r.Language),
		day(r.PublishedOn), r.PublishedEstimated, day(r.PeriodStart), day(r.PeriodEnd), r.RegionsIncomplete, mustJSON(t, r.Notes), claims)
}

// TestCheckWholeStore: a store with no damage passes its check, with every
// file's counts; an open store refuses a check.
func TestCheckWholeStore(t *testing.T) {
	ds := buildDamageStore(t, 300, 100, 50)
	rep, err := memstore.Check(ds.dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Damage) > 0 || !rep.Opens || rep.Incidents != 450 || rep.Reports != len(ds.reports) || !rep.HeldData {
		t.Fatalf("check of a whole store: %+v", rep)
	}
	if snap, log := rep.Files[0], rep.Files[1]; snap.Incidents != 300 || log.Records != 2 || log.Incidents != 150 {
		t.Errorf("file counts: snapshot %+v, log %+v", snap, log)
	}
	s := mustOpen(t, ds.dir)
	defer s.Close()
	if _, err := memstore.Check(ds.dir); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("check of an open store: %v, want it refused", err)
	}
	if _, err := memstore.Salvage(ds.dir, t.TempDir()); err == nil {
		t.Error("salvage of an open store ran")
	}
}

// TestSalvageWholeStore: salvaging a store with no damage copies it exactly.
func TestSalvageWholeStore(t *testing.T) {
	ds := buildDamageStore(t, 300, 100, 50)
	rep, _ := salvaged(t, ds, ds.all)
	if len(rep.Lost) != 0 || len(rep.MissingIDs) != 0 || rep.Renumbered != 0 || rep.TornTail != nil {
		t.Errorf("salvage of a whole store reports losses: %+v", rep)
	}
	if _, err := memstore.Salvage(ds.dir, filepath.Join(ds.dir, "new")); err == nil {
		t.Error("salvage into a directory inside the damaged store ran")
	}
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "something"), nil, 0o644)
	if _, err := memstore.Salvage(ds.dir, full); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("salvage into a directory with files: %v", err)
	}
}

// TestHeldMarker: a store that has held incidents says so even after losing
// them, so the demo is never loaded into it.
func TestHeldMarker(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, dir)
	if _, err := s.ReplaceRegions(ctx, regions(t), nil); err != nil {
		t.Fatal(err)
	}
	if s.HasHeldData() {
		t.Error("a store with regions only says it has held data")
	}
	importAll(t, s, generate(1, 0, 10))
	if !s.HasHeldData() {
		t.Error("a store with incidents says it has not held data")
	}
	s.Close()
	os.Remove(filepath.Join(dir, "log"))
	os.Remove(filepath.Join(dir, "snapshot"))
	s = mustOpen(t, dir)
	if s.Len() != 0 || !s.HasHeldData() {
		t.Errorf("after its files were lost: %d incidents, held %v; want 0 and held", s.Len(), s.HasHeldData())
	}
	s.Close()

	// A store written before the marker gets it on open.
	dir = t.TempDir()
	s = mustOpen(t, dir)
	importAll(t, s, generate(1, 0, 10))
	s.Close()
	os.Remove(filepath.Join(dir, "HELD"))
	s = mustOpen(t, dir)
	s.Close()
	if _, err := os.Stat(filepath.Join(dir, "HELD")); err != nil {
		t.Errorf("opening a store with incidents and no marker did not write it: %v", err)
	}
}

// TestFailedCompactionIsLogged fills the disk (the new snapshot goes to
// /dev/full) when a commit compacts: the commit succeeds, the failure is
// logged, and the store reopens with every commit.
func TestFailedCompactionIsLogged(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	dir := t.TempDir()
	var logs logCapture
	s, err := memstore.OpenWith(dir, memstore.Options{Logger: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	restore := memstore.SetSnapshotTemp(func(string) (*os.File, error) { return os.OpenFile("/dev/full", os.O_WRONLY, 0) })
	defer restore()
	first := 0
	for fileSize(t, filepath.Join(dir, "log")) <= 8<<20 {
		importAll(t, s, generate(int64(first), first, 20000))
		first += 20000
	}
	if !strings.Contains(logs.String(), "compaction failed") || !strings.Contains(logs.String(), "no space left on device") {
		t.Fatalf("the failed compaction was not logged: %q", logs.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "snapshot")); err == nil {
		t.Error("a snapshot was installed")
	}
	importAll(t, s, generate(int64(first), first, 10)) // the store still takes commits
	want := dump(t, s)
	if err := s.Compact(); err == nil {
		t.Error("Compact onto a full disk succeeded")
	}
	s.Close()
	s = mustOpen(t, dir)
	sameState(t, "after failed compactions", dump(t, s), want)
	restore()
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = mustOpen(t, dir)
	defer s.Close()
	sameState(t, "after a compaction", dump(t, s), want)
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSalvageFillsFromFoldedLog: a compaction that crashed after installing
// its snapshot leaves the log it folded in place; when that snapshot is
// damaged, salvage takes the incidents of the lost chunk from the log.
func TestSalvageFillsFromFoldedLog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, dir)
	if _, err := s.ReplaceRegions(ctx, regions(t), nil); err != nil {
		t.Fatal(err)
	}
	importAll(t, s, generate(1, 0, 5000))
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	importAll(t, s, generate(2, 5000, 3000)) // ids 5001-8000, in the log
	folded := readFile(t, filepath.Join(dir, "log"))
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	all := dump(t, s)
	s.Close()
	if err := os.WriteFile(filepath.Join(dir, "log"), folded, 0o644); err != nil { // the crash before the log was emptied
		t.Fatal(err)
	}
	s = mustOpen(t, dir)
	sameState(t, "with the folded log", dump(t, s), all)
	s.Close()

	snap := filepath.Join(dir, "snapshot")
	chunk := snapshotFrames(t, snap)[5] // ids 4097-8000
	flip(t, snap, chunk+100)
	refused(t, dir, "snapshot", chunk, 5)
	var want []geo.Incident
	for _, inc := range all {
		if inc.ID <= 4096 || inc.ID > 5000 {
			want = append(want, inc)
		}
	}
	rep, _ := salvaged(t, &damageStore{dir: dir}, want)
	if !reflect.DeepEqual(rep.MissingIDs, []memstore.IDRange{{First: 4097, Last: 5000}}) {
		t.Errorf("missing ids %v, want 4097-5000", rep.MissingIDs)
	}
}
