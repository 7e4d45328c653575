package main

// The fault suite of the embedded store: the real binary on real files with
// a byte flipped or a tail torn, as a bad sector, a bad copy or a crash
// leaves them.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
)

// faultStore is an embedded store written by the binary: the bundled
// regions, import batches of UCDP rows and the snapshot reports, all in the
// log and reports.json.
type faultStore struct {
	dir     string
	frames  []int64    // offset of each log record (the regions, then each batch), and the log's size
	batches [][]string // external ids of each batch, in id order
	all     []string   // external ids of every incident, in id order
	reports int
}

func writeFaultStore(t *testing.T, c cli, batches ...int) *faultStore {
	t.Helper()
	header, records := ucdpRecords(t)
	fs := &faultStore{dir: filepath.Join(t.TempDir(), "store")}
	row := 0
	for i, n := range batches {
		file := filepath.Join(t.TempDir(), fmt.Sprintf("batch%d.csv", i))
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.Write(header)
		w.WriteAll(records[row : row+n])
		w.Flush()
		row += n
		if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		c.ok("import", "--data-dir", fs.dir, file)
		now := storeExternalIDs(t, fs.dir)
		fs.batches = append(fs.batches, now[len(fs.all):])
		fs.all = now
	}
	c.ok("import-reports", "--data-dir", fs.dir, filepath.Join(sharedData, "reports", "sohr_badia_snapshots.json"))
	fs.reports = len(reportsIn(t, fs.dir))
	// Each record is its length (4 bytes, little-endian), its checksum (4)
	// and the payload.
	log, err := os.ReadFile(logPath(fs.dir))
	if err != nil {
		t.Fatal(err)
	}
	for off := int64(0); off < int64(len(log)); off += 8 + int64(binary.LittleEndian.Uint32(log[off:])) {
		fs.frames = append(fs.frames, off)
	}
	fs.frames = append(fs.frames, int64(len(log)))
	if len(fs.frames) != len(batches)+2 {
		t.Fatalf("the log holds %d records, want the regions and %d batches", len(fs.frames)-1, len(batches))
	}
	return fs
}

// copyStore copies the store's directory for one fault.
func (fs *faultStore) copyStore(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	os.MkdirAll(dir, 0o755)
	entries, _ := os.ReadDir(fs.dir)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(fs.dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644)
	}
	return dir
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// storeExternalIDs opens the embedded store in dir (no process holds it)
// and returns its external ids in id order.
func storeExternalIDs(t *testing.T, dir string) []string {
	t.Helper()
	s, err := memstore.Open(dir)
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	defer s.Close()
	var ids []string
	err = s.ScanIncidents(context.Background(), geo.IncidentFilter{}, geo.Page{}, func(inc *geo.Incident) error {
		if inc.ID != int64(len(ids)+1) {
			return fmt.Errorf("incident %d follows %d", inc.ID, len(ids))
		}
		ids = append(ids, inc.ExternalID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func reportsIn(t *testing.T, dir string) []geo.Report {
	t.Helper()
	s, err := memstore.Open(dir)
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	defer s.Close()
	reps, err := s.Reports(context.Background(), geo.ReportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return reps
}

// dirFiles is every file of dir and its bytes.
func dirFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x5a
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// served is how one run of `badiamap serve` went.
type served struct {
	started bool   // it listened
	status  int    // its exit status
	stderr  string // its log
}

// serveOnce runs `badiamap serve` on dir with the demo on (the default): it
// either exits, or listens and is stopped with SIGTERM.
func serveOnce(t *testing.T, c cli, dir string) served {
	t.Helper()
	cmd := exec.Command(c.bin, "serve", "--data-dir", dir, "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "DATABASE_URL=", "BADIAMAP_DATA_DIR=", "BADIAMAP_NO_DEMO=")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	var res served
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(2 * time.Minute)
read:
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				break read
			}
			log.WriteString(line + "\n")
			if strings.Contains(line, `"msg":"listening"`) {
				res.started = true
				cmd.Process.Signal(syscall.SIGTERM)
			}
		case <-timeout:
			cmd.Process.Kill()
			t.Fatalf("serve neither failed nor listened in 2 minutes:\n%s", log.String())
		}
	}
	err = cmd.Wait()
	if exit, ok := err.(*exec.ExitError); ok {
		res.status = exit.ExitCode()
	}
	res.stderr = log.String()
	return res
}

// TestEmbeddedStoreFaults flips one byte at the start, in the middle and at
// the end of the log and in reports.json of a store of a few hundred
// incidents: serve refuses to start, naming the file, the offset and the
// record, loads no demo and leaves the files as they were; store check
// exits non-zero naming the same; store salvage copies exactly the records
// that verify into a new store that passes its check.
func TestEmbeddedStoreFaults(t *testing.T) {
	c := cli{t, buildBinary(t), ""}
	fs := writeFaultStore(t, c, 300, 200, 150)
	t.Logf("log records at %v", fs.frames)
	if _, errs, status := c.run("store", "check", "--store", "postgis", "--database-url", "postgres://nowhere/x"); status != 2 || !strings.Contains(errs, "embedded store") {
		t.Errorf("store check --store postgis: exit %d, %s", status, errs)
	}

	for _, fault := range []struct {
		name string
		file string
		at   func(size int64) int64
	}{
		{"log start", "log", func(int64) int64 { return 0 }},
		{"log middle", "log", func(size int64) int64 { return size / 2 }},
		{"log end", "log", func(size int64) int64 { return size - 1 }},
		{"reports.json", "reports.json", func(size int64) int64 { return size / 2 }},
	} {
		t.Run(fault.name, func(t *testing.T) {
			dir := fs.copyStore(t)
			path := filepath.Join(dir, fault.file)
			at := fault.at(fileSize(t, path))
			flipByte(t, path, at)
			// The record the byte lies in, its offset, and the incidents it held.
			record, recordAt, lost := 0, int64(0), []string(nil)
			if fault.file == "log" {
				for i := 0; i+1 < len(fs.frames); i++ {
					if at >= fs.frames[i] && at < fs.frames[i+1] {
						record, recordAt = i+1, fs.frames[i]
						if i > 0 {
							lost = fs.batches[i-1]
						}
					}
				}
			}
			before := dirFiles(t, dir)

			srv := serveOnce(t, c, dir)
			if srv.started || srv.status == 0 {
				t.Fatalf("serve started on a damaged %s:\n%s", fault.file, srv.stderr)
			}
			want := []string{path, "damaged at byte", "store check", "store salvage"}
			if fault.file == "log" {
				want = append(want, fmt.Sprintf("byte %d, record %d", recordAt, record))
			}
			for _, w := range want {
				if !strings.Contains(srv.stderr, w) {
					t.Errorf("serve's error does not say %q:\n%s", w, srv.stderr)
				}
			}
			if strings.Contains(srv.stderr, "demo") {
				t.Errorf("serve loaded the demo:\n%s", srv.stderr)
			}
			after := dirFiles(t, dir)
			for name, b := range before {
				if !bytes.Equal(after[name], b) {
					t.Errorf("serve changed %s of the damaged store", name)
				}
			}

			out, errs, status := c.run("store", "check", "--data-dir", dir)
			if status != 1 || !strings.Contains(out, "DAMAGE: memstore: "+path+" is damaged at byte") {
				t.Fatalf("store check: exit %d\n%s%s", status, out, errs)
			}
			if fault.file == "log" && !strings.Contains(out, fmt.Sprintf("byte %d, record %d", recordAt, record)) {
				t.Errorf("store check does not name byte %d, record %d:\n%s", recordAt, record, out)
			}

			to := filepath.Join(t.TempDir(), "salvaged")
			out = c.ok("store", "salvage", "--data-dir", dir, "--to", to)
			t.Logf("salvage:\n%s", out)
			var wantIDs []string
			for _, ext := range fs.all {
				if !slices.Contains(lost, ext) {
					wantIDs = append(wantIDs, ext)
				}
			}
			if got := storeExternalIDs(t, to); !slices.Equal(got, wantIDs) {
				t.Errorf("the salvaged store holds %d incidents, want the %d intact ones in order", len(got), len(wantIDs))
			}
			for _, ext := range lost {
				if fault.name == "log end" && !strings.Contains(out, "    "+ext+"\n") {
					t.Errorf("salvage does not name lost incident %s", ext)
				}
			}
			wantReports := fs.reports
			if fault.file == "reports.json" {
				wantReports--
				if !strings.Contains(out, "lost report: ") {
					t.Errorf("salvage names no lost report:\n%s", out)
				}
			}
			if got := len(reportsIn(t, to)); got != wantReports {
				t.Errorf("the salvaged store holds %d reports, want %d", got, wantReports)
			}
			if after := dirFiles(t, dir); !reflect.DeepEqual(after, before) {
				t.Error("salvage changed the damaged store's files")
			}
			c.ok("store", "check", "--data-dir", to)
		})
	}
}

// TestTornTailDroppedByServe cuts the log inside its last record, as a
// crash during the last import leaves it: serve starts, logs the bytes it
// dropped, and the store holds every batch but the last.
func TestTornTailDroppedByServe(t *testing.T) {
	c := cli{t, buildBinary(t), ""}
	fs := writeFaultStore(t, c, 300, 100)
	last, size := fs.frames[2], fs.frames[3]
	for _, keep := range []int64{5, 8, (size - last) / 2, size - last - 1} {
		t.Run(fmt.Sprint(keep), func(t *testing.T) {
			dir := fs.copyStore(t)
			if err := os.Truncate(logPath(dir), last+keep); err != nil {
				t.Fatal(err)
			}
			srv := serveOnce(t, c, dir)
			if !srv.started {
				t.Fatalf("serve did not start on a torn tail:\n%s", srv.stderr)
			}
			for _, w := range []string{"torn tail", fmt.Sprintf(`"offset":%d`, last), fmt.Sprintf(`"bytes":%d`, keep)} {
				if !strings.Contains(srv.stderr, w) {
					t.Errorf("serve's log does not say %q:\n%s", w, srv.stderr)
				}
			}
			if strings.Contains(srv.stderr, "demo") {
				t.Errorf("serve loaded the demo:\n%s", srv.stderr)
			}
			if got := storeExternalIDs(t, dir); !slices.Equal(got, fs.batches[0]) {
				t.Errorf("after the torn tail: %d incidents, want the first batch's %d", len(got), len(fs.batches[0]))
			}
		})
	}
}

func logPath(dir string) string { return filepath.Join(dir, "log") }

// TestNoDemoInAStoreThatHeldData: a store whose files were lost keeps its
// marker, and serve does not fill it with the demo; a new store gets it.
func TestNoDemoInAStoreThatHeldData(t *testing.T) {
	c := cli{t, buildBinary(t), ""}
	fs := writeFaultStore(t, c, 50)
	os.Remove(logPath(fs.dir))
	srv := serveOnce(t, c, fs.dir)
	if !srv.started || strings.Contains(srv.stderr, "demo") {
		t.Fatalf("serve on an emptied store that held data (started %v):\n%s", srv.started, srv.stderr)
	}
	if n := len(storeExternalIDs(t, fs.dir)); n != 0 {
		t.Errorf("the emptied store holds %d incidents after serve", n)
	}
	fresh := filepath.Join(t.TempDir(), "fresh")
	srv = serveOnce(t, c, fresh)
	if !srv.started || !strings.Contains(srv.stderr, "loaded the demo data set") {
		t.Fatalf("serve on a new store did not load the demo:\n%s", srv.stderr)
	}
}
