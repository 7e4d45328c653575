package web_test

import (
	"context"
	"errors"
	"github.com/badiamap/badiamap/boundaries"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/badiamap/badiamap/internal/pgtest"
	"github.com/badiamap/badiamap/migrations"
	"github.com/badiamap/badiamap/web"
)

// ucdpFile is the real UCDP GED Syria release the tests load.
const ucdpFile = "incidents/ucdp_ged_syria_v652.1601.1911_2016-01-01_2019-11-30.csv"

// sharedData is ../shared/data beside the repository root.
func sharedData(t testing.TB, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root (go.mod) not found")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "data", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("test data %s: %v", p, err)
	}
	return p
}

// readUCDP reads up to max incidents of the UCDP file (every one when max
// is 0), skipping the rows the reader rejects.
func readUCDP(t testing.TB, max int) []geo.Incident {
	t.Helper()
	f, err := os.Open(sharedData(t, ucdpFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := incidentfile.Open(f, incidentfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []geo.Incident
	for max == 0 || len(out) < max {
		inc, rowErr, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rowErr != nil {
			continue
		}
		out = append(out, inc)
	}
	return out
}

var (
	ucdpOnce sync.Once
	ucdpAll  []geo.Incident
)

// allUCDP is every readable UCDP incident, read once per test binary.
func allUCDP(t testing.TB) []geo.Incident {
	ucdpOnce.Do(func() { ucdpAll = readUCDP(t, 0) })
	if len(ucdpAll) == 0 {
		t.Fatal("no UCDP incident read")
	}
	return ucdpAll
}

// load puts the bundled boundaries and incs into store.
func load(t testing.TB, store geo.Store, incs []geo.Incident) {
	t.Helper()
	ctx := context.Background()
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.ReplaceRegions(ctx, regions, nil); err != nil {
		t.Fatal(err)
	}
	importIncidents(t, store, incs)
}

// importIncidents adds incs to store in one import.
func importIncidents(t testing.TB, store geo.Store, incs []geo.Incident) {
	t.Helper()
	tx, err := store.BeginImport(context.Background(), "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range incs {
		inc := incs[i]
		if err := tx.Add(&inc); err != nil {
			tx.Rollback()
			t.Fatalf("add %s: %v", inc.ExternalID, err)
		}
	}
	if _, err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// eachStore runs fn as a subtest on an embedded store and on PostGIS, both
// loaded with incs.
func eachStore(t *testing.T, incs []geo.Incident, fn func(t *testing.T, store geo.Store)) {
	t.Run("memstore", func(t *testing.T) { fn(t, memStore(t, incs)) })
	t.Run("postgis", func(t *testing.T) { fn(t, pgStore(t, incs)) })
}

// memStore is an embedded store on a temp dir loaded with incs.
func memStore(t testing.TB, incs []geo.Incident) geo.Store {
	t.Helper()
	s, err := memstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	load(t, s, incs)
	return s
}

// openPostGIS opens and migrates the database at url.
func openPostGIS(t testing.TB, url string) *postgis.Store {
	t.Helper()
	return openPostGISWith(t, url, postgis.Options{})
}

// openPostGISWith opens the database at url with opt and migrates it.
func openPostGISWith(t testing.TB, url string, opt postgis.Options) *postgis.Store {
	t.Helper()
	ctx := context.Background()
	s, err := postgis.OpenWith(ctx, url, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := migrations.Apply(ctx, s.DB()); err != nil {
		t.Fatal(err)
	}
	return s
}

// pgStore is a fresh PostGIS database of the shared test cluster loaded
// with incs. It is reached as a deployment behind a pooler reaches it:
// through pgbouncer in transaction mode, with the data version watched
// (LISTEN on a direct connection), so every API test on PostGIS also
// proves the server works through the pooler.
func pgStore(t testing.TB, incs []geo.Incident) *postgis.Store {
	t.Helper()
	s := pooledPostGIS(t, postgis.Options{})
	load(t, s, incs)
	return s
}

// pooledPostGIS is a fresh, migrated and empty PostGIS database reached
// as pgStore reaches it (opt adds to that).
func pooledPostGIS(t testing.TB, opt postgis.Options) *postgis.Store {
	t.Helper()
	direct, pooled := pgtest.NewPooledDatabase(t)
	opt.Pooling, opt.WatchDataVersion, opt.ListenURL = postgis.PoolingTransaction, true, direct
	return openPostGISWith(t, pooled, opt)
}

// serve starts the web server on store; its logs go to the test log only
// when the test fails.
func serve(t testing.TB, store geo.Store, cfg web.Config) *httptest.Server {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ts := httptest.NewServer(newServer(t, store, cfg, logger))
	t.Cleanup(ts.Close)
	return ts
}

// newServer builds the server on store, with what cmd injects for a
// PostGIS store (unavailability and pool statistics); logger nil discards.
func newServer(t testing.TB, store geo.Store, cfg web.Config, logger *slog.Logger) *web.Server {
	t.Helper()
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if ps, ok := store.(*postgis.Store); ok {
		if cfg.Unavailable == nil {
			cfg.Unavailable = postgis.IsUnavailable
		}
		if cfg.Databases == nil {
			cfg.Databases = ps.Databases
		}
	}
	srv, err := web.New(cfg, store, logger)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// get fetches url and returns the response with its body read.
func get(t testing.TB, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return resp, body
}
