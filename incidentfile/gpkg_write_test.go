package incidentfile

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
	"modernc.org/sqlite"
)

var gpkgTestMeta = GPKGMeta{
	Source:     "Uppsala Conflict Data Program (UCDP) GED <test> & co",
	Licence:    "UCDP GED: CC BY 4.0; OCHA COD-AB: CC BY 3.0 IGO",
	Filter:     "governorate=SY04&from=2016-01-01",
	ExportedAt: time.Date(2026, 12, 3, 10, 11, 12, 0, time.UTC),
}

// writeGPKG writes incs and the bundled governorates and Badia regions to
// a new GeoPackage and returns its path and the regions.
func writeGPKG(t *testing.T, incs []geo.Incident) (string, []geo.Region) {
	t.Helper()
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "export.gpkg")
	gw, err := NewGPKGWriter(path, gpkgTestMeta)
	if err != nil {
		t.Fatal(err)
	}
	for i := range incs {
		if err := gw.Write(&incs[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, kind := range []geo.RegionKind{geo.KindGovernorate, geo.KindBadia} {
		if err := gw.WriteRegions(kind, regions); err != nil {
			t.Fatal(err)
		}
	}
	if err := gw.Close(); err != nil {
		t.Fatal(err)
	}
	return path, regions
}

func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s (gdal-bin) is not installed", name)
	}
}

// gdal runs a GDAL command and fails the test on an error or on any
// warning or error GDAL prints (it warns about what it finds wrong in a
// GeoPackage as it opens it).
func gdal(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	if s := stderr.String(); s != "" {
		t.Fatalf("%s %v printed on stderr:\n%s", name, args, s)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "Warning") || strings.HasPrefix(line, "ERROR") {
			t.Fatalf("%s %v: %s", name, args, line)
		}
	}
	return string(out)
}

// ogrLayer is what `ogrinfo -al -so` says about one layer (the file's own
// metadata is under the layer name "").
type ogrLayer struct {
	geometry, fid, geomColumn string
	count                     int
	fields                    map[string]string // name -> type
	metadata                  map[string]string
}

func parseOGRInfo(t *testing.T, out string) map[string]*ogrLayer {
	t.Helper()
	cur := &ogrLayer{fields: map[string]string{}, metadata: map[string]string{}}
	layers := map[string]*ogrLayer{"": cur}
	inMeta := false
	field := regexp.MustCompile(`^(\w+): (\w+(?:\(\w+\))?) \(`)
	for _, line := range strings.Split(out, "\n") {
		if name, ok := strings.CutPrefix(line, "Layer name: "); ok {
			cur = &ogrLayer{fields: map[string]string{}, metadata: map[string]string{}}
			layers[name] = cur
			continue
		}
		switch {
		case line == "Metadata:":
			inMeta = true
		case inMeta && strings.HasPrefix(line, "  "):
			k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
			cur.metadata[k] = v
		default:
			inMeta = false
			if v, ok := strings.CutPrefix(line, "Geometry: "); ok {
				cur.geometry = v
			} else if v, ok := strings.CutPrefix(line, "Feature Count: "); ok {
				cur.count, _ = strconv.Atoi(v)
			} else if v, ok := strings.CutPrefix(line, "FID Column = "); ok {
				cur.fid = v
			} else if v, ok := strings.CutPrefix(line, "Geometry Column = "); ok {
				cur.geomColumn = v
			} else if m := field.FindStringSubmatch(line); m != nil {
				cur.fields[m[1]] = m[2]
			}
		}
	}
	return layers
}

// ogrType is the OGR field type GDAL reads for a column of kind.
var ogrType = map[valueKind]string{kindText: "String", kindJSON: "String", kindInt: "Integer64",
	kindFloat: "Real", kindDate: "Date", kindTime: "DateTime", kindBool: "Integer(Boolean)"}

// TestGPKGOpensInGDAL: GDAL opens the GeoPackage without a warning and
// finds the three layers with their counts, geometry, typed fields and
// metadata; GDAL's own GeoPackage validator finds nothing wrong; SQLite
// finds the file intact.
func TestGPKGOpensInGDAL(t *testing.T) {
	needTool(t, "ogrinfo")
	incs := roundTripSet(t, 500)
	path, regions := writeGPKG(t, incs)

	layers := parseOGRInfo(t, gdal(t, "ogrinfo", "-ro", "-al", "-so", path))
	regionCount := map[geo.RegionKind]int{}
	for _, r := range regions {
		regionCount[r.Kind]++
	}
	want := map[string]struct {
		geometry string
		count    int
	}{
		GPKGIncidentsLayer:                   {"Point", len(incs)},
		GPKGRegionLayer(geo.KindGovernorate): {"Multi Polygon", regionCount[geo.KindGovernorate]},
		GPKGRegionLayer(geo.KindBadia):       {"Multi Polygon", regionCount[geo.KindBadia]},
	}
	file := layers[""].metadata
	if file["FILTER"] != gpkgTestMeta.Filter || file["LICENSE"] != gpkgTestMeta.Licence || file["SOURCE"] != gpkgTestMeta.Source {
		t.Errorf("the file's metadata %v", file)
	}
	if len(layers)-1 != len(want) {
		t.Errorf("ogrinfo finds %d layers, want %d", len(layers)-1, len(want))
	}
	for name, w := range want {
		l := layers[name]
		if l == nil {
			t.Errorf("no layer %s", name)
			continue
		}
		if l.geometry != w.geometry || l.count != w.count || l.fid != "id" || l.geomColumn != "geom" {
			t.Errorf("layer %s: %s, %d features, fid %q, geometry column %q; want %s, %d, id, geom",
				name, l.geometry, l.count, l.fid, l.geomColumn, w.geometry, w.count)
		}
		if l.metadata["LICENSE"] != gpkgTestMeta.Licence || l.metadata["EXPORTED_AT"] != "2026-12-03T10:11:12Z" ||
			!strings.Contains(l.metadata["DESCRIPTION"], strconv.Itoa(w.count)) {
			t.Errorf("layer %s metadata %v", name, l.metadata)
		}
	}
	inc := layers[GPKGIncidentsLayer]
	if inc == nil {
		t.FailNow()
	}
	if inc.metadata["FILTER"] != gpkgTestMeta.Filter || inc.metadata["SOURCE"] != gpkgTestMeta.Source {
		t.Errorf("incidents metadata %v", inc.metadata)
	}
	attrs, err := gpkgAttributeColumns()
	if err != nil {
		t.Fatal(err)
	}
	if len(inc.fields) != len(attrs) {
		t.Errorf("incidents has %d fields, want %d: %v", len(inc.fields), len(attrs), inc.fields)
	}
	for _, c := range attrs {
		if got := inc.fields[c.name]; got != ogrType[c.kind] {
			t.Errorf("field %s is %q, want %q", c.name, got, ogrType[c.kind])
		}
	}
	gov := layers[GPKGRegionLayer(geo.KindGovernorate)]
	for _, c := range regionColumns {
		want := map[string]string{"TEXT": "String", "DOUBLE": "Real"}[c.sqlType]
		if gov != nil && gov.fields[c.name] != want {
			t.Errorf("governorates field %s is %q, want %q", c.name, gov.fields[c.name], want)
		}
	}

	out := gdal(t, "ogrinfo", "-ro", path, "-sql", "PRAGMA integrity_check")
	if !strings.Contains(out, "integrity_check (String) = ok") {
		t.Errorf("PRAGMA integrity_check:\n%s", out)
	}
	validateGPKG(t, path)
}

// validateGPKG runs GDAL's GeoPackage validator (validate_gpkg.py, of
// python3-gdal), which checks the tables, triggers and geometries against
// the standard's requirements.
func validateGPKG(t *testing.T, path string) {
	t.Helper()
	const script = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"
	if _, err := os.Stat(script); err != nil {
		t.Fatalf("GDAL's GeoPackage validator is not installed (python3-gdal): %v", err)
	}
	out, err := exec.Command("/usr/bin/python3", script, path).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("validate_gpkg.py %s: %v\n%s", path, err, out)
	}
}

// TestGPKGValuesAsGDALReadsThem: every incident comes back through GDAL
// (ogr2ogr to GeoJSON) with its id, point and every column's value: the
// text our CSV writes, NULL for an empty one, a DATETIME to the millisecond.
func TestGPKGValuesAsGDALReadsThem(t *testing.T) {
	needTool(t, "ogr2ogr")
	incs := roundTripSet(t, 300)
	path, _ := writeGPKG(t, incs)
	out := gdal(t, "ogr2ogr", "-f", "GeoJSON", "-preserve_fid", "-lco", "SIGNIFICANT_FIGURES=17", "/vsistdout/", path, GPKGIncidentsLayer)
	var fc struct {
		Features []struct {
			ID       int64 `json:"id"`
			Geometry struct {
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal([]byte(out), &fc); err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != len(incs) {
		t.Fatalf("GDAL reads %d features, we wrote %d", len(fc.Features), len(incs))
	}
	byID := map[int64]*geo.Incident{}
	for i := range incs {
		byID[incs[i].ID] = &incs[i]
	}
	attrs, _ := gpkgAttributeColumns()
	for _, f := range fc.Features {
		inc := byID[f.ID]
		if inc == nil {
			t.Fatalf("GDAL reads a feature with id %d, which we did not write", f.ID)
		}
		delete(byID, f.ID)
		if c := f.Geometry.Coordinates; len(c) != 2 || c[0] != inc.Location[0] || c[1] != inc.Location[1] {
			t.Errorf("incident %d at %v, want %v", inc.ID, c, inc.Location)
		}
		for _, c := range attrs {
			want := c.format(inc)
			v, ok := f.Properties[c.name]
			if !ok {
				t.Fatalf("GDAL's feature has no property %s", c.name)
			}
			var got string
			switch v := v.(type) {
			case []any: // GDAL's GeoJSON writer turns a string holding a JSON array into the array
				var w any
				if err := json.Unmarshal([]byte(want), &w); err != nil || !reflect.DeepEqual(v, w) {
					t.Errorf("incident %d %s = %v, want %s", inc.ID, c.name, v, want)
				}
				continue
			case nil:
			case float64:
				got = strconv.FormatFloat(v, 'f', -1, 64)
			case bool:
				got = strconv.FormatBool(v)
			case string:
				got = v
			default:
				t.Fatalf("%s: unexpected %T", c.name, v)
			}
			if c.kind == kindTime && want != "" {
				w, err1 := time.Parse(time.RFC3339Nano, want)
				g, err2 := time.Parse(time.RFC3339Nano, got)
				if err1 != nil || err2 != nil || !g.Equal(w.Truncate(time.Millisecond)) {
					t.Errorf("incident %d %s = %q, want %q to the millisecond", inc.ID, c.name, got, want)
				}
				continue
			}
			if got != want {
				t.Errorf("incident %d %s = %q, want %q", inc.ID, c.name, got, want)
			}
		}
	}
}

// TestGPKGSpatialIndex: the R-tree holds every incident's point (checked
// with GDAL's own ST_ functions), GDAL's bounding-box filter finds what a
// scan in Go finds, and the triggers keep the index in step when GDAL
// deletes and moves features.
func TestGPKGSpatialIndex(t *testing.T) {
	needTool(t, "ogrinfo")
	incs := roundTripSet(t, 2000)
	path, _ := writeGPKG(t, incs)
	count := func(sql string, args ...string) int {
		t.Helper()
		out := gdal(t, "ogrinfo", append(args, path, "-sql", sql)...)
		m := regexp.MustCompile(`= (\d+)`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("%s: no count in\n%s", sql, out)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	inIndex := `SELECT count(*) FROM incidents i JOIN rtree_incidents_geom r ON r.id = i.id
		WHERE r.minx <= ST_MinX(i.geom) AND r.maxx >= ST_MaxX(i.geom) AND r.miny <= ST_MinY(i.geom) AND r.maxy >= ST_MaxY(i.geom)`
	checkRTrees(t, path, GPKGIncidentsLayer, GPKGRegionLayer(geo.KindGovernorate), GPKGRegionLayer(geo.KindBadia))
	if n := count("SELECT count(*) FROM rtree_incidents_geom", "-ro"); n != len(incs) {
		t.Errorf("the R-tree holds %d entries, want %d", n, len(incs))
	}
	if n := count(inIndex, "-ro"); n != len(incs) {
		t.Errorf("%d of %d incidents are in the R-tree at their point", n, len(incs))
	}
	for _, kind := range []geo.RegionKind{geo.KindGovernorate, geo.KindBadia} {
		l := GPKGRegionLayer(kind)
		sql := fmt.Sprintf(`SELECT count(*) FROM %s t JOIN rtree_%s_geom r ON r.id = t.id
			WHERE r.minx <= ST_MinX(t.geom) AND r.maxx >= ST_MaxX(t.geom) AND r.miny <= ST_MinY(t.geom) AND r.maxy >= ST_MaxY(t.geom)`, l, l)
		if n, all := count(sql, "-ro"), count("SELECT count(*) FROM "+l, "-ro"); n != all || n == 0 {
			t.Errorf("%s: %d of %d regions in the R-tree", l, n, all)
		}
	}

	// A box around Palmyra: GDAL's spatial filter (which reads the R-tree)
	// against a scan of the points in Go.
	box := orb.Bound{Min: orb.Point{37.5, 34.0}, Max: orb.Point{39.5, 35.5}}
	inBox := 0
	for _, inc := range incs {
		if box.Contains(inc.Location) {
			inBox++
		}
	}
	if inBox == 0 || inBox == len(incs) {
		t.Fatalf("the box holds %d of %d incidents: choose one that tells", inBox, len(incs))
	}
	spat := []string{"-spat", "37.5", "34.0", "39.5", "35.5"}
	l := parseOGRInfo(t, gdal(t, "ogrinfo", append([]string{"-ro", "-so", path, GPKGIncidentsLayer}, spat...)...))[GPKGIncidentsLayer]
	if l == nil || l.count != inBox {
		t.Errorf("ogrinfo -spat counts %v, a scan %d", l, inBox)
	}

	// GDAL edits the file: the triggers keep the R-tree in step.
	moved, target := incs[0].ID, incs[1].ID
	gdal(t, "ogrinfo", path, "-sql", fmt.Sprintf("DELETE FROM incidents WHERE id = %d", incs[2].ID))
	gdal(t, "ogrinfo", path, "-sql", fmt.Sprintf("UPDATE incidents SET geom = (SELECT geom FROM incidents WHERE id = %d) WHERE id = %d", target, moved))
	if n := count("SELECT count(*) FROM rtree_incidents_geom", "-ro"); n != len(incs)-1 {
		t.Errorf("after a delete the R-tree holds %d entries, want %d", n, len(incs)-1)
	}
	if n := count(inIndex, "-ro"); n != len(incs)-1 {
		t.Errorf("after a delete and a move %d of %d incidents are in the R-tree at their point", n, len(incs)-1)
	}
	checkRTrees(t, path, GPKGIncidentsLayer, GPKGRegionLayer(geo.KindGovernorate), GPKGRegionLayer(geo.KindBadia))
	validateGPKG(t, path)
}

// checkRTrees runs SQLite's own checks on the file: rtreecheck() on each
// layer's R-tree (the nodes' structure and boxes, the rowid and parent
// tables) and PRAGMA integrity_check (which checks R-trees too since
// SQLite 3.44; GDAL 3.6's SQLite is older).
func checkRTrees(t *testing.T, path string, layers ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, l := range layers {
		var res string
		if err := db.QueryRow(`SELECT rtreecheck(?)`, "rtree_"+l+"_geom").Scan(&res); err != nil || res != "ok" {
			t.Errorf("rtreecheck(rtree_%s_geom): %q %v", l, clip(res), err)
		}
	}
	var res string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		t.Errorf("PRAGMA integrity_check: %q %v", clip(res), err)
	}
}

// TestGPKGMemoryDoesNotGrow writes 200,000 generated incidents: the Go heap
// in use after 200,000 is about what it was after 20,000, and SQLite's page
// cache stays within its bound (the rest of the rows are on disk).
func TestGPKGMemoryDoesNotGrow(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 200,000 incidents")
	}
	const total, early = 200_000, 20_000
	templates := roundTripSet(t, 2000)
	path := filepath.Join(t.TempDir(), "big.gpkg")
	gw, err := NewGPKGWriter(path, gpkgTestMeta)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Abort()
	measure := func() (heap uint64, cache int) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		err := gw.conn.Raw(func(dc any) error {
			cache, _, err = dc.(sqlite.DBStatus).Status(sqlite.DBStatusCacheUsed, false)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ms.HeapInuse, cache
	}
	var heapEarly uint64
	var inc geo.Incident
	for i := 0; i < total; i++ {
		// A new incident from a real one: its own id, moved a little.
		inc = templates[i%len(templates)]
		inc.ID = int64(i + 1)
		inc.ExternalID = "gen:" + strconv.Itoa(i+1)
		inc.Location = orb.Point{inc.Location[0] + float64(i%97)*1e-4, inc.Location[1] - float64(i%89)*1e-4}
		if err := gw.Write(&inc); err != nil {
			t.Fatal(err)
		}
		if i+1 == early {
			heapEarly, _ = measure()
		}
	}
	heapLate, cache := measure()
	t.Logf("Go heap in use: %d KiB after %d incidents, %d KiB after %d; SQLite page cache %d KiB (bound %d KiB)",
		heapEarly>>10, early, heapLate>>10, total, cache>>10, gpkgCacheKiB)
	if ratio := float64(heapLate) / float64(heapEarly); ratio > 1.5 {
		t.Errorf("the Go heap grew %.2fx from %d to %d incidents", ratio, early, total)
	}
	if limit := gpkgCacheKiB << 10 * 11 / 10; cache > limit {
		t.Errorf("SQLite's page cache holds %d bytes, over its bound of %d KiB", cache, gpkgCacheKiB)
	}
	if err := gw.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Size() < int64(total)*100 {
		t.Errorf("the file: %v, %v", st, err)
	}
	// A tree of three levels: its structure, and every incident in it.
	checkRTrees(t, path, GPKGIncidentsLayer)
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, depth int
	if err := db.QueryRow(`SELECT count(*), (SELECT rtreedepth(data) FROM rtree_incidents_geom_node WHERE nodeno = 1)
		FROM rtree_incidents_geom`).Scan(&n, &depth); err != nil || n != total || depth < 2 {
		t.Errorf("the R-tree holds %d entries in %d levels below the root (%v); want %d", n, depth, err, total)
	}
}

// TestGPKGRefuses: a file that is not new, an incident with no valid point
// and a write after Close are errors, and Close reports the first error.
func TestGPKGRefuses(t *testing.T) {
	dir := t.TempDir()
	taken := filepath.Join(dir, "taken.gpkg")
	os.WriteFile(taken, []byte("something else"), 0o644)
	if _, err := NewGPKGWriter(taken, GPKGMeta{}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("writing over a non-empty file: %v", err)
	}
	gw, err := NewGPKGWriter(filepath.Join(dir, "bad.gpkg"), GPKGMeta{})
	if err != nil {
		t.Fatal(err)
	}
	bad := handBuilt()[1]
	bad.Location = orb.Point{math.NaN(), 35}
	if err := gw.Write(&bad); err == nil || !strings.Contains(err.Error(), bad.ExternalID) {
		t.Errorf("a NaN longitude: %v", err)
	}
	if err := gw.Close(); err == nil {
		t.Error("Close after a failed write reports no error")
	}
	gw, err = NewGPKGWriter(filepath.Join(dir, "ok.gpkg"), GPKGMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.Close(); err != nil {
		t.Fatal(err)
	}
	inc := handBuilt()[0]
	if err := gw.Write(&inc); err == nil {
		t.Error("a write after Close succeeded")
	}
}

// TestGPBEnvelope: the envelope the R-tree functions read back is the one
// written, for a point (from its WKB) and a multipolygon (from the header).
func TestGPBEnvelope(t *testing.T) {
	p := orb.Point{38.27, 34.55}
	env, empty, err := gpbEnvelope(appendGPBPoint(nil, p))
	if err != nil || empty || env != (orb.Bound{Min: p, Max: p}) {
		t.Errorf("point: %v %v %v", env, empty, err)
	}
	mp := orb.MultiPolygon{{{{36, 33}, {37, 33}, {37, 34.5}}}, {{{40, 35}, {41, 35}, {41, 36}, {40, 35}}}}
	b := appendGPBMultiPolygon(nil, mp)
	env, empty, err = gpbEnvelope(b)
	if err != nil || empty || env != (orb.Bound{Min: orb.Point{36, 33}, Max: orb.Point{41, 36}}) {
		t.Errorf("multipolygon: %v %v %v", env, empty, err)
	}
	if _, empty, _ := gpbEnvelope(appendGPBMultiPolygon(nil, nil)); !empty {
		t.Error("an empty multipolygon is not empty")
	}
	if _, _, err := gpbEnvelope([]byte("GPX")); err == nil {
		t.Error("a truncated blob gives no error")
	}
}
