package postgis_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/paulmach/orb"
)

// readUCDP reads every row of the real UCDP file (skipping the test when
// the shared data is not at hand).
func readUCDP(t *testing.T) []geo.Incident {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "..", "shared", "data", "incidents", "ucdp_ged_syria_v652.1601.1911_2016-01-01_2019-11-30.csv"))
	if err != nil {
		t.Skipf("UCDP file not at hand: %v", err)
	}
	defer f.Close()
	rd, err := incidentfile.Open(f, incidentfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []geo.Incident
	for {
		inc, rowErr, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rowErr != nil {
			t.Fatalf("UCDP row rejected: %v", rowErr)
		}
		out = append(out, inc)
	}
	return out
}

// TestImportJoinMatchesSQLJoin: the import joins each point to its
// governorate and Badia region in Go; re-joining every stored incident with
// the SQL of a boundary reload (rejoin_changes.sql over region_parts) must
// change none of them. Run on the whole UCDP file, then on points placed on
// the vertices and edges of the region pieces themselves, where a
// point-in-polygon test is most fragile.
func TestImportJoinMatchesSQLJoin(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceRegions(ctx, regions, nil); err != nil {
		t.Fatal(err)
	}
	incs := readUCDP(t)
	res := importAll(t, s, incs)
	if res.Inserted != len(incs) {
		t.Fatalf("inserted %d of %d UCDP rows", res.Inserted, len(incs))
	}
	joined, err := s.CountIncidents(ctx, geo.IncidentFilter{Governorates: geo.CodesOf(regions, geo.KindGovernorate)})
	if err != nil {
		t.Fatal(err)
	}
	inBadia, err := s.CountIncidents(ctx, geo.IncidentFilter{Regions: geo.CodesOf(regions, geo.KindBadia)})
	if err != nil {
		t.Fatal(err)
	}
	if joined < len(incs)*97/100 || inBadia == 0 {
		t.Fatalf("only %d of %d UCDP incidents joined to a governorate, %d to a Badia region", joined, len(incs), inBadia)
	}
	if n, err := s.ReplaceRegions(ctx, regions, nil); err != nil || n != 0 {
		t.Fatalf("the SQL join moves %d of the %d UCDP incidents the import joined in Go (%v)", n, len(incs), err)
	}

	// Points on the pieces' own vertices and on their edges' midpoints.
	rows, err := s.DB().QueryContext(ctx, `
		WITH pts AS (
			SELECT (ST_DumpPoints(geom)).geom AS a, kind FROM region_parts
		), segs AS (
			SELECT d.geom AS a, lead(d.geom) OVER (PARTITION BY p.ctid, d.path[1] ORDER BY d.path[2]) AS b
			FROM region_parts AS p, ST_DumpPoints(p.geom) AS d
		)
		SELECT ST_X(a), ST_Y(a) FROM pts
		UNION ALL
		SELECT (ST_X(a) + ST_X(b)) / 2, (ST_Y(a) + ST_Y(b)) / 2 FROM segs WHERE b IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	var edge []geo.Incident
	for rows.Next() {
		var x, y float64
		if err := rows.Scan(&x, &y); err != nil {
			t.Fatal(err)
		}
		inc := incs[len(edge)%len(incs)]
		inc.ExternalID = fmt.Sprintf("edge:%d", len(edge))
		inc.Location = orb.Point{x, y}
		edge = append(edge, inc)
	}
	rows.Close()
	if len(edge) < 1000 {
		t.Fatalf("only %d points on the region pieces", len(edge))
	}
	if res := importAll(t, s, edge); res.Inserted != len(edge) {
		t.Fatalf("inserted %d of %d edge points", res.Inserted, len(edge))
	}
	if n, err := s.ReplaceRegions(ctx, regions, nil); err != nil || n != 0 {
		t.Fatalf("the SQL join moves %d of the %d points on the region pieces' vertices and edges (%v)", n, len(edge), err)
	}
}

// TestImportTextTravelsExactly: text with every character COPY's text format
// escapes (backslash, tab, newline, carriage return), JSON's (quotes,
// control characters) and non-ASCII reads back exactly as imported, through
// both the COPY of new rows and the update of stored ones.
func TestImportTextTravelsExactly(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if _, err := s.ReplaceRegions(ctx, testRegions(), nil); err != nil {
		t.Fatal(err)
	}
	nasty := []string{`back\slash`, "tab\there", "new\nline", "carriage\rreturn", `"quoted"`, "ctrl\x01\x1f",
		"بادية حمص", `\N`, `\\N`, "trailing\\", "emoji 🐪", "a,b;c"}
	incs := genIncidents(21, len(nasty))
	for i, v := range nasty {
		inc := &incs[i]
		inc.ExternalID = "nasty:" + v
		inc.LocationName, inc.SourceAdmin1, inc.SourceAdmin2 = v, v+"1", v+"2"
		inc.EventType, inc.SubEventType, inc.Perpetrator, inc.Target, inc.Notes = v, v, v, v, v
		inc.Sources = []geo.Source{{Name: v, URL: "https://example.org/" + v, Headline: v,
			Date: time.Date(2024, 1, i+1, 0, 0, 0, 0, time.UTC)}, {Name: v + " alone"}}
	}
	check := func(stage string, want []geo.Incident) {
		t.Helper()
		got := scanAll(t, s, geo.IncidentFilter{})
		if len(got) != len(want) {
			t.Fatalf("%s: %d incidents read back, %d imported", stage, len(got), len(want))
		}
		for i := range got {
			g, w := got[i], want[i]
			w.ID, w.Governorate, w.Region, w.JoinBasis, w.CreatedAt, w.UpdatedAt = g.ID, g.Governorate, g.Region, g.JoinBasis, g.CreatedAt, g.UpdatedAt
			if g.Status != geo.StatusPublished || g.Version < 1 {
				t.Fatalf("%s: incident %q is %s version %d; imports publish", stage, w.ExternalID, g.Status, g.Version)
			}
			w.Status, w.Version = g.Status, g.Version
			if !reflect.DeepEqual(g, w) {
				t.Fatalf("%s: incident %q differs:\n got %+v\nwant %+v", stage, w.ExternalID, g, w)
			}
		}
	}
	importAll(t, s, incs)
	check("new rows", incs)
	for i := range incs {
		incs[i].Notes = strings.Repeat(incs[i].Notes, 2)
		incs[i].Sources[1].Headline = nasty[(i+1)%len(nasty)]
	}
	if res := importAll(t, s, incs); res.Updated != len(incs) || res.Inserted != 0 {
		t.Fatalf("re-import: %+v, want %d updated", res, len(incs))
	}
	check("updated rows", incs)
}

// TestImportRefusesNUL: PostgreSQL text cannot hold NUL; the row is refused
// with a reason and the rest of the batch still commits.
func TestImportRefusesNUL(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	incs := genIncidents(22, 3)
	tx, err := s.BeginImport(ctx, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	bad := incs[1]
	bad.Notes = "nul\x00here"
	if err := tx.Add(&incs[0]); err != nil {
		t.Fatal(err)
	}
	if err := tx.Add(&bad); err == nil || !strings.Contains(err.Error(), "NUL") || !strings.Contains(err.Error(), bad.ExternalID) {
		t.Fatalf("Add of a NUL in the notes: %v, want an error naming NUL and %s", err, bad.ExternalID)
	}
	if err := tx.Add(&incs[2]); err != nil {
		t.Fatal(err)
	}
	res, err := tx.Commit()
	if err != nil || res.Inserted != 2 {
		t.Fatalf("commit after a refused row: %+v, %v; want the 2 good rows", res, err)
	}
}
