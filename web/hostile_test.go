package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/web"
)

// hostileQueries are inputs no endpoint may answer with a 5xx or act on.
var hostileQueries = []string{
	"governorate=" + url.QueryEscape("SY04'; DROP TABLE incidents; --"),
	"governorate=" + url.QueryEscape("' OR 1=1 --"),
	"region=" + url.QueryEscape("BADIA-SY04' OR '1'='1"),
	"event_type=" + url.QueryEscape("Battles\x00"),
	"q=" + strings.Repeat("x", 10000),
	"perpetrator=" + url.QueryEscape(strings.Repeat("é", 2000)),
	"q=" + url.QueryEscape("%' OR 1=1 --") + "&q=second",
	"min_killed=99999999999999999999999",
	"min_killed=-1",
	"min_killed=1e6",
	"min_killed=" + url.QueryEscape("1; DELETE FROM incidents"),
	"bbox=41,36,37,33",
	"bbox=37,36,41,33",
	"bbox=-200,33,41,36",
	"bbox=37,33,41,95",
	"bbox=NaN,33,41,36",
	"bbox=1,2,3",
	"bbox=" + strings.Repeat("1,", 5000) + "1",
	"from=2024-02-30",
	"to=2023-13-01",
	"from=2024-04-21&to=2024-01-01",
	"from=" + url.QueryEscape("2024-01-01' OR '1'='1"),
	"from=2024-01-01&from=2024-02-01",
	"victim=goats",
	"victim=" + url.QueryEscape("civilians'--"),
	"governorate=Atlantis",
	"region=BADIA-SY99",
	"nonsense=1",
	"Governorate=SY04",
	"limit=0",
	"limit=-5",
	"limit=abc",
	"cursor=" + url.QueryEscape("not-a-cursor"),
	"cursor=" + url.QueryEscape("' OR 1=1 --"),
	"cursor=AAAA",
	"source=" + manyValues(60),
	"q=" + url.QueryEscape("\x01\x02"),
	"event_type=" + strings.Repeat("A", 201),
}

func manyValues(n int) string {
	vs := make([]string, n)
	for i := range vs {
		vs[i] = "s" + strconv.Itoa(i)
	}
	return strings.Join(vs, ",")
}

// endpointPaths are every route that takes a query.
var endpointPaths = []string{
	"/api/incidents", "/api/incidents.geojson", "/api/incidents.csv", "/api/incidents.kml",
	"/api/regions", "/api/stats", "/ogc/collections/incidents/items", "/ogc/collections/governorates/items",
	"/ogc/collections/badia_regions/items",
}

// endpointOnly are inputs that are bad for one endpoint's own parameters.
var endpointOnly = map[string][]string{
	"/api/regions":                     {"kind=districts", "kind=governorate&kind=badia"},
	"/api/stats":                       {"group=planet", "format=xml", "group=region&group=month"},
	"/api/incidents.csv":               {"hxl=maybe"},
	"/ogc/collections/incidents/items": {"datetime=2024-02-30", "datetime=2024-04-01/2024-01-01", "datetime=yesterday", "bbox-crs=EPSG:3857", "f=html"},
}

func checkHostile(t *testing.T, store geo.Store) {
	ts := serve(t, store, web.Config{})
	ctx := context.Background()
	version, err := store.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	count, err := store.CountIncidents(ctx, geo.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	try := func(u string, wantParam bool) {
		t.Helper()
		resp, body := get(t, u)
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("%s: status %d, want 4xx: %s", clipBody([]byte(u)), resp.StatusCode, clipBody(body))
			return
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("%s: Content-Type %q", clipBody([]byte(u)), ct)
		}
		var p struct {
			Status    int    `json:"status"`
			Detail    string `json:"detail"`
			Parameter string `json:"parameter"`
			Accepts   string `json:"accepts"`
		}
		if err := json.Unmarshal(body, &p); err != nil || p.Status != resp.StatusCode || p.Detail == "" {
			t.Errorf("%s: not a problem detail: %s", clipBody([]byte(u)), clipBody(body))
		}
		if wantParam && resp.StatusCode == http.StatusBadRequest && (p.Parameter == "" || p.Accepts == "") {
			t.Errorf("%s: the problem names no parameter or what it accepts: %s", clipBody([]byte(u)), clipBody(body))
		}
	}
	for _, path := range endpointPaths {
		for _, q := range append(hostileQueries, endpointOnly[path]...) {
			if path != "/api/incidents" && path != "/ogc/collections/incidents/items" && strings.HasPrefix(q, "cursor=") {
				continue // cursor is a parameter of the paged incident lists only; elsewhere it is unknown (tested above)
			}
			try(ts.URL+path+"?"+q, true)
		}
	}
	for _, u := range []string{"/api/incidents/0", "/api/incidents/abc", "/api/incidents/99999999999",
		"/api/incidents/1?governorate=SY04", "/ogc/collections/nope", "/ogc/collections/nope/items",
		"/ogc/collections/incidents/items/-1", "/ogc/collections/governorates/items/SY99", "/api/nothing",
		"/ogc?x=1", "/api/incidents/1%27%20OR%201=1"} {
		try(ts.URL+u, false)
	}
	try(ts.URL+"/api/incidents?q="+strings.Repeat("x", 20000), false) // past the query limit: 414
	if v, _ := store.DataVersion(ctx); v != version {
		t.Errorf("data version changed from %d to %d", version, v)
	}
	if n, _ := store.CountIncidents(ctx, geo.IncidentFilter{}); n != count {
		t.Errorf("incident count changed from %d to %d", count, n)
	}
}

func TestHostileInputsMemStore(t *testing.T) {
	checkHostile(t, memStore(t, readUCDP(t, 2000)))
}

func TestHostileInputsPostGIS(t *testing.T) {
	checkHostile(t, pgStore(t, readUCDP(t, 2000)))
}
