package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/badiamap/badiamap/internal/pgtest"
	"github.com/badiamap/badiamap/web"
)

// TestDatabaseOutage stops the database under a running server: requests
// answer 503 with Retry-After within a second and /readyz fails; after the
// database starts again the same server answers again.
func TestDatabaseOutage(t *testing.T) {
	cluster := pgtest.StartCluster(t)
	store := openPostGIS(t, cluster.URL)
	load(t, store, readUCDP(t, 500))
	ts := serve(t, store, web.Config{})
	// The bar: an answer within a second, not a hang.
	client := &http.Client{Timeout: time.Second}
	fetch := func(path string) (*http.Response, error) {
		resp, err := client.Get(ts.URL + path)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	paths := []string{"/api/incidents?limit=10", "/api/incidents.csv?governorate=SY04", "/api/stats?group=month",
		"/api/regions?kind=badia", "/ogc/collections/incidents/items", "/api/incidents/1", "/ogc/collections"}
	for _, p := range append(paths, "/readyz") {
		if resp, err := fetch(p); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("before the outage %s: %v %v", p, resp, err)
		}
	}

	cluster.Stop()
	for _, p := range paths {
		resp, err := fetch(p)
		if err != nil {
			t.Fatalf("database down, %s: no answer within a second: %v", p, err)
		}
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("database down, %s: status %d, Retry-After %q, Content-Type %q", p, resp.StatusCode,
				resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"))
		}
	}
	if resp, err := fetch("/readyz"); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("database down, /readyz: %v %v", resp, err)
	}
	if resp, err := fetch("/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("database down, /healthz should still answer 200: %v %v", resp, err)
	}

	cluster.Start()
	// The pool may hold connections the restart broke; the server must get
	// past them by itself. Give it a few tries, not a restart.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, p := range append(paths, "/readyz") {
		for {
			resp, err := fetch(p)
			if err == nil && resp.StatusCode == http.StatusOK {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("after the database came back, %s still fails: %v %v", p, resp, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}
