package web_test

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/request"
	"github.com/badiamap/badiamap/web"
)

func TestCORSIsOffByDefaultAndConfigurable(t *testing.T) {
	store := memStore(t, readUCDP(t, 50))
	for _, tc := range []struct {
		origins []string
		origin  string
		want    string
	}{
		{nil, "https://evil.example", ""},
		{[]string{"https://maps.example.org"}, "https://maps.example.org", "https://maps.example.org"},
		{[]string{"https://maps.example.org"}, "https://evil.example", ""},
	} {
		ts := serve(t, store, web.Config{CORSOrigins: tc.origins})
		resp, body := get(t, ts.URL+"/api/stats", "Origin", tc.origin)
		mustOK(t, resp, body)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tc.want {
			t.Errorf("origins %v, Origin %s: Access-Control-Allow-Origin %q, want %q", tc.origins, tc.origin, got, tc.want)
		}
	}
}

func TestGzipAndHealth(t *testing.T) {
	ts := serve(t, memStore(t, readUCDP(t, 300)), web.Config{})
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/incidents.geojson", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("GeoJSON not gzipped: %v", resp.Header)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if fc := decodeFC(t, body); len(fc.Features) != 300 {
		t.Errorf("gzipped download holds %d features, the store 300", len(fc.Features))
	}

	for _, p := range []string{"/healthz", "/readyz"} {
		resp, body := get(t, ts.URL+p)
		mustOK(t, resp, body)
	}
	resp2, metrics := get(t, ts.URL+"/metrics")
	mustOK(t, resp2, metrics)
	if !strings.Contains(string(metrics), `badiamap_http_requests_total{method="GET",route="/api/incidents.geojson",status="200"} 1`) ||
		!strings.Contains(string(metrics), "badiamap_http_request_duration_seconds_bucket") {
		t.Errorf("metrics do not count the download by route and status:\n%s", clipBody(metrics))
	}
}

// TestOpenAPIDescribesEveryRoute checks the OpenAPI document names every
// route the server answers and the filter parameters on each incident route.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	ts := serve(t, memStore(t, nil), web.Config{})
	resp, body := get(t, ts.URL+"/api/openapi.json")
	mustOK(t, resp, body)
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]struct {
			Get struct {
				Parameters []struct {
					Name string `json:"name"`
				} `json:"parameters"`
			} `json:"get"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.0") {
		t.Fatalf("not OpenAPI 3.0: %v", err)
	}
	for _, p := range []string{"/api/incidents", "/api/incidents/{id}", "/api/incidents.geojson", "/api/incidents.csv",
		"/api/incidents.kml", "/api/regions", "/api/stats", "/healthz", "/readyz", "/metrics", "/ogc", "/ogc/conformance",
		"/ogc/collections", "/ogc/collections/{collectionId}", "/ogc/collections/{collectionId}/items",
		"/ogc/collections/{collectionId}/items/{featureId}"} {
		op, ok := doc.Paths[p]
		if !ok {
			t.Errorf("OpenAPI lacks %s", p)
			continue
		}
		if strings.HasPrefix(p, "/api/incidents") && p != "/api/incidents/{id}" || strings.HasSuffix(p, "/items") {
			names := map[string]bool{}
			for _, prm := range op.Get.Parameters {
				names[prm.Name] = true
			}
			for _, f := range request.Names(request.FilterParams) {
				if !names[f] {
					t.Errorf("OpenAPI %s lacks filter parameter %s", p, f)
				}
			}
		}
	}
	// The OGC landing page points at the OGC API's own description: the
	// /ogc paths of this one, relative to a server at /ogc, as OGC clients
	// resolve them against the landing page.
	resp, body = get(t, ts.URL+"/ogc")
	mustOK(t, resp, body)
	if !strings.Contains(string(body), `"rel":"service-desc"`) || !strings.Contains(string(body), "/ogc/api") {
		t.Errorf("landing page has no service-desc link to the OGC API's description: %s", body)
	}
	resp, body = get(t, ts.URL+"/ogc/api")
	mustOK(t, resp, body)
	var ogc struct {
		Servers []struct{ URL string }     `json:"servers"`
		Paths   map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(body, &ogc); err != nil {
		t.Fatal(err)
	}
	if len(ogc.Servers) != 1 || ogc.Servers[0].URL != "/ogc" || ogc.Paths["/collections/{collectionId}/items"] == nil {
		t.Errorf("the OGC API description: servers %v, paths %d", ogc.Servers, len(ogc.Paths))
	}
	n := 0
	for p := range doc.Paths {
		if strings.HasPrefix(p, "/ogc/") {
			n++
			if ogc.Paths[strings.TrimPrefix(p, "/ogc")] == nil {
				t.Errorf("the OGC API description lacks %s", p)
			}
		}
	}
	if len(ogc.Paths) != n {
		t.Errorf("the OGC API description has %d paths, the API %d under /ogc/", len(ogc.Paths), n)
	}
}
