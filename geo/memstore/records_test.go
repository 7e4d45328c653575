package memstore

import (
	"strconv"
	"testing"
)

// TestRecordTableNeverMoves: growing the table never copies the records it
// holds (a copy of a million records stalled writes and readers for
// seconds), and every id finds its own record.
func TestRecordTableNeverMoves(t *testing.T) {
	var tab recordTable
	tab.add(record{ext: "1"})
	first := tab.at(1)
	n := 3<<recordChunkBits + 5
	for i := 2; i <= n; i++ {
		tab.add(record{ext: strconv.Itoa(i)})
	}
	if tab.len() != n {
		t.Fatalf("len %d, want %d", tab.len(), n)
	}
	if tab.at(1) != first {
		t.Fatal("growing the table moved record 1: it copies what it holds")
	}
	seen := 0
	for i, r := range tab.all() {
		if r != tab.at(uint32(i+1)) || r.ext != strconv.Itoa(i+1) {
			t.Fatalf("index %d: record %q at %p, at(%d) is %p", i, r.ext, r, i+1, tab.at(uint32(i+1)))
		}
		seen++
	}
	if seen != n {
		t.Fatalf("all yields %d records, want %d", seen, n)
	}
}
