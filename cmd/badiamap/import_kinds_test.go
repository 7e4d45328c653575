package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/reportcheck"
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
	out := c.ok("import", "--data-dir", data, snapshots, filepath.Join("..", "..", "demo", "incidents.geojson"))

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
	// The import names every finding the API gives for the stored reports,
	// the series rule's among them (it once ran only the per-report rules).
	failed, err := reportcheck.Failed(ctx, s, reps)
	if err != nil {
		t.Fatal(err)
	}
	series := 0
	for _, r := range reps {
		for _, f := range failed[r.ID] {
			line := fmt.Sprintf("report %d %s: %s: %s", r.ID, r.ExternalID, f.Rule, f.Message)
			if !strings.Contains(out, line) {
				t.Errorf("the import's summary lacks %q", line)
			}
			if f.Rule == reportcheck.RuleSeriesDecrease {
				series++
			}
		}
	}
	if series == 0 {
		t.Error("the 2023 snapshots break the series rule, yet no such finding was checked")
	}
	n, err := s.CountIncidents(ctx, geo.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("the incident file of the same command imported nothing")
	}
}
