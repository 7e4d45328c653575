package memstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo/risk"
	"github.com/badiamap/badiamap/geo/risk/risktest"
)

// TestRiskContract holds the embedded store's risk scores (computed in Go
// from the incidents it selects) to the oracle on the demo data.
func TestRiskContract(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	incs, err := risktest.DemoIncidents()
	if err != nil {
		t.Fatal(err)
	}
	held, badia, err := risktest.Load(ctx, s, incs)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range risktest.Differences(ctx, s, badia, held, risk.DefaultParams(), risktest.DemoCases()) {
		t.Error(d)
	}
}

// TestLatestIncidentDate: zero on an empty store, else the latest start
// date held, whatever the order of import.
func TestLatestIncidentDate(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if d, err := s.LatestIncidentDate(ctx); err != nil || !d.IsZero() {
		t.Fatalf("empty store: %v, %v; want zero", d, err)
	}
	incs, err := risktest.DemoIncidents()
	if err != nil {
		t.Fatal(err)
	}
	var latest time.Time
	for _, inc := range incs {
		if inc.DateStart.After(latest) {
			latest = inc.DateStart
		}
	}
	// The latest incident neither first nor last in the store.
	for k := range incs {
		if incs[k].DateStart.Equal(latest) {
			incs[len(incs)/2], incs[k] = incs[k], incs[len(incs)/2]
			break
		}
	}
	if _, err := risktest.Import(ctx, s, incs); err != nil {
		t.Fatal(err)
	}
	if d, err := s.LatestIncidentDate(ctx); err != nil || !d.Equal(latest) {
		t.Errorf("latest incident %v, %v; want %v", d, err, latest)
	}
	s.Close()
	if _, err := s.LatestIncidentDate(ctx); err == nil {
		t.Error("a closed store answered")
	}
}
