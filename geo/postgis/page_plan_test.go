package postgis_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/incidentcql"
	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/paulmach/orb"
)

// planNode is one node of EXPLAIN (FORMAT JSON).
type planNode struct {
	NodeType    string     `json:"Node Type"`
	IndexName   string     `json:"Index Name"`
	IndexCond   string     `json:"Index Cond"`
	HeapFetches *int       `json:"Heap Fetches"`
	ActualRows  int        `json:"Actual Rows"`
	Plans       []planNode `json:"Plans"`
}

// walk calls fn on n and every node under it.
func (n planNode) walk(fn func(planNode)) {
	fn(n)
	for _, c := range n.Plans {
		c.walk(fn)
	}
}

// TestPagePlans holds the plans that keep a page of 1,000 at the cost of
// reading 1,000 rows (issue 19) on a table large enough for the planner to
// choose as it does at a million: a page filtered on where and when walks
// the ids through incidents_page_walk_idx without reading the table, and
// a page of one governorate walks (governorate, id), not every id.
func TestPagePlans(t *testing.T) {
	s := newStore(t)
	// 200,000 incidents over Syria's box and ten years, one in eight in
	// SY04: the plans read only columns.
	fillIncidents(t, s, `SELECT setseed(0.19)`, `
		INSERT INTO incidents (external_id, date_start, date_end, geom, governorate, killed_civilians)
		SELECT 'plan:' || i, d, d + (i % 3), ST_SetSRID(ST_MakePoint(35.7 + 6.4 * random(), 32.3 + 5 * random()), 4326),
		       CASE WHEN i % 8 = 0 THEN 'SY04' ELSE 'SY0' || (i % 7 + 5) END, i % 11
		FROM (SELECT i, date '2016-01-01' + (random() * 3650)::int AS d FROM generate_series(1, 200000) AS i) AS g`)
	// Half the box and half the decade: the page walks ids (a polygon so
	// selective that sorting its matches costs less is the planner's call).
	spaceTime, err := incidentcql.Parse(`S_INTERSECTS(geometry, POLYGON((35 32, 43 32, 43 38, 35 32))) AND T_INTERSECTS(period, INTERVAL('2018-01-01','2022-12-31'))`, "cql2-text")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		filter    geo.IncidentFilter
		index     string
		indexOnly bool
	}{
		{"bbox", geo.IncidentFilter{BBox: &orb.Bound{Min: orb.Point{37, 33}, Max: orb.Point{41, 36}}}, "incidents_page_walk_idx", true},
		{"CQL2 polygon and period", geo.IncidentFilter{Where: spaceTime}, "incidents_page_walk_idx", true},
		{"one governorate", geo.IncidentFilter{Governorates: []string{"SY04"}, MinKilled: 6}, "incidents_governorate_idx", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := explainPage(t, s, c.filter)
			var walk *planNode
			root.walk(func(n planNode) {
				if n.NodeType == "Limit" && len(n.Plans) == 1 && walk == nil {
					walk = &n.Plans[0] // the ids of the page, in id order
				}
			})
			if walk == nil {
				t.Fatalf("no walk under a Limit in the plan %+v", root)
			}
			wantType := "Index Scan"
			if c.indexOnly {
				wantType = "Index Only Scan"
			}
			if walk.NodeType != wantType || walk.IndexName != c.index {
				t.Fatalf("the page's ids come from %s on %q, want %s on %q", walk.NodeType, walk.IndexName, wantType, c.index)
			}
			if c.indexOnly && (walk.HeapFetches == nil || *walk.HeapFetches != 0) {
				t.Errorf("the walk fetched %v rows from the table, want none", walk.HeapFetches)
			}
			if !c.indexOnly && !strings.Contains(walk.IndexCond, "governorate") {
				t.Errorf("the walk's index condition is %q, want the governorate", walk.IndexCond)
			}
			if root.ActualRows != 1000 {
				t.Errorf("the page read %d rows, want 1000", root.ActualRows)
			}
		})
	}
}

// TestSubstringPlans: a page of a rare or uncommon substring (perpetrator=,
// q=) finds its rows through the trigram indexes (migrations/0014) instead
// of testing every row in id order; on 200,000 rows as in TestPagePlans.
func TestSubstringPlans(t *testing.T) {
	s := newStore(t)
	fillIncidents(t, s, `
		INSERT INTO incidents (external_id, date_start, date_end, geom, perpetrator, location_name, notes)
		SELECT 'plan:' || i, date '2016-01-01' + i % 3650, date '2016-01-01' + i % 3650, ST_SetSRID(ST_MakePoint(38, 34), 4326),
		       CASE WHEN i % 5000 = 0 THEN 'Furqan Brigades' WHEN i % 150 = 0 THEN 'SDF' ELSE 'Islamic State' END,
		       CASE WHEN i % 4000 = 0 THEN 'Wadi al-Miyah' ELSE 'Palmyra' END,
		       CASE WHEN i % 8000 = 0 THEN 'near Wadi al-Miyah' ELSE 'a clash' END
		FROM generate_series(1, 200000) AS i`)
	for _, c := range []struct {
		name    string
		filter  geo.IncidentFilter
		indexes []string
		rows    int
	}{
		{"rare perpetrator", geo.IncidentFilter{Perpetrators: []string{"furqan"}}, []string{"incidents_perpetrator_trgm_idx"}, 40},
		// One row in 150: a page's worth, still cheaper found than walked.
		{"uncommon perpetrator", geo.IncidentFilter{Perpetrators: []string{"sdf"}}, []string{"incidents_perpetrator_trgm_idx"}, 1000},
		{"rare place or note", geo.IncidentFilter{Text: "al-Miyah"}, []string{"incidents_location_name_trgm_idx", "incidents_notes_trgm_idx"}, 50},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := explainPage(t, s, c.filter)
			used := map[string]bool{}
			root.walk(func(n planNode) {
				if n.NodeType == "Bitmap Index Scan" {
					used[n.IndexName] = true
				}
			})
			for _, ix := range c.indexes {
				if !used[ix] {
					t.Errorf("the page does not read %s; bitmap index scans: %v", ix, used)
				}
			}
			if root.ActualRows != c.rows {
				t.Errorf("the page read %d rows, want %d", root.ActualRows, c.rows)
			}
		})
	}
}

// fillIncidents runs the statements that write rows straight into the table
// in one transaction, then VACUUM ANALYZE. The commit waits for its WAL (the
// test clusters commit asynchronously), or VACUUM cannot mark the pages
// all-visible yet and no scan can be index-only.
func fillIncidents(t *testing.T, s *postgis.Store, statements ...string) {
	t.Helper()
	ctx := context.Background()
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, q := range append([]string{`SET LOCAL synchronous_commit = on`}, statements...) {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, `VACUUM ANALYZE incidents`); err != nil {
		t.Fatal(err)
	}
}

// explainPage runs EXPLAIN ANALYZE of the page of 1,000 the store would
// read for f, under the page's settings, and returns its top node.
func explainPage(t *testing.T, s *postgis.Store, f geo.IncidentFilter) planNode {
	t.Helper()
	ctx := context.Background()
	settings, q, args, err := postgis.PageQuery(f, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, settings); err != nil {
		t.Fatal(err)
	}
	var out string
	if err := tx.QueryRowContext(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+q, args...).Scan(&out); err != nil {
		t.Fatal(err)
	}
	var plans []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(out), &plans); err != nil || len(plans) != 1 {
		t.Fatalf("EXPLAIN: %v: %.300s", err, out)
	}
	return plans[0].Plan
}
