package postgis_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/badiamap/badiamap/internal/pgtest"
	"github.com/badiamap/badiamap/migrations"
)

// TestFrozenServerQueriesEndAtTheirDeadline stops every PostgreSQL process
// with SIGSTOP under an open pool: queries in flight on pool connections,
// new connections and pings all return once their context ends (plus the
// grace the driver gives a cancel request), instead of hanging until the
// server resumes; after SIGCONT the same pool answers again.
func TestFrozenServerQueriesEndAtTheirDeadline(t *testing.T) {
	cluster := pgtest.StartCluster(t)
	ctx := context.Background()
	s, err := postgis.Open(ctx, cluster.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := migrations.Apply(ctx, s.DB()); err != nil {
		t.Fatal(err)
	}
	// Warm a few connections, so the freeze finds some idle in the pool.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := s.DB().ExecContext(ctx, `SELECT pg_sleep(0.1)`); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	cluster.Freeze()
	defer cluster.Thaw()
	const deadline = time.Second
	// More callers than the pool has connections: some wait on a stuck
	// connection, some for a new one, some in the pool's queue.
	type result struct {
		took time.Duration
		err  error
	}
	results := make(chan result, 24)
	for i := range 24 {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, deadline)
			defer cancel()
			start := time.Now()
			var err error
			switch i % 3 {
			case 0:
				err = s.Ping(cctx)
			case 1:
				_, err = s.DataVersion(cctx)
			default:
				_, err = s.CountIncidents(cctx, geo.IncidentFilter{})
			}
			results <- result{time.Since(start), err}
		})
	}
	var longest time.Duration
	wait := time.After(deadline + 10*time.Second)
	for range 24 {
		select {
		case r := <-results:
			if r.err == nil {
				t.Errorf("a query answered while the server is stopped")
			}
			longest = max(longest, r.took)
		case <-wait:
			cluster.Thaw() // lets the stuck callers go
			wg.Wait()
			t.Fatalf("callers still stuck %v after their %v deadline", deadline+10*time.Second, deadline)
		}
	}
	t.Logf("frozen server: 24 callers with a %v deadline all returned, the last after %v", deadline, longest)
	// The bar: the deadline, the cancel grace, and room for a loaded machine;
	// without the guard a caller on a stuck connection never returns.
	if longest > deadline+3*time.Second {
		t.Errorf("the last caller returned after %v", longest)
	}

	cluster.Thaw()
	start := time.Now()
	for {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := s.DataVersion(cctx)
		cancel()
		if err == nil {
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("after SIGCONT the pool still fails: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("after SIGCONT the pool answered again in %v", time.Since(start))
}

// TestStatementTimeoutIsAStartupParameter opens the pool with a statement
// timeout: every connection has it, a longer statement is cancelled by
// the server (57014, which IsQueryCanceled recognises and IsUnavailable
// does not), migrations lift it for themselves and put it back, and a URL
// that sets its own keeps it.
func TestStatementTimeoutIsAStartupParameter(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	s, err := postgis.OpenWith(ctx, url, postgis.Options{StatementTimeout: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db := s.DB()
	db.SetMaxOpenConns(1) // the migration's connection is the one checked after it
	show := func() string {
		var v string
		if err := db.QueryRowContext(ctx, `SHOW statement_timeout`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := show(); v != "1500ms" {
		t.Errorf("statement_timeout %q, want 1500ms", v)
	}
	_, err = db.ExecContext(ctx, `SELECT pg_sleep(5)`)
	if !postgis.IsQueryCanceled(err) || postgis.IsUnavailable(err) {
		t.Errorf("a statement past the timeout: %v (canceled %v, unavailable %v)", err, postgis.IsQueryCanceled(err), postgis.IsUnavailable(err))
	}
	if _, err := migrations.Apply(ctx, db); err != nil {
		t.Fatal(err)
	}
	if v := show(); v != "1500ms" {
		t.Errorf("after the migrations statement_timeout is %q, want 1500ms again", v)
	}

	own, err := postgis.OpenWith(ctx, url+"&statement_timeout=7000", postgis.Options{StatementTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	var v string
	if err := own.DB().QueryRowContext(ctx, `SHOW statement_timeout`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != "7s" {
		t.Errorf("a URL with its own statement_timeout: %q, want 7s", v)
	}
}
