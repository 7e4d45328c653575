package storetest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/reportfile"
)

// SnapshotReports reads ../shared/data/reports/sohr_badia_snapshots.json.
func SnapshotReports(t testing.TB) []geo.Report {
	t.Helper()
	data, err := SharedDataDir()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(data, "reports", "sohr_badia_snapshots.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	reps, err := reportfile.ReadSnapshots(f)
	if err != nil {
		t.Fatalf("reading the snapshots: %v", err)
	}
	return reps
}

// ReportStoreOf is s as a geo.ReportStore, failing the test when it is not.
func ReportStoreOf(t testing.TB, s geo.Store) geo.ReportStore {
	t.Helper()
	rs, ok := s.(geo.ReportStore)
	if !ok {
		t.Fatalf("%T does not implement geo.ReportStore", s)
	}
	return rs
}

// WithBoundaries loads the bundled boundaries into s.
func WithBoundaries(t testing.TB, s geo.Store) {
	t.Helper()
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceRegions(context.Background(), regions, nil); err != nil {
		t.Fatalf("load boundaries: %v", err)
	}
}

// RunReports holds a report store to the contract: upserts on external id,
// all-or-nothing batches that name every bad report, filters with
// geo.ReportFilter.Match's semantics, and claims returned exactly as
// stored. open returns a fresh, empty store.
func RunReports(t *testing.T, open func(t *testing.T) geo.Store) {
	ctx := context.Background()
	s := open(t)
	WithBoundaries(t, s)
	rs := ReportStoreOf(t, s)
	in := SnapshotReports(t)

	res, err := rs.UpsertReports(ctx, in, nil)
	if err != nil {
		t.Fatalf("upsert the snapshots: %v", err)
	}
	if res.Inserted != len(in) || res.Updated != 0 || len(res.IDs) != len(in) {
		t.Fatalf("first upsert: %+v, want %d inserted", res, len(in))
	}
	for i := range in {
		in[i].ID = res.IDs[i]
	}

	t.Run("round trip", func(t *testing.T) {
		all, err := rs.Reports(ctx, geo.ReportFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != len(in) {
			t.Fatalf("Reports() = %d reports, want %d", len(all), len(in))
		}
		byID := map[int64]geo.Report{}
		for _, r := range all {
			byID[r.ID] = r
		}
		for _, want := range in {
			got, ok := byID[want.ID]
			if !ok {
				t.Errorf("report %s (id %d) missing", want.ExternalID, want.ID)
				continue
			}
			if d := diffReport(got, want); d != "" {
				t.Errorf("report %s: %s", want.ExternalID, d)
			}
			one, err := rs.Report(ctx, want.ID)
			if err != nil || diffReport(one, want) != "" {
				t.Errorf("Report(%d): %v %s", want.ID, err, diffReport(one, want))
			}
		}
		if _, err := rs.Report(ctx, 1<<40); !errors.Is(err, geo.ErrNotFound) {
			t.Errorf("Report(unknown id) error = %v, want geo.ErrNotFound", err)
		}
	})

	t.Run("upsert keeps ids", func(t *testing.T) {
		again := SnapshotReports(t)
		again[0].Title = "changed title"
		again[0].Claims = again[0].Claims[:1]
		res, err := rs.UpsertReports(ctx, again, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Inserted != 0 || res.Updated != len(in) || !reflect.DeepEqual(res.IDs, reportIDs(in)) {
			t.Fatalf("second upsert: %+v, want %d updated with the same ids", res, len(in))
		}
		got, err := rs.Report(ctx, in[0].ID)
		if err != nil || got.Title != "changed title" || len(got.Claims) != 1 {
			t.Errorf("after upsert report %d = %q with %d claims, %v; want the new title and 1 claim", in[0].ID, got.Title, len(got.Claims), err)
		}
		if _, err := rs.UpsertReports(ctx, in, nil); err != nil { // restore
			t.Fatal(err)
		}
	})

	t.Run("filters", func(t *testing.T) {
		for _, f := range ReportFilters() {
			got, err := rs.Reports(ctx, f)
			if err != nil {
				t.Fatalf("%+v: %v", f, err)
			}
			var want []int64
			for i := range in {
				if f.Match(&in[i]) {
					want = append(want, in[i].ID)
				}
			}
			if !reflect.DeepEqual(reportIDs(got), want) && !(len(want) == 0 && len(got) == 0) {
				t.Errorf("Reports(%+v) = ids %v, want %v", f, reportIDs(got), want)
			}
		}
	})

	t.Run("bad batch stores nothing", func(t *testing.T) {
		good := geo.Report{ExternalID: "test:good", Publisher: "SOHR", PeriodStart: day("2024-01-01"),
			Claims: []geo.Claim{{Scope: "total", Metric: geo.MetricKilled, Value: 3}}}
		cases := map[string]geo.Report{
			"unknown region": {ExternalID: "test:region", Publisher: "SOHR", PeriodStart: day("2024-01-01"),
				// Tartous has no Badia: a code of the right form the store does not hold.
				Claims: []geo.Claim{{Scope: "BADIA-SY10", Metric: geo.MetricKilled, Value: 1}}},
			"negative figure": {ExternalID: "test:negative", Publisher: "SOHR", PeriodStart: day("2024-01-01"),
				Claims: []geo.Claim{{Scope: "BADIA-SY04", Metric: geo.MetricCivilians, Value: -2}}},
			"before the period start": {ExternalID: "test:dates", Publisher: "SOHR", PeriodStart: day("2024-01-01"), PeriodEnd: day("2023-12-01")},
			"unknown metric": {ExternalID: "test:metric", Publisher: "SOHR", PeriodStart: day("2024-01-01"),
				Claims: []geo.Claim{{Scope: "total", Metric: "wounded", Value: 1}}},
		}
		for want, bad := range cases {
			_, err := rs.UpsertReports(ctx, []geo.Report{good, bad}, nil)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("batch with a report with %s: error %v, want one naming %q", want, err, want)
			}
			all, _ := rs.Reports(ctx, geo.ReportFilter{})
			if len(all) != len(in) {
				t.Errorf("after the refused batch (%s) the store holds %d reports, want %d: half-imported", want, len(all), len(in))
			}
		}
	})

	t.Run("subset larger than total is stored", func(t *testing.T) {
		r := geo.Report{ExternalID: "test:subset", Publisher: "test", PeriodStart: day("2024-01-01"),
			Claims: []geo.Claim{{Scope: "BADIA-SY04", Metric: geo.MetricCivilians, Value: 2},
				{Scope: "BADIA-SY04", Metric: geo.MetricTruffleGatherers, Value: 5}}}
		res, err := rs.UpsertReports(ctx, []geo.Report{r}, nil)
		if err != nil || res.Inserted != 1 {
			t.Fatalf("upsert a report whose subset exceeds its total: %+v %v; want it stored", res, err)
		}
		got, err := rs.Report(ctx, res.IDs[0])
		if err != nil || len(got.Claims) != 2 {
			t.Fatalf("stored report: %+v %v", got, err)
		}
	})
}

// ReportFilters are the filters RunReports and the parity test ask.
func ReportFilters() []geo.ReportFilter {
	return []geo.ReportFilter{
		{},
		{Publisher: "sohr"},
		{Publisher: "nobody"},
		{PeriodStart: day("2023-01-01")},
		{PeriodStart: day("2024-01-01")},
		{Region: "BADIA-SY13"},
		{Region: "total", PeriodStart: day("2023-01-01")},
		{From: day("2023-11-01")},
		{To: day("2023-06-30")},
		{From: day("2023-04-01"), To: day("2023-04-30")},
	}
}

func reportIDs(reps []geo.Report) []int64 {
	var out []int64
	for _, r := range reps {
		out = append(out, r.ID)
	}
	return out
}

// diffReport says how got differs from want ("" when it does not); dates
// compare as days.
func diffReport(got, want geo.Report) string {
	sameDay := func(a, b time.Time) bool { return a.Format(geo.DateLayout) == b.Format(geo.DateLayout) }
	switch {
	case got.ID != want.ID || got.ExternalID != want.ExternalID || got.Publisher != want.Publisher ||
		got.Title != want.Title || got.URL != want.URL || got.Language != want.Language || got.Notes != want.Notes:
		return "fields differ: got " + got.ExternalID + " " + got.Title
	case !sameDay(got.PublishedOn, want.PublishedOn) || !sameDay(got.PeriodStart, want.PeriodStart) || !sameDay(got.PeriodEnd, want.PeriodEnd):
		return "dates differ"
	case got.PublishedEstimated != want.PublishedEstimated || got.RegionsIncomplete != want.RegionsIncomplete:
		return "flags differ"
	case !reflect.DeepEqual(got.Claims, want.Claims) && !(len(got.Claims) == 0 && len(want.Claims) == 0):
		return "claims differ"
	}
	return ""
}
