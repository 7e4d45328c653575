package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/badiamap/badiamap/cql2"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/incidentcql"
	"github.com/badiamap/badiamap/web"
)

// cqlOverHTTP are CQL2 filters sent by curl-like requests, each next to
// the same selection in badiamap's own grammar where it has one.
var cqlOverHTTP = []struct{ lang, filter, own string }{
	{"cql2-text", "killed > 5 AND governorate = 'SY04'", ""},
	{"cql2-text", "governorate = 'SY04' AND killed >= 6", "governorate=SY04&min_killed=6"},
	{"cql2-json", `{"op":"and","args":[{"op":"in","args":[{"property":"governorate"},["SY09","SY04"]]},{"op":">=","args":[{"property":"civilians"},1]}]}`,
		"governorate=SY09,SY04&victim=civilians"},
	{"cql2-text", "S_INTERSECTS(geometry, BBOX(37.9, 34.3, 38.7, 34.8))", "bbox=37.9,34.3,38.7,34.8"},
	{"cql2-text", "T_INTERSECTS(period, INTERVAL('2017-01-01', '2017-12-31')) AND event_type = 'Battles'", ""},
	{"cql2-text", "date_start BETWEEN DATE('2017-01-01') AND DATE('2017-12-31')", "from=2017-01-01&to=2017-12-31"},
}

// checkCQLOverHTTP: the OGC items of every filter of cqlOverHTTP, paged
// through their next links (which must carry the filter), are exactly the
// incidents the store selects with the same condition, and the same as the
// list in badiamap's own grammar; bad filters are 400s that say where.
func checkCQLOverHTTP(t *testing.T, store geo.Store) {
	ts := serve(t, store, web.Config{})
	ctx := context.Background()
	for _, c := range cqlOverHTTP {
		f, err := incidentcql.Parse(c.filter, c.lang)
		if err != nil {
			t.Fatal(err)
		}
		var want []int64
		if err := store.ScanIncidents(ctx, geo.IncidentFilter{Where: f}, geo.Page{}, func(inc *geo.Incident) error {
			want = append(want, inc.ID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(want) <= 100 && !strings.Contains(c.filter, "period") {
			t.Errorf("%s: %d incidents, too few to page", c.filter, len(want))
		}
		q := url.Values{"filter": {c.filter}, "filter-lang": {c.lang}, "limit": {"100"}}
		got, _ := pagedIDs(t, ts.URL+"/ogc/collections/incidents/items?"+q.Encode(), 100, false)
		if !slices.Equal(got, want) {
			t.Errorf("%s: OGC items give %d incidents, the store %d", c.filter, len(got), len(want))
		}
		if c.own != "" {
			own, _ := pagedIDs(t, ts.URL+"/api/incidents?limit=1000&"+c.own, 1000, true)
			if !slices.Equal(own, want) {
				t.Errorf("%s: %d incidents, /api/incidents?%s %d", c.filter, len(want), c.own, len(own))
			}
		}
	}

	for _, bad := range []struct{ query, where, says string }{
		{"filter=" + url.QueryEscape("killed >> 5"), "1:9", "killed >> 5"},
		{"filter=" + url.QueryEscape("kiled > 5"), "1:1", "did you mean 'killed'"},
		{"filter=" + url.QueryEscape("event_type = 'Battle'"), "1:14", "not a value of event_type"},
		{"filter-lang=cql2-json&filter=" + url.QueryEscape(`{"op":">","args":[{"property":"killed"},"5"]}`), "args[1]", "cannot compare"},
		{"filter-lang=cql3&filter=TRUE", "", "filter-lang"},
		{"filter-crs=EPSG:4326&filter=TRUE", "", "filter-crs"},
	} {
		resp, body := get(t, ts.URL+"/ogc/collections/incidents/items?"+bad.query)
		var p struct {
			Status    int    `json:"status"`
			Detail    string `json:"detail"`
			Parameter string `json:"parameter"`
			Position  string `json:"position"`
		}
		json.Unmarshal(body, &p)
		if resp.StatusCode != http.StatusBadRequest || p.Position != bad.where || !strings.Contains(p.Detail, bad.says) {
			t.Errorf("%s: %d, position %q, %s; want 400 at %q saying %q", bad.query, resp.StatusCode, p.Position, p.Detail, bad.where, bad.says)
		}
	}
	resp, body := get(t, ts.URL+"/ogc/collections/governorates/items?filter=killed%3E1")
	if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte("incidents collection only")) {
		t.Errorf("a filter on the governorates: %d %s", resp.StatusCode, body)
	}
}

func TestCQLOverHTTPMemStore(t *testing.T) { checkCQLOverHTTP(t, memStore(t, allUCDP(t))) }

func TestCQLOverHTTPPostGIS(t *testing.T) { checkCQLOverHTTP(t, pgStore(t, allUCDP(t))) }

// TestQueryablesAndConformance: the queryables resource describes every
// queryable the filter takes, with the types, ranges and enums Check
// enforces, and the conformance declaration lists Part 3, the CQL2 classes
// and OGC API - Tiles.
func TestQueryablesAndConformance(t *testing.T) {
	ts := serve(t, memStore(t, readUCDP(t, 50)), web.Config{})
	resp, body := get(t, ts.URL+"/ogc/collections/incidents/queryables")
	mustOK(t, resp, body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/schema+json") {
		t.Errorf("queryables are %s", ct)
	}
	var schema struct {
		ID         string                    `json:"$id"`
		Type       string                    `json:"type"`
		Properties map[string]map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(body, &schema); err != nil {
		t.Fatal(err)
	}
	if schema.Type != "object" || !strings.HasSuffix(schema.ID, "/ogc/collections/incidents/queryables") {
		t.Errorf("schema type %q, $id %q", schema.Type, schema.ID)
	}
	if len(schema.Properties) != len(incidentcql.Queryables) {
		t.Errorf("%d queryables described, the filter takes %d", len(schema.Properties), len(incidentcql.Queryables))
	}
	for _, g := range geo.CasualtyGroups {
		if p := schema.Properties[g.Name]; p["type"] != "integer" || p["minimum"] != 0.0 {
			t.Errorf("casualty group %s: %v", g.Name, p)
		}
	}
	var enum []string
	for _, v := range schema.Properties["event_type"]["enum"].([]any) {
		enum = append(enum, v.(string))
	}
	if !slices.Equal(enum, geo.EventTypes) {
		t.Errorf("event_type enum %v, want %v", enum, geo.EventTypes)
	}
	if p := schema.Properties["geo_precision"]; p["minimum"] != 1.0 || p["maximum"] != 7.0 {
		t.Errorf("geo_precision %v", p)
	}
	if p := schema.Properties["date_start"]; p["format"] != "date" {
		t.Errorf("date_start %v", p)
	}
	if p := schema.Properties["geometry"]; p["format"] != "geometry-point" {
		t.Errorf("geometry %v", p)
	}
	if resp, _ := get(t, ts.URL+"/ogc/collections/governorates/queryables"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("queryables of governorates: %d, want 404", resp.StatusCode)
	}

	resp, body = get(t, ts.URL+"/ogc/conformance")
	mustOK(t, resp, body)
	var conf struct {
		ConformsTo []string `json:"conformsTo"`
	}
	json.Unmarshal(body, &conf)
	for _, c := range append([]string{
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
		"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
		"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
	}, cql2.Conformance...) {
		if !slices.Contains(conf.ConformsTo, c) {
			t.Errorf("conformance misses %s", c)
		}
	}
	for _, c := range conf.ConformsTo {
		if strings.Contains(c, "spatial-functions\"") || strings.HasSuffix(c, "/conf/spatial-functions") || strings.HasSuffix(c, "/conf/property-property") {
			t.Errorf("conformance declares %s, which is not implemented", c)
		}
	}
}

func getInto(t *testing.T, u string, v any) {
	t.Helper()
	resp, body := get(t, u)
	mustOK(t, resp, body)
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("%s: %v", u, err)
	}
}

type linked struct {
	Links []struct {
		Href, Rel, Type string
	} `json:"links"`
}

func (l linked) href(t *testing.T, rel, typ string) string {
	t.Helper()
	for _, k := range l.Links {
		if k.Rel == rel && k.Type == typ {
			return k.Href
		}
	}
	t.Fatalf("no link rel=%s type=%s in %+v", rel, typ, l.Links)
	return ""
}

// TestOGCTiles: the WebMercatorQuad document is the tile grid of
// /tiles (cell sizes, scale denominators, origin, matrix sizes, in both the
// TMS 2.0 and the 1.0 members), and a client that starts at the landing
// page finds, by links alone, a tile template whose tiles are the bytes of
// /tiles/{layer}/{z}/{x}/{y}.mvt (OGC's row is y, its column x).
func TestOGCTiles(t *testing.T) {
	incs := readUCDP(t, 2000)
	ts := serve(t, memStore(t, incs), web.Config{})

	var tms struct {
		ID, URI, CRS string
		Matrices     []struct {
			ID                       string
			ScaleDenominator         float64
			CellSize                 float64
			PointOfOrigin            []float64
			CornerOfOrigin           string
			TileWidth, MatrixWidth   int
			TileHeight, MatrixHeight int
		} `json:"tileMatrices"`
		Legacy []struct {
			Identifier       string
			ScaleDenominator float64
			TopLeftCorner    []float64
			MatrixWidth      int
		} `json:"tileMatrix"`
		SupportedCRS string
	}
	getInto(t, ts.URL+"/ogc/tileMatrixSets/WebMercatorQuad", &tms)
	if tms.ID != "WebMercatorQuad" || tms.URI != "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad" ||
		tms.CRS != "http://www.opengis.net/def/crs/EPSG/0/3857" || tms.SupportedCRS != tms.CRS {
		t.Errorf("tile matrix set %s %s %s %s", tms.ID, tms.URI, tms.CRS, tms.SupportedCRS)
	}
	if len(tms.Matrices) != geo.MaxTileZoom+1 || len(tms.Legacy) != len(tms.Matrices) {
		t.Fatalf("%d tile matrices (%d in TMS 1.0 form), want %d", len(tms.Matrices), len(tms.Legacy), geo.MaxTileZoom+1)
	}
	world := 2 * math.Pi * 6378137 // the equator of the Web Mercator sphere, in metres
	for z, m := range tms.Matrices {
		n := 1 << z
		if m.ID != strconv.Itoa(z) || m.MatrixWidth != n || m.MatrixHeight != n || m.TileWidth != 256 || m.TileHeight != 256 {
			t.Errorf("matrix %d: %+v", z, m)
		}
		if rel := math.Abs(m.CellSize*256*float64(n)-world) / world; rel > 1e-12 {
			t.Errorf("matrix %d: cell size %g does not tile the world", z, m.CellSize)
		}
		if rel := math.Abs(m.ScaleDenominator*0.00028-m.CellSize) / m.CellSize; rel > 1e-12 {
			t.Errorf("matrix %d: scale denominator %g for cell size %g", z, m.ScaleDenominator, m.CellSize)
		}
		if m.CornerOfOrigin != "topLeft" || len(m.PointOfOrigin) != 2 || math.Abs(m.PointOfOrigin[0]+world/2) > 1e-6 || math.Abs(m.PointOfOrigin[1]-world/2) > 1e-6 {
			t.Errorf("matrix %d: origin %v %s", z, m.PointOfOrigin, m.CornerOfOrigin)
		}
		l := tms.Legacy[z]
		if l.Identifier != m.ID || l.ScaleDenominator != m.ScaleDenominator || !slices.Equal(l.TopLeftCorner, m.PointOfOrigin) || l.MatrixWidth != n {
			t.Errorf("matrix %d: the TMS 1.0 members %+v disagree", z, l)
		}
	}

	// From the landing page to a tile, by links.
	var landing, coll linked
	getInto(t, ts.URL+"/ogc", &landing)
	getInto(t, landing.href(t, "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", "application/json"), &struct{}{})
	getInto(t, ts.URL+"/ogc/collections/incidents", &coll)
	var sets struct {
		Tilesets []struct {
			linked
			DataType, TileMatrixSetURI string
		} `json:"tilesets"`
	}
	getInto(t, coll.href(t, "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", "application/json"), &sets)
	if len(sets.Tilesets) != 1 || sets.Tilesets[0].DataType != "vector" || sets.Tilesets[0].TileMatrixSetURI != tms.URI {
		t.Fatalf("tilesets %+v", sets)
	}
	var tileset struct {
		linked
		Limits []struct {
			TileMatrix                                     string
			MinTileRow, MaxTileRow, MinTileCol, MaxTileCol int
		} `json:"tileMatrixSetLimits"`
		Layers []struct{ ID string } `json:"layers"`
	}
	getInto(t, sets.Tilesets[0].href(t, "self", "application/json"), &tileset)
	tileset.href(t, "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "application/json")
	tmpl := tileset.href(t, "item", web.MIMEVectorTile)
	if len(tileset.Layers) == 0 {
		t.Error("the tileset names no layer")
	}
	checked := 0
	for _, inc := range incs[:40] {
		z := 9
		x, y := tileXY(inc.Location, z)
		lim := tileset.Limits[z]
		if lim.TileMatrix != "9" || y < lim.MinTileRow || y > lim.MaxTileRow || x < lim.MinTileCol || x > lim.MaxTileCol {
			t.Errorf("tile %d/%d/%d of %s is outside the limits %+v", z, x, y, inc.ExternalID, lim)
		}
		u := strings.NewReplacer("{tileMatrix}", "9", "{tileRow}", strconv.Itoa(y), "{tileCol}", strconv.Itoa(x)).Replace(tmpl)
		_, ogc := get(t, u)
		_, direct := get(t, ts.URL+"/tiles/incidents/9/"+strconv.Itoa(x)+"/"+strconv.Itoa(y)+".mvt")
		if len(direct) == 0 || !bytes.Equal(ogc, direct) {
			t.Errorf("%s: %d bytes, /tiles gives %d", u, len(ogc), len(direct))
		}
		checked++
	}
	if resp, _ := get(t, ts.URL+"/ogc/collections/incidents/tiles/WorldCRS84Quad/0/0/0"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a tile matrix set not served: %d", resp.StatusCode)
	}
	if checked == 0 {
		t.Fatal("no tile compared")
	}
}

// tileXY is the Web Mercator tile of zoom z that holds p.
func tileXY(p [2]float64, z int) (x, y int) {
	n := math.Exp2(float64(z))
	lat := p[1] * math.Pi / 180
	x = int(math.Floor((p[0] + 180) / 360 * n))
	y = int(math.Floor((1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2 * n))
	return x, y
}

// checkGPKGDownload: GET /api/incidents.gpkg is a GeoPackage that ogrinfo
// reads with the three layers, the filtered incidents and every region, sent
// with its length and name; the temporary file is gone afterwards.
func checkGPKGDownload(t *testing.T, store geo.Store) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ts := serve(t, store, web.Config{})
	want, err := store.CountIncidents(context.Background(), geo.IncidentFilter{Governorates: []string{"SY04"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, ts.URL+"/api/incidents.gpkg?governorate=SY04")
	mustOK(t, resp, body)
	if resp.Header.Get("Content-Type") != "application/geopackage+sqlite3" || resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "SY04") || !strings.Contains(resp.Header.Get("Content-Disposition"), ".gpkg") {
		t.Errorf("headers %v", resp.Header)
	}
	// The handler removes its file once the last byte is sent, which may be
	// a moment after the client has it.
	for wait := 0; ; wait++ {
		left, _ := filepath.Glob(filepath.Join(tmp, "badiamap-*"))
		if len(left) == 0 {
			break
		}
		if wait == 100 {
			t.Fatalf("temporary files left: %v", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
	file := filepath.Join(t.TempDir(), "homs.gpkg")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		t.Fatal(err)
	}
	out := gdal(t, "ogrinfo", "-ro", "-so", "-al", file)
	layers := regexp.MustCompile(`(?m)^Layer name: (\S+)\n(?:.*\n)*?Geometry: (.+)\nFeature Count: (\d+)`).FindAllStringSubmatch(out, -1)
	counts := map[string]string{}
	for _, l := range layers {
		counts[l[1]] = l[2] + " " + l[3]
	}
	if counts["incidents"] != "Point "+strconv.Itoa(want) || counts["governorates"] != "Multi Polygon 14" || !strings.HasPrefix(counts["badia_regions"], "Multi Polygon ") {
		t.Errorf("layers %v, want incidents Point %d, governorates 14, badia_regions", counts, want)
	}
	for _, field := range []string{"killed: Integer", "date_start: Date", "illustrative: Integer(Boolean)", "event_type: String"} {
		if !strings.Contains(out, field) {
			t.Errorf("ogrinfo does not show %q:\n%s", field, out)
		}
	}
	if want == 0 {
		t.Error("no incident in SY04: the test proves little")
	}
}

func TestGPKGDownloadMemStore(t *testing.T) { checkGPKGDownload(t, memStore(t, readUCDP(t, 3000))) }

func TestGPKGDownloadPostGIS(t *testing.T) { checkGPKGDownload(t, pgStore(t, readUCDP(t, 3000))) }

// TestGDALFiltersAsPart1 is GDAL 3.6 as the client: ogrinfo -where on the
// OAPIF driver counts what /api/incidents counts, and the request log shows
// what GDAL sent. GDAL 3.6 speaks no CQL2 (it sends filter-lang=cql-text,
// a draft's name, only when the API lists that value, and the queryables
// in a draft's form): it pushes the equality on governorate down as the
// Part 1 query parameter governorate=SY04 and evaluates killed > 5 itself.
func TestGDALFiltersAsPart1(t *testing.T) {
	store := memStore(t, allUCDP(t))
	var log bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&syncWriter{w: &log}, nil))
	ts := httptest.NewServer(newServer(t, store, web.Config{}, logger))
	t.Cleanup(ts.Close)

	out := gdal(t, "ogrinfo", "-ro", "-so", "OAPIF:"+ts.URL+"/ogc", "incidents", "-where", "killed > 5 AND governorate = 'SY04'")
	got := ogrCount(t, out)
	resp, body := get(t, ts.URL+"/api/incidents?limit=1&governorate=SY04&min_killed=6")
	mustOK(t, resp, body)
	if fc := decodeFC(t, body); fc.NumberMatched == nil || *fc.NumberMatched != got || got == 0 {
		t.Errorf("ogrinfo -where counts %d, /api/incidents %v", got, fc.NumberMatched)
	}
	var sawPart1 bool
	for _, line := range strings.Split(log.String(), "\n") {
		if !strings.Contains(line, `"route":"/ogc/collections/:collectionId/items"`) {
			continue
		}
		if strings.Contains(line, "filter=") {
			t.Errorf("GDAL 3.6 sent a filter after all: %s", line)
		}
		sawPart1 = sawPart1 || strings.Contains(line, "governorate=SY04")
	}
	t.Logf("GDAL asked for items: %d requests", strings.Count(log.String(), "/items\""))
	if !sawPart1 {
		t.Errorf("GDAL did not push governorate=SY04 down; the log:\n%s", log.String())
	}
}

// syncWriter serialises the writes of concurrent requests' log lines.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
