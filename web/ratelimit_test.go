package web

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiterBucket(t *testing.T) {
	l := newLimiter(3, time.Minute, 10)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		if ok, _ := l.take("amal", t0); !ok {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
	}
	ok, wait := l.take("amal", t0.Add(15*time.Second))
	if ok || wait != 45*time.Second {
		t.Errorf("fourth attempt: %v, wait %v; want refused for 45s", ok, wait)
	}
	if ok, _ := l.take("badr", t0); !ok {
		t.Error("another key shares the first one's bucket")
	}
	if ok, _ := l.take("amal", t0.Add(61*time.Second)); !ok {
		t.Error("no attempt after a minute")
	}
}

// TestLimiterIsBounded: new keys past the bound are refused until buckets
// refill, then make room.
func TestLimiterIsBounded(t *testing.T) {
	l := newLimiter(2, time.Minute, 100)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 100 {
		l.take(fmt.Sprint(i), t0)
	}
	if ok, _ := l.take("new", t0.Add(time.Second)); ok || len(l.buckets) != 100 {
		t.Errorf("a key past the bound: %v with %d buckets; want refused, 100", ok, len(l.buckets))
	}
	if ok, _ := l.take("new", t0.Add(2*time.Minute)); !ok || len(l.buckets) != 1 {
		t.Errorf("after the buckets refilled: %v with %d buckets; want taken, 1", ok, len(l.buckets))
	}
}
