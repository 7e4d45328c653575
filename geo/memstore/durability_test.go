package memstore_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/storetest"
	"github.com/badiamap/badiamap/incidentfile"
)

func sameState(t *testing.T, what string, got, want []geo.Incident) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d incidents, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("%s: incident %d differs:\n got %+v\nwant %+v", what, i+1, got[i], want[i])
		}
	}
}

func TestReopenKeepsEveryCommit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, dir)
	if _, err := s.ReplaceRegions(ctx, regions(t), nil); err != nil {
		t.Fatal(err)
	}
	importAll(t, s, generate(1, 0, 3000))
	importAll(t, s, generate(2, 2000, 2000)) // 1000 updates, 1000 inserts
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	importAll(t, s, generate(3, 3500, 1000)) // logged after the snapshot
	want, wantRegions := dump(t, s), mustRegions(t, s)
	v, _ := s.DataVersion(ctx)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = mustOpen(t, dir)
	defer s.Close()
	sameState(t, "after reopening", dump(t, s), want)
	if got := mustRegions(t, s); !reflect.DeepEqual(got, wantRegions) {
		t.Fatalf("regions differ after reopening")
	}
	if got, _ := s.DataVersion(ctx); got != v {
		t.Fatalf("DataVersion %d after reopening, want %d", got, v)
	}
	if r := s.Recovery(); r.Replayed != 1 || r.TruncatedAt != -1 {
		t.Fatalf("recovery %+v, want 1 record replayed and nothing cut", r)
	}
	// The reopened store goes on numbering where it stopped.
	res := importAll(t, s, generate(4, 100000, 10))
	if res.Inserted != 10 {
		t.Fatalf("inserted %d, want 10", res.Inserted)
	}
	if inc, err := s.Incident(ctx, int64(len(want)+1)); err != nil || inc.ExternalID != "gen:100000" {
		t.Fatalf("next id after reopening holds %q (error %v), want gen:100000", inc.ExternalID, err)
	}
}

func mustRegions(t *testing.T, s geo.Store) []geo.Region {
	t.Helper()
	r, err := s.Regions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestTornLastRecord tears the last log record in several ways; each time
// the store reopens at the commit before it. (A flipped byte is damage, not
// a tear: see TestLogDamageRefusesToOpen.)
func TestTornLastRecord(t *testing.T) {
	ctx := context.Background()
	damages := map[string]func(t *testing.T, path string, size, last int64){
		"cut in the payload": func(t *testing.T, path string, size, last int64) { truncate(t, path, size-7) },
		"cut in the header":  func(t *testing.T, path string, size, last int64) { truncate(t, path, last+3) },
		"garbage appended": func(t *testing.T, path string, size, last int64) {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			f.Write([]byte{0xff, 0xff, 0, 0, 1, 2, 3})
		},
	}
	for name, damage := range damages {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s := mustOpen(t, dir)
			if _, err := s.ReplaceRegions(ctx, regions(t), nil); err != nil {
				t.Fatal(err)
			}
			importAll(t, s, generate(1, 0, 500))
			before, vBefore := dump(t, s), version(t, s)
			logPath := filepath.Join(dir, "log")
			last := fileSize(t, logPath)
			importAll(t, s, generate(2, 400, 300)) // updates and inserts
			after, vAfter := dump(t, s), version(t, s)
			s.Close()
			size := fileSize(t, logPath)

			damage(t, logPath, size, last)
			s = mustOpen(t, dir)
			defer s.Close()
			want, wantV := before, vBefore
			if name == "garbage appended" {
				want, wantV = after, vAfter // the last record is whole
			}
			sameState(t, "after "+name, dump(t, s), want)
			if v := version(t, s); v != wantV {
				t.Fatalf("DataVersion %d, want %d", v, wantV)
			}
			r := s.Recovery()
			if r.TruncatedAt < 0 || r.TruncatedBytes <= 0 {
				t.Fatalf("recovery %+v: the damaged record was not reported", r)
			}
			// The cut log takes new commits and reopens cleanly.
			importAll(t, s, generate(3, 5000, 5))
			again := dump(t, s)
			s.Close()
			s = mustOpen(t, dir)
			sameState(t, "after a commit on the cut log", dump(t, s), again)
			if r := s.Recovery(); r.TruncatedAt != -1 {
				t.Fatalf("second reopen cut the log again: %+v", r)
			}
		})
	}
}

func version(t testing.TB, s geo.Store) int64 {
	v, err := s.DataVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func fileSize(t *testing.T, path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

func truncate(t *testing.T, path string, size int64) {
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

func TestSecondOpenRefused(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir)
	_, err := memstore.Open(dir)
	if err == nil {
		t.Fatal("a second Open of the same directory succeeded")
	}
	for _, want := range []string{dir, "another badiamap is running"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	s.Close()
	s2, err := memstore.Open(dir)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	s2.Close()
}

// killChildEnv names the data directory the child process imports into.
const killChildEnv = "MEMSTORE_KILL_CHILD_DIR"

// killBatch is the size of the child's import batches.
const killBatch = 250

// TestKillChild is the child of TestKillMidImport: it imports the UCDP file
// in batches and prints "committed <batches> <incidents>" after each commit.
func TestKillChild(t *testing.T) {
	dir := os.Getenv(killChildEnv)
	if dir == "" {
		t.Skip("run by TestKillMidImport")
	}
	s, err := memstore.Open(dir)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	if _, err := s.ReplaceRegions(context.Background(), regions(t), nil); err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	fmt.Println("regions")
	incs := readUCDP(t)
	for b := 0; b*killBatch < len(incs); b++ {
		batch := incs[b*killBatch : min((b+1)*killBatch, len(incs))]
		tx, _ := s.BeginImport(context.Background(), "test", nil)
		for i := range batch {
			tx.Add(&batch[i])
		}
		if _, err := tx.Commit(); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Printf("committed %d %d\n", b+1, min((b+1)*killBatch, len(incs)))
	}
	fmt.Println("done")
	os.Exit(0)
}

func readUCDP(t testing.TB) []geo.Incident {
	t.Helper()
	data, err := storetest.SharedDataDir()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(data, storetest.UCDPFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := incidentfile.Open(f, incidentfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []geo.Incident
	for {
		inc, rowErr, err := rd.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if rowErr == nil {
			out = append(out, inc)
		}
	}
}

// TestKillMidImport kills a process importing the UCDP file with SIGKILL
// after some of its batches are acknowledged: on reopening, the store holds
// every acknowledged batch, at most the one batch in flight, and never part
// of a batch.
func TestKillMidImport(t *testing.T) {
	if os.Getenv(killChildEnv) != "" {
		t.Skip("in the child")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	const killAfter = 20 // acknowledged batches
	acked, ackedRows := 0, 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "committed" {
			acked, _ = strconv.Atoi(f[1])
			ackedRows, _ = strconv.Atoi(f[2])
			if acked == killAfter {
				cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		} else if f[0] == "error" {
			t.Fatalf("child: %s", sc.Text())
		}
	}
	rest, _ := io.ReadAll(out) // lines the child printed before it died
	for _, line := range strings.Split(string(rest), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "committed" {
			acked, _ = strconv.Atoi(f[1])
			ackedRows, _ = strconv.Atoi(f[2])
		}
		if line == "done" {
			t.Fatal("the child finished its import before the kill landed; the test proved nothing")
		}
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed by SIGKILL: %v", err)
	}
	if acked < killAfter {
		t.Fatalf("child acknowledged only %d batches", acked)
	}

	s := mustOpen(t, dir)
	defer s.Close()
	n := s.Len()
	all := readUCDP(t)
	if n < ackedRows {
		t.Fatalf("store holds %d incidents, but %d were acknowledged", n, ackedRows)
	}
	if n > ackedRows+killBatch || (n%killBatch != 0 && n != len(all)) {
		t.Fatalf("store holds %d incidents: not the %d acknowledged plus at most one whole batch of %d", n, ackedRows, killBatch)
	}
	got := dump(t, s)
	for i := range got {
		if got[i].ExternalID != all[i].ExternalID || got[i].ID != int64(i+1) {
			t.Fatalf("incident %d is %s (id %d), want %s", i+1, got[i].ExternalID, got[i].ID, all[i].ExternalID)
		}
	}
	if v := version(t, s); v != int64(1+n/killBatch) {
		t.Fatalf("DataVersion %d, want %d (regions + %d batches)", v, 1+n/killBatch, n/killBatch)
	}
	t.Logf("killed after %d acknowledged batches (%d incidents); reopened with %d incidents; recovery %+v", acked, ackedRows, n, s.Recovery())
}

// TestUnchangedImportReopens: an import whose rows are all stored already
// with the same fields logs a batch of no incidents; the store reopens from
// it at the same version with every incident.
func TestUnchangedImportReopens(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, dir)
	if _, err := s.ReplaceRegions(ctx, regions(t), nil); err != nil {
		t.Fatal(err)
	}
	importAll(t, s, generate(3, 0, 50))
	if res := importAll(t, s, generate(3, 0, 50)); res.Inserted != 0 || res.Updated != 0 || res.Unchanged != 50 {
		t.Fatalf("the same rows again: %+v, want 50 unchanged", res)
	}
	v, _ := s.DataVersion(ctx)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir)
	defer s.Close()
	if got, _ := s.DataVersion(ctx); got != v {
		t.Errorf("reopened at version %d, want %d", got, v)
	}
	if n, err := s.CountIncidents(ctx, geo.IncidentFilter{}); err != nil || n != 50 {
		t.Errorf("reopened with %d incidents (%v), want 50", n, err)
	}
}
