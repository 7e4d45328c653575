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
	for _, idx := range []string{"incidents_geom_idx", "incidents_tile_idx", "incidents_date_start_idx",
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
