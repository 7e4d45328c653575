package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/badiamap/badiamap/demo"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/web"
	"github.com/labstack/echo/v5"
)

// openAPIDoc is the part of the OpenAPI document the route checks read.
type openAPIDoc struct {
	Paths map[string]map[string]struct {
		Parameters []struct {
			Name     string `json:"name"`
			In       string `json:"in"`
			Required bool   `json:"required"`
			Example  string `json:"example"`
		} `json:"parameters"`
		RequestBody json.RawMessage `json:"requestBody"`
	} `json:"paths"`
}

// demoServer serves the demo incidents and the seed report on the embedded
// store, every route enabled.
func demoServer(t *testing.T, cfg web.Config) (*web.Server, *httptest.Server) {
	t.Helper()
	srv := newServer(t, demoStore(t), cfg, nil)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return srv, ts
}

// demoStore is an embedded store with the demo incidents and the seed report.
func demoStore(t *testing.T) geo.Store {
	t.Helper()
	incs, err := demo.Incidents()
	if err != nil {
		t.Fatal(err)
	}
	store := memStore(t, incs)
	seed, err := demo.Report()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.(geo.ReportStore).UpsertReports(context.Background(), []geo.Report{seed}, nil); err != nil {
		t.Fatal(err)
	}
	return store
}

func readOpenAPI(t *testing.T, base string) openAPIDoc {
	t.Helper()
	resp, body := get(t, base+"/api/openapi.json")
	mustOK(t, resp, body)
	var doc openAPIDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestOpenAPIListsEveryRoute walks the routes the server's router holds and
// checks each is described, with its method.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	srv, ts := demoServer(t, web.Config{})
	doc := readOpenAPI(t, ts.URL)
	// The documented path of a route whose last segment carries a suffix,
	// and the routes that are not API (the web map and an alias).
	spelled := map[string]string{
		"/tiles/:layer/:z/:x/:y": "/tiles/{layer}/{z}/{x}/{y}.mvt",
		"/tiles/risk/:z/:x/:y":   "/tiles/risk/{z}/{x}/{y}.mvt",
		"/tiles/:file":           "/tiles/{layer}.json",
	}
	notAPI := map[string]bool{"/": true, "/*": true, "/ogc/": true}
	param := regexp.MustCompile(`:([A-Za-z]+)`)
	n := 0
	for _, r := range srv.Routes() {
		if notAPI[r.Path] || r.Method == http.MethodHead || r.Method == echo.RouteNotFound {
			continue
		}
		p, ok := spelled[r.Path]
		if !ok {
			p = param.ReplaceAllString(r.Path, "{$1}")
		}
		if _, ok := doc.Paths[p][strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s is not in the OpenAPI document (as %s %s)", r.Method, r.Path, r.Method, p)
		}
		n++
	}
	if n < 30 {
		t.Errorf("only %d routes checked: the walk missed the server's routes", n)
	}
}

// TestOpenAPIParametersAreTheHandlers: every parameter the description
// names is taken by its route with the example it gives, and a parameter it
// does not name is refused, route by route.
func TestOpenAPIParametersAreTheHandlers(t *testing.T) {
	store := demoStore(t)
	admin := adminToken(t, store) // the routes with a role check who calls before the parameters
	ts := httptest.NewServer(newServer(t, store, web.Config{}, nil))
	t.Cleanup(ts.Close)
	doc := readOpenAPI(t, ts.URL)
	area := `{"type":"Polygon","coordinates":[[[38.2,34.5],[38.4,34.5],[38.4,34.6],[38.2,34.6],[38.2,34.5]]]}`
	checked := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			u := path
			base := url.Values{}
			headers := map[string]string{}
			var optional [][2]string
			for _, p := range op.Parameters {
				switch {
				case p.Example == "":
					t.Errorf("%s %s: parameter %s has no example", method, path, p.Name)
				case p.In == "header":
					headers[p.Name] = p.Example
				case p.In == "path":
					u = strings.Replace(u, "{"+p.Name+"}", url.PathEscape(p.Example), 1)
				case p.Required:
					base.Set(p.Name, p.Example)
				default:
					optional = append(optional, [2]string{p.Name, p.Example})
				}
			}
			call := func(q url.Values) (int, string) {
				var body io.Reader
				if len(op.RequestBody) > 0 {
					body = strings.NewReader(area)
					if ex := bodyExample(op.RequestBody); ex != "" {
						body = strings.NewReader(ex)
					}
				}
				req, err := http.NewRequest(strings.ToUpper(method), ts.URL+u+"?"+q.Encode(), body)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+admin)
				for k, v := range headers {
					req.Header.Set(k, v)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				return resp.StatusCode, string(b)
			}
			if status, body := call(base); status == http.StatusBadRequest {
				t.Errorf("%s %s?%s: the documented required parameters are refused: %s", method, path, base.Encode(), clipBody([]byte(body)))
				continue
			}
			for _, p := range optional {
				q := url.Values{}
				for k, v := range base {
					q[k] = v
				}
				q.Set(p[0], p[1])
				if status, body := call(q); status == http.StatusBadRequest {
					t.Errorf("%s %s: documented parameter %s=%s is refused: %s", method, path, p[0], p[1], clipBody([]byte(body)))
				}
				checked++
			}
			q := url.Values{"not_a_parameter": {"1"}}
			for k, v := range base {
				q[k] = v
			}
			status, body := call(q)
			if status != http.StatusBadRequest || !strings.Contains(body, `"parameter":"not_a_parameter"`) {
				t.Errorf("%s %s: an undocumented parameter gives %d, want a 400 naming it: %s", method, path, status, clipBody([]byte(body)))
			}
		}
	}
	if checked < 200 {
		t.Errorf("only %d documented parameters checked", checked)
	}
}

// TestRiskTilesTakeTheTilePath: a risk tile is cached, tagged and answered
// as every other layer's (it was a 200 with an empty body, a fixed
// Cache-Control and no ETag).
func TestRiskTilesTakeTheTilePath(t *testing.T) {
	_, ts := demoServer(t, web.Config{Tiles: web.TileConfig{CacheBytes: 8 << 20, CacheControl: "public, max-age=7"}})
	q := "?date=2024-04-21"
	resp, body := get(t, ts.URL+"/tiles/risk/6/0/0.mvt"+q) // the Atlantic: no cell
	if resp.StatusCode != http.StatusNoContent || len(body) != 0 || resp.Header.Get("ETag") == "" {
		t.Errorf("empty risk tile: status %d, %d bytes, ETag %q; want 204, none, a tag", resp.StatusCode, len(body), resp.Header.Get("ETag"))
	}
	resp, body = get(t, ts.URL+"/tiles/risk/6/38/25.mvt"+q, "Accept-Encoding", "gzip")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != http.StatusOK || len(body) == 0 || etag == "" || resp.Header.Get("Cache-Control") != "public, max-age=7" ||
		resp.Header.Get("Content-Type") != web.MIMEVectorTile {
		t.Fatalf("risk tile: status %d, %d bytes, ETag %q, Cache-Control %q, type %q", resp.StatusCode, len(body), etag,
			resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"))
	}
	resp, _ = get(t, ts.URL+"/tiles/risk/6/38/25.mvt"+q, "If-None-Match", etag)
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("risk tile with its ETag: status %d, want 304", resp.StatusCode)
	}
}

// TestIncidentIsTheCollectionsFeature: one incident is written as the
// collections write it (members in order, not re-encoded), links added.
func TestIncidentIsTheCollectionsFeature(t *testing.T) {
	_, ts := demoServer(t, web.Config{})
	resp, page := get(t, ts.URL+"/api/incidents?limit=1")
	mustOK(t, resp, page)
	var fc struct {
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(page, &fc); err != nil || len(fc.Features) != 1 {
		t.Fatalf("page: %v", err)
	}
	var id struct{ ID int64 }
	json.Unmarshal(fc.Features[0], &id)
	resp, one := get(t, fmt.Sprintf("%s/api/incidents/%d", ts.URL, id.ID))
	mustOK(t, resp, one)
	if got, want := bytes.TrimSpace(one), bytes.TrimSpace(fc.Features[0]); !bytes.Equal(got, want) {
		t.Errorf("/api/incidents/%d is not the collection's feature:\n%s\n%s", id.ID, clipBody(got), clipBody(want))
	}
	resp, item := get(t, fmt.Sprintf("%s/ogc/collections/incidents/items/%d", ts.URL, id.ID))
	mustOK(t, resp, item)
	want := append(bytes.TrimSuffix(bytes.TrimSpace(fc.Features[0]), []byte("}")), []byte(`,"links":`)...)
	if !bytes.HasPrefix(item, want) {
		t.Errorf("the OGC item is not the collection's feature with links:\n%s", clipBody(item))
	}
}

// TestKMLLevelColoursAreTheMaps: the risk KML's level styles carry the
// map's colours (web/ui/src/risk.js), in KML's aabbggrr order.
func TestKMLLevelColoursAreTheMaps(t *testing.T) {
	src, err := os.ReadFile("ui/src/risk.js")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`LEVEL_COLORS = \{([^}]*)\}`).FindSubmatch(src)
	if m == nil {
		t.Fatal("no LEVEL_COLORS in risk.js")
	}
	_, ts := demoServer(t, web.Config{})
	resp, kml := get(t, ts.URL+"/api/risk/zones.kml?date=2024-04-21")
	mustOK(t, resp, kml)
	for _, lc := range regexp.MustCompile(`(\w+): '#([0-9a-f]{6})'`).FindAllStringSubmatch(string(m[1]), -1) {
		level, rgb := lc[1], lc[2]
		if level == "not_assessed" { // the map's colour for a check outside the Badia: no zone has it
			continue
		}
		bgr := rgb[4:6] + rgb[2:4] + rgb[0:2]
		style := regexp.MustCompile(`<Style id="` + level + `">.*?<PolyStyle><color>..([0-9a-f]{6})</color>`).FindSubmatch(kml)
		if style == nil {
			t.Errorf("the KML has no PolyStyle for %s", level)
			continue
		}
		if string(style[1]) != bgr {
			t.Errorf("%s: KML colour %s (bbggrr), the map's %s is %s", level, style[1], rgb, bgr)
		}
	}
}

// slowRegions is a store whose Regions waits until released once armed.
type slowRegions struct {
	geo.Store
	mu      sync.Mutex
	armed   bool
	entered chan struct{}
	release chan struct{}
}

func (s *slowRegions) Regions(ctx context.Context, kinds ...geo.RegionKind) ([]geo.Region, error) {
	s.mu.Lock()
	armed := s.armed
	s.armed = false
	s.mu.Unlock()
	if armed {
		close(s.entered)
		<-s.release
	}
	return s.Store.Regions(ctx, kinds...)
}

// TestSlowStoreDoesNotQueueRequests: while one request waits on the store
// for the region list, others go on with what they have (a lock once held
// across the store call queued every request behind it).
func TestSlowStoreDoesNotQueueRequests(t *testing.T) {
	incs, err := demo.Incidents()
	if err != nil {
		t.Fatal(err)
	}
	slow := &slowRegions{Store: memStore(t, incs), armed: true, entered: make(chan struct{}), release: make(chan struct{})}
	ts := httptest.NewServer(newServer(t, slow, web.Config{}, nil))
	t.Cleanup(ts.Close)
	first := make(chan int, 1)
	go func() {
		resp, err := http.Get(ts.URL + "/api/incidents?limit=1&governorate=SY04")
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	<-slow.entered
	client := &http.Client{Timeout: 20 * time.Second}
	resp, err := client.Get(ts.URL + "/api/incidents?limit=1&governorate=Homs")
	if err != nil {
		close(slow.release)
		t.Fatalf("a second request waited for the first one's store call: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("second request: status %d", resp.StatusCode)
	}
	select {
	case <-first:
		t.Error("the first request finished before its store call was released")
	default:
	}
	close(slow.release)
	if status := <-first; status != http.StatusOK {
		t.Errorf("first request: status %d", status)
	}
}

// TestLayering: the request grammar pulls in no server, and web no
// database driver; the export command reads its filter without web.
func TestLayering(t *testing.T) {
	deps := func(pkg string) string {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		return string(out)
	}
	for _, c := range []struct{ pkg, banned string }{
		{"github.com/badiamap/badiamap/request", "github.com/labstack/echo"},
		{"github.com/badiamap/badiamap/request", "github.com/badiamap/badiamap/web"},
		{"github.com/badiamap/badiamap/web", "github.com/badiamap/badiamap/geo/postgis"},
		{"github.com/badiamap/badiamap/web", "github.com/lib/pq"},
	} {
		if strings.Contains(deps(c.pkg), c.banned+"\n") || strings.Contains(deps(c.pkg), c.banned+"/") {
			t.Errorf("%s depends on %s", c.pkg, c.banned)
		}
	}
	src, err := os.ReadFile("../cmd/badiamap/export.go")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(src, []byte(`"github.com/badiamap/badiamap/web"`)) {
		t.Error("cmd/badiamap/export.go imports web (and with it echo) to read its filter")
	}
}

// TestPlacesSearch: the gazetteer finds Palmyra by its transliterations
// and its Arabic name, and the Badia regions by theirs.
func TestPlacesSearch(t *testing.T) {
	_, ts := demoServer(t, web.Config{})
	first := func(q string) (string, []float64) {
		resp, body := get(t, ts.URL+"/api/places?limit=3&q="+url.QueryEscape(q))
		mustOK(t, resp, body)
		var fc struct {
			Features []struct {
				ID   string    `json:"id"`
				BBox []float64 `json:"bbox"`
			} `json:"features"`
		}
		if err := json.Unmarshal(body, &fc); err != nil || len(fc.Features) == 0 {
			t.Fatalf("%s: no match (%v): %s", q, err, clipBody(body))
		}
		return fc.Features[0].ID, fc.Features[0].BBox
	}
	for _, q := range []string{"Tadmur", "Palmyra", "تدمر", "tadmor"} {
		if id, _ := first(q); id != "palmyra" {
			t.Errorf("%s finds %s first, want palmyra", q, id)
		}
	}
	if id, bbox := first("بادية حمص"); id != "BADIA-SY04" || len(bbox) != 4 {
		t.Errorf("بادية حمص finds %s (bbox %v), want BADIA-SY04 with its bounds", id, bbox)
	}
	resp, body := get(t, ts.URL+"/api/places")
	mustOK(t, resp, body)
	if n := strings.Count(string(body), `"type":"Feature"`); n < 1300 {
		t.Errorf("the gazetteer lists %d places", n)
	}
}
