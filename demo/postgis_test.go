package demo

import (
	"context"
	"testing"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/badiamap/badiamap/internal/pgtest"
	"github.com/badiamap/badiamap/migrations"
)

// TestPostGISSumsPerRegion loads the boundaries and the demo into a real
// PostGIS and checks, with SQL over the incidents the store joined to their
// Badia regions, that each region's sums equal the report's regional line.
func TestPostGISSumsPerRegion(t *testing.T) {
	ctx := context.Background()
	store, err := postgis.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := migrations.Apply(ctx, store.DB()); err != nil {
		t.Fatal(err)
	}
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.ReplaceRegions(ctx, regions, nil); err != nil {
		t.Fatal(err)
	}
	res, err := LoadIncidents(ctx, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	incs, err := Incidents()
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != len(incs) || res.Updated != 0 {
		t.Errorf("first load: inserted %d, updated %d; want %d inserted", res.Inserted, res.Updated, len(incs))
	}
	if len(res.Elsewhere) != 0 {
		t.Errorf("%d demo incidents landed in another governorate than their SourceAdmin1 says, e.g. %+v", len(res.Elsewhere), res.Elsewhere[0])
	}

	// The sums, by SQL over the stored join; the spatial join is redone in
	// the query too, so a stale region column would show.
	rows, err := store.DB().QueryContext(ctx, `
		SELECT i.region, count(*),
		       sum(i.killed_military), sum(i.killed_militia), sum(i.killed_isis), sum(i.killed_civilians),
		       sum(i.killed_truffle_gatherers), sum(i.killed_women), sum(i.killed_children),
		       count(*) FILTER (WHERE r.code = i.region)
		FROM incidents i
		LEFT JOIN regions r ON r.kind = 'badia' AND ST_Intersects(r.geom, i.geom)
		WHERE i.external_id LIKE 'sohr-demo:%'
		GROUP BY i.region
		ORDER BY i.region`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := make(map[string]map[geo.Metric]int)
	for rows.Next() {
		var region string
		var ops, mil, militia, isis, civ, truffle, women, children, spatial int
		if err := rows.Scan(&region, &ops, &mil, &militia, &isis, &civ, &truffle, &women, &children, &spatial); err != nil {
			t.Fatal(err)
		}
		if region == "" {
			t.Errorf("%d demo incidents joined to no Badia region", ops)
			continue
		}
		if spatial != ops {
			t.Errorf("%s: %d incidents have the region, %d lie in its polygon by ST_Intersects", region, ops, spatial)
		}
		got[region] = map[geo.Metric]int{
			geo.MetricOperations: ops, geo.MetricMilitary: mil, geo.MetricMilitia: militia, geo.MetricISIS: isis,
			geo.MetricCivilians: civ, geo.MetricTruffleGatherers: truffle, geo.MetricWomen: women, geo.MetricChildren: children,
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	compareWithRegionalLines(t, got)

	// Loading again adds nothing.
	res, err = LoadIncidents(ctx, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != 0 || res.Updated != 0 || res.Unchanged != len(incs) {
		t.Errorf("second load: inserted %d, updated %d, unchanged %d; want 0, 0 and %d", res.Inserted, res.Updated, res.Unchanged, len(incs))
	}
	var n int
	if err := store.DB().QueryRowContext(ctx, `SELECT count(*) FROM incidents`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(incs) {
		t.Errorf("%d incidents after loading twice, want %d", n, len(incs))
	}
}
