package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/badiamap/badiamap/web"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// tileStores are the two stores loaded with the boundaries and incs.
func tileStores(t *testing.T, incs []geo.Incident) map[string]geo.Store {
	t.Helper()
	mem, err := memstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mem.Close() })
	load(t, mem, incs)
	return map[string]geo.Store{"memstore": mem, "postgis": pgStore(t, incs)}
}

func serveTiles(t testing.TB, store geo.Store, cfg web.TileConfig) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(newServer(t, store, web.Config{Tiles: cfg}, nil))
	t.Cleanup(ts.Close)
	return ts
}

type tileXYZ struct{ z, x, y int }

func (c tileXYZ) path(layer string) string {
	return fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layer, c.z, c.x, c.y)
}

// tileOf is the tile of zoom z holding lon, lat by the rule of geo/tile.go.
func tileOf(z int, lon, lat float64) tileXYZ {
	x, y := geo.LonLatTo3857(lon, lat)
	cx, cy := geo.CellOf(x, y, z)
	return tileXYZ{z, cx, cy}
}

// busiestTiles are, for each zoom, the tile holding the most incidents and
// one holding about the median number.
func busiestTiles(incs []geo.Incident, zooms ...int) []tileXYZ {
	var out []tileXYZ
	for _, z := range zooms {
		count := map[tileXYZ]int{}
		for _, inc := range incs {
			count[tileOf(z, inc.Location[0], inc.Location[1])]++
		}
		tiles := make([]tileXYZ, 0, len(count))
		for c := range count {
			tiles = append(tiles, c)
		}
		sort.Slice(tiles, func(i, j int) bool {
			if count[tiles[i]] != count[tiles[j]] {
				return count[tiles[i]] > count[tiles[j]]
			}
			return fmt.Sprint(tiles[i]) < fmt.Sprint(tiles[j])
		})
		out = append(out, tiles[0])
		if len(tiles) > 2 {
			out = append(out, tiles[len(tiles)/2])
		}
	}
	return out
}

func decodeTile(t testing.TB, body []byte) map[string]*mvt.Layer {
	t.Helper()
	out := map[string]*mvt.Layer{}
	if len(body) == 0 {
		return out
	}
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		t.Fatalf("decode tile: %v", err)
	}
	for _, l := range layers {
		if out[l.Name] != nil {
			t.Fatalf("layer %s twice in one tile", l.Name)
		}
		out[l.Name] = l
	}
	return out
}

// fetchTile gets a tile and decodes it; a 204 is an empty tile.
func fetchTile(t testing.TB, base, path string) map[string]*mvt.Layer {
	t.Helper()
	resp, body := get(t, base+path)
	switch resp.StatusCode {
	case http.StatusNoContent:
		return map[string]*mvt.Layer{}
	case http.StatusOK:
		if ct := resp.Header.Get("Content-Type"); ct != web.MIMEVectorTile {
			t.Fatalf("%s: Content-Type %q", path, ct)
		}
		return decodeTile(t, body)
	}
	t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	return nil
}

// apiFeature is one feature of /api/incidents.
type apiFeature struct {
	ID       int64
	Lon, Lat float64
	Props    map[string]any
}

// apiIncidentsInTile lists what /api/incidents returns for the tile's
// lon/lat box (widened a little) and the filter q, kept by the tile rule:
// a tile draws what is located to within a district (precision=3).
func apiIncidentsInTile(t testing.TB, base string, c tileXYZ, q url.Values) []apiFeature {
	t.Helper()
	b := geo.TileBounds3857(c.z, c.x, c.y)
	minLon, minLat := geo.WebMercatorToLonLat(b.MinX, b.MinY)
	maxLon, maxLat := geo.WebMercatorToLonLat(b.MaxX, b.MaxY)
	const m = 1e-6
	qq := url.Values{}
	for k, v := range q {
		qq[k] = v
	}
	qq.Set("bbox", fmt.Sprintf("%.9f,%.9f,%.9f,%.9f", minLon-m, minLat-m, maxLon+m, maxLat+m))
	qq.Set("limit", "10000")
	if p, _ := strconv.Atoi(qq.Get("precision")); p == 0 || p > 3 {
		qq.Set("precision", "3")
	}
	next := base + "/api/incidents?" + qq.Encode()
	var out []apiFeature
	for next != "" {
		resp, body := get(t, next)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", next, resp.StatusCode, body)
		}
		var fc struct {
			Features []struct {
				ID       int64 `json:"id"`
				Geometry struct {
					Coordinates []float64 `json:"coordinates"`
				} `json:"geometry"`
				Properties map[string]any `json:"properties"`
			} `json:"features"`
			Next *string `json:"next"`
		}
		if err := json.Unmarshal(body, &fc); err != nil {
			t.Fatal(err)
		}
		for _, f := range fc.Features {
			lon, lat := f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]
			x, y := geo.LonLatTo3857(lon, lat)
			if (geo.TileAddr{Z: c.z, X: c.x, Y: c.y}).Holds(x, y) {
				out = append(out, apiFeature{ID: f.ID, Lon: lon, Lat: lat, Props: f.Properties})
			}
		}
		next = ""
		if fc.Next != nil {
			next = *fc.Next
		}
	}
	return out
}

// tilePoint is the EPSG:3857 position of a point feature's tile coordinates.
func tilePoint(c tileXYZ, p orb.Point) (x, y float64) {
	b := geo.TileBounds3857(c.z, c.x, c.y)
	unit := (b.MaxX - b.MinX) / geo.TileExtent
	return b.MinX + p[0]*unit, b.MaxY - p[1]*unit
}

// propDiffs compares a tile feature's properties with a GeoJSON feature's:
// a null is an absent property, sources is JSON text in the tile, numbers
// are compared as numbers.
func propDiffs(tile geojson.Properties, api map[string]any, skip ...string) []string {
	var diffs []string
	for k, want := range api {
		if slices.Contains(skip, k) {
			continue
		}
		got, ok := tile[k]
		switch {
		case want == nil:
			if ok {
				diffs = append(diffs, fmt.Sprintf("%s: tile has %v, API null", k, got))
			}
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s: missing from the tile (API %v)", k, want))
		case k == "sources":
			var g any
			if err := json.Unmarshal([]byte(fmt.Sprint(got)), &g); err != nil || !jsonEqual(g, want) {
				diffs = append(diffs, fmt.Sprintf("sources: tile %v, API %v", got, want))
			}
		default:
			if !jsonEqual(got, want) {
				diffs = append(diffs, fmt.Sprintf("%s: tile %v (%T), API %v (%T)", k, got, got, want, want))
			}
		}
	}
	for k := range tile {
		if _, ok := api[k]; !ok && !slices.Contains(skip, k) {
			diffs = append(diffs, fmt.Sprintf("%s: in the tile, not in the API", k))
		}
	}
	sort.Strings(diffs)
	return diffs
}

// onlyKeys is the part of props named by keys.
func onlyKeys(props map[string]any, keys []string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		if v, ok := props[k]; ok {
			out[k] = v
		}
	}
	return out
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// TestTilesMatchAPI: decoding a tile gives the incidents /api/incidents
// gives for the tile's box and filter, with the same properties, and the
// clusters of low zooms add up to them.
func TestTilesMatchAPI(t *testing.T) {
	incs := allUCDP(t)
	tiles := busiestTiles(incs, 8, 10, 12)
	clusterTiles := busiestTiles(incs, 5, 6, 7)
	filters := map[string]url.Values{
		"none":     {},
		"filtered": {"victim": {"civilians"}, "from": {"2017-01-01"}, "governorate": {"SY04,SY09"}},
		// Issue 12: a precision gives the tiles the API's count (tiles draw
		// up to precision 3 by themselves).
		"precision=2":          {"precision": {"2"}},
		"precision=1 filtered": {"precision": {"1"}, "from": {"2017-01-01"}},
	}
	// Each tile is asked with the default properties, with every one, and
	// with a list; a feature carries exactly those, valued as the API has them.
	propertyLists := map[string][]string{"": geo.DefaultIncidentProperties, "all": geo.AllIncidentProperties,
		"notes,killed,sources": {"killed", "sources", "notes"}}
	for name, store := range tileStores(t, incs) {
		t.Run(name, func(t *testing.T) {
			ts := serveTiles(t, store, web.TileConfig{CacheBytes: 32 << 20})
			total := 0
			matched := map[string]int{} // incidents the API has in the tiles, by filter
			for fname, q := range filters {
				for i, c := range tiles {
					// Every tile with each list would fetch the same tiles thrice: the lists take turns.
					props := slices.Sorted(maps.Keys(propertyLists))[i%len(propertyLists)]
					tq := url.Values{}
					maps.Copy(tq, q)
					if props != "" {
						tq.Set("properties", props)
					}
					path := c.path("incidents")
					if len(tq) > 0 {
						path += "?" + tq.Encode()
					}
					layers := fetchTile(t, ts.URL, path)
					want := apiIncidentsInTile(t, ts.URL, c, q)
					matched[fname] += len(want)
					var feats []*geojson.Feature
					if l := layers[geo.MVTIncidents]; l != nil {
						feats = l.Features
					}
					// Past the budget the densest cells are clusters: points and
					// cluster counts add up to the API's answer, as tile_info says.
					clustered := 0
					if l := layers[geo.MVTClusters]; l != nil {
						for _, f := range l.Features {
							clustered += int(f.Properties["count"].(float64))
						}
					}
					if len(feats)+clustered != len(want) {
						t.Errorf("%s %s: %d points and %d clustered, the API has %d", fname, path, len(feats), clustered, len(want))
						continue
					}
					if info := tileInfo(layers); len(want) > 0 && (info["matched"] != float64(len(want)) || info["points"] != float64(len(feats))) {
						t.Errorf("%s %s: tile_info %v, want matched %d points %d", fname, path, info, len(want), len(feats))
					}
					total += len(feats)
					byID := map[int64]apiFeature{}
					for _, w := range want {
						byID[w.ID] = w
					}
					for _, f := range feats {
						id := int64(f.ID.(float64))
						w, ok := byID[id]
						if !ok {
							t.Errorf("%s: feature %d is not in the API's answer", path, id)
							continue
						}
						if d := propDiffs(f.Properties, onlyKeys(w.Props, propertyLists[props])); len(d) > 0 {
							t.Errorf("%s: feature %d: %v", path, id, d)
						}
						x, y := tilePoint(c, f.Geometry.(orb.Point))
						wx, wy := geo.LonLatTo3857(w.Lon, w.Lat)
						unit := 2 * geo.WebMercatorMax / float64(int(1)<<c.z) / geo.TileExtent
						if math.Abs(x-wx) > unit || math.Abs(y-wy) > unit {
							t.Errorf("%s: feature %d at %.1f,%.1f, incident at %.1f,%.1f (more than one tile unit)", path, id, x, y, wx, wy)
						}
					}
				}
				for _, c := range clusterTiles {
					path := c.path("incidents")
					if len(q) > 0 {
						path += "?" + q.Encode()
					}
					checkClusters(t, path, fetchTile(t, ts.URL, path), c, apiIncidentsInTile(t, ts.URL, c, q))
				}
			}
			if total == 0 {
				t.Fatal("the tiles held no incident: the test checked nothing")
			}
			// Each precision leaves out some of what the tiles draw without it.
			if p2, p1 := matched["precision=2"], matched["precision=1 filtered"]; p2 == 0 || p2 >= matched["none"] || p1 == 0 || p1 >= p2 {
				t.Errorf("incidents in the tiles: %d with no filter, %d at precision=2, %d at precision=1 from 2017: the precisions tested nothing", matched["none"], p2, p1)
			}
		})
	}
}

// tileInfo is the properties of a tile's tile_info feature (nil without one).
func tileInfo(layers map[string]*mvt.Layer) geojson.Properties {
	if l := layers[geo.MVTTileInfo]; l != nil && len(l.Features) == 1 {
		return l.Features[0].Properties
	}
	return nil
}

// checkClusters compares a tile's clusters with the incidents of the tile
// grouped here by the cell rule of geo/tile.go.
func checkClusters(t *testing.T, path string, layers map[string]*mvt.Layer, c tileXYZ, incs []apiFeature) {
	t.Helper()
	if layers[geo.MVTIncidents] != nil {
		t.Errorf("%s: an incidents layer below the cluster zoom", path)
	}
	type cell struct {
		count, killed int
		ids           []apiFeature
	}
	// The grid may be coarser than ClusterGrid when the clusters would not
	// fit the budget; tile_info says which.
	grid, _ := tileInfo(layers)["grid"].(float64)
	shift := 0
	for grid > 0 && geo.ClusterGrid>>shift > int(grid) {
		shift++
	}
	addr := geo.TileAddr{Z: c.z, X: c.x, Y: c.y}
	want := map[int64]*cell{}
	for _, inc := range incs {
		x, y := geo.LonLatTo3857(inc.Lon, inc.Lat)
		cx, cy := addr.GridCell(x, y, shift)
		id := geo.ClusterID(int(grid), cx, cy)
		if want[id] == nil {
			want[id] = &cell{}
		}
		want[id].count++
		want[id].killed += int(inc.Props["killed"].(float64))
		want[id].ids = append(want[id].ids, inc)
	}
	l := layers[geo.MVTClusters]
	if l == nil {
		if len(incs) > 0 {
			t.Errorf("%s: no clusters for %d incidents", path, len(incs))
		}
		return
	}
	sum := 0
	for _, f := range l.Features {
		id := int64(f.ID.(float64))
		n := int(f.Properties["count"].(float64))
		sum += n
		w := want[id]
		if w == nil {
			t.Errorf("%s: cluster %d holds no incident here", path, id)
			continue
		}
		if n != w.count || int(f.Properties["killed"].(float64)) != w.killed {
			t.Errorf("%s: cluster %d: count %d killed %v, want %d and %d", path, id, n, f.Properties["killed"], w.count, w.killed)
		}
		sort.Slice(w.ids, func(i, j int) bool {
			ki, kj := w.ids[i].Props["killed"].(float64), w.ids[j].Props["killed"].(float64)
			if ki != kj {
				return ki > kj
			}
			return w.ids[i].ID < w.ids[j].ID
		})
		var top []string
		for _, inc := range w.ids[:min(len(w.ids), geo.ClusterTopIDs)] {
			top = append(top, strconv.FormatInt(inc.ID, 10))
		}
		if got := f.Properties["top_ids"]; got != strings.Join(top, ",") {
			t.Errorf("%s: cluster %d top_ids %v, want %s", path, id, got, strings.Join(top, ","))
		}
	}
	if sum != len(incs) {
		t.Errorf("%s: cluster counts add up to %d, the tile holds %d incidents", path, sum, len(incs))
	}
	if len(l.Features) != len(want) {
		t.Errorf("%s: %d clusters, %d non-empty cells", path, len(l.Features), len(want))
	}
}

// TestTilesSameInBothStores compares the two stores' tiles feature by
// feature: ids and properties equal, geometry within a tile unit.
func TestTilesSameInBothStores(t *testing.T) {
	incs := allUCDP(t)
	stores := tileStores(t, incs)
	mem := serveTiles(t, stores["memstore"], web.TileConfig{})
	pg := serveTiles(t, stores["postgis"], web.TileConfig{})
	tiles := append(busiestTiles(incs, 4, 5, 6, 7, 8, 9, 11, 13), tileXYZ{0, 0, 0}, tileXYZ{3, 4, 3})
	compared := 0
	for _, layer := range []string{"all", "incidents", "governorates", "badia_regions"} {
		for _, c := range tiles {
			for _, q := range []string{"", "?min_killed=3&event_type=Battles", "?properties=all&min_killed=1"} {
				path := c.path(layer) + q
				a, b := fetchTile(t, mem.URL, path), fetchTile(t, pg.URL, path)
				for _, d := range diffTiles(a, b) {
					t.Errorf("%s: %s", path, d)
				}
				for _, l := range a {
					compared += len(l.Features)
				}
			}
		}
	}
	if compared == 0 {
		t.Fatal("no feature compared")
	}
}

// diffTiles lists how two decoded tiles differ (a: memstore, b: PostGIS).
func diffTiles(a, b map[string]*mvt.Layer) []string {
	var diffs []string
	for name := range a {
		if b[name] == nil {
			diffs = append(diffs, "layer "+name+" only in memstore")
		}
	}
	for name, lb := range b {
		la := a[name]
		if la == nil {
			diffs = append(diffs, "layer "+name+" only in PostGIS")
			continue
		}
		if len(la.Features) != len(lb.Features) {
			diffs = append(diffs, fmt.Sprintf("layer %s: %d features in memstore, %d in PostGIS", name, len(la.Features), len(lb.Features)))
			continue
		}
		key := func(f *geojson.Feature) string {
			if f.ID != nil {
				return fmt.Sprint(f.ID)
			}
			return fmt.Sprint(f.Properties["code"])
		}
		byKey := map[string]*geojson.Feature{}
		for _, f := range la.Features {
			byKey[key(f)] = f
		}
		for i, fb := range lb.Features {
			fa := byKey[key(fb)]
			if fa == nil {
				diffs = append(diffs, fmt.Sprintf("layer %s: feature %s only in PostGIS", name, key(fb)))
				continue
			}
			if key(la.Features[i]) != key(fb) {
				diffs = append(diffs, fmt.Sprintf("layer %s: feature %d is %s in memstore, %s in PostGIS", name, i, key(la.Features[i]), key(fb)))
			}
			api := map[string]any{}
			for k, v := range fa.Properties {
				api[k] = v
			}
			if k := "sources"; api[k] != nil {
				var v any
				json.Unmarshal([]byte(api[k].(string)), &v)
				api[k] = v
			}
			for _, d := range propDiffs(fb.Properties, api, "created_at", "updated_at") {
				diffs = append(diffs, fmt.Sprintf("layer %s feature %s: %s", name, key(fb), d))
			}
			if fa.Geometry.GeoJSONType() == "Point" {
				pa, pb := fa.Geometry.(orb.Point), fb.Geometry.(orb.Point)
				if math.Abs(pa[0]-pb[0]) > 1 || math.Abs(pa[1]-pb[1]) > 1 {
					diffs = append(diffs, fmt.Sprintf("layer %s feature %s: at %v in memstore, %v in PostGIS", name, key(fb), pa, pb))
				}
				continue
			}
			// Polygons are simplified by two libraries: their areas in tile
			// units agree closely, their vertices need not.
			aa, ab := planar.Area(fa.Geometry), planar.Area(fb.Geometry)
			if math.Abs(aa-ab) > 0.02*math.Max(aa, ab)+200 {
				diffs = append(diffs, fmt.Sprintf("layer %s feature %s: area %.0f in memstore, %.0f in PostGIS (tile units)", name, key(fb), aa, ab))
			}
		}
	}
	return diffs
}

// TestTileFieldsAreTheAPIColumns keeps the tile properties in step with the
// GeoJSON API's columns.
func TestTileFieldsAreTheAPIColumns(t *testing.T) {
	var want []string
	for _, c := range incidentfile.Columns() {
		if c != "id" && c != "longitude" && c != "latitude" {
			want = append(want, c)
		}
	}
	var got []string
	for _, f := range geo.IncidentFields {
		got = append(got, f.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("geo.IncidentFields %v, the API's columns %v", got, want)
	}
}

// TestTileCaching: a strong ETag answered with 304, gzip served as cached,
// and an import changes the tile and its ETag at once.
func TestTileCaching(t *testing.T) {
	incs := allUCDP(t)[:3000]
	for name, store := range tileStores(t, incs) {
		t.Run(name, func(t *testing.T) {
			ts := serveTiles(t, store, web.TileConfig{CacheBytes: 8 << 20, CacheControl: "public, max-age=7"})
			c := busiestTiles(incs, 9)[0]
			path := c.path("incidents")
			r1, b1 := get(t, ts.URL+path, "Accept-Encoding", "identity")
			etag := r1.Header.Get("ETag")
			if r1.StatusCode != 200 || etag == "" || strings.HasPrefix(etag, "W/") {
				t.Fatalf("first GET: %d, ETag %q", r1.StatusCode, etag)
			}
			if cc := r1.Header.Get("Cache-Control"); cc != "public, max-age=7" {
				t.Errorf("Cache-Control %q", cc)
			}
			r2, b2 := get(t, ts.URL+path, "If-None-Match", etag, "Accept-Encoding", "identity")
			if r2.StatusCode != http.StatusNotModified || len(b2) != 0 {
				t.Errorf("GET with If-None-Match %s: %d, %d bytes", etag, r2.StatusCode, len(b2))
			}
			// Go's client takes gzip by itself and would undo it: ask explicitly.
			req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("ETag") == etag {
				t.Errorf("gzip GET: Content-Encoding %q, ETag %q (identity's %q)", resp.Header.Get("Content-Encoding"), resp.Header.Get("ETag"), etag)
			}
			before := len(decodeTile(t, b1)[geo.MVTIncidents].Features)

			// A new incident inside that tile.
			b := geo.TileBounds3857(c.z, c.x, c.y)
			lon, lat := geo.WebMercatorToLonLat((b.MinX+b.MaxX)/2, (b.MinY+b.MaxY)/2)
			inc := incs[0]
			inc.ID, inc.ExternalID, inc.Location = 0, "test:tile-cache-1", orb.Point{lon, lat}
			importIncidents(t, store, []geo.Incident{inc})

			r3, b3 := get(t, ts.URL+path, "If-None-Match", etag, "Accept-Encoding", "identity")
			if r3.StatusCode != http.StatusOK || r3.Header.Get("ETag") == etag {
				t.Fatalf("after the import: %d, ETag %q (was %q)", r3.StatusCode, r3.Header.Get("ETag"), etag)
			}
			feats := decodeTile(t, b3)[geo.MVTIncidents].Features
			found := false
			for _, f := range feats {
				found = found || f.Properties["external_id"] == "test:tile-cache-1"
			}
			if len(feats) != before+1 || !found {
				t.Errorf("after the import: %d features (was %d), new incident found: %v", len(feats), before, found)
			}
		})
	}
}

// TestTileCacheSurvivesWrites: after an import moves one incident, every
// warm tile that holds neither its old nor its new position still hits the
// cache (incident tiles of every zoom and filter, and region tiles), and
// every one that holds either is built again, as a server without a cache
// builds it now.
func TestTileCacheSurvivesWrites(t *testing.T) {
	incs := allUCDP(t)[:3000]
	for name, store := range tileStores(t, incs) {
		t.Run(name, func(t *testing.T) {
			ts := serveTiles(t, store, web.TileConfig{CacheBytes: 64 << 20})
			cold := serveTiles(t, store, web.TileConfig{})
			mover := incs[0]
			for _, inc := range incs {
				if inc.GeoPrecision == geo.GeoExact {
					mover = inc
					break
				}
			}
			to := orb.Point{mover.Location[0] + 0.37, mover.Location[1] - 0.21}
			var paths []string
			var holds []bool // the tile holds the old or the new position
			seen := map[string]bool{}
			add := func(c tileXYZ, layer, q string) {
				p := c.path(layer) + q
				if seen[p] {
					return
				}
				seen[p] = true
				at := func(pt orb.Point) bool { return tileOf(c.z, pt[0], pt[1]) == c }
				paths = append(paths, p)
				holds = append(holds, layer != "governorates" && (at(mover.Location) || at(to)))
			}
			for z := 5; z <= 12; z++ {
				add(tileOf(z, mover.Location[0], mover.Location[1]), "incidents", "")
				add(tileOf(z, to[0], to[1]), "incidents", "?from=2000-01-01")
				add(tileOf(z, mover.Location[0], mover.Location[1]), "governorates", "")
			}
			for i, inc := range incs[:400] {
				q := []string{"", "?min_killed=1", "?properties=all"}[i%3]
				add(tileOf(5+i%8, inc.Location[0], inc.Location[1]), "incidents", q)
			}
			fetch := func(base, path string) (*http.Response, []byte) {
				resp, body := get(t, base+path, "Accept-Encoding", "identity")
				if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
					t.Fatalf("GET %s: %d", path, resp.StatusCode)
				}
				return resp, body
			}
			for _, p := range paths {
				fetch(ts.URL, p)
			}
			moved := mover
			moved.ID, moved.Governorate, moved.Region, moved.Location = 0, "", "", to
			importIncidents(t, store, []geo.Incident{moved})

			hits, touched := 0, 0
			for i, p := range paths {
				resp, body := fetch(ts.URL, p)
				hit := resp.Header.Get("X-Tile-Cache") == "hit"
				if hit {
					hits++
				}
				if !holds[i] {
					if !hit {
						t.Errorf("%s: rebuilt after a write far from it", p)
					}
					continue
				}
				touched++
				if hit {
					t.Errorf("%s: holds the moved incident but came from the cache", p)
				}
				if _, want := fetch(cold.URL, p); !bytes.Equal(body, want) {
					t.Errorf("%s: %d bytes, a server without a cache builds %d now", p, len(body), len(want))
				}
			}
			if touched < 16 || hits < len(paths)-touched {
				t.Errorf("%d of %d tiles hit, %d hold the moved incident", hits, len(paths), touched)
			}
			t.Logf("%d of %d warm tiles hit after the write; %d held the moved incident", hits, len(paths), touched)
		})
	}
}

// TestTileBudget: a tile over its byte budget clusters its densest cells,
// stays within the budget, and what it holds adds up to every incident the
// API finds in its area, as tile_info says.
func TestTileBudget(t *testing.T) {
	incs := allUCDP(t)
	store := tileStores(t, incs)
	for name, s := range store {
		t.Run(name, func(t *testing.T) {
			const budget = 8 << 10
			ts := serveTiles(t, s, web.TileConfig{MaxBytes: budget})
			bt := busiestTiles(incs, 8, 10) // the busiest and a median tile of each zoom
			for _, c := range []tileXYZ{bt[0], bt[2]} {
				resp, body := get(t, ts.URL+c.path("incidents"))
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%v: %d", c, resp.StatusCode)
				}
				if len(body) > budget {
					t.Errorf("%v: %d bytes, over the budget of %d", c, len(body), budget)
				}
				layers := decodeTile(t, body)
				all := apiIncidentsInTile(t, ts.URL, c, nil)
				points, clustered := 0, 0
				if l := layers[geo.MVTIncidents]; l != nil {
					points = len(l.Features)
				}
				if l := layers[geo.MVTClusters]; l != nil {
					for _, f := range l.Features {
						clustered += int(f.Properties["count"].(float64))
					}
				}
				if clustered == 0 || points+clustered != len(all) {
					t.Errorf("%v: %d points + %d clustered, the API has %d (want some clustered)", c, points, clustered, len(all))
				}
				p := tileInfo(layers)
				if p["matched"] != float64(len(all)) || p["points"] != float64(points) || p["clustered"] != float64(clustered) || p["budget"] != float64(budget) {
					t.Errorf("%v: tile_info %v, want matched %d points %d clustered %d budget %d", c, p, len(all), points, clustered, budget)
				}
			}
		})
	}
}

// TestTileJSON checks the TileJSON 3.0.0 required fields and that its tile
// URL, filter included, serves the tile.
func TestTileJSON(t *testing.T) {
	incs := allUCDP(t)[:2000]
	mem, err := memstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	load(t, mem, incs)
	ts := serveTiles(t, mem, web.TileConfig{})
	for _, layer := range geo.TileLayers {
		resp, body := get(t, ts.URL+"/tiles/"+string(layer)+".json?victim=civilians&governorate=SY04")
		if resp.StatusCode != 200 {
			t.Fatalf("%s.json: %d %s", layer, resp.StatusCode, body)
		}
		var doc struct {
			TileJSON     string    `json:"tilejson"`
			Tiles        []string  `json:"tiles"`
			Bounds       []float64 `json:"bounds"`
			MinZoom      *int      `json:"minzoom"`
			MaxZoom      *int      `json:"maxzoom"`
			Attribution  string    `json:"attribution"`
			Name         string    `json:"name"`
			VectorLayers []struct {
				ID     string            `json:"id"`
				Fields map[string]string `json:"fields"`
			} `json:"vector_layers"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.TileJSON != "3.0.0" || len(doc.Tiles) == 0 || len(doc.VectorLayers) == 0 || len(doc.Bounds) != 4 ||
			doc.MinZoom == nil || doc.MaxZoom == nil || doc.Attribution == "" || doc.Name == "" {
			t.Fatalf("%s.json lacks a required field: %s", layer, body)
		}
		for _, vl := range doc.VectorLayers {
			if vl.ID == "" || len(vl.Fields) == 0 {
				t.Errorf("%s.json: vector layer %+v without id or fields", layer, vl)
			}
		}
		tmpl := doc.Tiles[0]
		if !strings.Contains(tmpl, "{z}/{x}/{y}.mvt") || !strings.Contains(tmpl, "victim=civilians") || !strings.Contains(tmpl, "governorate=SY04") {
			t.Errorf("%s.json: tile URL %s does not carry the template and the filter", layer, tmpl)
		}
		for _, vl := range doc.VectorLayers {
			if vl.ID == geo.MVTIncidents && len(vl.Fields) != len(geo.DefaultIncidentProperties) {
				t.Errorf("%s.json: incidents fields %v, want the %d default properties", layer, vl.Fields, len(geo.DefaultIncidentProperties))
			}
		}
		u := strings.NewReplacer("{z}", "6", "{x}", "38", "{y}", "25").Replace(tmpl)
		resp, body = get(t, u)
		if resp.StatusCode != 200 && resp.StatusCode != 204 {
			t.Errorf("GET %s: %d %s", u, resp.StatusCode, body)
		}
	}
}

// TestTileJSONProperties: a property list is carried into the tile URL and
// names the incidents layer's fields.
func TestTileJSONProperties(t *testing.T) {
	mem, err := memstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	ts := serveTiles(t, mem, web.TileConfig{})
	for q, want := range map[string][]string{"notes,killed": {"killed", "notes"}, "all": geo.AllIncidentProperties} {
		resp, body := get(t, ts.URL+"/tiles/incidents.json?properties="+q)
		if resp.StatusCode != 200 {
			t.Fatalf("properties=%s: %d %s", q, resp.StatusCode, body)
		}
		var doc struct {
			Tiles        []string `json:"tiles"`
			VectorLayers []struct {
				ID     string            `json:"id"`
				Fields map[string]string `json:"fields"`
			} `json:"vector_layers"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(doc.Tiles[0])
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := geo.ParseTileProperties(u.Query().Get("properties")); !slices.Equal(got, want) {
			t.Errorf("properties=%s: tile URL %s asks for %v, want %v", q, doc.Tiles[0], got, want)
		}
		for _, vl := range doc.VectorLayers {
			if vl.ID == geo.MVTIncidents && !slices.Equal(slices.Sorted(maps.Keys(vl.Fields)), slices.Sorted(slices.Values(want))) {
				t.Errorf("properties=%s: incidents fields %v, want %v", q, slices.Sorted(maps.Keys(vl.Fields)), want)
			}
		}
	}
}

// TestTileBadInput: bad tiles and filters are 4xx problems naming the reason.
func TestTileBadInput(t *testing.T) {
	mem, err := memstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	load(t, mem, allUCDP(t)[:200])
	ts := serveTiles(t, mem, web.TileConfig{})
	for path, want := range map[string]string{
		"/tiles/incidents/23/0/0.mvt":                           "zoom 23",
		"/tiles/incidents/-1/0/0.mvt":                           "zoom -1",
		"/tiles/incidents/3/8/0.mvt":                            "column 8",
		"/tiles/incidents/3/0/9.mvt":                            "row 9",
		"/tiles/incidents/a/0/0.mvt":                            "not a whole number",
		"/tiles/roads/3/0/0.mvt":                                "is not a layer",
		"/tiles/roads.json":                                     "is not a layer",
		"/tiles/incidents/3/4/3.mvt?victim=goats":               "victim",
		"/tiles/incidents/3/4/3.mvt?colour=red":                 "colour",
		"/tiles/incidents.json?from=yesterday":                  "from",
		"/tiles/incidents/3/4/3.mvt?properties=killed,password": `password\" is not a property`,
		"/tiles/incidents.json?properties=geom":                 `geom\" is not a property`,
		"/tiles/incidents/3/4/3.mvt?properties=,":               "names no property",
	} {
		resp, body := get(t, ts.URL+path)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Content-Type") != web.MIMEProblem || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d %s %s, want 400 naming %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), body, want)
		}
	}
	resp, _ := get(t, ts.URL+"/tiles/incidents/3/4/3.png")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("a .png tile: %d, want 404", resp.StatusCode)
	}
	resp, _ = get(t, ts.URL+"/tiles/incidents/3/0/0.mvt")
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("an empty tile: %d, want 204", resp.StatusCode)
	}
}

// TestTileOgrinfo: GDAL opens a tile and reports its layers and features
// in EPSG:3857.
func TestTileOgrinfo(t *testing.T) {
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Fatal("ogrinfo (gdal-bin) is not installed")
	}
	incs := allUCDP(t)
	ts := serveTiles(t, pgStore(t, incs), web.TileConfig{})
	for _, c := range busiestTiles(incs, 7, 10)[:3] {
		path := c.path("all")
		resp, body := get(t, ts.URL+path)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		layers := decodeTile(t, body)
		file := filepath.Join(t.TempDir(), "tile.mvt")
		if err := os.WriteFile(file, body, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, err := exec.CommandContext(ctx, "ogrinfo", "-ro", "-al", "-so",
			"-oo", "Z="+strconv.Itoa(c.z), "-oo", "X="+strconv.Itoa(c.x), "-oo", "Y="+strconv.Itoa(c.y), file).CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("ogrinfo: %v\n%s", err, out)
		}
		text := string(out)
		if !strings.Contains(text, "Pseudo-Mercator") && !strings.Contains(text, `ID["EPSG",3857]`) {
			t.Errorf("%s: ogrinfo does not report EPSG:3857:\n%s", path, text)
		}
		for name, l := range layers {
			// GDAL splits a layer by geometry type only when it mixes them; ours do not.
			re := regexp.MustCompile(`Layer name: ` + name + `\n(?s:.*?)Feature Count: (\d+)`)
			m := re.FindStringSubmatch(text)
			if m == nil {
				t.Errorf("%s: ogrinfo does not report layer %s:\n%s", path, name, text)
				continue
			}
			if n, _ := strconv.Atoi(m[1]); n != len(l.Features) {
				t.Errorf("%s: ogrinfo counts %d features in %s, orb decodes %d", path, n, name, len(l.Features))
			}
		}
		if len(layers) < 2 {
			t.Errorf("%s: only %d layers in an all tile", path, len(layers))
		}
	}
}

// TestTilesConcurrentlyThroughThePooler: tiles cut at once by many readers
// through pgbouncer in transaction mode, where a statement prepared in one
// transaction may be gone in the next (its server connection is another):
// every tile answers, as it does alone.
func TestTilesConcurrentlyThroughThePooler(t *testing.T) {
	incs := readUCDP(t, 3000)
	ts := serveTiles(t, pgStore(t, incs), web.TileConfig{})
	var paths []string
	for _, c := range busiestTiles(incs, 5, 7, 8, 9, 10, 11, 12) {
		paths = append(paths, c.path("all"), c.path("incidents")+"?min_killed=1")
	}
	alone := map[string]string{}
	for _, p := range paths {
		resp, body := get(t, ts.URL+p)
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
			t.Fatalf("GET %s: %d %s", p, resp.StatusCode, clipBody(body))
		}
		alone[p] = fmt.Sprint(resp.StatusCode, " ", len(body))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16*len(paths))
	for w := range 16 {
		wg.Go(func() {
			for i := range paths {
				p := paths[(i+w)%len(paths)]
				resp, err := http.Get(ts.URL + p)
				if err != nil {
					errs <- fmt.Sprintf("GET %s: %v", p, err)
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if got := fmt.Sprint(resp.StatusCode, " ", len(body)); err != nil || got != alone[p] {
					errs <- fmt.Sprintf("GET %s at once with others: %s (%v) %s, alone %s", p, got, err, clipBody(body), alone[p])
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
