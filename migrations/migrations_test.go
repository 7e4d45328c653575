package migrations_test

import (
	"context"
	"database/sql"
	"slices"
	"sync"
	"testing"

	"github.com/badiamap/badiamap/internal/pgtest"
	"github.com/badiamap/badiamap/migrations"
)

func TestApplyTwice(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("postgres", pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all, err := migrations.All()
	if err != nil {
		t.Fatal(err)
	}
	pending, err := migrations.Pending(ctx, db)
	if err != nil || len(pending) != len(all) {
		t.Fatalf("on an empty database Pending = %v, %v; want all %d", pending, err, len(all))
	}
	applied, err := migrations.Apply(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var versions []string
	for _, m := range all {
		versions = append(versions, m.Version)
	}
	if !slices.Equal(applied, versions) {
		t.Fatalf("first run applied %v, want %v", applied, versions)
	}
	again, err := migrations.Apply(ctx, db)
	if err != nil || len(again) != 0 {
		t.Fatalf("second run applied %v, %v; want nothing", again, err)
	}
	if p, err := migrations.Pending(ctx, db); err != nil || len(p) != 0 {
		t.Errorf("Pending after Apply = %v, %v", p, err)
	}
	var recorded int
	db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&recorded)
	if recorded != len(all) {
		t.Errorf("schema_migrations holds %d versions, want %d", recorded, len(all))
	}
	// The schema is there: tables, the 3857 columns and the indexes.
	for _, col := range []struct{ table, column string }{
		{"regions", "geom"}, {"regions", "geom_3857"}, {"incidents", "geom"}, {"incidents", "geom_3857"},
		{"incidents", "external_id"}, {"incidents", "killed_truffle_gatherers"}, {"incidents", "sources"},
		{"data_version", "version"},
	} {
		var n int
		db.QueryRow(`SELECT count(*) FROM information_schema.columns WHERE table_name = $1 AND column_name = $2`,
			col.table, col.column).Scan(&n)
		if n != 1 {
			t.Errorf("column %s.%s missing", col.table, col.column)
		}
	}
	for _, idx := range []string{"incidents_geom_idx", "incidents_tile_key_idx", "incidents_date_start_idx",
		"incidents_governorate_idx", "incidents_region_idx", "incidents_event_type_idx", "regions_geom_idx",
		"incidents_external_id_key"} {
		var ok bool
		db.QueryRow(`SELECT to_regclass($1) IS NOT NULL`, idx).Scan(&ok)
		if !ok {
			t.Errorf("index %s missing", idx)
		}
	}
	var srid int
	if err := db.QueryRow(`SELECT Find_SRID('public', 'incidents', 'geom_3857')`).Scan(&srid); err != nil || srid != 3857 {
		t.Errorf("incidents.geom_3857 SRID = %d, %v", srid, err)
	}
}

// TestConcurrentApply: two servers starting at once apply each migration once.
func TestConcurrentApply(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	var wg sync.WaitGroup
	results := make([][]string, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := sql.Open("postgres", url)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			results[i], errs[i] = migrations.Apply(ctx, db)
		}()
	}
	wg.Wait()
	total := 0
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("concurrent apply %d: %v", i, errs[i])
		}
		total += len(results[i])
	}
	all, _ := migrations.All()
	if total != len(all) {
		t.Errorf("4 concurrent runs applied %d migrations in all, want each of the %d once", total, len(all))
	}
}

// TestPrecisionRuleMigration: a database written before the precision rule
// (every incident joined where its point falls) is re-joined by 0007: a
// country-level event in the Badia of Hama leaves it, a district centroid
// keeps its governorate only, a governorate-level one takes the governorate
// its source names, and the demo's rows are marked illustrative.
func TestPrecisionRuleMigration(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("postgres", pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all, err := migrations.All()
	if err != nil {
		t.Fatal(err)
	}
	// The schema as 0006 left it, by hand.
	if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		if m.Version >= "0007" {
			break
		}
		if _, err := db.ExecContext(ctx, m.SQL); err != nil {
			t.Fatalf("%s: %v", m.Version, err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.Version); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO regions (code, kind, name_en, name_ar, geom, area_km2, source, attribution)
		VALUES ('SY05', 'governorate', 'Hama', 'حماة', ST_Multi(ST_MakeEnvelope(37, 34.5, 39, 36, 4326)), 1, '', ''),
		       ('SY04', 'governorate', 'Homs', 'حمص', ST_Multi(ST_MakeEnvelope(37, 33, 39, 34.5, 4326)), 1, '', '')`); err != nil {
		t.Fatal(err)
	}
	// Joined by the point, as every store did before the rule.
	rows := []struct {
		ext       string
		precision int
		source    string
	}{{"ucdp:1", 1, ""}, {"ucdp:6", 6, "SY05"}, {"ucdp:3", 3, ""}, {"ucdp:4", 4, "SY04"}, {"ucdp:4x", 4, "SY99"}, {"sohr-demo:1", 2, ""}}
	for _, r := range rows {
		if _, err := db.ExecContext(ctx, `INSERT INTO incidents (external_id, date_start, date_end, geom, geo_precision,
			source_governorate, governorate, region) VALUES ($1, '2017-06-30', '2017-06-30', ST_SetSRID(ST_MakePoint(38, 35), 4326), $2, $3, 'SY05', 'BADIA-SY05')`,
			r.ext, r.precision, r.source); err != nil {
			t.Fatal(err)
		}
	}
	applied, err := migrations.Apply(ctx, db)
	if err != nil || len(applied) == 0 || applied[0] != "0007_location_precision" {
		t.Fatalf("applied %v, %v", applied, err)
	}
	want := map[string][4]string{ // governorate, region, join basis, illustrative
		"ucdp:1":      {"SY05", "BADIA-SY05", "point", "false"},
		"ucdp:6":      {"", "", "none", "false"},
		"ucdp:3":      {"SY05", "", "point", "false"},
		"ucdp:4":      {"SY04", "", "source_admin1", "false"},
		"ucdp:4x":     {"SY05", "", "point", "false"},
		"sohr-demo:1": {"SY05", "BADIA-SY05", "point", "true"},
	}
	got, err := db.QueryContext(ctx, `SELECT external_id, governorate, region, join_basis, illustrative::text FROM incidents`)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	n := 0
	for got.Next() {
		var ext string
		var g [4]string
		if err := got.Scan(&ext, &g[0], &g[1], &g[2], &g[3]); err != nil {
			t.Fatal(err)
		}
		if g != want[ext] {
			t.Errorf("%s after the migration: %v, want %v", ext, g, want[ext])
		}
		n++
	}
	if n != len(want) {
		t.Errorf("%d rows, want %d", n, len(want))
	}
}
