package main

// The scaling suite (issue 16): `badiamap serve` processes on a PostgreSQL
// primary and a streaming replica made with pg_basebackup -R, through
// pgbouncer in transaction mode, all started once for this package
// (internal/pgtest.StartReplicated) and removed by TestMain.

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/badiamap/badiamap/internal/pgtest"
	"github.com/badiamap/badiamap/web"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

var replicated struct {
	once sync.Once
	r    *pgtest.Replicated
	err  error
}

// sharedReplicated is the package's replicated cluster, started by the
// first test that needs it.
func sharedReplicated(t *testing.T) *pgtest.Replicated {
	t.Helper()
	replicated.once.Do(func() { replicated.r, replicated.err = pgtest.StartReplicated() })
	if replicated.err != nil {
		t.Fatalf("the replicated cluster: %v", replicated.err)
	}
	return replicated.r
}

func TestMain(m *testing.M) {
	code := m.Run()
	if replicated.r != nil {
		replicated.r.Close()
	}
	os.Exit(code)
}

// scaleDB is a database of the replicated cluster, by the ways to reach it.
type scaleDB struct {
	name                     string
	primary, replica         string // direct
	primaryPool, replicaPool string // through pgbouncer
	r                        *pgtest.Replicated
}

func newScaleDB(t *testing.T, r *pgtest.Replicated) scaleDB {
	t.Helper()
	name := fmt.Sprintf("scale_%d", time.Now().UnixNano())
	if err := r.Primary.Exec(`CREATE DATABASE ` + name); err != nil { // the name is ours
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Primary.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`) })
	at := func(port int) string {
		return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", port, name)
	}
	db := scaleDB{name: name, primary: at(r.Primary.Port), replica: at(r.Replica.Port),
		primaryPool: r.PrimaryPooler.URL(name), replicaPool: r.ReplicaPooler.URL(name), r: r}
	// pg_stat_statements counts the queries each server runs (the view is
	// per database, and the replica gets it by replication).
	if _, err := openDB(t, db.primary).Exec(`CREATE EXTENSION pg_stat_statements`); err != nil {
		t.Fatal(err)
	}
	return db
}

// statements is how many statements the database ran on server url, besides
// the checks of the database monitor, pgbouncer's and this count itself.
func statements(t *testing.T, url string) int {
	t.Helper()
	return queryInt(t, openDB(t, url), `SELECT coalesce(sum(calls), 0)::int FROM pg_stat_statements
		WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND query !~* '(pg_current_wal_insert_lsn|pg_is_in_recovery|pg_stat_statements|^select (1|\$1)$)'`)
}

// caughtUp waits until the replica holds what the primary has written.
func (db scaleDB) caughtUp(t *testing.T) {
	t.Helper()
	if err := db.r.WaitStreaming(30 * time.Second); err != nil {
		t.Fatal(err)
	}
}

// ucdpSubset writes the first n UCDP events as a UCDP CSV.
func ucdpSubset(t *testing.T, n int) string {
	t.Helper()
	header, recs := ucdpRecords(t)
	path := filepath.Join(t.TempDir(), "ucdp.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write(header)
	w.WriteAll(recs[:n])
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// newIncidentFile writes one new incident at p, in our own CSV.
func newIncidentFile(t *testing.T, id string, p orb.Point) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), id+".csv")
	writeOwnCSV(t, path, []geo.Incident{placeIncident(id, p)})
	return path
}

// view is what a server answers about the data: the incidents matched,
// the stats total and the incident features of one tile.
type view struct {
	matched, total, tile int
	status               string
}

func (s *serveProc) view(t *testing.T, tilePath string) view {
	t.Helper()
	var v view
	var page struct {
		NumberMatched int `json:"numberMatched"`
	}
	var stats struct {
		Total struct {
			Operations int `json:"operations"`
		} `json:"total"`
	}
	for path, into := range map[string]any{"/api/incidents?limit=1": &page, "/api/stats?group=event_type": &stats} {
		status, body := s.get(t, path)
		if status != http.StatusOK {
			v.status += fmt.Sprintf("%s: %d %s; ", path, status, clip(string(body), 200))
			continue
		}
		if err := json.Unmarshal(body, into); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	status, body := s.get(t, tilePath)
	switch status {
	case http.StatusOK:
		layers, err := mvt.Unmarshal(body)
		if err != nil {
			t.Fatalf("%s: %v", tilePath, err)
		}
		for _, l := range layers {
			if l.Name == geo.MVTIncidents {
				v.tile = len(l.Features)
			}
		}
	case http.StatusNoContent:
	default:
		v.status += fmt.Sprintf("%s: %d; ", tilePath, status)
	}
	v.matched, v.total = page.NumberMatched, stats.Total.Operations
	return v
}

func (s *serveProc) get(t *testing.T, path string, header ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{Timeout: 15 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, body
}

// readyDB is one database of /readyz.
type readyDB struct {
	Name        string   `json:"name"`
	State       string   `json:"state"`
	InRotation  *bool    `json:"in_rotation"`
	LagSeconds  *float64 `json:"lag_seconds"`
	DataVersion string   `json:"data_version"`
}

func (s *serveProc) ready(t *testing.T) (int, map[string]readyDB) {
	t.Helper()
	status, body := s.get(t, "/readyz")
	var doc struct {
		Databases []readyDB `json:"databases"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("/readyz: %v: %s", err, body)
	}
	out := map[string]readyDB{}
	for _, d := range doc.Databases {
		out[d.Name] = d
	}
	return status, out
}

// waitReady polls /readyz until ok holds of its databases, or fails after
// limit.
func (s *serveProc) waitReady(t *testing.T, limit time.Duration, what string, ok func(map[string]readyDB) bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		status, dbs := s.ready(t)
		if status == http.StatusOK && ok(dbs) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: /readyz did not say so in %s: %d %+v", what, limit, status, dbs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func inRotation(d readyDB) bool { return d.InRotation != nil && *d.InRotation }

// metric sums the samples of a Prometheus counter, by its label database.
func (s *serveProc) metric(t *testing.T, name string) map[string]float64 {
	t.Helper()
	_, body := s.get(t, "/metrics")
	out := map[string]float64{}
	re := regexp.MustCompile(`^` + name + `\{database="([^"]+)"\} (\S+)$`)
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			v, _ := strconv.ParseFloat(m[2], 64)
			out[m[1]] += v
		}
	}
	return out
}

func sum(m map[string]float64) float64 {
	var n float64
	for _, v := range m {
		n += v
	}
	return n
}

// tileOf is the path of the incidents tile at zoom z holding p.
func tileOf(p orb.Point, z maptile.Zoom) string {
	tl := maptile.At(p, z)
	return fmt.Sprintf("/tiles/incidents/%d/%d/%d.mvt", tl.Z, tl.X, tl.Y)
}

// TestServersOnAReplicaBehindAPooler: two servers through pgbouncer in
// transaction mode, one reading the replica. A write through the primary
// reaches the second server's incidents, tiles and stats within 2 s; a
// cached tile costs no query; a stopped or lagging replica leaves the
// rotation without reads failing, and rejoins.
func TestServersOnAReplicaBehindAPooler(t *testing.T) {
	r := sharedReplicated(t)
	bin := buildBinary(t)
	db := newScaleDB(t, r)
	c := cli{t, bin, db.primaryPool}
	c.ok("migrate", "--database-pooling", "transaction")
	c.ok("import", "--database-pooling", "transaction", ucdpSubset(t, 1500))
	db.caughtUp(t)

	pooled := []string{"--database-pooling", "transaction", "--database-listen-url", db.primary}
	a := startServe(t, bin, db.primaryPool, pooled...)
	b := startServe(t, bin, db.primaryPool, append(pooled, "--database-read-url", db.replicaPool, "--max-replica-lag", "2s")...)
	for _, s := range []*serveProc{a, b} {
		s.waitReady(t, 20*time.Second, "the data version followed by LISTEN", func(dbs map[string]readyDB) bool {
			return dbs["primary"].DataVersion == "listen"
		})
	}
	b.waitReady(t, 20*time.Second, "the replica in the rotation", func(dbs map[string]readyDB) bool {
		return inRotation(dbs["replica-1"])
	})

	palmyra := orb.Point{38.2680, 34.5590}
	tile := tileOf(palmyra, 10)

	t.Run("a cached tile hit asks no database", func(t *testing.T) {
		for range 2 {
			if status, _ := b.get(t, tile); status != http.StatusOK && status != http.StatusNoContent {
				t.Fatalf("GET %s: %d", tile, status)
			}
		}
		count := func() (sends float64, stmts int) {
			return sum(b.metric(t, "badiamap_db_sends_total")), statements(t, db.primary) + statements(t, db.replica)
		}
		sends, stmts := count()
		for range 20 {
			b.get(t, tile)
		}
		sends2, stmts2 := count()
		if sends2 != sends || stmts2 != stmts {
			t.Errorf("20 cached tile hits: %v writes to the databases' connections, %d statements run; want none", sends2-sends, stmts2-stmts)
		}
		// The counts see a tile that is not cached.
		b.get(t, tileOf(palmyra, 11))
		if sends3, stmts3 := count(); sends3 == sends2 || stmts3 == stmts2 {
			t.Errorf("a tile not cached: %v writes, %d statements; the counts see nothing", sends3-sends2, stmts3-stmts2)
		}
	})

	t.Run("a write through the primary reaches the replica's server within 2 s", func(t *testing.T) {
		before := b.view(t, tile)
		if before.status != "" || before.matched == 0 {
			t.Fatalf("before the write: %+v", before)
		}
		replicaReads := b.metric(t, "badiamap_db_reads_total")["replica-1"]
		c.ok("import", "--database-pooling", "transaction", newIncidentFile(t, "scale:palmyra-1", palmyra))
		written := time.Now()
		want := view{matched: before.matched + 1, total: before.total + 1, tile: before.tile + 1}
		for _, s := range []*serveProc{b, a} {
			var got view
			for {
				if got = s.view(t, tile); got == want {
					break
				}
				if time.Since(written) > 2*time.Second {
					t.Fatalf("%s 2 s after the write: %+v, want %+v (before %+v)", s.base, got, want, before)
				}
				time.Sleep(20 * time.Millisecond)
			}
			t.Logf("%s answered the write %s after it committed", s.base, time.Since(written).Round(time.Millisecond))
		}
		if got := b.metric(t, "badiamap_db_reads_total")["replica-1"]; got <= replicaReads {
			t.Errorf("the replica's server read nothing from the replica (%v reads before and after)", got)
		}
	})

	t.Run("the replica stopped, reads go to the primary; started, it rejoins", func(t *testing.T) {
		r.Replica.Stop()
		restarted := false
		defer func() {
			if !restarted {
				r.Replica.Start()
			}
		}()
		b.waitReady(t, 10*time.Second, "the stopped replica down and out of the rotation", func(dbs map[string]readyDB) bool {
			return dbs["replica-1"].State == "down" && !inRotation(dbs["replica-1"])
		})
		primaryReads := b.metric(t, "badiamap_db_reads_total")["primary"]
		if v := b.view(t, tileOf(palmyra, 9)); v.status != "" || v.matched == 0 {
			t.Errorf("reads with the replica stopped: %+v", v)
		}
		if got := b.metric(t, "badiamap_db_reads_total")["primary"]; got <= primaryReads {
			t.Error("with the replica stopped the reads did not go to the primary")
		}
		if err := r.Replica.Start(); err != nil {
			t.Fatal(err)
		}
		restarted = true
		db.caughtUp(t)
		b.waitReady(t, 10*time.Second, "the restarted replica back in the rotation", func(dbs map[string]readyDB) bool {
			return dbs["replica-1"].State == "up" && inRotation(dbs["replica-1"])
		})
		replicaReads := b.metric(t, "badiamap_db_reads_total")["replica-1"]
		b.view(t, tileOf(palmyra, 8))
		if got := b.metric(t, "badiamap_db_reads_total")["replica-1"]; got <= replicaReads {
			t.Error("the replica rejoined, but reads do not go to it")
		}
	})

	t.Run("replay paused beyond the maximum lag leaves the rotation; resumed, it rejoins", func(t *testing.T) {
		resume := r.PauseReplay(t)
		before := b.view(t, tile)
		c.ok("import", "--database-pooling", "transaction", newIncidentFile(t, "scale:palmyra-2", palmyra))
		b.waitReady(t, 15*time.Second, "the paused replica lagging and out of the rotation", func(dbs map[string]readyDB) bool {
			d := dbs["replica-1"]
			return d.State == "lagging" && !inRotation(d) && d.LagSeconds != nil && *d.LagSeconds > 2
		})
		// Out of the rotation, the replica's server reads the primary,
		// which holds the write.
		if got := b.view(t, tile); got.matched != before.matched+1 || got.tile != before.tile+1 || got.status != "" {
			t.Errorf("with the replica out of the rotation: %+v, want the write (before %+v)", got, before)
		}
		resume()
		b.waitReady(t, 15*time.Second, "the resumed replica back in the rotation", func(dbs map[string]readyDB) bool {
			return dbs["replica-1"].State == "up" && inRotation(dbs["replica-1"])
		})
	})
}

// TestReadsSeeTheirWritesAndCachesTheirSnapshot: with the replica's replay
// paused (and within the maximum lag, so still in the rotation), a reader
// that sends a write's position reads the write and one that does not reads
// the replica; and a tile read from the lagging replica is not cached under
// the newer data version, so once the replica catches up the tile shows the
// write.
func TestReadsSeeTheirWritesAndCachesTheirSnapshot(t *testing.T) {
	r := sharedReplicated(t)
	bin := buildBinary(t)
	db := newScaleDB(t, r)
	c := cli{t, bin, db.primary}
	c.ok("migrate")
	c.ok("import", ucdpSubset(t, 800))
	db.caughtUp(t)
	ctx := context.Background()
	store, err := postgis.OpenWith(ctx, db.primary, postgis.Options{ReadURLs: []string{db.replica}, MaxReplicaLag: time.Hour,
		WatchDataVersion: true, CheckInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	srv, err := web.New(web.Config{}, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := startHandler(t, srv)

	palmyra := orb.Point{38.2680, 34.5590}
	tile := tileOf(palmyra, 10)
	before := s.view(t, tile)
	resume := r.PauseReplay(t)
	tx, err := store.BeginImport(ctx, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	inc := placeIncident("scale:ryw-1", palmyra)
	if err := tx.Add(&inc); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	pos, _, err := store.WritePosition(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// The replica, paused and in the rotation, lacks the write; the tile it
	// is cut from is served, not cached under the new version.
	if got := s.view(t, tile); got != before {
		t.Fatalf("a read of the paused replica: %+v, want what it held before the write %+v", got, before)
	}
	// A reader holding the write's position reads it, header or cookie.
	for _, h := range [][]string{{web.HeaderReadAfter, pos}, {"Cookie", "badiamap_read_after=" + pos}} {
		_, body := s.get(t, "/api/incidents?limit=1", h...)
		var page struct {
			NumberMatched int `json:"numberMatched"`
		}
		json.Unmarshal(body, &page)
		if page.NumberMatched != before.matched+1 {
			t.Errorf("GET with %s: %s: numberMatched %d, want the write's %d", h[0], pos, page.NumberMatched, before.matched+1)
		}
	}
	if _, body := s.get(t, tile, web.HeaderReadAfter, pos); countIncidentFeatures(t, body) != before.tile+1 {
		t.Errorf("the tile read after the write lacks it")
	}

	resume()
	if err := r.WaitReplayed(pos, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	// The store sees the replica caught up at its next check (every 200 ms);
	// a loaded machine may take several.
	got := s.view(t, tile)
	for deadline := time.Now().Add(10 * time.Second); (got.tile != before.tile+1 || got.matched != before.matched+1) && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		got = s.view(t, tile)
	}
	if got.tile != before.tile+1 || got.matched != before.matched+1 {
		t.Errorf("the replica caught up 10 s ago, the tile still lacks the write: %+v (before %+v)", got, before)
	}
}

func countIncidentFeatures(t *testing.T, body []byte) int {
	t.Helper()
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		if l.Name == geo.MVTIncidents {
			return len(l.Features)
		}
	}
	return 0
}

// startHandler serves h on a free port for the test, as a serveProc.
func startHandler(t *testing.T, h http.Handler) *serveProc {
	t.Helper()
	srv := &http.Server{Handler: h}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &serveProc{t: t, addr: ln.Addr().String(), base: "http://" + ln.Addr().String(), logs: &lockedBuffer{}}
}
