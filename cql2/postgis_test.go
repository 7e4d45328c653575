package cql2_test

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/cql2"
	"github.com/badiamap/badiamap/internal/pgtest"
	"github.com/paulmach/orb"
)

// TestSemanticsMatchPostGIS asks a real PostGIS what each spatial function
// and LIKE pattern of the filter table gives on each incident, and requires
// Eval to give the same: the SQL compiler for geo/postgis will emit ST_*
// functions and LIKE, so this is the parity it relies on. (Only the test
// imports the driver; the package imports the standard library and orb.)
func TestSemanticsMatchPostGIS(t *testing.T) {
	db, err := sql.Open("postgres", pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE EXTENSION postgis"); err != nil {
		t.Fatal(err)
	}
	// Points within rounding error of an edge (see TestNearEdge).
	const tri = "POLYGON((38.123456789 34.987654321, 39.7654321 35.1234567, 38.9 36, 38.123456789 34.987654321))"
	const line = "LINESTRING(38.123456789 34.987654321, 39.7654321 35.1234567)"
	var exact []string
	for _, fn := range []string{"S_INTERSECTS", "S_DISJOINT", "S_TOUCHES", "S_WITHIN"} {
		exact = append(exact, fn+"(geometry, "+tri+")", fn+"(geometry, "+line+")", fn+"("+tri+", geometry)")
	}
	// Collections whose parts overlap, touch, or share ends, with points on
	// shared edges and corners. (The other functions refuse collections:
	// PostGIS decides them for points on shared boundaries by GEOS's graph
	// rules, which Eval does not reproduce.)
	for _, gc := range []string{
		"GEOMETRYCOLLECTION(POLYGON((38 34, 39.5 34, 39.5 35.5, 38 35.5, 38 34)), LINESTRING(38.87 34.88, 39.9 34.9))",
		"GEOMETRYCOLLECTION(POLYGON((38 34, 38.5 34, 38.5 35, 38 35, 38 34)), POLYGON((38.5 34, 39 34, 39 35, 38.5 35, 38.5 34)))",
		"GEOMETRYCOLLECTION(POINT(38.87 34.88), MULTIPOINT((39.9 34.9), (39 35)))",
		"GEOMETRYCOLLECTION(POINT(38 34.5), POINT(38 34.5))",
		"GEOMETRYCOLLECTION(LINESTRING(38 34, 38 34.5), LINESTRING(38 34.5, 38 35), POINT(39 35))",
		"GEOMETRYCOLLECTION(MULTILINESTRING((38 34, 38 34.5), (38 34.5, 38 35)), MULTIPOLYGON(((38.5 34, 39 34, 39 35, 38.5 35, 38.5 34))))",
	} {
		for _, fn := range []string{"S_INTERSECTS", "S_DISJOINT"} {
			exact = append(exact, fn+"(geometry, "+gc+")", fn+"("+gc+", geometry)")
		}
	}
	points := []orb.Point{{39.588951036702355, 35.10886053154137}, {38.26627536640674, 34.99946637593609},
		{38.5, 34.5}, {38.5, 35}, {38.5, 34}, {38, 35}}
	for _, r := range incidents {
		if r.Geom != nil {
			points = append(points, *r.Geom)
		}
	}
	var texts []string
	for _, c := range cases {
		texts = append(texts, c.text)
	}
	spatial, likes := 0, 0
	for _, text := range append(texts, exact...) {
		e, err := cql2.ParseText(text)
		if err != nil {
			t.Fatal(err)
		}
		cql2.Walk(e, func(n cql2.Expr) bool {
			switch n := n.(type) {
			case *cql2.Spatial:
				spatial++
				checkSpatial(t, db, n, points)
			case *cql2.Like:
				likes++
				checkLike(t, db, n)
			}
			return true
		})
	}
	if spatial < 20 || likes < 10 {
		t.Fatalf("compared only %d spatial functions and %d patterns", spatial, likes)
	}
}

// sqlGeom writes a geometry operand as SQL with $1, $2 standing for the point.
func sqlGeom(e cql2.Expr) string {
	switch g := e.(type) {
	case *cql2.Property:
		return "ST_SetSRID(ST_MakePoint($1, $2), 4326)"
	case *cql2.BBox:
		b := g.Bound
		return "ST_MakeEnvelope(" + strings.Join([]string{fmtF(b.Min[0]), fmtF(b.Min[1]), fmtF(b.Max[0]), fmtF(b.Max[1])}, ", ") + ", 4326)"
	}
	return "ST_GeomFromText('" + e.String() + "', 4326)"
}

func fmtF(v float64) string { return (&cql2.Number{Value: v}).String() }

func checkSpatial(t *testing.T, db *sql.DB, n *cql2.Spatial, points []orb.Point) {
	t.Helper()
	fn := "ST_" + strings.ToUpper(string(n.Op[2])) + strings.ToLower(string(n.Op[3:]))
	a, b := sqlGeom(n.Left), sqlGeom(n.Right)
	query := "SELECT " + fn + "(" + a + ", " + b + ")"
	// The forms the package doc prescribes for a SQL compiler.
	point, other := a, b
	if _, ok := n.Left.(*cql2.Property); !ok {
		point, other = b, a
	}
	switch n.Op {
	case cql2.SDisjoint:
		query = "SELECT NOT ST_Intersects(" + a + ", " + b + ")"
	case cql2.STouches:
		query = "SELECT ST_Intersects(" + point + ", " + other + ") AND NOT ST_Within(" + point + ", " + other + ")"
	}
	checked, err := cql2.Check(n, queryables)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range points {
		var want bool
		if err := db.QueryRow(query, p[0], p[1]).Scan(&want); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		got, err := cql2.Eval(checked, cql2.Values{"geometry": p})
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s at %v: Eval %v, PostGIS %v", n, p, got, want)
		}
	}
}

func checkLike(t *testing.T, db *sql.DB, n *cql2.Like) {
	t.Helper()
	pattern, fold := n.Pattern, false
	if c, ok := pattern.(*cql2.CaseI); ok {
		pattern, fold = c.Expr, true
	}
	query := "SELECT $1::text LIKE $2::text"
	if fold {
		query = "SELECT lower($1::text) LIKE lower($2::text)"
	}
	filter := &cql2.Like{Expr: &cql2.Property{Name: "location_name"}, Pattern: n.Pattern}
	if fold {
		filter.Expr = &cql2.CaseI{Expr: filter.Expr}
	}
	checked, err := cql2.Check(filter, queryables)
	if err != nil {
		t.Fatal(err)
	}
	values := []string{"", "%", "_", `\`, "Ma'dan", "AL-SUKHNAH", "Al-Sukhnah", "50%_x", "5x%", "Palmyra (Tadmur)", "ucdp:1", "ucdp:12", "تدمر", "Remote explosive/landmine/IED"}
	for _, v := range values {
		var want bool
		if err := db.QueryRow(query, v, pattern.(*cql2.String).Value).Scan(&want); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		got, err := cql2.Eval(checked, cql2.Values{"location_name": v})
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%q LIKE %s: Eval %v, PostgreSQL %v", v, n.Pattern, got, want)
		}
	}
}
