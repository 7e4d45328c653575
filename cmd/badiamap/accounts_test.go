package main

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/badiamap/badiamap/internal/pgtest"
)

// running is a `badiamap serve` the test talks to.
type running struct {
	url  string
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  strings.Builder
	done chan struct{}
}

// startServeLogged starts `badiamap serve args...` on a free port and waits until
// it listens; stop ends it and returns its whole log.
func startServeLogged(t *testing.T, c cli, env []string, args ...string) *running {
	t.Helper()
	cmd := exec.Command(c.bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), append([]string{"DATABASE_URL=" + c.url, "BADIAMAP_DATA_DIR=", "BADIAMAP_NO_DEMO=1"}, env...)...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &running{cmd: cmd, done: make(chan struct{})}
	listening := make(chan string, 1)
	go func() {
		defer close(r.done)
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			r.mu.Lock()
			r.log.WriteString(sc.Text() + "\n")
			r.mu.Unlock()
			var line struct{ Msg, URL string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				listening <- strings.TrimSuffix(line.URL, "/")
			}
		}
	}()
	select {
	case r.url = <-listening:
	case <-r.done:
		cmd.Wait()
		t.Fatalf("serve exited:\n%s", r.log.String())
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("serve did not listen in 2 minutes:\n%s", r.log.String())
	}
	t.Cleanup(func() { r.stop() })
	return r
}

func (r *running) stop() string {
	r.cmd.Process.Signal(syscall.SIGTERM)
	<-r.done
	r.cmd.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.String()
}

// request sends a JSON request to the server.
func (r *running) request(t *testing.T, method, path, body string, header ...string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, r.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", r.url)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

var (
	passwordLine = regexp.MustCompile(`(?m)^([A-Z2-7]{26})$`)
	tokenLine    = regexp.MustCompile(`(?m)^(bdm_[A-Za-z0-9_-]{43})$`)
)

func secretIn(t *testing.T, re *regexp.Regexp, out string) string {
	t.Helper()
	m := re.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no secret in the output:\n%s", out)
	}
	return m[1]
}

// login signs in to r and returns the cookie header and CSRF token.
func login(t *testing.T, r *running, name, password string) (string, string) {
	t.Helper()
	status, h, body := r.request(t, http.MethodPost, "/api/session", fmt.Sprintf(`{"username":%q,"password":%q}`, name, password))
	if status != http.StatusOK {
		t.Fatalf("login %s: %d %s", name, status, body)
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	json.Unmarshal([]byte(body), &out)
	return strings.Split(h.Get("Set-Cookie"), ";")[0], out.CSRF
}

func cliUser(t *testing.T) string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli:" + os.Getenv("USER")
}

// TestAccountCommands: on the embedded store, the binary adds users and
// tokens (their secrets printed once), the server signs them in, and the
// audit log read by `badiamap audit` holds every change and sign-in, by
// whom. The server's log holds none of the secrets.
func TestAccountCommands(t *testing.T) {
	c := cli{t, buildBinary(t), ""}
	dir := filepath.Join(t.TempDir(), "store")
	out := c.ok("user", "add", "amal", "--role", "admin", "--data-dir", dir)
	amalPW := secretIn(t, passwordLine, out)
	out = c.ok("user", "add", "--data-dir", dir, "edna", "--role=editor")
	ednaPW := secretIn(t, passwordLine, out)
	if _, errs, status := c.run("user", "add", "amal", "--role", "editor", "--data-dir", dir); status == 0 || !strings.Contains(errs, "exists") {
		t.Errorf("a second amal: exit %d, %s", status, errs)
	}
	if _, errs, status := c.run("user", "add", "Bad Name", "--role", "editor", "--data-dir", dir); status != 2 || !strings.Contains(errs, "not a user name") {
		t.Errorf("a bad name: exit %d, %s", status, errs)
	}
	if _, errs, status := c.run("user", "add", "omar", "--role", "owner", "--data-dir", dir); status != 2 || !strings.Contains(errs, "not a role") {
		t.Errorf("a bad role: exit %d, %s", status, errs)
	}
	out = c.ok("token", "create", "--user", "edna", "--name", "nightly import", "--expires", "30d", "--data-dir", dir)
	token := secretIn(t, tokenLine, out)
	if _, errs, status := c.run("token", "create", "--user", "edna", "--expires", "5y", "--data-dir", dir); status != 2 || !strings.Contains(errs, "--expires") {
		t.Errorf("a bad expiry: exit %d, %s", status, errs)
	}
	list := c.ok("user", "list", "--data-dir", dir)
	if !regexp.MustCompile(`amal\s+admin\s+active`).MatchString(list) || !regexp.MustCompile(`edna\s+editor\s+active`).MatchString(list) {
		t.Errorf("user list:\n%s", list)
	}

	srv := startServeLogged(t, c, nil, "--data-dir", dir)
	cookie, csrf := login(t, srv, "amal", amalPW)
	if status, _, b := srv.request(t, http.MethodGet, "/api/users", "", "Cookie", cookie); status != http.StatusOK || !strings.Contains(b, `"edna"`) {
		t.Errorf("GET /api/users as amal: %d %s", status, b)
	}
	if status, _, b := srv.request(t, http.MethodPost, "/api/users", `{"name":"rami","role":"reviewer"}`, "Cookie", cookie, "X-CSRF-Token", csrf); status != http.StatusCreated {
		t.Errorf("POST /api/users as amal: %d %s", status, b)
	}
	if status, _, b := srv.request(t, http.MethodGet, "/api/session", "", "Authorization", "Bearer "+token); status != http.StatusOK || !strings.Contains(b, `"name":"edna"`) {
		t.Errorf("edna's token: %d %s", status, b)
	}
	if status, _, _ := srv.request(t, http.MethodPost, "/api/session", fmt.Sprintf(`{"username":"edna","password":"%s-wrong"}`, ednaPW)); status != http.StatusUnauthorized {
		t.Errorf("a wrong password: %d", status)
	}
	log := srv.stop()
	for what, secret := range map[string]string{"amal's password": amalPW, "edna's password": ednaPW, "the token": token, "the session cookie": cookie, "the CSRF token": csrf} {
		if strings.Contains(log, secret) {
			t.Errorf("serve's log holds %s", what)
		}
	}

	out = c.ok("token", "list", "--data-dir", dir)
	if !regexp.MustCompile(`1\s+edna\s+nightly import`).MatchString(out) || strings.Contains(out, token) {
		t.Errorf("token list:\n%s", out)
	}
	c.ok("token", "revoke", "1", "--data-dir", dir)
	if _, errs, status := c.run("token", "revoke", "1", "--data-dir", dir); status == 0 || !strings.Contains(errs, "revoked already") {
		t.Errorf("revoking twice: exit %d, %s", status, errs)
	}
	c.ok("user", "disable", "edna", "--data-dir", dir)
	pw2 := secretIn(t, passwordLine, c.ok("user", "passwd", "amal", "--data-dir", dir))
	if pw2 == amalPW {
		t.Error("passwd printed the old password")
	}
	audit := c.ok("audit", "--data-dir", dir)
	me := cliUser(t)
	for _, want := range []string{
		me + "\tuser_add\tuser:amal", me + "\tuser_add\tuser:edna", me + "\ttoken_create\ttoken:1",
		"amal\tlogin\tuser:amal\t127.0.0.1", "amal\tuser_add\tuser:rami\t127.0.0.1", "edna\tlogin_failed\tuser:edna\t127.0.0.1",
		me + "\ttoken_revoke\ttoken:1", me + "\tuser_change\tuser:edna", me + "\tuser_change\tuser:amal",
		"user:boundaries\tregions_replace\tregions:badia,governorate", // the first command loads them into the new store
	} {
		if !strings.Contains(audit, want) {
			t.Errorf("the audit log lacks %q:\n%s", want, audit)
		}
	}
	for _, secret := range []string{amalPW, ednaPW, token, pw2} {
		if strings.Contains(audit, secret) {
			t.Error("the audit log holds a secret")
		}
	}
	if out := c.ok("audit", "--data-dir", dir, "--action", "login_failed"); strings.Count(out, "\n") != 2 {
		t.Errorf("audit --action login_failed:\n%s", out)
	}
	if out := c.ok("audit", "--data-dir", dir, "--limit", "2"); strings.Count(out, "\n") != 3 {
		t.Errorf("audit --limit 2:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(audit), "\n")
	if out := c.ok("audit", "--data-dir", dir, "--order", "newest", "--limit", "1"); !strings.HasSuffix(out, lines[len(lines)-1]+"\n") || strings.Count(out, "\n") != 2 {
		t.Errorf("audit --order newest --limit 1:\n%s\nwant the last entry:\n%s", out, lines[len(lines)-1])
	}
	if _, errs, status := c.run("audit", "--data-dir", dir, "--from", "yesterday"); status != 2 || !strings.Contains(errs, "flag --from") {
		t.Errorf("audit --from yesterday: exit %d, %s", status, errs)
	}
	check := c.ok("store", "check", "--data-dir", dir)
	if !strings.Contains(check, "3 users, 1 API tokens and 10 audit entries") {
		t.Errorf("store check:\n%s", check)
	}
}

// TestServeAsLeastPrivilegedRole: on PostGIS the owner migrates, adds an
// admin and grants a role of its own; serve runs as that role with
// --no-migrate, signs the admin in and audits it; the role cannot change
// or remove an audit row.
func TestServeAsLeastPrivilegedRole(t *testing.T) {
	server := pgtest.ServerURL(t)
	admin := openDB(t, server)
	role := fmt.Sprintf("app_cmd_%d", time.Now().UnixNano()%1_000_000_000)
	if _, err := admin.Exec("CREATE ROLE " + role + " LOGIN"); err != nil { // the name is ours
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec("DROP ROLE IF EXISTS " + role) })
	dbURL := pgtest.NewDatabase(t)
	owner := cli{t, buildBinary(t), dbURL}
	owner.ok("migrate")
	owner.ok("db", "grant", "--role", role)
	pw := secretIn(t, passwordLine, owner.ok("user", "add", "amal", "--role", "admin"))
	u, _ := url.Parse(dbURL)
	u.User = url.User(role)
	app := cli{t, owner.bin, u.String()}
	if _, errs, status := app.run("db", "grant", "--role", role); status == 0 || !strings.Contains(errs, "only the owner") {
		t.Errorf("the application role granted itself: exit %d, %s", status, errs)
	}
	srv := startServeLogged(t, app, nil, "--no-migrate")
	cookie, csrf := login(t, srv, "amal", pw)
	status, _, b := srv.request(t, http.MethodPost, "/api/tokens", `{"user":"amal","name":"ci"}`, "Cookie", cookie, "X-CSRF-Token", csrf)
	if status != http.StatusCreated {
		t.Fatalf("a token made by the server as %s: %d %s", role, status, b)
	}
	if status, _, b := srv.request(t, http.MethodGet, "/readyz", ""); status != http.StatusOK {
		t.Errorf("readyz as %s: %d %s", role, status, b)
	}
	srv.stop()
	db := openDB(t, app.url)
	if n := queryInt(t, db, `SELECT count(*) FROM audit_log WHERE actor = 'amal' AND action IN ('login', 'token_create')`); n != 2 {
		t.Errorf("the audit log holds %d of amal's sign-in and token, want 2", n)
	}
	for _, stmt := range []string{"UPDATE audit_log SET actor = 'nobody'", "DELETE FROM audit_log", "TRUNCATE audit_log"} {
		if _, err := db.Exec(stmt); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("%s as %s: %v, want permission denied", stmt, role, err)
		}
	}
}

// TestComposeAppRole runs the compose file's deploy/app-role.sh as the
// postgis image does (psql as the superuser, twice, as on a volume made
// before it), then the compose sequence: the owner migrates, grants and
// imports; the server serves as badiamap_app with BADIAMAP_NO_MIGRATE and
// loads the boundaries itself. scripts/check-compose holds the file to it.
func TestComposeAppRole(t *testing.T) {
	const role = "badiamap_app" // the script's and the compose file's
	dbURL := pgtest.NewDatabase(t)
	admin := openDB(t, pgtest.ServerURL(t))
	u, _ := url.Parse(dbURL)
	t.Cleanup(func() {
		if db, err := sql.Open("postgres", dbURL); err == nil {
			db.Exec("DROP OWNED BY " + role)
			db.Close()
		}
		admin.Exec("DROP ROLE IF EXISTS " + role)
	})
	script, _ := filepath.Abs("../../deploy/app-role.sh")
	runScript := func(password string) {
		t.Helper()
		cmd := exec.Command("sh", script)
		cmd.Env = append(os.Environ(), "PGHOST="+u.Hostname(), "PGPORT="+u.Port(),
			"POSTGRES_USER="+u.User.Username(), "POSTGRES_DB="+strings.TrimPrefix(u.Path, "/"),
			"BADIAMAP_APP_PASSWORD="+password)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", script, err, out)
		}
		if strings.Contains(string(out), password) {
			t.Errorf("%s printed the password:\n%s", script, out)
		}
	}
	runScript("first-password")
	runScript("second-password'; DROP TABLE nothing; --")
	var super, createRole, createDB, canLogin bool
	var hash string
	if err := admin.QueryRow(`SELECT rolsuper, rolcreaterole, rolcreatedb, rolcanlogin, coalesce(rolpassword, '')
		FROM pg_authid WHERE rolname = $1`, role).Scan(&super, &createRole, &createDB, &canLogin, &hash); err != nil {
		t.Fatalf("the script made no role %s: %v", role, err)
	}
	if super || createRole || createDB || !canLogin {
		t.Errorf("%s: superuser %v, createrole %v, createdb %v, login %v; want login only", role, super, createRole, createDB, canLogin)
	}
	if !strings.HasPrefix(hash, "SCRAM-SHA-256$") {
		t.Errorf("%s has no SCRAM password: %q", role, hash)
	}

	owner := cli{t, buildBinary(t), dbURL}
	owner.ok("migrate")
	owner.ok("db", "grant", "--role", role)
	owner.ok("import", ucdpSubset(t, 50))
	u.User = url.User(role)
	app := cli{t, owner.bin, u.String()}
	srv := startServeLogged(t, app, []string{"BADIAMAP_NO_MIGRATE=1"})
	defer srv.stop()
	if status, _, b := srv.request(t, http.MethodGet, "/readyz", ""); status != http.StatusOK {
		t.Fatalf("readyz as %s: %d %s", role, status, b)
	}
	status, _, b := srv.request(t, http.MethodGet, "/api/incidents?limit=1", "")
	var page struct {
		NumberMatched int `json:"numberMatched"`
	}
	if err := json.Unmarshal([]byte(b), &page); status != http.StatusOK || err != nil || page.NumberMatched != 50 {
		t.Errorf("incidents as %s: %d, %d matched (%v), want the owner's 50", role, status, page.NumberMatched, err)
	}
	if n := queryInt(t, openDB(t, dbURL), `SELECT count(*) FROM regions`); n == 0 {
		t.Errorf("the server as %s loaded no regions", role)
	}
}
