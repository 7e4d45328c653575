package reportcheck_test

import (
	"context"
	"testing"

	"github.com/badiamap/badiamap/demo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/reportcheck"
	"github.com/badiamap/badiamap/geo/storetest"
)

// TestReconcileSeed: the demo incidents reconstruct the seed's regional
// lines, so every regional line claim matches them; claims from other
// paragraphs that disagree with those lines do not.
func TestReconcileSeed(t *testing.T) {
	ctx := context.Background()
	s, err := memstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.WithBoundaries(t, s)
	if err := demo.Load(ctx, s, nil); err != nil {
		t.Fatal(err)
	}
	r, err := demo.Report()
	if err != nil {
		t.Fatal(err)
	}
	rec, err := reportcheck.Reconcile(ctx, s, &r)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Rows) != len(r.Claims) {
		t.Fatalf("%d rows for %d claims", len(rec.Rows), len(r.Claims))
	}
	regional, mismatched := 0, 0
	for _, row := range rec.Rows {
		if row.Difference != row.Claimed-row.Computed || row.Match != (row.Difference == 0) {
			t.Errorf("row %+v: difference or match inconsistent", row)
		}
		if demoPart(row.Where) == demo.WhereRegional {
			regional++
			if !row.Match {
				t.Errorf("regional line %s %s: claimed %d, incidents give %d", row.Scope, row.Metric, row.Claimed, row.Computed)
			}
		} else if !row.Match {
			mismatched++
			t.Logf("%s %s (%s): claimed %d, incidents %d", row.Scope, row.Metric, demoPart(row.Where), row.Claimed, row.Computed)
		}
	}
	if regional == 0 || mismatched == 0 {
		t.Errorf("%d regional rows, %d mismatches elsewhere; want both > 0 (the headline disagrees with the lines)", regional, mismatched)
	}
}

func demoPart(where string) string {
	for _, p := range []string{demo.WhereTitle, demo.WhereSummary, demo.WhereRegional, demo.WhereTruffle} {
		if len(where) >= len(p) && where[:len(p)] == p {
			return p
		}
	}
	return ""
}
