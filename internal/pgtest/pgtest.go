// Package pgtest gives tests a real PostgreSQL + PostGIS: a fresh database in
// the throwaway cluster that scripts/with-postgis starts (make test does), or
// a cluster of the test's own that it can stop and restart.
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	_ "github.com/lib/pq" // the driver the tests talk through
)

// EnvURL names the variable scripts/with-postgis sets to its cluster's URL.
const EnvURL = "BADIAMAP_TEST_DATABASE_URL"

// ServerURL is the URL of the shared test cluster; the test fails when there
// is none, since these tests are meant to run against a real PostGIS.
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		t.Fatalf("%s is not set: run the tests with `make test` (it starts a throwaway PostGIS)", EnvURL)
	}
	return u
}

// NewDatabase creates an empty database in the shared test cluster, drops it
// when the test ends, and returns its URL. It has no extension yet: migrations
// create PostGIS.
func NewDatabase(t testing.TB) string {
	t.Helper()
	server := ServerURL(t)
	admin, err := sql.Open("postgres", server)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := "t_" + randomHex(8)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil { // name is ours, not input
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("postgres", server)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	return withDatabase(server, name)
}

func withDatabase(server, name string) string {
	u, err := url.Parse(server)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Cluster is a PostgreSQL server of one test's own, for tests that stop it.
type Cluster struct {
	Dir  string
	Port int
	URL  string // of its postgres database
	t    testing.TB

	frozen []int // the processes Freeze stopped
}

// StartCluster initdbs and starts a cluster in a temp dir on a free port; it
// is stopped and removed when the test ends.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	dir, err := os.MkdirTemp("", "badiamap-pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	if os.Geteuid() == 0 {
		if u, err := user.Lookup("postgres"); err == nil {
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			os.Chown(dir, uid, gid)
		}
	}
	c := &Cluster{Dir: dir, Port: freePort(t), t: t}
	c.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.Port)
	c.run("initdb", "-D", c.data(), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8")
	c.Start()
	t.Cleanup(func() {
		c.pg("pg_ctl", "-D", c.data(), "-m", "immediate", "stop").Run()
		os.RemoveAll(dir)
	})
	return c
}

func (c *Cluster) data() string { return filepath.Join(c.Dir, "data") }

// Start starts the server (again) on the same port.
func (c *Cluster) Start() {
	c.t.Helper()
	c.run("pg_ctl", "-D", c.data(), "-l", filepath.Join(c.Dir, "server.log"), "-w", "-t", "60",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", c.Port, c.Dir), "start")
}

// Stop stops the server at once, as a crash or an outage would.
func (c *Cluster) Stop() {
	c.t.Helper()
	c.run("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop")
}

// Freeze stops every process of the server with SIGSTOP, as a hung host or
// `kill -STOP` does: connections stay open and nothing answers. Thaw (run
// by itself when the test ends, before the cluster is removed) resumes it.
func (c *Cluster) Freeze() {
	c.t.Helper()
	if c.frozen != nil {
		return
	}
	pm := c.postmasterPID()
	pids := append([]int{pm}, childPIDs(pm)...) // the postmaster first: it forks no more
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			c.frozen = pids
			c.Thaw()
			c.t.Fatalf("SIGSTOP %d: %v", pid, err)
		}
	}
	c.frozen = pids
	c.t.Cleanup(c.Thaw)
}

// Thaw resumes what Freeze stopped.
func (c *Cluster) Thaw() {
	for _, pid := range c.frozen {
		syscall.Kill(pid, syscall.SIGCONT)
	}
	c.frozen = nil
}

func (c *Cluster) postmasterPID() int {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.data(), "postmaster.pid"))
	if err != nil {
		c.t.Fatalf("postmaster.pid: %v", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		c.t.Fatalf("postmaster.pid: %v", err)
	}
	return pid
}

// childPIDs lists the processes whose parent is pid, from /proc.
func childPIDs(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after ")".
		i := strings.LastIndexByte(string(stat), ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(stat[i+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

func (c *Cluster) run(name string, args ...string) {
	c.t.Helper()
	if out, err := c.pg(name, args...).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.Dir, "server.log"))
		c.t.Fatalf("%s: %v\n%s\n%s", name, err, out, log)
	}
}

func (c *Cluster) pg(name string, args ...string) *exec.Cmd {
	bin := os.Getenv("PGBIN")
	if bin == "" {
		bin = "/usr/lib/postgresql/15/bin"
	}
	path := filepath.Join(bin, name)
	if os.Geteuid() == 0 { // initdb and postgres refuse to run as root
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

var (
	poolerMu sync.Mutex
	pooler   *Pooler
)

// NewPooledDatabase is NewDatabase reached through pgbouncer in transaction
// mode: pooled is its URL through the pooler, direct its own. The pooler is
// started in front of the shared cluster when first asked for, and ends
// with the test process; one found exited is started again, and its end
// said on stderr (the web tests' pooler has been seen to die between tests,
// which then all failed to connect).
func NewPooledDatabase(t testing.TB) (direct, pooled string) {
	t.Helper()
	direct = NewDatabase(t)
	poolerMu.Lock()
	if pooler != nil && pooler.exited() {
		fmt.Fprintf(os.Stderr, "pgtest: the shared pgbouncer had exited (%s) before %s: starting another\n", pooler.cmd.ProcessState, t.Name())
		pooler = nil
	}
	if pooler == nil {
		p, err := startSharedPooler(ServerURL(t))
		if err != nil {
			poolerMu.Unlock()
			t.Fatalf("pgbouncer: %v", err)
		}
		pooler = p
	}
	p := pooler
	poolerMu.Unlock()
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	return direct, p.URL(strings.TrimPrefix(u.Path, "/"))
}

// startSharedPooler starts pgbouncer in front of the cluster at server. Its
// files are removed once it runs (it has read its configuration and keeps
// its log open), so nothing is left behind when the test process ends.
func startSharedPooler(server string) (*Pooler, error) {
	u, err := url.Parse(server)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		return nil, fmt.Errorf("%s: no port in %s", EnvURL, server)
	}
	dir, err := os.MkdirTemp("", "badiamap-pgbouncer-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	creds, err := postgresCredential()
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	return startPooler(dir, "pgbouncer", ports[0], port, creds)
}
