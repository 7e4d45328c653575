package web

import (
	"net/http"
	"testing"
	"time"

	"github.com/badiamap/badiamap/request"
	"golang.org/x/time/rate"
)

// TestClientLimiterBurstRefillAndBound: a client gets its burst, then waits
// for the rate; the table never holds more than its cap, dropping idle
// clients first and then the one seen least recently.
func TestClientLimiterBurstRefillAndBound(t *testing.T) {
	now := time.Date(2024, 4, 21, 12, 0, 0, 0, time.UTC)
	l := newClientLimiter(rate.Limit(1), 2, 3) // 1 a second, burst 2, 3 clients
	for i := range 2 {
		if ok, _ := l.allow("a", now); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, retry := l.allow("a", now)
	if ok || retry <= 0 || retry > time.Second {
		t.Fatalf("past the burst: ok %v, retry %v; want a refusal with a wait of up to a second", ok, retry)
	}
	if ok, _ := l.allow("a", now.Add(time.Second)); !ok {
		t.Error("a second later a token should be there")
	}

	// b after a, not at the same instant: a tie would leave the choice
	// to map order (CI saw b dropped instead of a).
	l.allow("b", now.Add(1500*time.Millisecond))
	l.allow("c", now.Add(2*time.Second))
	l.allow("d", now.Add(2*time.Second)) // full: drops a, seen least recently
	if n := l.tracked(); n != 3 {
		t.Fatalf("%d clients tracked, want the cap of 3", n)
	}
	if _, ok := l.clients["a"]; ok {
		t.Error("the client seen least recently was kept")
	}
	// Long after, every bucket has refilled: one new client clears them all.
	l.allow("e", now.Add(time.Hour))
	if n := l.tracked(); n != 1 {
		t.Errorf("%d clients tracked after all went idle, want 1", n)
	}
}

func TestClientKey(t *testing.T) {
	req := func(remote, xff string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		return r
	}
	direct := &Server{}
	proxied := &Server{cfg: Config{TrustForwarded: true}}
	for _, c := range []struct {
		s      *Server
		remote string
		xff    string
		want   string
	}{
		{direct, "192.0.2.7:5000", "", "192.0.2.7"},
		{direct, "192.0.2.7:5000", "203.0.113.9", "192.0.2.7"}, // not trusted: the peer
		{proxied, "192.0.2.7:5000", "198.51.100.1, 203.0.113.9", "203.0.113.9"},
		{proxied, "192.0.2.7:5000", "", "192.0.2.7"},
		{direct, "[2001:db8:1:2:3:4:5:6]:5000", "", "2001:db8:1:2::/64"},
		{direct, "[2001:db8:1:2:ffff::1]:5000", "", "2001:db8:1:2::/64"},
	} {
		if got := c.s.clientKey(req(c.remote, c.xff)); got != c.want {
			t.Errorf("trust %v, peer %s, X-Forwarded-For %q: key %q, want %q", c.s.cfg.TrustForwarded, c.remote, c.xff, got, c.want)
		}
	}
}

// TestDefaultPagesAreLookups: a page asked for without a limit is never a
// download (pageClass leans on it: an absent limit is interactive).
func TestDefaultPagesAreLookups(t *testing.T) {
	for name, def := range map[string]int{"/api/incidents": request.DefaultLimit, "OGC items": request.DefaultOGCLimit, "/api/changes": defaultChangesLimit} {
		if def > maxInteractivePage {
			t.Errorf("the default page of %s (%d) is above the largest interactive page (%d)", name, def, maxInteractivePage)
		}
	}
}
