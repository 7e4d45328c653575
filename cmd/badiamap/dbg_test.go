package main

import "testing"

func statementsList(t *testing.T, url string) map[string]int {
	rows, err := openDB(t, url).Query(`SELECT query, calls FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var q string
		var n int
		rows.Scan(&q, &n)
		out[q] += n
	}
	return out
}
