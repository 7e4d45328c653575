package web_test

import (
	"context"
	"encoding/json"
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
