package idset

import (
	"fmt"
	"testing"
)

func TestSetAddGet(t *testing.T) {
	s := New()
	const n = 100_000
	for i := 0; i < n; i++ {
		if !s.Add(fmt.Sprintf("ucdp:%d", i), int64(i+1)) {
			t.Fatalf("id %d reported as already there", i)
		}
	}
	if s.Len() != n {
		t.Fatalf("Len = %d, want %d", s.Len(), n)
	}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("ucdp:%d", i)
		if v, ok := s.Get(id); !ok || v != int64(i+1) {
			t.Fatalf("Get(%s) = %d, %v; want %d", id, v, ok, i+1)
		}
		if s.Add(id, 0) {
			t.Fatalf("Add(%s) a second time reported it new", id)
		}
	}
	for _, id := range []string{"", "ucdp:", "ucdp:100000", "acled:1"} {
		if _, ok := s.Get(id); ok {
			t.Errorf("Get(%q) found an id never added", id)
		}
	}
	if !s.Add("", 7) {
		t.Error("the empty id is an id like any other")
	}
	if v, ok := s.Get(""); !ok || v != 7 {
		t.Errorf("Get(\"\") = %d, %v", v, ok)
	}
}

// TestSetCollisions puts every id on one hash: the exact check behind the
// hash must still tell them apart.
func TestSetCollisions(t *testing.T) {
	s := New()
	s.hash = func(string) uint64 { return 42 }
	ids := []string{"a", "b", "c", "d"}
	for i, id := range ids {
		if !s.Add(id, int64(i+1)) {
			t.Fatalf("Add(%s) reported it there already", id)
		}
	}
	for i, id := range ids {
		if v, ok := s.Get(id); !ok || v != int64(i+1) {
			t.Errorf("Get(%s) = %d, %v; want %d", id, v, ok, i+1)
		}
		if s.Add(id, 9) {
			t.Errorf("Add(%s) again reported it new", id)
		}
	}
	if _, ok := s.Get("e"); ok {
		t.Error("Get(e) found an id never added")
	}
}
