package memstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/storetest"
)

func TestReportContract(t *testing.T) {
	storetest.RunReports(t, func(t *testing.T) geo.Store { return openTemp(t) })
}

// TestReportsSurviveReopen closes the store and opens its directory again:
// the reports come back with their ids, and a refused batch wrote nothing.
func TestReportsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := memstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	storetest.WithBoundaries(t, s)
	in := storetest.SnapshotReports(t)
	res, err := s.UpsertReports(ctx, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(dir, "reports.json"))
	if err != nil {
		t.Fatal(err)
	}
	bad := in[0]
	bad.ExternalID = "test:bad"
	bad.Claims = []geo.Claim{{Scope: "BADIA-SY77", Metric: geo.MetricKilled, Value: 1}}
	if _, err := s.UpsertReports(ctx, []geo.Report{in[1], bad}, nil); err == nil {
		t.Fatal("a batch with an unknown region was accepted")
	}
	after, _ := os.ReadFile(filepath.Join(dir, "reports.json"))
	if string(before) != string(after) {
		t.Error("a refused batch changed the reports file")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reports(ctx, geo.ReportFilter{}); err == nil {
		t.Error("Reports on a closed store did not fail")
	}
	s2, err := memstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.Reports(ctx, geo.ReportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(in) {
		t.Fatalf("after reopening: %d reports, want %d", len(got), len(in))
	}
	for i, r := range got {
		if r.ID != res.IDs[i] || r.ExternalID != in[i].ExternalID || len(r.Claims) != len(in[i].Claims) {
			t.Errorf("report %d after reopening: id %d %s with %d claims, want id %d %s with %d", i, r.ID, r.ExternalID, len(r.Claims), res.IDs[i], in[i].ExternalID, len(in[i].Claims))
		}
	}
	// A new report after reopening gets a new id, not a reused one.
	extra := in[0]
	extra.ExternalID = "test:after-reopen"
	res2, err := s2.UpsertReports(ctx, []geo.Report{extra}, nil)
	if err != nil || res2.IDs[0] <= res.IDs[len(res.IDs)-1] {
		t.Errorf("report after reopening got id %v (%v), want above %d", res2.IDs, err, res.IDs[len(res.IDs)-1])
	}
}
