package risk_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/risk"
	"github.com/badiamap/badiamap/geo/risk/risktest"
	"github.com/badiamap/badiamap/geo/storetest"
)

// TestBacktestUCDP replays the truffle seasons of the whole UCDP release on
// the embedded store and prints the table docs/RISK.md reports.
func TestBacktestUCDP(t *testing.T) {
	data, err := storetest.SharedDataDir()
	if err != nil {
		t.Fatal(err)
	}
	incs, err := risktest.UCDPSlice(data, 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	store, err := memstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.ReplaceRegions(ctx, regions); err != nil {
		t.Fatal(err)
	}
	held, err := risktest.Import(ctx, store, incs)
	if err != nil {
		t.Fatal(err)
	}
	p := risk.DefaultParams()
	grid, err := risk.LoadGrid(ctx, store, p.CellSize)
	if err != nil {
		t.Fatal(err)
	}
	res := risk.Backtest(grid, p, held)
	var table strings.Builder
	if err := res.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d incidents; %s\n%s", len(held), p.Describe(), table.String())
	if len(res.Months) == 0 {
		t.Fatal("no truffle-season month in the UCDP data")
	}
	for _, m := range res.Months {
		if !risk.InTruffleSeason(m.Month) || m.All < m.Civilian {
			t.Errorf("%s: %d incidents, %d against civilians", m.Month.Format("2006-01"), m.All, m.Civilian)
		}
		for _, c := range []risk.Capture{m.ModelCivilian, m.ModelAll, m.BaselineCivilian, m.BaselineAll} {
			if !math.IsNaN(c[0]) && (c[0] < 0 || c[0] > c[1] || c[1] > 1) {
				t.Errorf("%s: captures %v out of order", m.Month.Format("2006-01"), c)
			}
		}
	}
	civ10 := res.Pooled.ModelCivilian[0]
	t.Logf("pooled capture of incidents against civilians in the riskiest 10%%: %.1f%% (%.1fx the even spread; target 3x)",
		100*civ10, civ10/risk.BacktestShares[0])
	if !(civ10 > risk.BacktestShares[0]) {
		t.Errorf("the model captures %.1f%% in the riskiest 10%% of the area: no better than an even spread", 100*civ10)
	}
}
