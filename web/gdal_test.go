package web_test

import (
	"context"
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
// incident; ogrinfo opens the GeoJSON download.
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
}

func TestGDALMemStore(t *testing.T) {
	checkGDAL(t, memStore(t, allUCDP(t)))
}

func TestGDALPostGIS(t *testing.T) {
	checkGDAL(t, pgStore(t, allUCDP(t)))
}
