package web_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
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

// serveSendQueueLimited serves srv as `badiamap serve` does, with the send
// queue of every connection bounded (web.Listener), so a client that reads
// slowly holds its request in the handler as it would in production.
func serveSendQueueLimited(t *testing.T, srv *web.Server) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(srv)
	ts.Listener = web.Listener(ts.Listener)
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

// slowReader requests path on a connection with a small receive buffer,
// sends the answer's status to statuses (0 when there is none), then
// reads 1 KB every 250 ms of a 200 until stop is closed or the body ends.
func slowReader(addr, path string, statuses chan<- int, stop <-chan struct{}) {
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10) })
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		statuses <- 0
		return
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr)
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 1024), nil)
	if err != nil {
		statuses <- 0
		return
	}
	statuses <- resp.StatusCode
	buf := make([]byte, 1024)
	for {
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			return
		}
		select {
		case <-stop:
			return
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// metricValue is the value of the sample line of text that starts with
// name (its labels included), -1 when there is none.
func metricValue(text, name string) int {
	v, err := strconv.Atoi(strings.TrimPrefix(grepLine(text, name+" "), name+" "))
	if err != nil {
		return -1
	}
	return v
}

// TestLargePagesAreDownloads: on PostGIS, more slow readers than the pool
// has connections, on pages of more than 1,000 incidents (the API's and
// OGC's), are admitted as downloads: --max-downloads of them stream, the
// rest are refused 503 busy with Retry-After, and every lookup meanwhile
// answers 200 unqueued, pages of 1,000 included; a page of 1,001 is
// refused as a download is.
func TestLargePagesAreDownloads(t *testing.T) {
	store := pgStore(t, allUCDP(t))
	pool := store.DB().Stats().MaxOpenConnections
	const maxDownloads = 2
	ts := serveSendQueueLimited(t, newServer(t, store, web.Config{Limits: web.Limits{
		MaxDownloads: maxDownloads, QueueWait: 200 * time.Millisecond, InteractiveTimeout: 3 * time.Second}}, nil))
	addr := strings.TrimPrefix(ts.URL, "http://")

	readers := pool + 4
	statuses := make(chan int, readers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range readers {
		path := "/api/incidents?limit=10000"
		if i%2 == 1 {
			path = "/ogc/collections/incidents/items?limit=5000"
		}
		wg.Go(func() { slowReader(addr, path, statuses, stop) })
	}
	defer func() { close(stop); wg.Wait() }()
	// Lookups, pages of 1,000 included, until every reader has its answer.
	got := map[int]int{}
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for range readers {
			got[<-statuses]++
		}
	}()
	client := &http.Client{Timeout: time.Minute}
	lookups := []string{"/api/incidents?limit=1", "/readyz", "/api/stats", "/api/incidents?limit=1000",
		"/ogc/collections/incidents/items?limit=1000", "/ogc/collections/governorates/items?limit=5000"}
	probes := 0
	for done := false; !done || probes < len(lookups); probes++ {
		select {
		case <-collected:
			done = true
		default:
		}
		path := lookups[probes%len(lookups)]
		resp, err := client.Get(ts.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s while slow readers hold large pages: %d, want 200", path, resp.StatusCode)
		}
	}
	t.Logf("%d slow readers of large pages (pool %d): statuses %v; %d lookups meanwhile", readers, pool, got, probes)
	if got[http.StatusOK] != maxDownloads || got[http.StatusServiceUnavailable] != readers-maxDownloads {
		t.Errorf("%d slow readers of large pages: statuses %v, want %d streaming (200) and the rest refused (503)", readers, got, maxDownloads)
	}
	resp, body := get(t, ts.URL+"/api/incidents?limit=1001")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "downloads") {
		t.Errorf("a page of 1,001 with every download slot taken: %d %s, want 503 busy with Retry-After", resp.StatusCode, clipBody(body))
	}
	_, metrics := get(t, ts.URL+"/metrics")
	if n := metricValue(string(metrics), `badiamap_admitted_in_flight{class="download"}`); n != maxDownloads {
		t.Errorf("downloads admitted while the slow readers hold theirs: %d, want %d", n, maxDownloads)
	}
	if n := metricValue(string(metrics), `badiamap_admission_rejected_total{class="download",reason="busy"}`); n != readers-maxDownloads+1 {
		t.Errorf("downloads refused busy: %d, want %d", n, readers-maxDownloads+1)
	}
}

// TestGPKGIsADownload: a GeoPackage is admitted and rate limited as the
// other download formats are: past the burst it is 429 with Retry-After
// (and so is a page of more than 1,000, while lookups and smaller pages
// are never limited), and with the download slots taken it is 503 busy.
func TestGPKGIsADownload(t *testing.T) {
	eachStore(t, readUCDP(t, 300), func(t *testing.T, store geo.Store) {
		t.Setenv("TMPDIR", t.TempDir())
		limited := serve(t, store, web.Config{Limits: web.Limits{RatePerMinute: 6, RateBurst: 2}})
		var got []*http.Response
		for range 3 {
			resp, _ := get(t, limited.URL+"/api/incidents.gpkg?governorate=SY04")
			got = append(got, resp)
		}
		if got[0].StatusCode != http.StatusOK || got[1].StatusCode != http.StatusOK {
			t.Fatalf("the burst of 2 GeoPackages: %d, %d", got[0].StatusCode, got[1].StatusCode)
		}
		if got[2].StatusCode != http.StatusTooManyRequests || !strings.HasPrefix(got[2].Header.Get("Content-Type"), web.MIMEProblem) {
			t.Errorf("the third GeoPackage in a row: %d %s, want a 429 problem", got[2].StatusCode, got[2].Header.Get("Content-Type"))
		}
		if n, err := strconv.Atoi(got[2].Header.Get("Retry-After")); err != nil || n < 1 || n > 10 {
			t.Errorf("Retry-After %q: want the seconds until the next token (at 6 a minute, 10 at most)", got[2].Header.Get("Retry-After"))
		}
		t.Logf("third GeoPackage: %d, Retry-After %s s", got[2].StatusCode, got[2].Header.Get("Retry-After"))
		for path, want := range map[string]int{"/api/incidents?limit=1001": http.StatusTooManyRequests,
			"/api/incidents?limit=1000": http.StatusOK, "/api/incidents?limit=1": http.StatusOK} {
			if resp, body := get(t, limited.URL+path); resp.StatusCode != want {
				t.Errorf("GET %s over the download limit: %d %s, want %d", path, resp.StatusCode, clipBody(body), want)
			}
		}

		ts := serveSendQueueLimited(t, newServer(t, store, web.Config{Limits: web.Limits{MaxDownloads: 1, QueueWait: 100 * time.Millisecond}}, nil))
		statuses := make(chan int, 1)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { slowReader(strings.TrimPrefix(ts.URL, "http://"), "/api/incidents.geojson", statuses, stop) })
		defer func() { close(stop); wg.Wait() }()
		if st := <-statuses; st != http.StatusOK {
			t.Fatalf("the slow reader holding the download slot: %d", st)
		}
		resp, body := get(t, ts.URL+"/api/incidents.gpkg?governorate=SY04")
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("a GeoPackage with the one download slot taken: %d %s, want 503 busy with Retry-After", resp.StatusCode, clipBody(body))
		}
		_, metrics := get(t, ts.URL+"/metrics")
		if n := metricValue(string(metrics), `badiamap_admission_rejected_total{class="download",reason="busy"}`); n != 1 {
			t.Errorf("downloads refused busy: %d, want the GeoPackage's 1", n)
		}
	})
}
