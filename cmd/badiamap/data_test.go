package main

// Tests of the data commands (migrate, import, export, boundaries load) on a
// real PostGIS, through the built binary as a user runs it.

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/badiamap/badiamap/internal/pgtest"
	"github.com/lib/pq"
	"github.com/paulmach/orb"
)

var sharedData = filepath.Join("..", "..", "..", "shared", "data")

func ucdpPath() string {
	return filepath.Join(sharedData, "incidents", "ucdp_ged_syria_v652.1601.1911_2016-01-01_2019-11-30.csv")
}

// buildBinary builds badiamap into a temp dir of t (the build cache makes
// every build after the first a link).
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "badiamap")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// cli runs the binary against one database.
type cli struct {
	t   *testing.T
	bin string
	url string
}

// run runs badiamap args and returns stdout, stderr and the exit status.
func (c cli) run(args ...string) (stdout, stderr string, status int) {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+c.url, "BADIAMAP_DATA_DIR=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		status = exit.ExitCode()
	default:
		c.t.Fatalf("badiamap %v: %v", args, err)
	}
	return out.String(), errb.String(), status
}

// ok runs badiamap args and fails the test unless it succeeds.
func (c cli) ok(args ...string) string {
	c.t.Helper()
	out, errs, status := c.run(args...)
	if status != 0 {
		c.t.Fatalf("badiamap %v: exit %d\nstdout:\n%s\nstderr:\n%s", args, status, out, errs)
	}
	return out
}

func openDB(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func queryInt(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// summaryField reads one figure of the import summary.
func summaryField(t *testing.T, out, name string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `:\s+(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("import summary has no %q line:\n%s", name, out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// dump is every incident and the data version, to prove nothing changed.
func dump(t *testing.T, db *sql.DB) string {
	t.Helper()
	var n, version int
	var sum string
	if err := db.QueryRow(`SELECT count(*), coalesce(md5(string_agg(i::text, E'\n' ORDER BY id)), ''),
		(SELECT version FROM data_version) FROM incidents i`).Scan(&n, &sum, &version); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d incidents, md5 %s, data version %d", n, sum, version)
}

func TestMigrateTwice(t *testing.T) {
	c := cli{t, buildBinary(t), pgtest.NewDatabase(t)}
	first := c.ok("migrate")
	for _, v := range []string{"0001_postgis", "0002_regions", "0003_incidents"} {
		if !strings.Contains(first, "applied "+v) {
			t.Errorf("first migrate does not report %s:\n%s", v, first)
		}
	}
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(first, fmt.Sprintf("loaded %d bundled regions", len(regions))) {
		t.Errorf("first migrate does not report loading the %d bundled regions:\n%s", len(regions), first)
	}
	db := openDB(t, c.url)
	before := dump(t, db)
	nRegions := queryInt(t, db, `SELECT count(*) FROM regions`)
	if nRegions != len(regions) {
		t.Errorf("%d regions in the database, %d bundled", nRegions, len(regions))
	}
	second := c.ok("migrate")
	if strings.TrimSpace(second) != "up to date" {
		t.Errorf("second migrate printed %q, want \"up to date\"", second)
	}
	if after := dump(t, db); after != before {
		t.Errorf("second migrate changed the data: %s -> %s", before, after)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM regions`); n != nRegions {
		t.Errorf("second migrate left %d regions, had %d", n, nRegions)
	}
}

// ucdpRecords reads the UCDP file's header and records.
func ucdpRecords(t *testing.T) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(ucdpPath())
	if err != nil {
		t.Fatalf("the UCDP file is needed at ../shared/data: %v", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs[0], recs[1:]
}

func TestUCDPImportExportRoundTrip(t *testing.T) {
	bin := buildBinary(t)
	c := cli{t, bin, pgtest.NewDatabase(t)}
	db := openDB(t, c.url)
	_, records := ucdpRecords(t)
	c.ok("migrate")

	out := c.ok("import", ucdpPath())
	t.Logf("first import:\n%s", out)
	if got := summaryField(t, out, "rows read"); got != len(records) {
		t.Errorf("rows read %d, the file has %d records", got, len(records))
	}
	inserted := summaryField(t, out, "inserted")
	if inserted != len(records) || summaryField(t, out, "rejected") != 0 {
		t.Errorf("inserted %d and rejected %d of %d rows, want all inserted", inserted, summaryField(t, out, "rejected"), len(records))
	}
	if n := queryInt(t, db, `SELECT count(*) FROM incidents`); n != inserted {
		t.Errorf("%d incidents in the database, import says %d inserted", n, inserted)
	}
	elsewhere := queryInt(t, db, `SELECT count(*) FROM incidents
		WHERE source_governorate <> '' AND governorate <> '' AND source_governorate <> governorate`)
	if got := summaryField(t, out, "elsewhere"); got != elsewhere {
		t.Errorf("summary says %d elsewhere, the database %d", got, elsewhere)
	}

	// The computed governorate agrees with UCDP's own adm_1.
	var agree, withSource, all int
	if err := db.QueryRow(`SELECT count(*) FILTER (WHERE governorate = source_governorate),
		count(*) FILTER (WHERE source_governorate <> ''), count(*) FROM incidents`).Scan(&agree, &withSource, &all); err != nil {
		t.Fatal(err)
	}
	// UCDP leaves adm_1 empty for some events (country-wide precision): they
	// have nothing to agree with, so the share is of the events that name one.
	share := float64(agree) / float64(withSource)
	t.Logf("governorate agreement: %d of %d events with an adm_1 (%.2f%%); %.2f%% of all %d events",
		agree, withSource, 100*share, 100*float64(agree)/float64(all), all)
	if share < 0.97 {
		t.Errorf("the computed governorate agrees with UCDP's adm_1 for %.2f%% of events, want at least 97%%", 100*share)
	}

	// Homs city: every UCDP event placed at "Homs town" is in SY04 and in no Badia region.
	rows, err := db.Query(`SELECT DISTINCT governorate, region FROM incidents WHERE location_name = 'Homs town'`)
	if err != nil {
		t.Fatal(err)
	}
	var homs [][2]string
	for rows.Next() {
		var g, r string
		rows.Scan(&g, &r)
		homs = append(homs, [2]string{g, r})
	}
	rows.Close()
	if len(homs) != 1 || homs[0] != [2]string{"SY04", ""} {
		t.Errorf("events at Homs town join to %v, want only SY04 and no Badia region", homs)
	}

	// A second import of the same file inserts nothing.
	again := c.ok("import", ucdpPath())
	if n := summaryField(t, again, "inserted"); n != 0 {
		t.Errorf("second import inserted %d rows, want 0", n)
	}
	if n := summaryField(t, again, "updated"); n != 0 {
		t.Errorf("second import updated %d rows, want 0 (the same fields)", n)
	}
	if n := summaryField(t, again, "unchanged"); n != len(records) {
		t.Errorf("second import left %d rows unchanged, want %d", n, len(records))
	}

	// Export, import into an empty database, export again: same features.
	dir := t.TempDir()
	first := filepath.Join(dir, "first.geojson")
	c.ok("export", "--format", "geojson", "--out", first)
	other := cli{t, bin, pgtest.NewDatabase(t)}
	other.ok("migrate")
	back := other.ok("import", first)
	if n := summaryField(t, back, "inserted"); n != inserted {
		t.Errorf("importing the export inserted %d, want %d", n, inserted)
	}
	second := filepath.Join(dir, "second.geojson")
	other.ok("export", "--format", "geojson", "--out", second)
	a, b := readFeatures(t, first), readFeatures(t, second)
	if len(a) != inserted || len(b) != len(a) {
		t.Fatalf("exports hold %d and %d features, want %d", len(a), len(b), inserted)
	}
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			t.Fatalf("feature %d differs after export -> import -> export:\n%v\n%v", i, a[i], b[i])
		}
	}

	// A filtered CSV export holds what the same filter selects in SQL.
	csvOut := c.ok("export", "--format", "csv", "--governorate", "SY04", "--from", "2017-01-01", "--to", "2017-12-31",
		"--victim", "civilians")
	csvRows, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := queryInt(t, db, `SELECT count(*) FROM incidents WHERE governorate = 'SY04'
		AND date_start BETWEEN '2017-01-01' AND '2017-12-31' AND killed_civilians > 0`)
	if len(csvRows)-1 != want || want == 0 {
		t.Errorf("filtered CSV export has %d rows, SQL selects %d", len(csvRows)-1, want)
	}
	if _, errs, status := c.run("export", "--format", "csv", "--victim", "aliens"); status == 0 || !strings.Contains(errs, "--victim") {
		t.Errorf("a bad --victim: exit %d, stderr %q; want a usage error naming the flag", status, errs)
	}

	// Boundaries load re-joins exactly the incidents whose join went stale.
	res, err := db.Exec(`UPDATE incidents SET governorate = 'SY99', region = '' WHERE id % 7 = 0`)
	if err != nil {
		t.Fatal(err)
	}
	stale, _ := res.RowsAffected()
	start := time.Now()
	loaded := c.ok("boundaries", "load")
	t.Logf("boundaries load over %d incidents: %s (%s)", inserted, strings.TrimSpace(loaded), time.Since(start).Round(time.Millisecond))
	if !strings.Contains(loaded, fmt.Sprintf("%d incidents re-joined", stale)) {
		t.Errorf("boundaries load printed %q, want %d incidents re-joined", loaded, stale)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM incidents WHERE governorate = 'SY99'`); n != 0 {
		t.Errorf("%d incidents still carry the stale governorate", n)
	}
}

// readFeatures parses a GeoJSON export into its features, without the
// timestamps a store sets on write.
func readFeatures(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type     string           `json:"type"`
		Features []map[string]any `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if fc.Type != "FeatureCollection" {
		t.Fatalf("%s is a %q, not a FeatureCollection", path, fc.Type)
	}
	for _, f := range fc.Features {
		if p, ok := f["properties"].(map[string]any); ok {
			delete(p, "created_at")
			delete(p, "updated_at")
		}
	}
	return fc.Features
}

// anchor reads a place's coordinates from the Badia anchor places.
func anchor(t *testing.T, prefix string) orb.Point {
	t.Helper()
	f, err := os.Open(filepath.Join(sharedData, "badia", "badia_anchor_places.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, r := range recs[1:] {
		if strings.HasPrefix(r[col["name_en"]], prefix) {
			lat, _ := strconv.ParseFloat(r[col["lat"]], 64)
			lon, _ := strconv.ParseFloat(r[col["lon"]], 64)
			return orb.Point{lon, lat}
		}
	}
	t.Fatalf("no anchor place named %s...", prefix)
	return orb.Point{}
}

// writeOwnCSV writes incidents as badiamap CSV, the format export writes.
func writeOwnCSV(t *testing.T, path string, incs []geo.Incident) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := incidentfile.NewCSVWriter(f, false)
	for i := range incs {
		if err := w.Write(&incs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func placeIncident(id string, p orb.Point) geo.Incident {
	d := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	return geo.Incident{ExternalID: id, DateStart: d, DateEnd: d, DatePrecision: geo.DateExact, Location: p,
		GeoPrecision: geo.GeoExact, LocationName: id, EventType: "Battles", SubEventType: "Armed clash",
		Casualties: geo.Casualties{Civilians: 2, TruffleGatherers: 1}}
}

func TestPalmyraAndHomsJoin(t *testing.T) {
	c := cli{t, buildBinary(t), pgtest.NewDatabase(t)}
	c.ok("migrate")
	// Homs city's point is where UCDP places its "Homs town" events.
	_, records := ucdpRecords(t)
	header, _ := ucdpRecords(t)
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	var homs orb.Point
	for _, r := range records {
		if r[col["where_coordinates"]] == "Homs town" {
			homs[0], _ = strconv.ParseFloat(r[col["longitude"]], 64)
			homs[1], _ = strconv.ParseFloat(r[col["latitude"]], 64)
			break
		}
	}
	if homs == (orb.Point{}) {
		t.Fatal("no UCDP event at Homs town")
	}
	file := filepath.Join(t.TempDir(), "places.csv")
	writeOwnCSV(t, file, []geo.Incident{placeIncident("test:palmyra", anchor(t, "Palmyra")), placeIncident("test:homs", homs)})
	c.ok("import", file)
	db := openDB(t, c.url)
	for _, want := range []struct{ id, gov, region string }{
		{"test:palmyra", "SY04", "BADIA-SY04"},
		{"test:homs", "SY04", ""},
	} {
		var gov, region string
		if err := db.QueryRow(`SELECT governorate, region FROM incidents WHERE external_id = $1`, want.id).Scan(&gov, &region); err != nil {
			t.Fatal(err)
		}
		if gov != want.gov || region != want.region {
			t.Errorf("%s joined to %q / %q, want %q / %q", want.id, gov, region, want.gov, want.region)
		}
	}
}

// badRowCase is one kind of bad row: how to spoil a row, and a word the
// reason must contain.
type badRowCase struct {
	name   string
	spoil  func(row []string, col map[string]int)
	reason string
}

func TestImportRejectsBadRows(t *testing.T) {
	c := cli{t, buildBinary(t), pgtest.NewDatabase(t)}
	db := openDB(t, c.url)
	c.ok("migrate")
	header, records := ucdpRecords(t)
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	// Rows with no line break inside a field, so row k sits on line k+1.
	var plain [][]string
	for _, r := range records {
		if !strings.ContainsAny(strings.Join(r, ""), "\r\n") {
			plain = append(plain, r)
		}
	}
	dir := t.TempDir()
	writeUCDP := func(name string, rows [][]string) string {
		path := filepath.Join(dir, name)
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.Write(header)
		w.WriteAll(rows)
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	c.ok("import", writeUCDP("base.csv", plain[:100]))
	before := dump(t, db)

	set := func(name, value string) func([]string, map[string]int) {
		return func(r []string, col map[string]int) { r[col[name]] = value }
	}
	cases := []badRowCase{
		{"unparseable date", set("date_start", "2017-13-45"), "date"},
		{"NaN latitude", set("latitude", "NaN"), "not a number"},
		{"latitude out of range", set("latitude", "95.5"), "out of range"},
		{"far outside Syria", func(r []string, col map[string]int) {
			r[col["latitude"]], r[col["longitude"]] = "48.8566", "2.3522"
		}, "far outside Syria"},
		{"swapped lat/lon", func(r []string, col map[string]int) {
			r[col["latitude"]], r[col["longitude"]] = r[col["longitude"]], r[col["latitude"]]
		}, "swapped"},
		{"negative count", set("deaths_civilians", "-3"), "negative"},
	}
	for i, bc := range cases {
		t.Run(bc.name, func(t *testing.T) {
			rows := slices.Clone(plain[200+10*i : 200+10*i+5])
			bad := slices.Clone(rows[2])
			bc.spoil(bad, col)
			rows[2] = bad
			file := writeUCDP(fmt.Sprintf("bad%d.csv", i), rows)
			out, errs, status := c.run("import", file)
			if status == 0 {
				t.Fatalf("import of a file with a bad row succeeded:\n%s", out)
			}
			line := fmt.Sprintf("line %d", 2+2) // header is line 1; the bad row is the 3rd
			if !strings.Contains(errs, line) || !strings.Contains(errs, bc.reason) {
				t.Errorf("the report does not name %s and %q:\n%s", line, bc.reason, errs)
			}
			if got := summaryField(t, out, "rejected"); got != 1 {
				t.Errorf("summary says %d rejected, want 1", got)
			}
			if after := dump(t, db); after != before {
				t.Errorf("the database changed: %s -> %s", before, after)
			}
		})
	}

	t.Run("duplicate id in one file", func(t *testing.T) {
		rows := slices.Clone(plain[300:304])
		rows = append(rows, slices.Clone(rows[1])) // line 6 repeats line 3
		file := writeUCDP("dup.csv", rows)
		_, errs, status := c.run("import", file)
		if status == 0 || !strings.Contains(errs, "line 6") || !strings.Contains(errs, "duplicate") || !strings.Contains(errs, "line 3") {
			t.Errorf("exit %d; the report must name line 6 as a duplicate of line 3:\n%s", status, errs)
		}
		if after := dump(t, db); after != before {
			t.Errorf("the database changed: %s -> %s", before, after)
		}
	})

	t.Run("subset larger than total", func(t *testing.T) {
		incs := []geo.Incident{placeIncident("test:a", anchor(t, "Palmyra")), placeIncident("test:b", anchor(t, "Al-Sukhnah"))}
		incs[1].Casualties.Children = incs[1].Casualties.Civilians + 1
		file := filepath.Join(dir, "subset.csv")
		writeOwnCSV(t, file, incs)
		_, errs, status := c.run("import", file)
		if status == 0 || !strings.Contains(errs, "line 3") || !strings.Contains(errs, "children") {
			t.Errorf("exit %d; the report must name line 3 and the children count:\n%s", status, errs)
		}
		if after := dump(t, db); after != before {
			t.Errorf("the database changed: %s -> %s", before, after)
		}
	})

	t.Run("unknown format", func(t *testing.T) {
		file := filepath.Join(dir, "unknown.csv")
		os.WriteFile(file, []byte("when,where,what\n2020-01-01,Palmyra,clash\n"), 0o644)
		_, errs, status := c.run("import", file)
		if status == 0 || !strings.Contains(errs, "unknown incident file format") {
			t.Errorf("exit %d; the report must say the format is unknown:\n%s", status, errs)
		}
		if after := dump(t, db); after != before {
			t.Errorf("the database changed: %s -> %s", before, after)
		}
	})

	t.Run("skip invalid loads exactly the good rows", func(t *testing.T) {
		rows := slices.Clone(plain[400:420])
		var good []string
		for i := range rows {
			rows[i] = slices.Clone(rows[i])
			if i%4 == 1 {
				cases[i%len(cases)].spoil(rows[i], col)
			} else {
				good = append(good, "ucdp:"+rows[i][col["id"]])
			}
		}
		file := writeUCDP("mixed.csv", rows)
		out, _, status := c.run("import", "--skip-invalid", file)
		if status != 0 {
			t.Fatalf("import --skip-invalid failed:\n%s", out)
		}
		if n := summaryField(t, out, "inserted"); n != len(good) {
			t.Errorf("inserted %d, want the %d good rows", n, len(good))
		}
		if n := summaryField(t, out, "rejected"); n != len(rows)-len(good) {
			t.Errorf("rejected %d, want %d", n, len(rows)-len(good))
		}
		var all []string
		for _, r := range rows {
			all = append(all, "ucdp:"+r[col["id"]])
		}
		got, err := db.Query(`SELECT external_id FROM incidents WHERE external_id = ANY ($1) ORDER BY id`, pq.StringArray(all))
		if err != nil {
			t.Fatal(err)
		}
		var fresh []string
		for got.Next() {
			var id string
			got.Scan(&id)
			fresh = append(fresh, id)
		}
		got.Close()
		if !slices.Equal(fresh, good) {
			t.Errorf("stored %v, want exactly the good rows %v", fresh, good)
		}
	})
}

// TestMemoryStoreCommands: with no database URL the same commands run on the
// embedded store in --data-dir.
func TestMemoryStoreCommands(t *testing.T) {
	c := cli{t, buildBinary(t), ""}
	header, records := ucdpRecords(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "part.csv")
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(header)
	w.WriteAll(records[:500])
	os.WriteFile(file, b.Bytes(), 0o644)
	data := filepath.Join(dir, "store")
	out := c.ok("import", "--data-dir", data, file)
	if n := summaryField(t, out, "inserted"); n != 500 {
		t.Errorf("memory store import inserted %d, want 500", n)
	}
	csvOut := c.ok("export", "--data-dir", data, "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != 500 {
		t.Errorf("memory store export holds %d rows, want 500", len(rows)-1)
	}
	if _, errs, status := c.run("migrate"); status != 2 || !strings.Contains(errs, "DATABASE_URL") {
		t.Errorf("migrate without a database URL: exit %d, %q; want a usage error asking for one", status, errs)
	}
}
