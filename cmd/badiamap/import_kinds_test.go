package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
)

// TestImportTakesReportFiles: `badiamap import` tells a SOHR snapshots file
// from an incident file by its content and stores its reports, beside the
// incidents of another file in the same command.
func TestImportTakesReportFiles(t *testing.T) {
	c := cli{t, buildBinary(t), ""}
	snapshots := filepath.Join(sharedData, "reports", "sohr_badia_snapshots.json")
	raw, err := os.ReadFile(snapshots)
	if err != nil {
		t.Fatal(err)
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "store")
	c.ok("import", "--data-dir", data, snapshots, filepath.Join("..", "..", "demo", "incidents.geojson"))

	s, err := memstore.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	reps, err := geo.ReportStore(s).Reports(ctx, geo.ReportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != len(entries) {
		t.Errorf("stored %d reports, the file holds %d entries", len(reps), len(entries))
	}
	n, err := s.CountIncidents(ctx, geo.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("the incident file of the same command imported nothing")
	}
}
