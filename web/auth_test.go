package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/badiamap/badiamap/credential"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/web"
)

// fastParams keep the tests' password hashing cheap; the parameters of
// production are credential.DefaultParams (credential's benchmark).
var fastParams = credential.Params{Time: 1, MemoryKiB: 64, Threads: 1}

// testClock is a clock the tests move.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// lockedBuffer is the server log, written by many requests at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// authFixture is a server on a fresh embedded store, with a user of each
// role and the credentials the route-by-role tests act with. Every secret
// it makes or receives is kept, for the test that reads the log.
type authFixture struct {
	t       *testing.T
	ts      *httptest.Server
	store   *memstore.Store
	clock   *testClock
	log     *lockedBuffer
	cfg     web.AuthConfig
	secrets map[string]string // what -> secret
	derived []credential.Params
	mu      sync.Mutex

	passwords map[string]string // user -> password
	tokens    map[string]string // amal-live, amal-revoked, dina, omar-spare -> token
}

// The fixture's users: one per role, a spare editor the examples act on,
// and an admin who gets disabled.
var fixtureUsers = []struct {
	name string
	role geo.Role
}{{"amal", geo.RoleAdmin}, {"edna", geo.RoleEditor}, {"rami", geo.RoleReviewer}, {"omar", geo.RoleEditor}, {"dina", geo.RoleAdmin}}

func newAuthFixture(t *testing.T, tune func(*web.AuthConfig)) *authFixture {
	t.Helper()
	f := &authFixture{t: t, clock: &testClock{now: time.Date(2026, 4, 21, 8, 0, 0, 0, time.UTC)}, log: &lockedBuffer{},
		secrets: map[string]string{}, passwords: map[string]string{}, tokens: map[string]string{}}
	f.cfg = web.AuthConfig{Passwords: credential.Hasher{Params: fastParams, OnDerive: func(p credential.Params) {
		f.mu.Lock()
		f.derived = append(f.derived, p)
		f.mu.Unlock()
	}}, Now: f.clock.Now}
	if tune != nil {
		tune(&f.cfg)
	}
	s, err := memstore.OpenWith(t.TempDir(), memstore.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f.store = s
	ctx := context.Background()
	for _, u := range fixtureUsers {
		pw := credential.NewPassword()
		hash, err := f.cfg.Passwords.Hash(pw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUser(ctx, geo.User{Name: u.name, Role: u.role, PasswordHash: hash}, geo.AuditEntry{Actor: "fixture", Action: "user_add", Target: "user:" + u.name}); err != nil {
			t.Fatal(err)
		}
		f.passwords[u.name] = pw
		f.secrets["password of "+u.name] = pw
	}
	// Token 1 is the spare the examples revoke.
	for _, tk := range []struct{ key, user string }{{"omar-spare", "omar"}, {"amal-revoked", "amal"}, {"dina", "dina"}, {"amal-live", "amal"}} {
		secret := credential.NewToken()
		u, _ := s.User(ctx, tk.user)
		tok, err := s.CreateToken(ctx, geo.APIToken{UserID: u.ID, Name: tk.key, Hash: credential.HashSecret(secret), CreatedBy: "fixture",
			ExpiresAt: f.clock.Now().Add(90 * 24 * time.Hour)}, geo.AuditEntry{Actor: "fixture", Action: "token_create"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.key == "amal-revoked" {
			if _, err := s.RevokeToken(ctx, tok.ID, f.clock.Now(), geo.AuditEntry{Actor: "fixture", Action: "token_revoke"}); err != nil {
				t.Fatal(err)
			}
		}
		f.tokens[tk.key] = secret
		f.secrets["token "+tk.key] = secret
	}
	logger := slog.New(slog.NewJSONHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := web.New(web.Config{Auth: f.cfg}, s, logger)
	if err != nil {
		t.Fatal(err)
	}
	f.ts = httptest.NewServer(srv)
	t.Cleanup(f.ts.Close)
	return f
}

// cred is how a request signs in.
type cred struct {
	cookie, csrf string // a session
	token        string
	origin       string // "" is the server's own; "-" sends none
	noCSRF       bool
}

// call sends a request and returns the status, headers and body.
func (f *authFixture) call(method, path, body string, c cred) (int, http.Header, []byte) {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.ts.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	switch c.origin {
	case "":
		req.Header.Set("Origin", f.ts.URL)
	case "-":
	default:
		req.Header.Set("Origin", c.origin)
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: c.cookie})
		if !c.noCSRF {
			req.Header.Set(web.HeaderCSRF, c.csrf)
		}
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// login signs name in through POST /api/session.
func (f *authFixture) login(name string) cred {
	f.t.Helper()
	status, h, body := f.call(http.MethodPost, "/api/session", fmt.Sprintf(`{"username":%q,"password":%q}`, name, f.passwords[name]), cred{})
	if status != http.StatusOK {
		f.t.Fatalf("login %s: %d %s", name, status, body)
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	json.Unmarshal(body, &out)
	var cookie string
	for _, ck := range (&http.Response{Header: h}).Cookies() {
		if ck.Name == web.SessionCookie {
			cookie = ck.Value
		}
	}
	if cookie == "" || out.CSRF == "" {
		f.t.Fatalf("login %s: cookie %q, csrf %q", name, cookie, out.CSRF)
	}
	f.secrets["session of "+name] = cookie
	f.secrets["csrf of "+name] = out.CSRF
	return cred{cookie: cookie, csrf: out.CSRF}
}

// roleRoute is a route of the API description that needs a role, with its
// documented path and body examples.
type roleRoute struct {
	method, path, body string
	role               geo.Role
}

func roleRoutes(t *testing.T, base string) []roleRoute {
	t.Helper()
	resp, body := get(t, base+"/api/openapi.json")
	mustOK(t, resp, body)
	var doc struct {
		Paths map[string]map[string]struct {
			Role       geo.Role `json:"x-badiamap-role"`
			Parameters []struct {
				Name, In, Example string
			} `json:"parameters"`
			RequestBody struct {
				Content map[string]struct {
					Example json.RawMessage `json:"example"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	var out []roleRoute
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.Role == "" {
				continue
			}
			r := roleRoute{method: strings.ToUpper(method), path: path, role: op.Role}
			for _, p := range op.Parameters {
				if p.In == "path" {
					r.path = strings.Replace(r.path, "{"+p.Name+"}", p.Example, 1)
				}
			}
			for _, c := range op.RequestBody.Content {
				r.body = string(c.Example)
			}
			if len(op.RequestBody.Content) > 0 && r.body == "" {
				t.Errorf("%s %s takes a body but documents no example: the route-by-role test sends it", r.method, path)
			}
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path+out[i].method < out[j].path+out[j].method })
	return out
}

// TestRouteByRoleMatrix: every route of the table that needs a role,
// against every kind of caller, on a fresh store each: the expected 401,
// 403 or 2xx. The routes come from the API description, which the route
// table produces, so a new route with a role joins the matrix by itself.
func TestRouteByRoleMatrix(t *testing.T) {
	probe := newAuthFixture(t, nil)
	routes := roleRoutes(t, probe.ts.URL)
	if len(routes) < 9 {
		t.Fatalf("only %d routes with a role: %v", len(routes), routes)
	}
	callers := []struct {
		name string
		role geo.Role // "" when the caller must get 401
		sign func(f *authFixture) cred
	}{
		{"anonymous", "", func(f *authFixture) cred { return cred{} }},
		{"editor", geo.RoleEditor, func(f *authFixture) cred { return f.login("edna") }},
		{"reviewer", geo.RoleReviewer, func(f *authFixture) cred { return f.login("rami") }},
		{"admin", geo.RoleAdmin, func(f *authFixture) cred { return f.login("amal") }},
		{"disabled user", "", func(f *authFixture) cred {
			admin := f.login("amal")
			if st, _, b := f.call(http.MethodPatch, "/api/users/dina", `{"disabled":true}`, admin); st != http.StatusOK {
				f.t.Fatalf("disable dina: %d %s", st, b)
			}
			return cred{token: f.tokens["dina"]}
		}},
		{"expired session", "", func(f *authFixture) cred {
			c := f.login("amal")
			f.clock.Advance(61 * time.Minute) // past the default idle limit of an hour
			return c
		}},
		{"revoked token", "", func(f *authFixture) cred { return cred{token: f.tokens["amal-revoked"]} }},
	}
	for _, r := range routes {
		for _, caller := range callers {
			t.Run(r.method+" "+r.path+" as "+caller.name, func(t *testing.T) {
				f := newAuthFixture(t, nil)
				status, _, body := f.call(r.method, r.path, r.body, caller.sign(f))
				switch {
				case caller.role == "":
					if status != http.StatusUnauthorized {
						t.Errorf("status %d, want 401: %s", status, clipBody(body))
					}
				case !caller.role.Allows(r.role):
					if status != http.StatusForbidden {
						t.Errorf("status %d, want 403 (needs %s): %s", status, r.role, clipBody(body))
					}
				case status < 200 || status > 299:
					t.Errorf("status %d, want 2xx (needs %s, caller is %s): %s", status, r.role, caller.role, clipBody(body))
				}
			})
		}
	}
}
