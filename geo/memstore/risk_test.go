package memstore_test

import (
	"context"
	"testing"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/risk"
	"github.com/badiamap/badiamap/geo/risk/risktest"
)

// TestRiskContract holds the embedded store's risk scores (computed in Go
// from the incidents it selects) to the oracle on the demo data.
func TestRiskContract(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceRegions(ctx, regions); err != nil {
		t.Fatal(err)
	}
	incs, err := risktest.DemoIncidents()
	if err != nil {
		t.Fatal(err)
	}
	held, err := risktest.Import(ctx, s, incs)
	if err != nil {
		t.Fatal(err)
	}
	var badia []geo.Region
	for _, r := range regions {
		if r.Kind == geo.KindBadia {
			badia = append(badia, r)
		}
	}
	for _, d := range risktest.Differences(ctx, s, badia, held, risk.DefaultParams(), risktest.DemoCases()) {
		t.Error(d)
	}
}
