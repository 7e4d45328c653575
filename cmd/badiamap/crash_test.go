package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
)

// TestImportKilledMidwayIsAllOrNothing kills `badiamap import` of the whole
// UCDP file with SIGKILL at several moments and checks, each time, that the
// embedded store reopens holding either everything before the import or the
// whole import, never a part, and never less than what was acknowledged.
func TestImportKilledMidwayIsAllOrNothing(t *testing.T) {
	c := cli{t, buildBinary(t), ""}
	header, records := ucdpRecords(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "store")

	// The acknowledged state: an import that finished before the crash.
	first := filepath.Join(dir, "first.csv")
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(header)
	w.WriteAll(records[:1000])
	os.WriteFile(first, b.Bytes(), 0o644)
	c.ok("import", "--data-dir", data, first)
	acked := externalIDs(t, data)
	if len(acked) != 1000 {
		t.Fatalf("acknowledged import holds %d incidents, want 1000", len(acked))
	}

	whole := len(records) // the full file repeats the first 1000
	var before, after int
	for _, delay := range []time.Duration{50, 150, 300, 500, 800, 1200, 2000, 3000, 5000, 8000} {
		cmd := exec.Command(c.bin, "import", "--data-dir", data, ucdpPath())
		cmd.Env = append(os.Environ(), "DATABASE_URL=")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		killed := false
		select {
		case <-done:
		case <-time.After(delay * time.Millisecond):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			killed = true
		}
		ids := externalIDs(t, data)
		for id := range acked {
			if !ids[id] {
				t.Fatalf("after a kill at %v: acknowledged incident %s is lost", delay*time.Millisecond, id)
			}
		}
		switch len(ids) {
		case len(acked):
			before++
		case whole:
			after++
		default:
			t.Fatalf("after a kill at %v: the store holds %d incidents: part of the import (want %d or %d)",
				delay*time.Millisecond, len(ids), len(acked), whole)
		}
		if !killed || len(ids) == whole {
			break // the import completed: later kills would find nothing to interrupt
		}
	}
	t.Logf("kills that left the state before the import: %d; after it: %d", before, after)
	if before == 0 {
		t.Error("no kill landed before the import committed: the test did not interrupt an import")
	}
}

// externalIDs opens the embedded store in dir (the killed process's lock is
// gone with it) and returns the external ids it holds.
func externalIDs(t *testing.T, dir string) map[string]bool {
	t.Helper()
	s, err := memstore.Open(dir)
	if err != nil {
		t.Fatalf("reopen after the crash: %v", err)
	}
	defer s.Close()
	ids := map[string]bool{}
	err = s.ScanIncidents(context.Background(), geo.IncidentFilter{}, geo.Page{}, func(inc *geo.Incident) error {
		ids[inc.ExternalID] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}
