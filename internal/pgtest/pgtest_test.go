package pgtest

import (
	"database/sql"
	"testing"
	"time"
)

func TestNewDatabaseHasPostGISAvailable(t *testing.T) {
	db, err := sql.Open("postgres", NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE EXTENSION postgis"); err != nil {
		t.Fatalf("postgis is not installed in the test cluster: %v", err)
	}
	var v string
	if err := db.QueryRow("SELECT postgis_lib_version()").Scan(&v); err != nil || v == "" {
		t.Fatalf("postgis version: %q %v", v, err)
	}
}

func TestClusterStopsAndStarts(t *testing.T) {
	c := StartCluster(t)
	db, err := sql.Open("postgres", c.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	c.Stop()
	if err := db.Ping(); err == nil {
		t.Fatal("ping succeeded on a stopped cluster")
	}
	c.Start()
	if err := db.Ping(); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

// The replicated cluster streams what the primary writes through its
// pooler to the replica, and its poolers pass any database through.
func TestReplicatedStreamsThroughPoolers(t *testing.T) {
	r, err := StartReplicated()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Primary.Exec(`CREATE DATABASE pooled`); err != nil {
		t.Fatal(err)
	}
	primary, err := sql.Open("postgres", r.PrimaryPooler.URL("pooled"))
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close()
	var pos string
	if _, err := primary.Exec(`CREATE TABLE t AS SELECT 42 AS n`); err != nil {
		t.Fatal(err)
	}
	if err := primary.QueryRow(`SELECT pg_current_wal_insert_lsn()::text`).Scan(&pos); err != nil {
		t.Fatal(err)
	}
	if err := r.WaitReplayed(pos, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	replica, err := sql.Open("postgres", r.ReplicaPooler.URL("pooled"))
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	var n int
	var standby bool
	if err := replica.QueryRow(`SELECT n, pg_is_in_recovery() FROM t`).Scan(&n, &standby); err != nil || n != 42 || !standby {
		t.Fatalf("the replica through its pooler: n=%d standby=%v err=%v", n, standby, err)
	}
	if _, err := replica.Exec(`INSERT INTO t VALUES (1)`); err == nil {
		t.Fatal("the replica took a write")
	}
	// Stopped, the replica answers nothing; started again, it catches up.
	r.Replica.Stop()
	if _, err := primary.Exec(`INSERT INTO t VALUES (7)`); err != nil {
		t.Fatal(err)
	}
	if err := r.Replica.Start(); err != nil {
		t.Fatal(err)
	}
	if err := r.WaitStreaming(30 * time.Second); err != nil {
		t.Fatal(err)
	}
}
