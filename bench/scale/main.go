// Command scale measures badiamap past one database (issue 16, see
// bench/README.md, "Scaling"): on a primary and a streaming replica made
// with pg_basebackup -R, with pgbouncer in transaction mode in front of each
// (internal/pgtest.StartReplicated), it runs the same read mix (tiles,
// incident pages, stats) at one concurrency against
//
//   - one server reading the primary, and
//   - two servers, the second reading the replica, the requests alternating,
//
// and reports requests per second, p50 and p99, and how the statements split
// between primary and replica (pg_stat_statements and pg_stat_database of
// each server). It then measures what pgbouncer's transaction mode costs the
// tiles: tiles only, the tile cache off, direct with prepared statements
// against through pgbouncer without them.
//
//	go build -o /tmp/badiamap ./cmd/badiamap
//	go run ./bench/scale -bin /tmp/badiamap -c 16 -duration 30s
package main

import (
	"bufio"
	"cmp"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/badiamap/badiamap/internal/pgtest"
	_ "github.com/lib/pq"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

func main() {
	bin := flag.String("bin", "", "the badiamap binary (go build -o ... ./cmd/badiamap)")
	data := flag.String("ucdp", "../shared/data/incidents/ucdp_ged_syria_v652.1601.1911_2016-01-01_2019-11-30.csv", "incidents to import (UCDP GED CSV)")
	conc := flag.Int("c", 16, "concurrent clients")
	dur := flag.Duration("duration", 30*time.Second, "how long each run sends requests (after a warm-up of a quarter of it)")
	flag.Parse()
	if *bin == "" {
		fail(errors.New("-bin is required"))
	}
	if err := run(*bin, *data, *conc, *dur); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "scale:", err)
	os.Exit(1)
}

func run(bin, data string, conc int, dur time.Duration) error {
	log("starting a primary, a replica (pg_basebackup -R) and pgbouncer in transaction mode")
	r, err := pgtest.StartReplicated()
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.Primary.Exec(`CREATE DATABASE bench`); err != nil {
		return err
	}
	url := func(port int) string {
		return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/bench?sslmode=disable", port)
	}
	primary, replica := url(r.Primary.Port), url(r.Replica.Port)
	primaryPool, replicaPool := r.PrimaryPooler.URL("bench"), r.ReplicaPooler.URL("bench")
	if err := exec1(primary, `CREATE EXTENSION pg_stat_statements`); err != nil {
		return err
	}
	log("migrate and import " + data)
	for _, args := range [][]string{{"migrate", "--database-url", primary}, {"import", "--database-url", primary, data}} {
		cmd := exec.Command(bin, args...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("badiamap %s: %v\n%s", args[0], err, out)
		}
	}
	if err := r.WaitStreaming(time.Minute); err != nil {
		return err
	}
	var version string
	if err := query1(primary, `SELECT split_part(version(), ' ', 2)`, &version); err != nil {
		return err
	}
	fmt.Printf("Scaling benchmark, %s UTC. Machine: %d cores, %s, PostgreSQL %s, pgbouncer %s, Go %s.\n",
		time.Now().UTC().Format("2006-01-02 15:04"), runtime.NumCPU(), memTotal(), version, pgbouncerVersion(), runtime.Version())
	fmt.Printf("Data: %s. Mix: tiles z6-z10 over Syria (tile cache off), /api/incidents bbox pages of 100, /api/stats by five groupings; %d clients, %s per run after a warm-up.\n\n", data, conc, dur)

	mix := readMix()
	noCache := []string{"--tile-cache-mb", "0"}
	fmt.Println("| setup | requests/s | p50 | p99 | errors | statements on primary | on replica | transactions on primary | on replica |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	runs := []struct {
		name    string
		servers [][]string
	}{
		{"one server, on the primary", [][]string{append([]string{"--database-url", primary}, noCache...)}},
		{"two servers, the second on the replica", [][]string{
			append([]string{"--database-url", primary}, noCache...),
			append([]string{"--database-url", primary, "--database-read-url", replica}, noCache...)}},
		{"two servers through pgbouncer (transaction), the second on the replica", [][]string{
			append([]string{"--database-url", primaryPool, "--database-pooling", "transaction", "--database-listen-url", primary}, noCache...),
			append([]string{"--database-url", primaryPool, "--database-pooling", "transaction", "--database-listen-url", primary, "--database-read-url", replicaPool}, noCache...)}},
	}
	for _, run := range runs {
		res, split, err := measure(bin, run.servers, mix, conc, dur, primary, replica)
		if err != nil {
			return fmt.Errorf("%s: %w", run.name, err)
		}
		fmt.Printf("| %s | %.0f | %s | %s | %d | %d | %d | %d | %d |\n", run.name, res.perSecond(), ms(res.pct(50)), ms(res.pct(99)), res.errors,
			split.stmts[0], split.stmts[1], split.xacts[0], split.xacts[1])
	}

	fmt.Printf("\nTiles only (the tile cache off), one server on the primary, %d clients:\n\n", conc)
	fmt.Println("| connection | requests/s | p50 | p99 | errors | statements on primary |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	tiles := tileMix()
	for _, run := range []struct {
		name string
		args []string
	}{
		{"direct, prepared tile statements (session)", append([]string{"--database-url", primary}, noCache...)},
		{"pgbouncer transaction mode, unprepared", append([]string{"--database-url", primaryPool, "--database-pooling", "transaction", "--database-listen-url", primary}, noCache...)},
	} {
		res, split, err := measure(bin, [][]string{run.args}, tiles, conc, dur, primary, replica)
		if err != nil {
			return fmt.Errorf("%s: %w", run.name, err)
		}
		fmt.Printf("| %s | %.0f | %s | %s | %d | %d |\n", run.name, res.perSecond(), ms(res.pct(50)), ms(res.pct(99)), res.errors, split.stmts[0])
	}
	return nil
}

// readMix is the read mix: a third tiles, a third pages, a third stats.
func readMix() []string {
	var out []string
	tiles := tileMix()
	for i := range 60 {
		out = append(out, tiles[i*len(tiles)/60])
	}
	for i := range 60 {
		lon, lat := 36+float64(i%6)*0.7, 32.5+float64(i/6)*0.4
		out = append(out, fmt.Sprintf("/api/incidents?bbox=%.1f,%.1f,%.1f,%.1f&limit=100", lon, lat, lon+1.5, lat+1.2))
	}
	groups := []string{"region", "governorate", "month", "week", "event_type"}
	for i := range 60 {
		q := "/api/stats?group=" + groups[i%len(groups)]
		if i%2 == 1 {
			q += fmt.Sprintf("&from=%d-01-01", 2016+i%4)
		}
		out = append(out, q)
	}
	return out
}

// tileMix is every incidents tile of z6 to z10 over the Badia's centre.
func tileMix() []string {
	var out []string
	bound := orb.Bound{Min: orb.Point{37.5, 33.8}, Max: orb.Point{39.5, 35.2}}
	for z := maptile.Zoom(6); z <= 10; z++ {
		min, max := maptile.At(orb.Point{bound.Min[0], bound.Max[1]}, z), maptile.At(orb.Point{bound.Max[0], bound.Min[1]}, z)
		for x := min.X; x <= max.X; x++ {
			for y := min.Y; y <= max.Y; y++ {
				out = append(out, fmt.Sprintf("/tiles/incidents/%d/%d/%d.mvt", z, x, y))
			}
		}
	}
	return out
}

type split struct{ stmts, xacts [2]int64 }

// measure starts the servers, warms them up, runs the mix and reads what
// each database ran meanwhile.
func measure(bin string, servers [][]string, mix []string, conc int, dur time.Duration, primary, replica string) (*result, split, error) {
	var bases []string
	for _, args := range servers {
		base, stop, err := serve(bin, args)
		if err != nil {
			return nil, split{}, err
		}
		defer stop()
		bases = append(bases, base)
	}
	load(bases, mix, conc, dur/4) // warm-up: plans, connections, caches of the databases
	before, err := counts(primary, replica)
	if err != nil {
		return nil, split{}, err
	}
	res := load(bases, mix, conc, dur)
	after, err := counts(primary, replica)
	if err != nil {
		return nil, split{}, err
	}
	var sp split
	for i := range 2 {
		sp.stmts[i] = after.stmts[i] - before.stmts[i]
		sp.xacts[i] = after.xacts[i] - before.xacts[i]
	}
	return res, sp, nil
}

// counts reads the statements (pg_stat_statements) and transactions
// (pg_stat_database) each server has run in the bench database.
func counts(primary, replica string) (split, error) {
	var sp split
	for i, u := range []string{primary, replica} {
		if err := query1(u, `SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements
			WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`, &sp.stmts[i]); err != nil {
			return sp, err
		}
		// A backend reports its transactions to pg_stat_database within a
		// second or so of them: a run of many seconds sees them all but
		// the last moment's.
		if err := query1(u, `SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()`, &sp.xacts[i]); err != nil {
			return sp, err
		}
	}
	return sp, nil
}

type result struct {
	lat    []time.Duration
	errors int
	first  error // the first error, told on stderr
	wall   time.Duration
}

func (r *result) perSecond() float64 { return float64(len(r.lat)) / r.wall.Seconds() }

func (r *result) pct(p int) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	slices.Sort(r.lat)
	return r.lat[min(len(r.lat)-1, len(r.lat)*p/100)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// load sends the mix from conc clients for dur, each request to the next
// server in turn; every body is read, and a status other than 200 or 204
// is an error.
func load(bases, mix []string, conc int, dur time.Duration) *result {
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conc}}
	res := &result{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(dur)
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			var lat []time.Duration
			var first error
			errs := 0
			for n := 0; time.Now().Before(deadline); n++ {
				u := bases[(w+n)%len(bases)] + mix[rng.IntN(len(mix))]
				t0 := time.Now()
				resp, err := client.Get(u)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
						err = fmt.Errorf("%s: %d", u, resp.StatusCode)
					}
				}
				if err != nil {
					errs++
					first = cmp.Or(first, err)
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.errors += errs
			res.first = cmp.Or(res.first, first)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.wall = time.Since(start)
	if res.first != nil {
		log(fmt.Sprintf("%d errors, the first: %v", res.errors, res.first))
	}
	return res
}

// serve starts `badiamap serve` with args on a free port and waits until
// /readyz answers 200 (with its replica in the rotation, when it has one).
func serve(bin string, args []string) (base string, stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--log-format", "text"}, args...)...)
	logf, err := os.CreateTemp("", "badiamap-scale-serve-*.log")
	if err != nil {
		return "", nil, err
	}
	cmd.Stdout, cmd.Stderr = io.Discard, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		logf.Close()
		os.Remove(logf.Name())
	}
	base = "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			replicaOut := strings.Contains(string(body), `"replica-1"`) && !strings.Contains(string(body), `"in_rotation":true`)
			if resp.StatusCode == http.StatusOK && !replicaOut {
				return base, stop, nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			b, _ := os.ReadFile(logf.Name())
			return "", nil, fmt.Errorf("serve %v: not ready after a minute\n%s", args, b)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func exec1(url, q string) error {
	db, err := sql.Open("postgres", url)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(q)
	return err
}

func query1(url, q string, dest any) error {
	db, err := sql.Open("postgres", url)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.QueryRow(q).Scan(dest)
}

func memTotal() string {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return "? RAM"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var kb int64
		if _, err := fmt.Sscanf(sc.Text(), "MemTotal: %d kB", &kb); err == nil {
			return fmt.Sprintf("%.0f GB RAM", float64(kb)/(1<<20))
		}
	}
	return "? RAM"
}

func pgbouncerVersion() string {
	out, err := exec.Command("/usr/sbin/pgbouncer", "--version").Output()
	if err != nil {
		return "?"
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimPrefix(strings.TrimSpace(first), "PgBouncer ")
}

func log(msg string) { fmt.Fprintln(os.Stderr, "scale:", msg) }
