// Command edit benchmarks the editing workflow of issue 15 through the real
// binary over HTTP, on the embedded store and on PostGIS: each store gets the
// UCDP GED Syria file imported, two reviewers with API tokens (made with
// `badiamap user add` and `badiamap token create`), and a `badiamap serve`
// child process, which it then measures:
//
//  1. creates (POST /api/incidents) and edits (PATCH with If-Match, a JSON
//     merge patch) per second at each concurrency, with p50 and p99;
//  2. the latency of a publication (PATCH {"status":"published"} by the
//     other reviewer);
//  3. public reads (/api/incidents?limit=50 and the z5 tile that holds
//     every incident) per second without an editor, with one editor
//     creating, editing and publishing all the time, and without again, in
//     one run, as a ratio;
//  4. the writes of -editors editors publishing at once, and the z5 tile
//     read beside them;
//  5. paging /api/changes over the whole history after the edits.
//
// Every answer's status is checked, each edit's ETag follows the version
// before, and the changes paged are counted against the published
// incidents. It prints markdown tables (see bench/README.md, "Editing").
//
//	scripts/with-postgis go run ./bench/edit
//	go run ./bench/edit -stores memory -creates 100 -read-for 5s
package main

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/badiamap/badiamap/bench/binary"
	_ "github.com/lib/pq"
)

const defaultUCDP = "../shared/data/incidents/ucdp_ged_syria_v652.1601.1911_2016-01-01_2019-11-30.csv"

// The public reads measured beside an editor: the map's first list page,
// and the z5 tile that covers all of Syria, so every publication changes it.
var reads = []struct{ name, path string }{
	{"/api/incidents?limit=50", "/api/incidents?limit=50"},
	{"tile /tiles/incidents/5/19/12.mvt", "/tiles/incidents/5/19/12.mvt"},
}

type config struct {
	bin, ucdp, dbURL, dbName string
	creates, edits           int
	conc                     []int
	readFor                  time.Duration
	readers                  int
	changeLimits             []int
	tileCacheMB              int
	editors                  int
}

func main() {
	var cfg config
	stores := flag.String("stores", "memory,postgis", "stores to measure: memory, postgis")
	flag.StringVar(&cfg.dbURL, "db", os.Getenv("BADIAMAP_TEST_DATABASE_URL"), "PostgreSQL server URL for -stores postgis; the database -dbname is made afresh on it")
	flag.StringVar(&cfg.dbName, "dbname", "bench_edit", "database dropped and created on the -db server")
	flag.StringVar(&cfg.ucdp, "ucdp", defaultUCDP, "the UCDP GED file imported first, and whose points new incidents take")
	flag.StringVar(&cfg.bin, "bin", "", "badiamap binary (default: built from ./cmd/badiamap)")
	flag.IntVar(&cfg.creates, "creates", 200, "incidents created at each concurrency")
	flag.IntVar(&cfg.edits, "edits", 400, "PATCHes at each concurrency (spread over the incidents just created)")
	conc := flag.String("c", "1,8", "concurrencies of the creates and edits")
	flag.DurationVar(&cfg.readFor, "read-for", 10*time.Second, "length of each read pass: each public read alone without an editor, with one publishing, with one drafting only, and without again")
	flag.IntVar(&cfg.readers, "readers", 1, "clients per public read in the read passes")
	limits := flag.String("changes-limit", "100,1000", "page sizes of the /api/changes passes")
	flag.IntVar(&cfg.tileCacheMB, "tile-cache-mb", 256, "the server's tile cache (its default)")
	flag.IntVar(&cfg.editors, "editors", 8, "editors publishing at once in the pass that reads tiles beside them (0: no such pass)")
	flag.Parse()
	log.SetFlags(0)
	var err error
	if cfg.conc, err = ints(*conc); err != nil {
		log.Fatalf("-c: %v", err)
	}
	if cfg.changeLimits, err = ints(*limits); err != nil {
		log.Fatalf("-changes-limit: %v", err)
	}
	points, err := readPoints(cfg.ucdp)
	if err != nil {
		log.Fatal(err)
	}
	if cfg.bin == "" {
		if cfg.bin, err = binary.Build("edit"); err != nil {
			log.Fatal(err)
		}
	}
	cpu, _ := os.ReadFile("/proc/cpuinfo")
	model := ""
	for _, l := range strings.Split(string(cpu), "\n") {
		if v, ok := strings.CutPrefix(l, "model name"); ok {
			model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
			break
		}
	}
	fmt.Printf("%s; %d CPUs (%s); load %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), strings.Count(string(cpu), "processor\t:"), model, loadAvg())
	for _, st := range strings.Split(*stores, ",") {
		if err := runStore(cfg, st, points); err != nil {
			log.Fatalf("%s: %v", st, err)
		}
	}
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive whole number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// runStore prepares one store, serves it and runs every measurement on it.
func runStore(cfg config, store string, points [][2]float64) error {
	tmp, err := os.MkdirTemp("", "bench-edit-"+store)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var storeArgs []string
	switch store {
	case "memory":
		storeArgs = []string{"--store", "memory", "--data-dir", filepath.Join(tmp, "data")}
	case "postgis":
		if cfg.dbURL == "" {
			return errors.New("no -db (run under scripts/with-postgis or pass a server URL)")
		}
		url, err := freshDatabase(cfg.dbURL, cfg.dbName)
		if err != nil {
			return err
		}
		storeArgs = []string{"--store", "postgis", "--database-url", url}
	default:
		return fmt.Errorf("unknown store %q: want memory or postgis", store)
	}
	start := time.Now()
	if _, err := badiamap(cfg.bin, append([]string{"import"}, append(storeArgs, cfg.ucdp)...)...); err != nil {
		return err
	}
	importTime := time.Since(start)
	tokens := map[string]string{}
	for _, name := range []string{"bench-writer", "bench-reviewer"} {
		if _, err := badiamap(cfg.bin, append([]string{"user", "add", name, "--role", "reviewer"}, storeArgs...)...); err != nil {
			return err
		}
		out, err := badiamap(cfg.bin, append([]string{"token", "create", "--user", name, "--expires", "1d"}, storeArgs...)...)
		if err != nil {
			return err
		}
		tokens[name] = lastLine(out)
	}
	srv, err := startServer(cfg.bin, append(storeArgs, "--tile-cache-mb", strconv.Itoa(cfg.tileCacheMB)), filepath.Join(os.TempDir(), "bench-edit-"+store+".log"))
	if err != nil {
		return err
	}
	defer srv.stop()
	b := &bench{base: srv.base, writer: tokens["bench-writer"], reviewer: tokens["bench-reviewer"], points: points,
		client: &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	published, err := b.publishedCount()
	if err != nil {
		return err
	}
	fmt.Printf("\n### %s\n\nstore ready: %d published incidents (UCDP import %s); load %s\n\n", store, published, importTime.Round(time.Millisecond), loadAvg())

	// 1. Creates and edits.
	fmt.Println("| write | concurrency | requests | requests/s | p50 | p99 |")
	fmt.Println("|---|---|---|---|---|---|")
	var drafts []draft
	for _, c := range cfg.conc {
		made, r, err := b.creates(cfg.creates, c)
		if err != nil {
			return err
		}
		fmt.Printf("| create (POST /api/incidents) | %d | %d | %.1f | %s | %s |\n", c, r.n(), r.perSecond(), ms(r.pct(50)), ms(r.pct(99)))
		r, err = b.patches(made, cfg.edits, c)
		if err != nil {
			return err
		}
		fmt.Printf("| edit (PATCH, If-Match, merge patch) | %d | %d | %.1f | %s | %s |\n", c, r.n(), r.perSecond(), ms(r.pct(50)), ms(r.pct(99)))
		drafts = append(drafts, made...)
	}
	// 2. Publications, one at a time, by the reviewer who wrote none.
	r, err := b.publishAll(drafts)
	if err != nil {
		return err
	}
	fmt.Printf("| publish (PATCH status published) | 1 | %d | %.1f | %s | %s |\n\nload %s\n\n", r.n(), r.perSecond(), ms(r.pct(50)), ms(r.pct(99)), loadAvg())

	// 3. Each public read alone, without an editor, with one that
	// publishes, with one that only drafts, and without again.
	fmt.Println("| read | clients | without editor: req/s | p50 | p99 | editor publishing: req/s | p50 | p99 | ratio | editor drafting only: req/s | p50 | p99 | ratio | without again: req/s |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	var publishing, drafting editorRun
	for _, rd := range reads {
		var passes [4]result
		for i := range passes {
			var stopEditor func() (editorRun, error)
			if i == 1 || i == 2 {
				stopEditor = b.editor(i == 1)
			}
			passes[i], err = b.readPass(rd.path, cfg.readFor, cfg.readers)
			if stopEditor != nil {
				run, eerr := stopEditor()
				err = errors.Join(err, eerr)
				if i == 1 {
					publishing.add(run)
				} else {
					drafting.add(run)
				}
			}
			if err != nil {
				return err
			}
		}
		wo, pub, dr, wo2 := passes[0], passes[1], passes[2], passes[3]
		without := (wo.perSecond() + wo2.perSecond()) / 2
		fmt.Printf("| %s | %d | %.1f | %s | %s | %.1f | %s | %s | %.2f | %.1f | %s | %s | %.2f | %.1f |\n", rd.name, cfg.readers,
			wo.perSecond(), ms(wo.pct(50)), ms(wo.pct(99)),
			pub.perSecond(), ms(pub.pct(50)), ms(pub.pct(99)), pub.perSecond()/without,
			dr.perSecond(), ms(dr.pct(50)), ms(dr.pct(99)), dr.perSecond()/without, wo2.perSecond())
	}
	fmt.Printf("\nratio: req/s with the editor over the mean of the two passes without. The editor publishing: %s; drafting only: %s; load %s\n\n",
		publishing, drafting, loadAvg())

	// 4. Many editors publishing at once while the tile is served.
	var many editorRun
	if cfg.editors > 0 {
		tile := reads[len(reads)-1]
		stops := make([]func() (editorRun, error), cfg.editors)
		for i := range stops {
			stops[i] = b.editor(true)
		}
		tr, err := b.readPass(tile.path, cfg.readFor, cfg.readers)
		var wall time.Duration
		for _, stop := range stops {
			run, eerr := stop()
			err = errors.Join(err, eerr)
			many.add(run)
			wall = max(wall, run.took)
		}
		if err != nil {
			return err
		}
		fmt.Println("| editors publishing at once | cycles (create, edit, publish) | writes | writes/s | tile req/s beside them | tile p50 | tile p99 |")
		fmt.Println("|---|---|---|---|---|---|---|")
		fmt.Printf("| %d | %d | %d | %.1f | %.1f | %s | %s |\n\nload %s\n\n", cfg.editors, many.cycles, many.writes(),
			float64(many.writes())/wall.Seconds(), tr.perSecond(), ms(tr.pct(50)), ms(tr.pct(99)), loadAvg())
	}

	// 5. Paging /api/changes over the whole history.
	before := published
	if published, err = b.publishedCount(); err != nil {
		return err
	}
	if want := before + len(drafts) + publishing.cycles + many.cycles; published != want {
		return fmt.Errorf("%d published incidents after the run, want %d", published, want)
	}
	writes := 2*len(drafts) + len(cfg.conc)*cfg.edits + publishing.writes() + drafting.writes() + many.writes()
	fmt.Printf("after %d writes through the API (%d published incidents):\n\n", writes, published)
	fmt.Println("| /api/changes | pages | changes | time | changes/s | page p50 | page p99 | first page | last full page |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	for _, limit := range cfg.changeLimits {
		pages, changes, wall, err := b.pageChanges(limit)
		if err != nil {
			return err
		}
		// Each published incident came from one published change, its import
		// or its publication: nothing was retracted or published twice.
		if changes != published {
			return fmt.Errorf("/api/changes gave %d changes, want one per published incident, %d", changes, published)
		}
		fmt.Printf("| limit=%d | %d | %d | %s | %.0f | %s | %s | %s | %s |\n", limit, pages.n(), changes, wall.Round(time.Millisecond),
			float64(changes)/wall.Seconds(), ms(pages.pct(50)), ms(pages.pct(99)), ms(pages.lat[0]), ms(pages.lat[max(pages.n()-2, 0)]))
	}
	fmt.Printf("\nload %s\n", loadAvg())
	return nil
}

// bench is one served store and the two reviewers' tokens.
type bench struct {
	base             string
	writer, reviewer string
	points           [][2]float64
	client           *http.Client
	seq              atomic.Int64
}

// draft is an incident the bench created, and its current ETag.
type draft struct {
	id   int64
	etag string
}

// result is the latencies of one kind of request and the wall time they
// took together.
type result struct {
	lat  []time.Duration
	wall time.Duration
}

func (r result) n() int             { return len(r.lat) }
func (r result) perSecond() float64 { return float64(len(r.lat)) / r.wall.Seconds() }

func (r result) pct(p int) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), r.lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[max((len(s)*p+99)/100-1, 0)]
}

func ms(d time.Duration) string {
	if d >= 10*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

// do sends a request (token "" for none) and reads the whole answer; an
// answer other than want is an error.
func (b *bench) do(method, path, token string, body []byte, want int, header ...string) (*http.Response, []byte, time.Duration, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, b.base+path, rd)
	if err != nil {
		return nil, nil, 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	start := time.Now()
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, nil, 0, err
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err == nil && resp.StatusCode != want {
		err = fmt.Errorf("%s %s: %s, want %d: %.300s", method, path, resp.Status, want, out)
	}
	return resp, out, took, err
}

// feature is a new incident at one of the UCDP file's points.
func (b *bench) feature() []byte {
	n := b.seq.Add(1)
	p := b.points[rand.IntN(len(b.points))]
	return fmt.Appendf(nil, `{"type":"Feature","geometry":{"type":"Point","coordinates":[%.5f,%.5f]},"properties":{"date_start":"2024-%02d-%02d",`+
		`"date_precision":1,"geo_precision":2,"location_name":"bench place %d","event_type":"Battles","civilians":%d,"notes":"from the morning report"},"comment":"bench create %d"}`,
		p[0], p[1], 1+n%12, 1+n%28, n, n%5, n)
}

func (b *bench) create() (draft, time.Duration, error) {
	resp, body, took, err := b.do(http.MethodPost, "/api/incidents", b.writer, b.feature(), http.StatusCreated, "Content-Type", "application/geo+json")
	if err != nil {
		return draft{}, took, err
	}
	var f struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(body, &f); err != nil || f.ID == 0 || resp.Header.Get("ETag") != `"v1"` {
		return draft{}, took, fmt.Errorf("create: id %d, ETag %q, %v: %.300s", f.ID, resp.Header.Get("ETag"), err, body)
	}
	return draft{f.ID, resp.Header.Get("ETag")}, took, nil
}

// patch edits d (its notes and civilians) and moves d on to the new ETag.
func (b *bench) patch(d *draft) (time.Duration, error) {
	n := b.seq.Add(1)
	body := fmt.Appendf(nil, `{"properties":{"civilians":%d,"notes":"corrected, edit %d"},"comment":"bench edit"}`, n%7, n)
	resp, _, took, err := b.do(http.MethodPatch, "/api/incidents/"+strconv.FormatInt(d.id, 10), b.writer, body, http.StatusOK,
		"Content-Type", "application/merge-patch+json", "If-Match", d.etag)
	if err != nil {
		return took, err
	}
	next := nextETag(d.etag)
	if got := resp.Header.Get("ETag"); got != next {
		return took, fmt.Errorf("PATCH incident %d at %s: ETag %s, want %s", d.id, d.etag, got, next)
	}
	d.etag = next
	return took, nil
}

// publish publishes d as the reviewer who did not write it.
func (b *bench) publish(d *draft) (time.Duration, error) {
	resp, _, took, err := b.do(http.MethodPatch, "/api/incidents/"+strconv.FormatInt(d.id, 10), b.reviewer, []byte(`{"status":"published"}`), http.StatusOK,
		"Content-Type", "application/merge-patch+json", "If-Match", d.etag)
	if err != nil {
		return took, err
	}
	if next := nextETag(d.etag); resp.Header.Get("ETag") != next {
		return took, fmt.Errorf("publish incident %d at %s: ETag %s, want %s", d.id, d.etag, resp.Header.Get("ETag"), next)
	}
	d.etag = nextETag(d.etag)
	return took, nil
}

func nextETag(e string) string {
	n, _ := strconv.Atoi(strings.Trim(e, `"v`))
	return `"v` + strconv.Itoa(n+1) + `"`
}

// parallel runs job(i) for i in [0, n) from c workers and times each.
func parallel(n, c int, job func(worker, i int) (time.Duration, error)) (result, error) {
	var next atomic.Int64
	return workers(c, func() (int, bool) {
		i := int(next.Add(1)) - 1
		return i, i < n
	}, job)
}

// workers runs job from c workers for as long as more gives them work,
// and times each; the first error stops its worker and is returned.
func workers(c int, more func() (int, bool), job func(worker, i int) (time.Duration, error)) (result, error) {
	var (
		mu   sync.Mutex
		r    result
		ferr error
		wg   sync.WaitGroup
	)
	start := time.Now()
	for w := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, ok := more(); ok; i, ok = more() {
				d, err := job(w, i)
				mu.Lock()
				r.lat = append(r.lat, d)
				if err != nil && ferr == nil {
					ferr = err
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	r.wall = time.Since(start)
	return r, ferr
}

func (b *bench) creates(n, c int) ([]draft, result, error) {
	made := make([]draft, n)
	r, err := parallel(n, c, func(_, i int) (time.Duration, error) {
		d, took, err := b.create()
		made[i] = d
		return took, err
	})
	return made, r, err
}

// patches sends n PATCHes from c workers, worker w editing only the drafts
// whose index is w modulo c, so no two edit one incident at once.
func (b *bench) patches(drafts []draft, n, c int) (result, error) {
	if len(drafts) < c {
		return result{}, fmt.Errorf("%d drafts for %d editors", len(drafts), c)
	}
	turn := make([]int, c)
	return parallel(n, c, func(w, _ int) (time.Duration, error) {
		mine := (len(drafts) - w + c - 1) / c
		d := &drafts[w+c*(turn[w]%mine)]
		turn[w]++
		return b.patch(d)
	})
}

func (b *bench) publishAll(drafts []draft) (result, error) {
	return parallel(len(drafts), 1, func(_, i int) (time.Duration, error) { return b.publish(&drafts[i]) })
}

// editorRun is what an editor did during a read pass.
type editorRun struct {
	publishing bool
	cycles     int
	took       time.Duration
}

// writes is the requests the editor made: create, edit and, when
// publishing, publish.
func (e editorRun) writes() int {
	if e.publishing {
		return 3 * e.cycles
	}
	return 2 * e.cycles
}

// add counts another run of the same editor.
func (e *editorRun) add(r editorRun) {
	e.publishing = r.publishing
	e.cycles += r.cycles
	e.took += r.took
}

func (e editorRun) String() string {
	steps := "create, edit"
	if e.publishing {
		steps += ", publish"
	}
	return fmt.Sprintf("%d cycles (%s) in %s, %.1f writes/s", e.cycles, steps, e.took.Round(time.Millisecond), float64(e.writes())/e.took.Seconds())
}

// editor starts one editor creating and editing incidents, and publishing
// each when publishing is set, until the returned stop is called.
func (b *bench) editor(publishing bool) func() (editorRun, error) {
	var (
		stop atomic.Bool
		run  = editorRun{publishing: publishing}
		ferr error
		done = make(chan struct{})
	)
	start := time.Now()
	go func() {
		defer close(done)
		for !stop.Load() {
			d, _, err := b.create()
			if err == nil {
				_, err = b.patch(&d)
			}
			if err == nil && publishing {
				_, err = b.publish(&d)
			}
			if err != nil {
				ferr = err
				return
			}
			run.cycles++
		}
	}()
	return func() (editorRun, error) {
		stop.Store(true)
		<-done
		run.took = time.Since(start)
		return run, ferr
	}
}

// readPass sends GET path from clients for d.
func (b *bench) readPass(path string, d time.Duration, clients int) (result, error) {
	deadline := time.Now().Add(d)
	return workers(clients, func() (int, bool) { return 0, time.Now().Before(deadline) }, func(_, _ int) (time.Duration, error) {
		_, body, took, err := b.do(http.MethodGet, path, "", nil, http.StatusOK, "Accept-Encoding", "gzip")
		if err == nil && len(body) == 0 {
			err = fmt.Errorf("%s: empty answer", path)
		}
		return took, err
	})
}

// publishedCount is numberMatched of the public list.
func (b *bench) publishedCount() (int, error) {
	_, body, _, err := b.do(http.MethodGet, "/api/incidents?limit=1", "", nil, http.StatusOK)
	if err != nil {
		return 0, err
	}
	var p struct {
		NumberMatched int `json:"numberMatched"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return 0, err
	}
	return p.NumberMatched, nil
}

// pageChanges follows /api/changes from the start to its last page and
// returns the pages' latencies, the changes counted and the time it took.
func (b *bench) pageChanges(limit int) (result, int, time.Duration, error) {
	var r result
	changes := 0
	path := "/api/changes?limit=" + strconv.Itoa(limit)
	start := time.Now()
	for path != "" {
		_, body, took, err := b.do(http.MethodGet, path, "", nil, http.StatusOK)
		if err != nil {
			return r, changes, 0, err
		}
		r.lat = append(r.lat, took)
		var p struct {
			Features       []json.RawMessage `json:"features"`
			NumberReturned int               `json:"numberReturned"`
			Next           *string           `json:"next"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			return r, changes, 0, fmt.Errorf("%s: %w", path, err)
		}
		if len(p.Features) != p.NumberReturned {
			return r, changes, 0, fmt.Errorf("%s: %d features, numberReturned %d", path, len(p.Features), p.NumberReturned)
		}
		changes += len(p.Features)
		path = ""
		if p.Next != nil {
			path = strings.TrimPrefix(*p.Next, b.base)
		}
	}
	return r, changes, time.Since(start), nil
}

// readPoints reads the longitude and latitude of every event of a UCDP GED
// CSV file.
func readPoints(file string) ([][2]float64, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rd := csv.NewReader(f)
	head, err := rd.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	lon, lat := -1, -1
	for i, h := range head {
		switch h {
		case "longitude":
			lon = i
		case "latitude":
			lat = i
		}
	}
	if lon < 0 || lat < 0 {
		return nil, fmt.Errorf("%s: no longitude and latitude columns", file)
	}
	var pts [][2]float64
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		x, err1 := strconv.ParseFloat(rec[lon], 64)
		y, err2 := strconv.ParseFloat(rec[lat], 64)
		if err1 == nil && err2 == nil {
			pts = append(pts, [2]float64{x, y})
		}
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("%s: no points", file)
	}
	return pts, nil
}

// freshDatabase drops and creates the database name on the server and
// returns its URL.
func freshDatabase(server, name string) (string, error) {
	db, err := sql.Open("postgres", server)
	if err != nil {
		return "", err
	}
	defer db.Close()
	for _, q := range []string{`DROP DATABASE IF EXISTS "` + name + `"`, `CREATE DATABASE "` + name + `"`} {
		if _, err := db.Exec(q); err != nil {
			return "", fmt.Errorf("%s: %w", q, err)
		}
	}
	i := strings.LastIndex(server, "/")
	rest := ""
	if q := strings.Index(server[i:], "?"); q >= 0 {
		rest = server[i+q:]
	}
	return server[:i] + "/" + name + rest, nil
}

// badiamap runs the binary and returns its standard output.
func badiamap(bin string, args ...string) (string, error) {
	var out, errOut bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("badiamap %s: %w\n%s", args[0], err, errOut.String())
	}
	return out.String(), nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}

// server is a `badiamap serve` child process.
type server struct {
	cmd  *exec.Cmd
	done chan struct{}
	base string
}

func startServer(bin string, storeArgs []string, logFile string) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	out, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--demo=false", "--log-format", "text"}, storeArgs...)...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan struct{}), base: "http://" + addr}
	go func() { cmd.Wait(); out.Close(); close(s.done) }()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case <-s.done:
			return nil, fmt.Errorf("badiamap serve exited (see %s)", logFile)
		default:
		}
		if resp, err := http.Get(s.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
	}
	s.stop()
	return nil, fmt.Errorf("badiamap serve not ready after 2 minutes (see %s)", logFile)
}

func (s *server) stop() { binary.Stop(s.cmd, s.done) }
