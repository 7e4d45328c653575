package web

import (
	"fmt"
	"testing"
	"time"
)

func TestLoginLimiterBucket(t *testing.T) {
	l := newLoginLimiter(3, time.Minute)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		if ok, _ := l.allow("amal", t0); !ok {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
	}
	ok, wait := l.allow("amal", t0.Add(15*time.Second))
	if ok || wait != 45*time.Second {
		t.Errorf("fourth attempt: %v, wait %v; want refused for 45s", ok, wait)
	}
	if ok, _ := l.allow("badr", t0); !ok {
		t.Error("another key shares the first one's bucket")
	}
	if ok, _ := l.allow("amal", t0.Add(61*time.Second)); !ok {
		t.Error("no attempt after a minute")
	}
}

// TestLoginLimiterIsBounded: new keys past the bound are refused until
// buckets refill, then make room.
func TestLoginLimiterIsBounded(t *testing.T) {
	l := newLoginLimiter(2, time.Minute)
	l.max = 100
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 100 {
		l.allow(fmt.Sprint(i), t0)
	}
	if ok, _ := l.allow("new", t0.Add(time.Second)); ok || l.tracked() != 100 {
		t.Errorf("a key past the bound: %v with %d buckets; want refused, 100", ok, l.tracked())
	}
	if ok, _ := l.allow("new", t0.Add(2*time.Minute)); !ok || l.tracked() != 1 {
		t.Errorf("after the buckets refilled: %v with %d buckets; want taken, 1", ok, l.tracked())
	}
}
