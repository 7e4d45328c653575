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
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/badiamap/badiamap/credential"
	"github.com/badiamap/badiamap/demo"
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
	cfg     web.Config
	secrets map[string]string // what -> secret
	derived []credential.Params
	mu      sync.Mutex

	passwords map[string]string // user -> password
	tokens    map[string]string // amal-live, amal-revoked, dina, omar-spare -> token
	logins    int               // sign-ins that succeeded
}

// The fixture's users: one per role, a spare editor the examples act on,
// and an admin who gets disabled.
var fixtureUsers = []struct {
	name string
	role geo.Role
}{{"amal", geo.RoleAdmin}, {"edna", geo.RoleEditor}, {"rami", geo.RoleReviewer}, {"omar", geo.RoleEditor}, {"dina", geo.RoleAdmin}}

func newAuthFixture(t *testing.T, tune func(*web.Config)) *authFixture {
	t.Helper()
	f := &authFixture{t: t, clock: &testClock{now: time.Date(2026, 4, 21, 8, 0, 0, 0, time.UTC)}, log: &lockedBuffer{},
		secrets: map[string]string{}, passwords: map[string]string{}, tokens: map[string]string{}}
	f.cfg.Auth = web.AuthConfig{Passwords: credential.Hasher{Params: fastParams, OnDerive: func(p credential.Params) {
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
	load(t, s, fixtureIncidents(t)) // incident 1, version 1, is what the edit examples change
	f.store = s
	ctx := context.Background()
	for _, u := range fixtureUsers {
		pw := credential.NewPassword()
		hash, err := f.cfg.Auth.Passwords.Hash(pw)
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
	srv, err := web.New(f.cfg, s, logger)
	if err != nil {
		t.Fatal(err)
	}
	f.ts = httptest.NewServer(srv)
	t.Cleanup(f.ts.Close)
	// Every sign-in the test made is in the audit log.
	t.Cleanup(func() {
		entries, err := s.Audit(context.Background(), geo.AuditFilter{Action: "login"}, geo.Page{})
		if err != nil || len(entries) != f.logins {
			t.Errorf("the audit log holds %d sign-ins (%v), the test made %d", len(entries), err, f.logins)
		}
	})
	return f
}

var (
	fixtureOnce sync.Once
	fixtureIncs []geo.Incident
)

// fixtureIncidents are the demo incidents, read once.
func fixtureIncidents(t *testing.T) []geo.Incident {
	fixtureOnce.Do(func() {
		var err error
		if fixtureIncs, err = demo.Incidents(); err != nil {
			t.Fatal(err)
		}
	})
	return fixtureIncs
}

// cred is how a request signs in.
type cred struct {
	cookie, csrf string // a session
	token        string
	origin       string // "" is the server's own; "-" sends none
	noCSRF       bool
	forwardedFor string            // an X-Forwarded-For header, which the server must not believe
	header       map[string]string // more headers (If-Match)
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
	if c.forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", c.forwardedFor)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if method == http.MethodPost && path == "/api/session" && resp.StatusCode == http.StatusOK {
		f.logins++
	}
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
	header             map[string]string // the documented header parameters' examples
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
				Required          bool
			} `json:"parameters"`
			RequestBody json.RawMessage `json:"requestBody"`
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
				switch p.In {
				case "path":
					r.path = strings.Replace(r.path, "{"+p.Name+"}", p.Example, 1)
				case "query":
					if p.Required {
						r.path += "?" + url.Values{p.Name: {p.Example}}.Encode()
					}
				case "header":
					if r.header == nil {
						r.header = map[string]string{}
					}
					r.header[p.Name] = p.Example
				}
			}
			r.body = bodyExample(op.RequestBody)
			if len(op.RequestBody) > 0 && r.body == "" {
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
				c := caller.sign(f)
				c.header = r.header
				status, _, body := f.call(r.method, r.path, r.body, c)
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

// TestCookieWritesNeedCSRFAndOrigin: a change made with a session cookie
// without the CSRF token, with a wrong one, from another origin or with
// no Origin is 403, and changes nothing; with an API token no CSRF token
// is needed.
func TestCookieWritesNeedCSRFAndOrigin(t *testing.T) {
	f := newAuthFixture(t, nil)
	admin := f.login("amal")
	body := `{"name":"hana","role":"editor"}`
	for _, c := range []struct {
		name string
		cred cred
	}{
		{"no CSRF token", cred{cookie: admin.cookie, noCSRF: true}},
		{"a wrong CSRF token", cred{cookie: admin.cookie, csrf: credential.CSRFToken(credential.NewSessionID())}},
		{"another session's CSRF token", cred{cookie: admin.cookie, csrf: f.login("edna").csrf}},
		{"another origin", cred{cookie: admin.cookie, csrf: admin.csrf, origin: "https://evil.example"}},
		{"an origin on another port", cred{cookie: admin.cookie, csrf: admin.csrf, origin: strings.Replace(f.ts.URL, "127.0.0.1:", "127.0.0.1:1", 1)}},
		{"no Origin", cred{cookie: admin.cookie, csrf: admin.csrf, origin: "-"}},
		{"the null origin", cred{cookie: admin.cookie, csrf: admin.csrf, origin: "null"}},
	} {
		status, _, b := f.call(http.MethodPost, "/api/users", body, c.cred)
		if status != http.StatusForbidden || !strings.Contains(string(b), `"status":403`) {
			t.Errorf("%s: status %d, want a 403 problem: %s", c.name, status, clipBody(b))
		}
	}
	if _, err := f.store.User(context.Background(), "hana"); err == nil {
		t.Fatal("a refused request created the user")
	}
	// Reads with the cookie need no token.
	if status, _, b := f.call(http.MethodGet, "/api/users", "", cred{cookie: admin.cookie, noCSRF: true, origin: "-"}); status != http.StatusOK {
		t.Errorf("a cookie read without CSRF token: %d %s", status, clipBody(b))
	}
	if status, _, b := f.call(http.MethodPost, "/api/users", body, admin); status != http.StatusCreated {
		t.Errorf("with the token and the origin: %d %s", status, clipBody(b))
	}
	if status, _, b := f.call(http.MethodPost, "/api/users", `{"name":"iman","role":"editor"}`, cred{token: f.tokens["amal-live"], origin: "-"}); status != http.StatusCreated {
		t.Errorf("with an API token and no CSRF token: %d %s", status, clipBody(b))
	}
	// A login from another origin is refused too (login CSRF).
	if status, _, _ := f.call(http.MethodPost, "/api/session", fmt.Sprintf(`{"username":"edna","password":%q}`, f.passwords["edna"]), cred{origin: "https://evil.example"}); status != http.StatusForbidden {
		t.Errorf("a login from another origin: %d, want 403", status)
	}
}

// TestSessionCookieAndPublicURL: the cookie is HttpOnly, SameSite=Strict,
// on /, Secure when the public URL is https; the public URL's origin is
// the only one writes come from.
func TestSessionCookieAndPublicURL(t *testing.T) {
	f := newAuthFixture(t, func(c *web.Config) { c.PublicURL = "https://maps.example.org" })
	status, h, b := f.call(http.MethodPost, "/api/session", fmt.Sprintf(`{"username":"amal","password":%q}`, f.passwords["amal"]), cred{origin: "https://maps.example.org"})
	if status != http.StatusOK {
		t.Fatalf("login: %d %s", status, b)
	}
	set := h.Get("Set-Cookie")
	for _, attr := range []string{web.SessionCookie + "=", "Path=/", "HttpOnly", "SameSite=Strict", "Secure", "Expires="} {
		if !strings.Contains(set, attr) {
			t.Errorf("Set-Cookie %q lacks %s", set, attr)
		}
	}
	if h.Get("Cache-Control") != "no-store" {
		t.Errorf("a login answer may be cached: Cache-Control %q", h.Get("Cache-Control"))
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	json.Unmarshal(b, &out)
	ck := (&http.Response{Header: h}).Cookies()[0].Value
	admin := cred{cookie: ck, csrf: out.CSRF}
	if status, _, _ := f.call(http.MethodPost, "/api/users", `{"name":"hana","role":"editor"}`, admin); status != http.StatusForbidden {
		t.Errorf("a write from the server's address, not its public origin: %d, want 403", status)
	}
	admin.origin = "https://maps.example.org"
	if status, _, b := f.call(http.MethodPost, "/api/users", `{"name":"hana","role":"editor"}`, admin); status != http.StatusCreated {
		t.Errorf("a write from the public origin: %d %s", status, clipBody(b))
	}
	plain := newAuthFixture(t, nil)
	_, h, _ = plain.call(http.MethodPost, "/api/session", fmt.Sprintf(`{"username":"amal","password":%q}`, plain.passwords["amal"]), cred{})
	if strings.Contains(h.Get("Set-Cookie"), "Secure") {
		t.Errorf("over plain http with no public URL the cookie is Secure: %q", h.Get("Set-Cookie"))
	}
}

// TestSessionExpiry: a session lives while used within the idle limit, up
// to the absolute limit; the clock is the test's.
func TestSessionExpiry(t *testing.T) {
	f := newAuthFixture(t, func(c *web.Config) { c.Auth.SessionIdle, c.Auth.SessionMax = 30*time.Minute, 2*time.Hour })
	who := func(c cred) (int, []byte) {
		status, _, b := f.call(http.MethodGet, "/api/session", "", c)
		return status, b
	}
	c := f.login("edna")
	for i := range 4 { // used every 29 minutes: alive for 116 minutes
		f.clock.Advance(29 * time.Minute)
		if status, b := who(c); status != http.StatusOK {
			t.Fatalf("after %d uses 29 minutes apart: %d %s", i+1, status, b)
		}
	}
	f.clock.Advance(5 * time.Minute) // 121 minutes after sign-in
	status, b := who(c)
	if status != http.StatusUnauthorized || !strings.Contains(string(b), "at most 2h0m0s") {
		t.Errorf("past the absolute limit: %d %s", status, b)
	}
	if status, _ := who(c); status != http.StatusUnauthorized {
		t.Errorf("an expired session came back: %d", status)
	}
	c = f.login("edna")
	f.clock.Advance(31 * time.Minute)
	if status, b := who(c); status != http.StatusUnauthorized || !strings.Contains(string(b), "without use") {
		t.Errorf("past the idle limit: %d %s", status, b)
	}
	// Sign-out kills the session on the server: the cookie is dead.
	c = f.login("edna")
	if status, h, b := f.call(http.MethodDelete, "/api/session", "", c); status != http.StatusNoContent || !strings.Contains(h.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout: %d %q %s", status, h.Get("Set-Cookie"), b)
	}
	if status, b := who(c); status != http.StatusUnauthorized {
		t.Errorf("the cookie of a signed-out session: %d %s", status, b)
	}
}

// TestTokensAndDisabledUsers: a token created through the API works until
// revoked or its user disabled; disabling ends the user's sessions.
func TestTokensAndDisabledUsers(t *testing.T) {
	f := newAuthFixture(t, nil)
	admin := cred{token: f.tokens["amal-live"], origin: "-"}
	status, _, b := f.call(http.MethodPost, "/api/tokens", `{"user":"edna","name":"qgis","expires":"30d"}`, admin)
	if status != http.StatusCreated {
		t.Fatalf("create token: %d %s", status, b)
	}
	var tok struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	json.Unmarshal(b, &tok)
	f.secrets["token created by the API"] = tok.Token
	edna := cred{token: tok.Token, origin: "-"}
	if status, _, b := f.call(http.MethodGet, "/api/session", "", edna); status != http.StatusOK || !strings.Contains(string(b), `"via":"token"`) {
		t.Fatalf("the new token: %d %s", status, b)
	}
	// Last use is written, at most once a minute.
	list := func() string { _, _, b := f.call(http.MethodGet, "/api/tokens?user=edna", "", admin); return string(b) }
	if !strings.Contains(list(), `"last_used":"2026-04-21T08:00:00Z"`) {
		t.Errorf("last use not recorded: %s", list())
	}
	f.clock.Advance(30 * time.Second)
	f.call(http.MethodGet, "/api/session", "", edna)
	if !strings.Contains(list(), `"last_used":"2026-04-21T08:00:00Z"`) {
		t.Errorf("last use rewritten within the minute: %s", list())
	}
	f.clock.Advance(31 * time.Second)
	f.call(http.MethodGet, "/api/session", "", edna)
	if !strings.Contains(list(), `"last_used":"2026-04-21T08:01:01Z"`) {
		t.Errorf("last use not rewritten after a minute: %s", list())
	}
	if strings.Contains(list(), tok.Token) || strings.Contains(list(), credential.HashSecret(tok.Token)) {
		t.Error("the token list shows the secret or its hash")
	}
	// Expiry.
	f.clock.Advance(31 * 24 * time.Hour)
	if status, _, b := f.call(http.MethodGet, "/api/session", "", edna); status != http.StatusUnauthorized || !strings.Contains(string(b), "expired") {
		t.Errorf("an expired token: %d %s", status, b)
	}
	// Revocation.
	status, _, b = f.call(http.MethodPost, "/api/tokens", `{"user":"edna","name":"qgis 2"}`, admin)
	json.Unmarshal(b, &tok)
	if status != http.StatusCreated {
		t.Fatalf("second token: %d %s", status, b)
	}
	f.secrets["second token created by the API"] = tok.Token
	edna.token = tok.Token
	if status, _, _ := f.call(http.MethodDelete, fmt.Sprintf("/api/tokens/%d", tok.ID), "", admin); status != http.StatusOK {
		t.Fatalf("revoke: %d", status)
	}
	if status, _, b := f.call(http.MethodGet, "/api/session", "", edna); status != http.StatusUnauthorized || !strings.Contains(string(b), "revoked") {
		t.Errorf("a revoked token: %d %s", status, b)
	}
	if status, _, _ := f.call(http.MethodDelete, fmt.Sprintf("/api/tokens/%d", tok.ID), "", admin); status != http.StatusConflict {
		t.Errorf("revoking twice: %d, want 409", status)
	}
	// Disabling ends sessions; the user's tokens are refused.
	ses := f.login("dina")
	if status, _, _ := f.call(http.MethodPatch, "/api/users/dina", `{"disabled":true}`, admin); status != http.StatusOK {
		t.Fatal("disable dina")
	}
	if status, _, b := f.call(http.MethodGet, "/api/session", "", ses); status != http.StatusUnauthorized {
		t.Errorf("a disabled user's session: %d %s", status, b)
	}
	if status, _, b := f.call(http.MethodGet, "/api/session", "", cred{token: f.tokens["dina"]}); status != http.StatusUnauthorized || !strings.Contains(string(b), "disabled") {
		t.Errorf("a disabled user's token: %d %s", status, b)
	}
	if status, _, b := f.call(http.MethodPost, "/api/session", fmt.Sprintf(`{"username":"dina","password":%q}`, f.passwords["dina"]), cred{}); status != http.StatusUnauthorized {
		t.Errorf("a disabled user signs in: %d %s", status, b)
	}
	// An admin does not lock themselves out.
	if status, _, _ := f.call(http.MethodPatch, "/api/users/amal", `{"disabled":true}`, admin); status != http.StatusConflict {
		t.Errorf("an admin disabling themselves: %d, want 409", status)
	}
	// A password reset answers the new password once and ends sessions.
	ses = f.login("edna")
	status, _, b = f.call(http.MethodPatch, "/api/users/edna", `{"reset_password":true}`, admin)
	var reset struct{ Password string }
	json.Unmarshal(b, &reset)
	if status != http.StatusOK || len(reset.Password) < 20 {
		t.Fatalf("reset: %d %s", status, b)
	}
	f.secrets["password reset by the API"] = reset.Password
	if status, _, _ := f.call(http.MethodGet, "/api/session", "", ses); status != http.StatusUnauthorized {
		t.Error("a reset left the session alive")
	}
	f.passwords["edna"] = reset.Password
	f.login("edna")
}

// TestLoginLimits: failed sign-ins are limited per account and per client,
// with 429 and Retry-After; an unknown account costs the same hashing work
// as a known one; every attempt is audited, never with its password.
func TestLoginLimits(t *testing.T) {
	f := newAuthFixture(t, func(c *web.Config) {
		c.Auth.LoginBurst, c.Auth.LoginEvery, c.Auth.ClientBurst, c.Auth.ClientEvery = 3, time.Minute, 8, 10*time.Second
	})
	attempt := func(name, pw string) (int, http.Header, []byte) {
		return f.call(http.MethodPost, "/api/session", fmt.Sprintf(`{"username":%q,"password":%q}`, name, pw), cred{})
	}
	derivations := func() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.derived) }
	wrong := "not-the-password-" + credential.NewPassword()
	f.secrets["a wrong password"] = wrong
	before := derivations()
	for i := range 3 {
		if status, _, b := attempt("edna", wrong); status != http.StatusUnauthorized || !strings.Contains(string(b), "wrong") {
			t.Fatalf("wrong password %d: %d %s", i+1, status, b)
		}
	}
	known := derivations() - before
	status, h, b := attempt("edna", f.passwords["edna"])
	if status != http.StatusTooManyRequests || h.Get("Retry-After") != "60" || h.Get("Content-Type") != web.MIMEProblem {
		t.Fatalf("fourth attempt on one account: %d, Retry-After %q, %s; want 429 after 60 s", status, h.Get("Retry-After"), b)
	}
	f.clock.Advance(time.Minute)
	if status, _, b := attempt("edna", f.passwords["edna"]); status != http.StatusOK {
		t.Fatalf("a minute later: %d %s", status, b)
	}
	// Unknown accounts: the same work, one derivation each with the same
	// parameters as the stored hashes'.
	before = derivations()
	for _, name := range []string{"nobody", "Not A Name!", strings.Repeat("x", 300)} {
		if status, _, b := attempt(name, wrong); status != http.StatusUnauthorized || !strings.Contains(string(b), "wrong") {
			t.Fatalf("unknown account %q: %d %s", name, status, b)
		}
	}
	if unknown := derivations() - before; known != 3 || unknown != 3 {
		t.Errorf("derivations: %d for 3 wrong passwords of a known account, %d for 3 unknown accounts; want 3 and 3", known, unknown)
	}
	f.mu.Lock()
	for _, p := range f.derived {
		if p != fastParams {
			t.Errorf("a derivation with %+v, want %+v", p, fastParams)
		}
	}
	f.mu.Unlock()
	// The client's own limit: 8 attempts; the minute refilled it, and 4
	// are spent since (a sign-in and 3 unknown names).
	for i := range 5 {
		status, h, _ = attempt([]string{"rami", "x1", "x2", "x3", "omar"}[i], wrong)
		if i < 4 && status != http.StatusUnauthorized {
			t.Errorf("attempt %d of the client's last 4: %d", i+1, status)
		}
	}
	if status != http.StatusTooManyRequests || h.Get("Retry-After") != "10" {
		t.Errorf("past the client's limit: %d, Retry-After %q; want 429 after 10 s", status, h.Get("Retry-After"))
	}
	// A client cannot name itself another address: the server is not behind
	// a proxy it was told to trust.
	if status, _, _ := f.call(http.MethodPost, "/api/session", fmt.Sprintf(`{"username":"omar","password":%q}`, wrong), cred{forwardedFor: "203.0.113.9"}); status != http.StatusTooManyRequests {
		t.Errorf("past the client's limit with X-Forwarded-For of another address: %d, want 429", status)
	}
	// Every attempt that was answered is in the audit log.
	entries, err := f.store.Audit(context.Background(), geo.AuditFilter{}, geo.Page{})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range entries {
		count[e.Action+" "+e.Actor]++
		if strings.Contains(e.Detail, wrong) || strings.Contains(e.Detail, f.passwords["edna"]) {
			t.Errorf("audit entry %d holds a password: %s", e.ID, e.Detail)
		}
	}
	if count["login_failed edna"] != 3 || count["login edna"] != 1 || count["login_failed anonymous"] != 6 || count["login_failed rami"] != 1 || count["login_failed omar"] != 0 {
		t.Errorf("audit counts %v: want 3 failures and a login of edna, 6 anonymous failures, 1 of rami, none of omar (limited)", count)
	}
}

// TestAccountBodies: bad JSON, unknown fields, another media type and a
// body too large are problems naming the fault.
func TestAccountBodies(t *testing.T) {
	f := newAuthFixture(t, nil)
	admin := cred{token: f.tokens["amal-live"], origin: "-"}
	for _, c := range []struct {
		body   string
		status int
		says   string
	}{
		{`{"name":"hana",`, 400, "cut short"},
		{`{"name":"hana","role":"editor","password":"x"}`, 400, "unknown field"},
		{`{"name":"hana","role":7}`, 400, "must be a"},
		{`{"name":"Hana!","role":"editor"}`, 400, "not a user name"},
		{`{"name":"hana","role":"owner"}`, 400, "not a role"},
		{`{"name":"` + strings.Repeat("h", 10000) + `","role":"editor"}`, 413, "larger than"},
		{`{"name":"amal","role":"editor"}`, 409, "exists"},
	} {
		status, h, b := f.call(http.MethodPost, "/api/users", c.body, admin)
		if status != c.status || !strings.Contains(string(b), c.says) || h.Get("Content-Type") != web.MIMEProblem {
			t.Errorf("%s: %d %s; want %d saying %q", clipBody([]byte(c.body)), status, clipBody(b), c.status, c.says)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, f.ts.URL+"/api/users", strings.NewReader("name=hana&role=editor"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+f.tokens["amal-live"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("a form body: %d, want 415", resp.StatusCode)
	}
	if status, _, b := f.call(http.MethodGet, "/api/session", "", cred{token: "bdm_not-a-token"}); status != http.StatusUnauthorized || !strings.Contains(string(b), "not valid") {
		t.Errorf("a bad token: %d %s", status, b)
	}
	if status, _, b := f.call(http.MethodGet, "/api/session", "", cred{cookie: "not-a-session", noCSRF: true}); status != http.StatusUnauthorized || !strings.Contains(string(b), "ended") {
		t.Errorf("a bad cookie: %d %s", status, b)
	}
	status, _, _ := f.call(http.MethodGet, "/api/session", "", cred{})
	if status != http.StatusUnauthorized {
		t.Errorf("who am I, anonymous: %d", status)
	}
}

// TestNoSecretInLogOrMetrics runs every path that handles a secret (sign-in,
// failed sign-in, CSRF refusals, tokens made and used and revoked,
// passwords made and reset, sign-out) and then reads the server's log and
// /metrics for each secret the test saw, and each stored hash.
func TestNoSecretInLogOrMetrics(t *testing.T) {
	f := newAuthFixture(t, nil)
	admin := f.login("amal")
	f.login("edna")
	rami := f.login("rami")
	wrong := "wrong-" + credential.NewPassword()
	f.secrets["a wrong password"] = wrong
	f.call(http.MethodPost, "/api/session", fmt.Sprintf(`{"username":"rami","password":%q}`, wrong), cred{})
	f.call(http.MethodPost, "/api/session", fmt.Sprintf(`{"username":"ghost","password":%q}`, wrong), cred{})
	f.call(http.MethodPost, "/api/session", `{"username":"rami","password":`, cred{}) // bad JSON
	f.call(http.MethodPost, "/api/users", `{"name":"hana","role":"editor"}`, cred{cookie: admin.cookie, noCSRF: true})
	f.call(http.MethodPost, "/api/users", `{"name":"hana","role":"editor"}`, cred{cookie: admin.cookie, csrf: rami.csrf})
	f.call(http.MethodPost, "/api/users", `{"name":"hana","role":"editor"}`, cred{cookie: rami.cookie, csrf: rami.csrf}) // 403: role
	_, _, b := f.call(http.MethodPost, "/api/users", `{"name":"hana","role":"editor"}`, admin)
	var made struct{ Password string }
	json.Unmarshal(b, &made)
	f.secrets["password made by the API"] = made.Password
	_, _, b = f.call(http.MethodPatch, "/api/users/hana", `{"reset_password":true}`, admin)
	json.Unmarshal(b, &made)
	f.secrets["password reset by the API"] = made.Password
	_, _, b = f.call(http.MethodPost, "/api/tokens", `{"user":"hana","name":"script"}`, admin)
	var tok struct {
		ID    int64
		Token string
	}
	json.Unmarshal(b, &tok)
	f.secrets["token made by the API"] = tok.Token
	f.call(http.MethodGet, "/api/audit", "", cred{token: tok.Token}) // 403: editor
	f.call(http.MethodDelete, fmt.Sprintf("/api/tokens/%d", tok.ID), "", admin)
	f.call(http.MethodGet, "/api/session", "", cred{token: tok.Token}) // 401: revoked
	f.call(http.MethodGet, "/api/session", "", cred{token: f.tokens["amal-revoked"]})
	f.call(http.MethodGet, "/api/audit", "", cred{token: f.tokens["amal-live"]})
	f.call(http.MethodDelete, "/api/session", "", rami)
	f.call(http.MethodGet, "/api/session", "", rami) // 401: signed out
	f.clock.Advance(2 * time.Hour)
	f.call(http.MethodGet, "/api/session", "", admin) // 401: expired
	for what, secret := range f.secrets {
		if len(secret) < 16 {
			t.Fatalf("the test lost the secret %s: %q", what, secret)
		}
	}
	users, _ := f.store.Users(context.Background())
	for _, u := range users {
		f.secrets["stored hash of "+u.Name] = u.PasswordHash
	}
	for what, secret := range f.secrets {
		if strings.HasPrefix(what, "session of ") || strings.HasPrefix(what, "token ") {
			f.secrets["SHA-256 of "+what] = credential.HashSecret(secret)
		}
	}
	resp, metrics := get(t, f.ts.URL+"/metrics")
	mustOK(t, resp, metrics)
	log := f.log.String()
	if !strings.Contains(log, `"route":"/api/session"`) || !strings.Contains(log, `"status":401`) || !strings.Contains(log, "sign-in") && !strings.Contains(log, `"status":403`) {
		t.Fatalf("the log captured too little to judge:\n%s", log)
	}
	for what, secret := range f.secrets {
		if strings.Contains(log, secret) {
			t.Errorf("the server log holds the %s", what)
		}
		if strings.Contains(string(metrics), secret) {
			t.Errorf("/metrics holds the %s", what)
		}
	}
	t.Logf("searched %d bytes of log and %d of metrics for %d secrets", len(log), len(metrics), len(f.secrets))
}

// TestAuditAPI: GET /api/audit filters by actor, action, target and time,
// pages with next links, and shows details as JSON.
func TestAuditAPI(t *testing.T) {
	f := newAuthFixture(t, nil)
	for range 3 {
		f.login("edna")
		f.clock.Advance(time.Minute)
	}
	f.login("rami")
	admin := cred{token: f.tokens["amal-live"], origin: "-"}
	type page struct {
		Entries []struct {
			ID     int64
			At     string
			Actor  string
			Action string
			Target string
			Client string
			Detail map[string]any
		}
		Next string
	}
	read := func(path string) page {
		status, _, b := f.call(http.MethodGet, path, "", admin)
		if status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, status, b)
		}
		var p page
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := read("/api/audit?action=login&actor=edna&limit=2")
	if len(p.Entries) != 2 || p.Next == "" || p.Entries[0].Actor != "edna" || p.Entries[0].Client != "127.0.0.1" || p.Entries[0].Detail["via"] != "session" {
		t.Fatalf("first page: %+v", p)
	}
	status, _, b := f.call(http.MethodGet, strings.TrimPrefix(p.Next, f.ts.URL), "", admin)
	var p2 page
	json.Unmarshal(b, &p2)
	if status != http.StatusOK || len(p2.Entries) != 1 || p2.Next != "" || p2.Entries[0].ID <= p.Entries[1].ID {
		t.Errorf("second page: %d %+v", status, p2)
	}
	// Newest first, the next link keeps the order: edna's three sign-ins
	// come back last to first, across two pages.
	newest := read("/api/audit?action=login&actor=edna&limit=2&order=newest")
	if newest.Next == "" || !strings.Contains(newest.Next, "order=newest") {
		t.Fatalf("newest first: no next link that keeps the order: %+v", newest)
	}
	rest := read(strings.TrimPrefix(newest.Next, f.ts.URL))
	var ids []int64
	for _, e := range append(newest.Entries, rest.Entries...) {
		ids = append(ids, e.ID)
	}
	if want := []int64{p2.Entries[0].ID, p.Entries[1].ID, p.Entries[0].ID}; !slices.Equal(ids, want) || rest.Next != "" {
		t.Errorf("newest first in pages of 2: ids %v (next %q), want %v", ids, rest.Next, want)
	}
	if p := read("/api/audit?target=user:rami&from=2026-04-21T08:03:00Z&to=2026-04-21"); len(p.Entries) != 1 || p.Entries[0].Action != "login" {
		t.Errorf("rami's sign-in by target and time: %+v", p)
	}
	if p := read("/api/audit?to=2026-04-21T08:00:30Z&action=login"); len(p.Entries) != 1 {
		t.Errorf("sign-ins before 08:00:30: %+v", p)
	}
	for _, q := range []string{"limit=0", "limit=5000", "from=yesterday", "cursor=abc", "from=2026-05-01&to=2026-04-01", "actor=" + strings.Repeat("a", 300), "secret=1", "order=latest", "order=newest&order=oldest"} {
		if status, _, b := f.call(http.MethodGet, "/api/audit?"+q, "", admin); status != http.StatusBadRequest || !strings.Contains(string(b), `"parameter"`) {
			t.Errorf("%s: %d %s; want a 400 naming the parameter", q, status, clipBody(b))
		}
	}
}

// adminToken gives store a spare user with a spare token (token 1, which
// the examples revoke) and an admin, and returns the admin's token.
func adminToken(t *testing.T, store geo.Store) string {
	t.Helper()
	userToken(t, store, "omar", geo.RoleEditor) // the user the account examples change
	return userToken(t, store, "amal", geo.RoleAdmin)
}

// userToken adds a user of role to store and returns an API token of theirs.
func userToken(t *testing.T, store geo.Store, name string, role geo.Role) string {
	t.Helper()
	ctx := context.Background()
	as := store.(geo.AccountStore)
	user, err := as.CreateUser(ctx, geo.User{Name: name, Role: role, PasswordHash: "$argon2id$unused"}, geo.AuditEntry{Actor: "test", Action: "user_add"})
	if err != nil {
		t.Fatal(err)
	}
	secret := credential.NewToken()
	if _, err := as.CreateToken(ctx, geo.APIToken{UserID: user.ID, Name: "test", Hash: credential.HashSecret(secret)}, geo.AuditEntry{Actor: "test", Action: "token_create"}); err != nil {
		t.Fatal(err)
	}
	return secret
}

// bodyExample is the example of a documented request body, "" when none.
func bodyExample(requestBody json.RawMessage) string {
	var rb struct {
		Content map[string]struct {
			Example json.RawMessage `json:"example"`
		} `json:"content"`
	}
	json.Unmarshal(requestBody, &rb)
	for _, c := range rb.Content {
		if len(c.Example) > 0 {
			return string(c.Example)
		}
	}
	return ""
}
