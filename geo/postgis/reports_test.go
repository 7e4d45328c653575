package postgis_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/badiamap/badiamap/demo"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/reportcheck"
	"github.com/badiamap/badiamap/geo/storetest"
)

func TestReportContract(t *testing.T) {
	storetest.RunReports(t, func(t *testing.T) geo.Store { return newStore(t) })
}

// TestReportParity loads the same boundaries, demo incidents and reports
// into PostGIS and the embedded store and asks both the same questions.
func TestReportParity(t *testing.T) {
	ctx := context.Background()
	mem, err := memstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	stores := map[string]geo.Store{"postgis": newStore(t), "memstore": mem}
	seed, err := demo.Report()
	if err != nil {
		t.Fatal(err)
	}
	reports := append(storetest.SnapshotReports(t), seed)
	answers := map[string][]any{}
	for name, s := range stores {
		storetest.WithBoundaries(t, s)
		if err := demo.Load(ctx, s, nil); err != nil {
			t.Fatalf("%s: load demo: %v", name, err)
		}
		rs := storetest.ReportStoreOf(t, s)
		res, err := rs.UpsertReports(ctx, reports, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var out []any
		out = append(out, res)
		for _, f := range storetest.ReportFilters() {
			got, err := rs.Reports(ctx, f)
			if err != nil {
				t.Fatalf("%s %+v: %v", name, f, err)
			}
			out = append(out, got)
		}
		seedID := res.IDs[len(res.IDs)-1]
		stored, err := rs.Report(ctx, seedID)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := reportcheck.Reconcile(ctx, s, &stored)
		if err != nil {
			t.Fatalf("%s: reconcile: %v", name, err)
		}
		out = append(out, rec.Rows, reportcheck.Check(&stored))
		answers[name] = out
	}
	a, b := answers["postgis"], answers["memstore"]
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			t.Errorf("answer %d differs:\npostgis  %+v\nmemstore %+v", i, a[i], b[i])
		}
	}
}
