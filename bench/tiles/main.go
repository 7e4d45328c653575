// Command tiles benchmarks the vector tiles of issue 4: a fixed list of
// tiles from z5 to z12 over a million generated incidents, fetched over HTTP
// from a running server at concurrency 1 and 8, built the naive way (an
// envelope inlined into each query's text, 4326 rows transformed on the
// fly), by the server with its cache off, and by the server with its cache
// on. It prints requests/s, p50 and p99 per mode. With -stores it also runs
// the list against `badiamap serve` child processes on PostGIS and on the
// embedded store, cache off and on, with each server's peak RSS.
//
//	scripts/with-postgis go run ./bench/tiles -incidents bench/out/incidents-1000000-seed1.csv
//	scripts/with-postgis go run ./bench/tiles -modes "" -stores postgis,memory -memdir /tmp/mem-gen -tiles 32
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/badiamap/badiamap/bench/gen"
	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/badiamap/badiamap/migrations"
	"github.com/badiamap/badiamap/web"
	"github.com/paulmach/orb"
)

const defaultUCDP = "../shared/data/incidents/ucdp_ged_syria_v652.1601.1911_2016-01-01_2019-11-30.csv"

func main() {
	var (
		dbURL     = flag.String("db", os.Getenv("BADIAMAP_TEST_DATABASE_URL"), "PostgreSQL server URL; a database bench_tiles is created on it (kept for reruns)")
		incidents = flag.String("incidents", "bench/out/incidents-1000000-seed1.csv", "generated incidents (UCDP CSV); generated from -ucdp when missing")
		n         = flag.Int("n", 1000000, "incidents to generate when -incidents is missing")
		ucdp      = flag.String("ucdp", defaultUCDP, "the real UCDP GED file the tiles are picked around")
		count     = flag.Int("tiles", 500, "tiles in the fixed list")
		seed      = flag.Uint64("seed", 1, "seed of the tile list")
		modes     = flag.String("modes", "off,on", "in-process modes to run on PostGIS: off (cache off), on (cache on); empty for none")
		dbName    = flag.String("dbname", "bench_tiles", "database created on the -db server for the incidents (one per data set)")
		stores    = flag.String("stores", "", "stores to compare with `badiamap serve` child processes: postgis, memory (e.g. postgis,memory); empty for none")
		cacheSet  = flag.String("store-cache", "off,on", "tile cache settings of the -stores servers: off, on")
		memDir    = flag.String("memdir", "", "data directory of the embedded store for -stores memory; the boundaries and -incidents are imported when it is missing or empty")
		bin       = flag.String("bin", "", "badiamap binary for -stores (default: built from ./cmd/badiamap)")
	)
	flag.Parse()
	log.SetFlags(0)
	if *dbURL == "" {
		log.Fatal("no -db (run under scripts/with-postgis or pass a server URL)")
	}
	if !regexp.MustCompile(`^[a-z_][a-z0-9_]*$`).MatchString(*dbName) {
		log.Fatalf("-dbname %q: want lower-case letters, digits and _", *dbName)
	}
	ctx := context.Background()
	url, err := benchDatabase(ctx, *dbURL, *dbName)
	if err != nil {
		log.Fatal(err)
	}
	store, err := postgis.Open(ctx, url)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	if _, err := migrations.Apply(ctx, store.DB()); err != nil {
		log.Fatal(err)
	}
	if err := load(ctx, store, *incidents, *ucdp, *n); err != nil {
		log.Fatal(err)
	}
	total, _ := store.CountIncidents(ctx, geo.IncidentFilter{})
	real, err := readUCDP(*ucdp)
	if err != nil {
		log.Fatal(err)
	}
	tiles := tileList(real, *count, *seed)
	fmt.Printf("incidents: %d; tiles: %d from z5 to z12 (seed %d); machine: %d CPUs\n\n", total, len(tiles), *seed, numCPU())

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	servers := map[string]string{}
	for _, m := range list(*modes) {
		var h http.Handler
		switch m {
		case "off", "on":
			cfg := web.Config{Unavailable: postgis.IsUnavailable}
			if m == "on" {
				cfg.Tiles.CacheBytes = 512 << 20
			}
			srv, err := web.New(cfg, store, quiet)
			if err != nil {
				log.Fatal(err)
			}
			h = srv
		default:
			log.Fatalf("unknown mode %q", m)
		}
		base, stop, err := listen(h)
		if err != nil {
			log.Fatal(err)
		}
		defer stop()
		servers[m] = base
	}

	if len(servers) > 0 {
		fmt.Println("| mode | concurrency | requests/s | p50 ms | p99 ms | tiles with data | bytes |")
		fmt.Println("|---|---|---|---|---|---|---|")
	}
	results := map[string]float64{}
	for _, m := range list(*modes) {
		if m == "on" {
			run(servers[m], tiles, 8) // warm the cache: the figure is for cached tiles
		}
		for _, conc := range []int{1, 8} {
			r := run(servers[m], tiles, conc)
			results[fmt.Sprintf("%s/%d", m, conc)] = r.rps
			fmt.Printf("| %s | %d | %.1f | %.1f | %.1f | %d | %d |\n", modeName(m), conc, r.rps, ms(r.p50), ms(r.p99), r.nonEmpty, r.bytes)
		}
	}
	fmt.Println()
	if len(list(*stores)) == 0 {
		return
	}
	if *bin == "" {
		if *bin, err = buildBadiamap(); err != nil {
			log.Fatal(err)
		}
	}
	if slices.Contains(list(*stores), "memory") {
		if *memDir == "" {
			log.Fatal("-stores memory needs -memdir")
		}
		if err := memoryDir(*bin, *memDir, *incidents); err != nil {
			log.Fatal(err)
		}
	}
	if err := compareStores(ctx, *bin, list(*stores), list(*cacheSet), url, *memDir, tiles); err != nil {
		log.Fatal(err)
	}
}

// list is a comma-separated flag's items, none for an empty flag.
func list(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func modeName(m string) string {
	return map[string]string{"off": "badiamap, cache off", "on": "badiamap, cache on"}[m]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func numCPU() int {
	n := 0
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		n = strings.Count(string(b), "processor\t:")
	}
	return n
}

// benchDatabase creates the database name on the server (once) and
// returns its URL.
func benchDatabase(ctx context.Context, server, name string) (string, error) {
	db, err := sql.Open("postgres", server)
	if err != nil {
		return "", err
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", fmt.Errorf("connect to %s: %w", server, err)
	}
	if !exists {
		if _, err := db.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
			return "", err
		}
	}
	i := strings.LastIndex(server, "/")
	rest := ""
	if q := strings.Index(server[i:], "?"); q >= 0 {
		rest = server[i+q:]
	}
	return server[:i] + "/" + name + rest, nil
}

// load imports the boundaries and the generated incidents unless the
// database holds them already.
func load(ctx context.Context, store *postgis.Store, file, ucdp string, n int) error {
	if have, err := store.CountIncidents(ctx, geo.IncidentFilter{}); err != nil || have > 0 {
		return err
	}
	regions, err := boundaries.All()
	if err != nil {
		return err
	}
	if _, err := store.ReplaceRegions(ctx, regions); err != nil {
		return err
	}
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		log.Printf("generating %d incidents into %s", n, file)
		if err := generate(file, ucdp, n); err != nil {
			return err
		}
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	rd, err := incidentfile.Open(f, incidentfile.Options{})
	if err != nil {
		return err
	}
	start := time.Now()
	tx, err := store.BeginImport(ctx, "bench")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows := 0
	for {
		inc, rowErr, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if rowErr != nil {
			continue
		}
		if err := tx.Add(&inc); err != nil {
			return err
		}
		rows++
	}
	if _, err := tx.Commit(); err != nil {
		return err
	}
	if _, err := store.DB().ExecContext(ctx, `VACUUM ANALYZE incidents`); err != nil {
		return err
	}
	log.Printf("imported %d incidents in %s", rows, time.Since(start).Round(time.Second))
	return nil
}

func generate(file, ucdp string, n int) error {
	src, err := os.Open(ucdp)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	out, err := os.Create(file)
	if err != nil {
		return err
	}
	if err := gen.Generate(out, src, gen.Options{N: n, Seed: 1}); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func readUCDP(file string) ([]orb.Point, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rd, err := incidentfile.Open(f, incidentfile.Options{})
	if err != nil {
		return nil, err
	}
	var out []orb.Point
	for {
		inc, rowErr, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if rowErr == nil {
			out = append(out, inc.Location)
		}
	}
}

type tileXYZ struct{ z, x, y int }

// tileList is count tiles, zooms 5 to 12 in turn, each the tile of a real
// UCDP event drawn at random: tiles where the map is looked at.
func tileList(points []orb.Point, count int, seed uint64) []tileXYZ {
	rng := rand.New(rand.NewPCG(seed, 4))
	out := make([]tileXYZ, count)
	for i := range out {
		z := 5 + i%8
		p := points[rng.IntN(len(points))]
		x, y := geo.LonLatTo3857(p[0], p[1])
		size := 2 * geo.WebMercatorMax / float64(int(1)<<z)
		out[i] = tileXYZ{z, int(math.Floor((x + geo.WebMercatorMax) / size)), int(math.Floor((geo.WebMercatorMax - y) / size))}
	}
	return out
}

func listen(h http.Handler) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	return "http://" + l.Addr().String(), func() { srv.Close() }, nil
}

// fetch is one tile's uncompressed body.
func fetch(base string, t tileXYZ) []byte {
	resp, err := http.Get(fmt.Sprintf("%s/tiles/incidents/%d/%d/%d.mvt", base, t.z, t.x, t.y))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	nonEmpty int
	bytes    int64
}

// run fetches every tile once with conc clients, as a gzip-taking map
// client would, and reads each body to the end.
func run(base string, tiles []tileXYZ, conc int) result {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, DisableCompression: true}}
	next := make(chan int)
	lat := make([]time.Duration, len(tiles))
	var mu sync.Mutex
	var res result
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t := tiles[i]
				req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/tiles/incidents/%d/%d/%d.mvt", base, t.z, t.x, t.y), nil)
				req.Header.Set("Accept-Encoding", "gzip")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					log.Fatal(err)
				}
				nb, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i] = time.Since(t0)
				if resp.StatusCode != 200 && resp.StatusCode != 204 {
					log.Fatalf("%s: %d", req.URL, resp.StatusCode)
				}
				mu.Lock()
				res.bytes += nb
				if resp.StatusCode == 200 {
					res.nonEmpty++
				}
				mu.Unlock()
			}
		}()
	}
	for i := range tiles {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res.rps = float64(len(tiles)) / elapsed.Seconds()
	res.p50 = lat[len(lat)/2]
	res.p99 = lat[min(len(lat)-1, len(lat)*99/100)]
	return res
}
