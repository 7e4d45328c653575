package web_test

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/badiamap/badiamap/internal/pgtest"
	"github.com/badiamap/badiamap/web"
)

// TestReplicaGaugesInMetrics: /metrics gives each database's state as
// /readyz does. With a primary and a streaming replica, each behind
// pgbouncer in transaction mode, both are up and the replica in the
// rotation; stopped, the replica is down and out; started, back; its
// replay paused while a write lands, it is up but lagging past the
// maximum lag and out; resumed, back in.
func TestReplicaGaugesInMetrics(t *testing.T) {
	r, err := pgtest.StartReplicated()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	name := fmt.Sprintf("metrics_%x", time.Now().UnixNano())
	if err := r.Primary.Exec(`CREATE DATABASE ` + name); err != nil { // the name is ours
		t.Fatal(err)
	}
	if err := r.WaitStreaming(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	direct := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", r.Primary.Port, name)
	const maxLag = 2 * time.Second
	store := openPostGISWith(t, r.PrimaryPooler.URL(name), postgis.Options{Pooling: postgis.PoolingTransaction,
		ReadURLs: []string{r.ReplicaPooler.URL(name)}, MaxReplicaLag: maxLag, CheckInterval: 200 * time.Millisecond,
		WatchDataVersion: true, ListenURL: direct})
	incs := readUCDP(t, 200)
	load(t, store, incs[:100])
	ts := serve(t, store, web.Config{})

	type gauges struct{ primaryUp, replicaUp, inRotation, lag float64 }
	read := func() gauges {
		_, body := get(t, ts.URL+"/metrics")
		m := map[string]float64{}
		sc := bufio.NewScanner(strings.NewReader(string(body)))
		for sc.Scan() {
			name, value, ok := strings.Cut(sc.Text(), " ")
			if v, err := strconv.ParseFloat(value, 64); ok && err == nil && strings.HasPrefix(name, "badiamap_db_") {
				m[name] = v
			}
		}
		g := gauges{-1, -1, -1, -1}
		for key, p := range map[string]*float64{`badiamap_db_up{database="primary"}`: &g.primaryUp,
			`badiamap_db_up{database="replica-1"}`: &g.replicaUp, `badiamap_db_in_rotation{database="replica-1"}`: &g.inRotation,
			`badiamap_db_replica_lag_seconds{database="replica-1"}`: &g.lag} {
			if v, ok := m[key]; ok {
				*p = v
			}
		}
		if _, ok := m[`badiamap_db_in_rotation{database="primary"}`]; ok {
			t.Error("/metrics gives the primary an in_rotation gauge: only replicas leave the rotation")
		}
		return g
	}
	wait := func(what string, ok func(g gauges) bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			g := read()
			if ok(g) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("/metrics: %s: %+v", what, g)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	inRotation := func(g gauges) bool {
		return g.primaryUp == 1 && g.replicaUp == 1 && g.inRotation == 1 && g.lag >= 0 && g.lag < maxLag.Seconds()
	}

	wait("both up, the replica in the rotation", inRotation)

	r.Replica.Stop()
	started := false
	defer func() {
		if !started {
			r.Replica.Start()
		}
	}()
	wait("the stopped replica down and out of the rotation", func(g gauges) bool {
		return g.primaryUp == 1 && g.replicaUp == 0 && g.inRotation == 0
	})
	if err := r.Replica.Start(); err != nil {
		t.Fatal(err)
	}
	started = true
	wait("the restarted replica up and back in the rotation", inRotation)

	resume := r.PauseReplay(t)
	importIncidents(t, store, incs[100:110])
	wait("the paused replica up, lagging past the maximum and out of the rotation", func(g gauges) bool {
		return g.primaryUp == 1 && g.replicaUp == 1 && g.inRotation == 0 && g.lag > maxLag.Seconds()
	})
	resume()
	wait("the resumed replica back in the rotation", inRotation)
}
