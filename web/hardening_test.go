package web_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/badiamap/badiamap/web"
)

// pageLinks fetches one page of incidents with extra headers and returns its
// self and next links and the TileJSON's tile URL.
func pageLinks(t *testing.T, base string, header ...string) (self, next, tiles string) {
	t.Helper()
	resp, body := get(t, base+"/api/incidents?limit=1", header...)
	mustOK(t, resp, body)
	var page struct {
		Next  string `json:"next"`
		Links []struct{ Href, Rel string }
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	for _, l := range page.Links {
		if l.Rel == "self" {
			self = l.Href
		}
	}
	resp, body = get(t, base+"/tiles/incidents.json", header...)
	mustOK(t, resp, body)
	var tj struct{ Tiles []string }
	json.Unmarshal(body, &tj)
	if len(tj.Tiles) == 1 {
		tiles = tj.Tiles[0]
	}
	return self, page.Next, tiles
}

// TestLinksTrustForwardedHeadersOnlyWhenTold: by default the links a
// server writes are built from the request's Host, whatever a client puts
// in X-Forwarded-Host and -Proto; with TrustForwarded they follow those;
// with a public URL they follow it whatever the request says.
func TestLinksTrustForwardedHeadersOnlyWhenTold(t *testing.T) {
	forwarded := []string{"X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https"}
	_, plain := demoServer(t, web.Config{})
	host := strings.TrimPrefix(plain.URL, "http://")
	for _, link := range [3]string(must3(pageLinks(t, plain.URL, forwarded...))) {
		if !strings.HasPrefix(link, "http://"+host+"/") {
			t.Errorf("untrusted forwarded headers: link %q, want it on http://%s", link, host)
		}
	}
	_, trusting := demoServer(t, web.Config{TrustForwarded: true})
	for _, link := range must3(pageLinks(t, trusting.URL, forwarded...)) {
		if !strings.HasPrefix(link, "https://evil.example/") {
			t.Errorf("trusted forwarded headers: link %q, want it on https://evil.example", link)
		}
	}
	_, public := demoServer(t, web.Config{PublicURL: "https://maps.example.org/badia/", TrustForwarded: true})
	for _, link := range must3(pageLinks(t, public.URL, forwarded...)) {
		if !strings.HasPrefix(link, "https://maps.example.org/badia/") {
			t.Errorf("public URL: link %q, want it under https://maps.example.org/badia/", link)
		}
	}
	if _, err := web.New(web.Config{PublicURL: "maps.example.org"}, nil, nil); err == nil {
		t.Error("a public URL without a scheme was accepted")
	}
}

func must3(a, b, c string) [3]string { return [3]string{a, b, c} }

// rawGet sends path as it is (no client-side cleaning or escaping) and
// returns the status and Content-Type.
func rawGet(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Content-Type")
}

// TestUnknownAPIPathsAndTraversalAreProblems: an unknown path under the API
// prefixes, and any path with a ".." segment (plain or %-encoded), is a 404
// problem, not the web map or a file.
func TestUnknownAPIPathsAndTraversalAreProblems(t *testing.T) {
	_, ts := demoServer(t, web.Config{})
	addr := strings.TrimPrefix(ts.URL, "http://")
	for _, p := range []string{"/api", "/api/nothing", "/ogc/nothing", "/tiles", "/tiles/nothing/x",
		"/api/../etc/passwd", "/%2e%2e/etc/passwd", "/assets/../../etc/passwd", "/..%2f..%2fetc/passwd",
		"/api/%2e%2e/%2e%2e/etc/passwd", "/x/..\\..\\windows\\win.ini"} {
		status, ct := rawGet(t, addr, p)
		if status != http.StatusNotFound || !strings.HasPrefix(ct, web.MIMEProblem) {
			t.Errorf("GET %s: %d %s, want a 404 problem", p, status, ct)
		}
	}
	if status, ct := rawGet(t, addr, "/"); status != http.StatusOK || !strings.HasPrefix(ct, "text/html") {
		t.Errorf("a web map path: %d %s, want the map", status, ct)
	}
}

// TestRiskComputationsAreCoalesced: identical risk requests arriving
// together are answered by one computation.
func TestRiskComputationsAreCoalesced(t *testing.T) {
	_, ts := demoServer(t, web.Config{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			resp, body := get(t, ts.URL+"/api/risk/zones?date=2024-03-01&victim=civilians")
			mustOK(t, resp, body)
		})
	}
	wg.Wait()
	_, metrics := get(t, ts.URL+"/metrics")
	if !strings.Contains(string(metrics), "badiamap_risk_computations_total 1\n") {
		t.Errorf("8 identical risk requests together: %s", grepLine(string(metrics), "badiamap_risk_computations_total "))
	}
}

func grepLine(text, prefix string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return prefix + "missing"
}

// TestDeadlineAnswers503: a request past its class's deadline is a 503
// problem with Retry-After, not a 500.
func TestDeadlineAnswers503(t *testing.T) {
	_, ts := demoServer(t, web.Config{Limits: web.Limits{HeavyTimeout: time.Nanosecond}})
	resp, body := get(t, ts.URL+"/api/risk/zones?date=2024-02-01")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(string(body), "deadline") {
		t.Errorf("a risk computation past a 1 ns deadline: %d %s", resp.StatusCode, body)
	}
}
