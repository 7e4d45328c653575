package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/web"
)

// gdal runs a GDAL tool (gdal-bin) and returns its output.
func gdal(t *testing.T, name string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: install gdal-bin", name)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=60", "CPL_DEBUG=OFF")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

var featureCount = regexp.MustCompile(`Feature Count: (\d+)`)

func ogrCount(t *testing.T, out string) int {
	t.Helper()
	m := featureCount.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no Feature Count in:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// checkGDAL: a real OGC API client lists the collections and copies every
// incident; ogrinfo opens the GeoJSON and CSV downloads.
func checkGDAL(t *testing.T, store geo.Store) {
	ts := serve(t, store, web.Config{})
	out := gdal(t, "ogrinfo", "-ro", "OAPIF:"+ts.URL+"/ogc")
	for _, c := range []string{"incidents", "governorates", "badia_regions"} {
		if !regexp.MustCompile(`(?m)^\d+: ` + c + `\b`).MatchString(out) {
			t.Errorf("ogrinfo does not list collection %s:\n%s", c, out)
		}
	}
	want, err := store.CountIncidents(context.Background(), geo.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	gpkg := filepath.Join(t.TempDir(), "incidents.gpkg")
	gdal(t, "ogr2ogr", "-f", "GPKG", gpkg, "OAPIF:"+ts.URL+"/ogc", "incidents")
	if got := ogrCount(t, gdal(t, "ogrinfo", "-ro", "-so", gpkg, "incidents")); got != want {
		t.Errorf("ogr2ogr copied %d incidents, the store holds %d", got, want)
	}

	// The GeoJSON download, filtered, opened as a file.
	resp, body := get(t, ts.URL+"/api/incidents.geojson?governorate=SY04")
	mustOK(t, resp, body)
	file := filepath.Join(t.TempDir(), "homs.geojson")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		t.Fatal(err)
	}
	fc := decodeFC(t, body)
	out = gdal(t, "ogrinfo", "-ro", "-so", "-al", file)
	if got := ogrCount(t, out); got != len(fc.Features) || got == 0 {
		t.Errorf("ogrinfo reads %d features from the download, it holds %d", got, len(fc.Features))
	}
	checkGDALCSV(t, ts.URL, body)
}

// pointFeatures is a FeatureCollection of points read for their ids and
// coordinates; GDAL gives the CSV's id as text, the API as a number.
type pointFeatures struct {
	Features []struct {
		Properties struct {
			ID any `json:"id"`
		} `json:"properties"`
		ID       any `json:"id"`
		Geometry *struct {
			Type        string     `json:"type"`
			Coordinates [2]float64 `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
}

// wgs84Layer is how ogrinfo 3.6 ends the SRS of a layer in EPSG:4326.
var wgs84Layer = regexp.MustCompile(`(?m)^Layer SRS WKT:\n(?s:.*)ID\["EPSG",4326\]\]$`)

// checkGDALCSV: the CSV download, with and without the HXL row, opens in
// ogrinfo as a Point layer in WGS 84 with no open options and no companion
// file, and its points are the GeoJSON download's (geojson), by id.
func checkGDALCSV(t *testing.T, base string, geojson []byte) {
	var api pointFeatures
	if err := json.Unmarshal(geojson, &api); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]float64{}
	for _, f := range api.Features {
		if f.Geometry == nil {
			t.Fatalf("the GeoJSON download has incident %v without a point", f.ID)
		}
		want[strconv.FormatInt(numericID(t, f.ID), 10)] = f.Geometry.Coordinates
	}
	for _, hxl := range []bool{false, true} {
		u := base + "/api/incidents.csv?governorate=SY04"
		if hxl {
			u += "&hxl=1"
		}
		resp, body := get(t, u)
		mustOK(t, resp, body)
		dir := t.TempDir()
		file := filepath.Join(dir, "homs.csv")
		if err := os.WriteFile(file, body, 0o644); err != nil {
			t.Fatal(err)
		}
		out := gdal(t, "ogrinfo", "-ro", "-so", "-al", file)
		if !regexp.MustCompile(`(?m)^Geometry: Point$`).MatchString(out) || !wgs84Layer.MatchString(out) {
			t.Errorf("hxl=%v: ogrinfo does not open the CSV as a Point layer in EPSG:4326:\n%s", hxl, out)
		}
		if got := ogrCount(t, out); !hxl && got != len(want) {
			t.Errorf("ogrinfo reads %d features from the CSV, the GeoJSON holds %d", got, len(want))
		}
		copied := filepath.Join(dir, "homs.geojson")
		gdal(t, "ogr2ogr", "-f", "GeoJSON", copied, file)
		data, err := os.ReadFile(copied)
		if err != nil {
			t.Fatal(err)
		}
		var read pointFeatures
		if err := json.Unmarshal(data, &read); err != nil {
			t.Fatal(err)
		}
		points := 0
		for _, f := range read.Features {
			id, _ := f.Properties.ID.(string)
			if f.Geometry == nil { // GDAL reads the HXL row as a feature; it has no point
				if !hxl || !strings.HasPrefix(id, "#") {
					t.Errorf("hxl=%v: GDAL reads incident %q without a point", hxl, id)
				}
				continue
			}
			points++
			if w, ok := want[id]; !ok || f.Geometry.Type != "Point" || f.Geometry.Coordinates != w {
				t.Errorf("hxl=%v: incident %q is a %s at %v in the CSV, at %v in the GeoJSON", hxl, id, f.Geometry.Type, f.Geometry.Coordinates, w)
			}
		}
		if points != len(want) || points == 0 {
			t.Errorf("hxl=%v: GDAL reads %d points from the CSV, the GeoJSON holds %d", hxl, points, len(want))
		}
	}
}

func TestGDALMemStore(t *testing.T) {
	checkGDAL(t, memStore(t, allUCDP(t)))
}

func TestGDALPostGIS(t *testing.T) {
	checkGDAL(t, pgStore(t, allUCDP(t)))
}

// ogrRun runs ogrinfo and returns its output and whether it exited 0, for
// the runs whose failure is the finding.
func ogrRun(t *testing.T, args ...string) (string, bool) {
	t.Helper()
	path, err := exec.LookPath("ogrinfo")
	if err != nil {
		t.Fatal("ogrinfo not found: install gdal-bin")
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=60", "CPL_DEBUG=OFF")
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

var (
	zoomLayer  = regexp.MustCompile(`(?m)^\d+: Zoom level (\d+)$`)
	ogrFeature = regexp.MustCompile(`(?m)^OGRFeature\(Zoom level \d+\):`)
	ogrCode    = regexp.MustCompile(`(?m)^  code \(String\) = (\S+)$`)
)

// TestGDALOGCAPITiles is GDAL's OGCAPI driver as the client of OGC API -
// Tiles, on each collection. Debian's GDAL 3.6.2 compiles out the
// driver's vector-tile branch (InitWithTilesAPI, frmts/ogcapi/
// gdalogcapidataset.cpp lines 1687-1771, under #ifdef
// OGR_ENABLE_DRIVER_GML, which its CMake left undefined; docs/GIS.md): it
// follows every link to the tile matrix set, checks and parses each
// document (any fault there prints an ERROR), then opens nothing. So with
// that GDAL the test asserts the documents pass every check it makes and
// that the collection's features open with API=ITEMS; with a GDAL that
// has the branch (one built after GDAL pull request 7993, or the 3.6.2
// driver built with it and put on GDAL_DRIVER_PATH) it asserts a layer per tile matrix and reads the
// features of one.
func TestGDALOGCAPITiles(t *testing.T) {
	store := memStore(t, readUCDP(t, 300))
	stored, err := store.CountIncidents(context.Background(), geo.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// Tiles draw only the incidents located to within a district.
	drawn, err := store.CountIncidents(context.Background(), (&geo.TileRequest{}).DrawnFilter())
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	logWriter := &syncWriter{w: &log}
	ts := httptest.NewServer(newServer(t, store, web.Config{}, slog.New(slog.NewJSONHandler(logWriter, nil))))
	t.Cleanup(ts.Close)

	var tileset struct {
		MaxTileMatrix string
		BoundingBox   struct{ LowerLeft, UpperRight [2]float64 }
	}
	getInto(t, ts.URL+"/ogc/collections/incidents/tiles/WebMercatorQuad", &tileset)
	maxZoom, err := strconv.Atoi(tileset.MaxTileMatrix)
	if err != nil || maxZoom < 9 {
		t.Fatalf("the tileset's maxTileMatrix %q", tileset.MaxTileMatrix)
	}
	// GDAL takes the collection's bbox (CRS84) as coordinates of the tile
	// matrix set's CRS; its open options give the extent in EPSG:3857.
	minX, minY := geo.LonLatTo3857(tileset.BoundingBox.LowerLeft[0], tileset.BoundingBox.LowerLeft[1])
	maxX, maxY := geo.LonLatTo3857(tileset.BoundingBox.UpperRight[0], tileset.BoundingBox.UpperRight[1])
	extent := []string{"-oo", "MINX=" + strconv.FormatFloat(minX, 'f', 0, 64), "-oo", "MINY=" + strconv.FormatFloat(minY, 'f', 0, 64),
		"-oo", "MAXX=" + strconv.FormatFloat(maxX, 'f', 0, 64), "-oo", "MAXY=" + strconv.FormatFloat(maxY, 'f', 0, 64)}

	for _, c := range []string{"incidents", "governorates", "badia_regions"} {
		t.Run(c, func(t *testing.T) {
			src := "OGCAPI:" + ts.URL + "/ogc/collections/" + c
			out, ok := ogrRun(t, append(append([]string{"-ro"}, extent...), src)...)
			if strings.Contains(out, "ERROR") {
				t.Errorf("GDAL finds a fault in the tile documents:\n%s", out)
			}
			if !ok {
				// The GDAL without the vector-tile branch: it must have read
				// every document up to the tile matrix set.
				logWriter.mu.Lock()
				requests := log.String()
				logWriter.mu.Unlock()
				for _, path := range []string{"/ogc/collections/" + c + "/tiles", "/ogc/collections/" + c + "/tiles/WebMercatorQuad",
					"/ogc/tileMatrixSets/WebMercatorQuad"} {
					if !strings.Contains(requests, `"path":"`+path+`","status":200`) {
						t.Errorf("GDAL did not fetch %s; ogrinfo said:\n%s", path, out)
					}
				}
				t.Logf("this GDAL's OGCAPI driver reads no vector tiles (Debian's 3.6.2 build); it accepted every tile document")
				return
			}
			var zooms []int
			for _, m := range zoomLayer.FindAllStringSubmatch(out, -1) {
				z, _ := strconv.Atoi(m[1])
				zooms = append(zooms, z)
			}
			if len(zooms) != maxZoom+1 || zooms[0] != 0 || zooms[maxZoom] != maxZoom {
				t.Fatalf("GDAL lists the tile matrices %v, want 0 to %d:\n%s", zooms, maxZoom, out)
			}
			// Read one tile matrix whole: every drawn incident once (points,
			// no clusters, at this zoom and data), or every region in at
			// least one tile.
			z := "11"
			out, ok = ogrRun(t, append(append([]string{"-ro", "-q"}, extent...), src, "Zoom level "+z)...)
			if !ok {
				t.Fatalf("ogrinfo on zoom level %s:\n%s", z, out)
			}
			if c == "incidents" {
				if got := len(ogrFeature.FindAllString(out, -1)); got != drawn || got == 0 {
					t.Errorf("GDAL reads %d incidents from tile matrix %s, the tiles draw %d", got, z, drawn)
				}
				return
			}
			var items struct{ Features []struct{ ID string } }
			getInto(t, ts.URL+"/ogc/collections/"+c+"/items?limit=100", &items)
			codes := map[string]bool{}
			for _, m := range ogrCode.FindAllStringSubmatch(out, -1) {
				codes[m[1]] = true
			}
			for _, f := range items.Features {
				if !codes[f.ID] {
					t.Errorf("region %s is in no tile of matrix %s that GDAL read", f.ID, z)
				}
			}
			if len(items.Features) == 0 || len(codes) != len(items.Features) {
				t.Errorf("GDAL reads regions %v, the collection has %d", codes, len(items.Features))
			}
		})
	}

	// What an analyst with that GDAL opens instead: the features, by API=ITEMS.
	out := gdal(t, "ogrinfo", "-ro", "-so", "-oo", "API=ITEMS", "OGCAPI:"+ts.URL+"/ogc/collections/incidents", "incidents")
	if got := ogrCount(t, out); got != stored {
		t.Errorf("ogrinfo -oo API=ITEMS counts %d incidents, the store holds %d", got, stored)
	}
}
