package web_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/badiamap/badiamap/internal/pgtest"
	"github.com/badiamap/badiamap/web"
)

// TestDataVersionFallsBackToPolling: a server behind pgbouncer follows the
// data version by LISTEN on a direct connection. That connection killed
// (and refused while it is down), /readyz says poll and a write by another
// server is still known within a few seconds; let back in, the server
// listens again and hears the next write.
func TestDataVersionFallsBackToPolling(t *testing.T) {
	ctx := context.Background()
	direct, pooled := pgtest.NewPooledDatabase(t)
	admin, err := sql.Open("postgres", direct)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	// The LISTEN connection logs in as a role of its own, which can be
	// kept out while the test wants it down.
	role := fmt.Sprintf("listen_%x", time.Now().UnixNano())
	if _, err := admin.Exec(`CREATE ROLE ` + role + ` LOGIN`); err != nil { // the name is ours
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin, _ := sql.Open("postgres", direct)
		defer admin.Close()
		admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, role)
		admin.Exec(`DROP ROLE IF EXISTS ` + role)
	})
	lu, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	lu.User = url.User(role)

	store := openPostGISWith(t, pooled, postgis.Options{Pooling: postgis.PoolingTransaction, WatchDataVersion: true, ListenURL: lu.String(),
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	incs := readUCDP(t, 200)
	load(t, store, incs)
	ts := serve(t, store, web.Config{})
	// Another server's writes, which this one hears of only by the watch.
	other := openPostGISWith(t, pooled, postgis.Options{Pooling: postgis.PoolingTransaction})
	write := func(name string) int64 {
		t.Helper()
		inc := incs[0]
		inc.ID, inc.ExternalID, inc.Notes = 0, name, name
		importIncidents(t, other, []geo.Incident{inc})
		v, err := other.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	waitWatch(t, ts.URL, "listen")
	v := write("watch-while-listening")
	waitKnown(t, store, v)

	if _, err := admin.Exec(`ALTER ROLE ` + role + ` NOLOGIN`); err != nil {
		t.Fatal(err)
	}
	var killed int
	if err := admin.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = $1`, role).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminating the LISTEN connection: %d backends of %s (%v), want 1", killed, role, err)
	}
	waitWatch(t, ts.URL, "poll")
	v = write("watch-while-polling")
	waitKnown(t, store, v)
	resp, body := get(t, ts.URL+"/api/incidents?q=watch-while-polling")
	mustOK(t, resp, body)
	if n := len(decodeFC(t, body).Features); n != 1 {
		t.Errorf("while polling, the server lists %d incidents written by the other, want 1", n)
	}

	if _, err := admin.Exec(`ALTER ROLE ` + role + ` LOGIN`); err != nil {
		t.Fatal(err)
	}
	waitWatch(t, ts.URL, "listen")
	v = write("watch-listening-again")
	waitKnown(t, store, v)
}

// waitWatch waits until /readyz says the primary's data version is
// followed by want (listen, poll or stale).
func waitWatch(t *testing.T, base, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for {
		resp, body := get(t, base+"/readyz")
		var doc struct {
			Databases []struct {
				Name        string `json:"name"`
				DataVersion string `json:"data_version"`
			} `json:"databases"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("/readyz: %d %s", resp.StatusCode, clipBody(body))
		}
		for _, d := range doc.Databases {
			if d.Name == "primary" {
				last = d.DataVersion
			}
		}
		if last == want && resp.StatusCode == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz: the primary's data_version is %q (%d), want %q", last, resp.StatusCode, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitKnown waits until the store knows of data version v, and vouches
// for it, without asking the database.
func waitKnown(t *testing.T, store *postgis.Store, v int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, ok := store.KnownDataVersion()
		if got >= v && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store knows data version %d (current: %v), want %d", got, ok, v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
