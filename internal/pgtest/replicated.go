package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The replicated cluster of the scaling tests and benchmark: a primary, a
// streaming replica made from it with pg_basebackup -R, and pgbouncer in
// transaction mode in front of each, all from Debian's packages (PostgreSQL
// 15, PostGIS 3, pgbouncer), on free ports in a temp dir. The servers run
// as children of the test process (postgres in the foreground, not
// daemonized by pg_ctl), told to stop if it dies, so a crashed test leaves
// no server behind.

// Server is one PostgreSQL server of a Replicated cluster.
type Server struct {
	Name string
	Dir  string // its data directory
	Port int
	URL  string // of its postgres database

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	log  string
	conf []string // -c settings
}

// Pooler is a pgbouncer in pool_mode = transaction in front of one server:
// every database of the server is reachable through it by its name.
type Pooler struct {
	Port int
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

// Replicated is a primary, its streaming replica and a pooler in front of
// each.
type Replicated struct {
	Dir           string
	Primary       *Server
	Replica       *Server
	PrimaryPooler *Pooler
	ReplicaPooler *Pooler
	removeDir     bool
	closeOnce     sync.Once
	creds         *syscall.Credential // the postgres user when run as root
}

// settings every server of the cluster runs with: throwaway durability,
// pg_stat_statements for counting queries, streaming replication.
var clusterSettings = []string{
	"listen_addresses=127.0.0.1", "fsync=off", "full_page_writes=off",
	"shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track=all",
	"max_connections=200", "wal_level=replica", "max_wal_senders=5", "hot_standby=on",
	"wal_receiver_status_interval=1s", "max_standby_streaming_delay=-1",
}

// StartReplicated initdbs a primary, starts it, makes a replica of it with
// pg_basebackup -R, starts that and the poolers, and waits until the
// replica streams. Close stops everything and removes the directory.
func StartReplicated() (_ *Replicated, err error) {
	dir, err := os.MkdirTemp("", "badiamap-replicated-")
	if err != nil {
		return nil, err
	}
	r := &Replicated{Dir: dir, removeDir: true}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	if r.creds, err = postgresCredential(); err != nil {
		return nil, err
	}
	if r.creds != nil {
		if err := os.Chown(dir, int(r.creds.Uid), int(r.creds.Gid)); err != nil {
			return nil, err
		}
	}
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	r.Primary = r.newServer("primary", ports[0])
	r.Replica = r.newServer("replica", ports[1])
	if out, err := r.run("initdb", "-D", r.Primary.Dir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	if err := r.Primary.Start(); err != nil {
		return nil, err
	}
	if out, err := r.run("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(r.Primary.Port), "-U", "postgres",
		"-D", r.Replica.Dir, "-R", "-X", "stream", "-c", "fast"); err != nil {
		return nil, fmt.Errorf("pg_basebackup: %v\n%s", err, out)
	}
	if err := r.Replica.Start(); err != nil {
		return nil, err
	}
	if r.PrimaryPooler, err = r.startPooler("pgbouncer-primary", ports[2], r.Primary.Port); err != nil {
		return nil, err
	}
	if r.ReplicaPooler, err = r.startPooler("pgbouncer-replica", ports[3], r.Replica.Port); err != nil {
		return nil, err
	}
	return r, r.WaitStreaming(60 * time.Second)
}

func (r *Replicated) newServer(name string, port int) *Server {
	return &Server{Name: name, Dir: filepath.Join(r.Dir, name), Port: port, log: filepath.Join(r.Dir, name+".log"),
		URL:  fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port),
		conf: append([]string{"port=" + strconv.Itoa(port), "unix_socket_directories=" + r.Dir}, clusterSettings...)}
}

// Close stops the poolers and servers and removes the directory.
func (r *Replicated) Close() {
	r.closeOnce.Do(func() {
		for _, p := range []*Pooler{r.PrimaryPooler, r.ReplicaPooler} {
			if p != nil {
				p.stop()
			}
		}
		for _, s := range []*Server{r.Replica, r.Primary} {
			if s != nil {
				s.Stop()
			}
		}
		if r.removeDir {
			os.RemoveAll(r.Dir)
		}
	})
}

// Log is the end of a server's log, for a failing test.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Start starts the server (again) and waits until it accepts connections.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	args := []string{"-D", s.Dir}
	for _, c := range s.conf {
		args = append(args, "-c", c)
	}
	cmd := exec.Command(filepath.Join(pgBin(), "postgres"), args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	creds, err := postgresCredential()
	if err != nil {
		logf.Close()
		return err
	}
	// SIGQUIT is PostgreSQL's immediate shutdown: the postmaster takes its
	// children down with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: creds, Pdeathsig: syscall.SIGQUIT}
	done, err := startWatched(cmd, func() { logf.Close() })
	if err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", s.Name, err)
	}
	s.cmd, s.done = cmd, done
	if err := waitAccepting(s.URL, done, 60*time.Second); err != nil {
		return fmt.Errorf("%s: %w\n%s", s.Name, err, s.Log())
	}
	return nil
}

// Stop stops the server at once (an immediate shutdown, as a crash).
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// PauseReplay pauses the replica's WAL replay, so it lags from now on,
// until resume is called; a test that ends first resumes it then, so the
// replica its package shares is never left behind paused.
func (r *Replicated) PauseReplay(t testing.TB) (resume func()) {
	t.Helper()
	if err := r.Replica.Exec(`SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	resume = func() {
		once.Do(func() {
			if err := r.Replica.Exec(`SELECT pg_wal_replay_resume()`); err != nil {
				t.Errorf("resume the replica's replay: %v", err)
			}
		})
	}
	t.Cleanup(resume)
	return resume
}

// startWatched starts cmd, whose Pdeathsig is set, from a goroutine locked
// to its OS thread that waits for it: the kernel sends the signal when the
// thread that started the child ends, not the process, and a Go thread
// ends when a goroutine exits locked to it. (The shared pgbouncer of the
// web tests died mid-run this way after the GeoPackage tests: started from
// a plain goroutine, 1 run in 4 failed; from a locked one, 0 in 4, though a
// later full run saw it die once more: NewPooledDatabase restarts it.) done
// is closed, after exited ran, when cmd ends.
func startWatched(cmd *exec.Cmd, exited func()) (done chan struct{}, err error) {
	done = make(chan struct{})
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the child
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		cmd.Wait()
		exited()
		close(done)
	}()
	return done, <-started
}

// waitAccepting waits until the server at url answers a query.
func waitAccepting(url string, exited <-chan struct{}, limit time.Duration) error {
	db, err := sql.Open("postgres", url)
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return errors.New("the server exited")
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not accepting connections after %s: %v", limit, err)
		}
	}
}

// WaitStreaming waits until the replica is in recovery and has replayed
// everything the primary has written.
func (r *Replicated) WaitStreaming(limit time.Duration) error {
	primary, err := sql.Open("postgres", r.Primary.URL)
	if err != nil {
		return err
	}
	defer primary.Close()
	var target string
	if err := primary.QueryRow(`SELECT pg_current_wal_insert_lsn()::text`).Scan(&target); err != nil {
		return fmt.Errorf("primary position: %w", err)
	}
	return r.WaitReplayed(target, limit)
}

// WaitReplayed waits until the replica has replayed the WAL up to position.
func (r *Replicated) WaitReplayed(position string, limit time.Duration) error {
	replica, err := sql.Open("postgres", r.Replica.URL)
	if err != nil {
		return err
	}
	defer replica.Close()
	deadline := time.Now().Add(limit)
	for {
		var done bool
		err := replica.QueryRow(`SELECT pg_is_in_recovery() AND pg_last_wal_replay_lsn() >= $1::pg_lsn`, position).Scan(&done)
		if err == nil && done {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the replica has not replayed up to %s in %s (%v)\n%s", position, limit, err, r.Replica.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Exec runs statements on a server's postgres database (pausing replay, say).
func (s *Server) Exec(q string, args ...any) error {
	db, err := sql.Open("postgres", s.URL)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(q, args...)
	return err
}

// URL is the pooler's URL of database name.
func (p *Pooler) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.Port, name)
}

// startPooler runs pgbouncer in transaction mode on port in front of the
// server on serverPort; every database is passed through by name.
func (r *Replicated) startPooler(name string, port, serverPort int) (*Pooler, error) {
	return startPooler(r.Dir, name, port, serverPort, r.creds)
}

func startPooler(parent, name string, port, serverPort int, creds *syscall.Credential) (*Pooler, error) {
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if _, statErr := os.Stat("/usr/sbin/pgbouncer"); statErr != nil {
			return nil, errors.New("pgbouncer is not installed: apt-get install pgbouncer (scripts/install-test-deps does)")
		}
		bin = "/usr/sbin/pgbouncer"
	}
	dir := filepath.Join(parent, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ini := fmt.Sprintf(`[databases]
* = host=127.0.0.1 port=%d
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 40
server_reset_query =
server_login_retry = 1
ignore_startup_parameters = extra_float_digits
logfile = %s
`, serverPort, port, filepath.Join(dir, "userlist.txt"), filepath.Join(dir, "pgbouncer.log"))
	files := map[string]string{"pgbouncer.ini": ini, "userlist.txt": `"postgres" ""` + "\n"}
	for f, text := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(text), 0o644); err != nil {
			return nil, err
		}
	}
	if creds != nil {
		if err := os.Chown(dir, int(creds.Uid), int(creds.Gid)); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(bin, filepath.Join(dir, "pgbouncer.ini"))
	out, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: creds, Pdeathsig: syscall.SIGKILL}
	done, err := startWatched(cmd, func() { out.Close() })
	if err != nil {
		out.Close()
		return nil, fmt.Errorf("start pgbouncer: %w", err)
	}
	p := &Pooler{Port: port, dir: dir, cmd: cmd, done: done}
	if err := waitAccepting(p.URL("postgres"), p.done, 30*time.Second); err != nil {
		p.stop()
		log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
		errOut, _ := os.ReadFile(filepath.Join(dir, "stderr"))
		return nil, fmt.Errorf("pgbouncer: %w\n%s%s", err, log, errOut)
	}
	return p, nil
}

// exited reports whether the pooler's process has ended.
func (p *Pooler) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *Pooler) stop() {
	p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// run runs a PostgreSQL program as the user the servers run as.
func (r *Replicated) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(pgBin(), name), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: r.creds}
	return cmd.CombinedOutput()
}

func pgBin() string {
	if bin := os.Getenv("PGBIN"); bin != "" {
		return bin
	}
	return "/usr/lib/postgresql/15/bin"
}

// postgresCredential is the postgres user to run servers as when the test
// runs as root (PostgreSQL and pgbouncer refuse root); nil otherwise.
func postgresCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root needs a postgres user to run the servers as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// freePorts finds n distinct free ports on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
