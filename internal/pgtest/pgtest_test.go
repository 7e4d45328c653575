package pgtest

import (
	"database/sql"
	"testing"
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
