// Command tiles benchmarks the vector tiles (issues 4 and 18): a fixed list
// of tiles from z5 to z12 over a million generated incidents, fetched over
// HTTP from a running server at concurrency 1 and 8, by the server with its
// cache off (cold tiles) and with its cache on. It prints requests/s, p50
// and p99 per mode and per zoom band, the bytes on the wire and the largest
// tile (against the budget), then writes one incident and prints how much
// of the warm cache survives it, and how long the write took. With -stores
// it also runs the list against `badiamap serve` child processes on
// PostGIS and on the embedded store, cache off and on, with each server's
// peak RSS.
//
//	scripts/with-postgis go run ./bench/tiles -incidents bench/out/incidents-1000000-seed1.csv
//	scripts/with-postgis go run ./bench/tiles -modes "" -stores postgis,memory -memdir /tmp/mem-gen -tiles 32
package main

import (
	"bytes"
	"compress/gzip"
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

	"github.com/badiamap/badiamap/bench/binary"
	"github.com/badiamap/badiamap/bench/gen"
	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/badiamap/badiamap/migrations"
	"github.com/badiamap/badiamap/web"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
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
		modes     = flag.String("modes", "off,on", "in-process modes to run on -store: off (cache off), on (cache on); empty for none")
		inStore   = flag.String("store", "postgis", "store of the in-process modes and the writes: postgis, or memory (the embedded store in -memdir)")
		dbName    = flag.String("dbname", "bench_tiles", "database created on the -db server for the incidents (one per data set)")
		stores    = flag.String("stores", "", "stores to compare with `badiamap serve` child processes: postgis, memory (e.g. postgis,memory); empty for none")
		cacheSet  = flag.String("store-cache", "off,on", "tile cache settings of the -stores servers: off, on")
		memDir    = flag.String("memdir", "", "data directory of the embedded store for -stores memory; the boundaries and -incidents are imported when it is missing or empty")
		bin       = flag.String("bin", "", "badiamap binary for -stores (default: built from ./cmd/badiamap)")
	)
	flag.Parse()
	log.SetFlags(0)
	if !regexp.MustCompile(`^[a-z_][a-z0-9_]*$`).MatchString(*dbName) {
		log.Fatalf("-dbname %q: want lower-case letters, digits and _", *dbName)
	}
	ctx := context.Background()
	needPG := slices.Contains(list(*stores), "postgis") || (*inStore == "postgis" && *modes != "")
	url := ""
	if needPG {
		if *dbURL == "" {
			log.Fatal("no -db (run under scripts/with-postgis or pass a server URL)")
		}
		var err error
		if url, err = postgisDatabase(ctx, *dbURL, *dbName, *incidents, *ucdp, *n); err != nil {
			log.Fatal(err)
		}
	}
	if slices.Contains(list(*stores), "memory") || *inStore == "memory" {
		if *memDir == "" {
			log.Fatal("the embedded store needs -memdir")
		}
		if err := memoryDir(ctx, *memDir, *incidents, *ucdp, *n); err != nil {
			log.Fatal(err)
		}
	}
	var store writableStore
	switch *inStore {
	case "postgis":
		if needPG {
			pg, err := postgis.Open(ctx, url)
			if err != nil {
				log.Fatal(err)
			}
			store = pg
		}
	case "memory":
		if *modes != "" {
			// The in-process store holds the directory: -stores memory
			// cannot run a child process on it at the same time.
			if slices.Contains(list(*stores), "memory") {
				log.Fatal("-store memory and -stores memory share -memdir: run them one at a time")
			}
			ms, err := memstore.Open(*memDir)
			if err != nil {
				log.Fatal(err)
			}
			store = ms
		}
	default:
		log.Fatalf("-store %q: want postgis or memory", *inStore)
	}
	real, err := readUCDP(*ucdp)
	if err != nil {
		log.Fatal(err)
	}
	tiles := tileList(real, *count, *seed)
	if store != nil {
		defer store.Close()
		total, _ := store.CountIncidents(ctx, geo.IncidentFilter{})
		fmt.Printf("in-process store %s: %d incidents; ", *inStore, total)
	}
	fmt.Printf("tiles: %d from z5 to z12 (seed %d); machine: %d CPUs\n\n", len(tiles), *seed, numCPU())

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
		fmt.Printf("in-process server on %s\n\n", *inStore)
		fmt.Println(tableHead("mode"))
	}
	for _, m := range list(*modes) {
		if m == "on" {
			run(servers[m], tiles, 8) // warm the cache: the figure is for cached tiles
		}
		for _, conc := range []int{1, 8} {
			fmt.Println(run(servers[m], tiles, conc).row(modeName(m), conc))
		}
	}
	fmt.Println()
	if servers["on"] != "" {
		if err := cacheAfterWrite(ctx, store, servers["on"], tiles); err != nil {
			log.Fatal(err)
		}
	}
	if len(list(*stores)) == 0 {
		return
	}
	if *bin == "" {
		if *bin, err = binary.Build("tiles"); err != nil {
			log.Fatal(err)
		}
	}
	if err := compareStores(ctx, *bin, list(*stores), list(*cacheSet), url, *memDir, tiles); err != nil {
		log.Fatal(err)
	}
}

// writableStore is what the in-process modes serve and write through.
type writableStore interface {
	geo.Store
	geo.EditStore
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

// postgisDatabase creates the database name on the server (once), brings
// its schema up to date and loads the incidents into it when it is empty;
// it returns the database's URL.
func postgisDatabase(ctx context.Context, server, name, file, ucdp string, n int) (string, error) {
	url, err := benchDatabase(ctx, server, name)
	if err != nil {
		return "", err
	}
	store, err := postgis.Open(ctx, url)
	if err != nil {
		return "", err
	}
	defer store.Close()
	if _, err := migrations.Apply(ctx, store.DB()); err != nil {
		return "", err
	}
	loaded, err := load(ctx, store, file, ucdp, n)
	if err != nil || !loaded {
		return url, err
	}
	// Autovacuum does the same after a real import, later.
	_, err = store.DB().ExecContext(ctx, `VACUUM ANALYZE incidents`)
	return url, err
}

// memoryDir makes sure the embedded store in dir holds the incidents of
// file, loading them when the store is empty.
func memoryDir(ctx context.Context, dir, file, ucdp string, n int) error {
	store, err := memstore.Open(dir)
	if err != nil {
		return err
	}
	if _, err := load(ctx, store, file, ucdp, n); err != nil {
		store.Close()
		return err
	}
	return store.Close()
}

// load imports the boundaries and the generated incidents unless the store
// holds incidents already, and says whether it did.
func load(ctx context.Context, store geo.Store, file, ucdp string, n int) (bool, error) {
	if have, err := store.CountIncidents(ctx, geo.IncidentFilter{}); err != nil || have > 0 {
		return false, err
	}
	regions, err := boundaries.All()
	if err != nil {
		return false, err
	}
	if _, err := store.ReplaceRegions(ctx, regions, nil); err != nil {
		return false, err
	}
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		log.Printf("generating %d incidents into %s", n, file)
		if err := generate(file, ucdp, n); err != nil {
			return false, err
		}
	}
	f, err := os.Open(file)
	if err != nil {
		return false, err
	}
	defer f.Close()
	rd, err := incidentfile.Open(f, incidentfile.Options{})
	if err != nil {
		return false, err
	}
	start := time.Now()
	tx, err := store.BeginImport(ctx, "bench", nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	rows := 0
	for {
		inc, rowErr, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return false, err
		}
		if rowErr != nil {
			continue
		}
		if err := tx.Add(&inc); err != nil {
			return false, err
		}
		rows++
	}
	if _, err := tx.Commit(); err != nil {
		return false, err
	}
	log.Printf("imported %d incidents in %s", rows, time.Since(start).Round(time.Second))
	return true, nil
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
	rps        float64
	p50, p99   time.Duration
	nonEmpty   int
	bytes      int64 // on the wire
	rawMax     int   // the largest tile, uncompressed
	overBudget int   // tiles over geo.DefaultTileBytes uncompressed
	hits       int   // answered from the cache (X-Tile-Cache: hit)
	tiles      []tileXYZ
	lat        []time.Duration // by tile
	matched    []int           // tile_info's matched, by tile
	hitAt      []bool          // answered from the cache, by tile
}

// band is "p50 / p99" of the tiles of zooms lo to hi.
func (r result) band(lo, hi int) string {
	var lat []time.Duration
	for i, t := range r.tiles {
		if t.z >= lo && t.z <= hi {
			lat = append(lat, r.lat[i])
		}
	}
	if len(lat) == 0 {
		return "-"
	}
	slices.Sort(lat)
	return fmt.Sprintf("%.1f / %.1f", ms(lat[len(lat)/2]), ms(lat[min(len(lat)-1, len(lat)*99/100)]))
}

// tableHead is the header of a table of rows: first names the first
// column, extra the columns after the common ones.
func tableHead(first string, extra ...string) string {
	cols := append([]string{first, "concurrency", "requests/s", "p50 ms", "p99 ms", "z5-7 p50/p99 ms", "z8-10 p50/p99 ms", "z11-12 p50/p99 ms",
		"tiles with data", "wire bytes (gzip)", "mean wire bytes/tile", "largest tile raw", "tiles over the budget"}, extra...)
	return "| " + strings.Join(cols, " | ") + " |\n|" + strings.Repeat("---|", len(cols))
}

// row is one table row of r, under tableHead's columns; extra fills the
// columns after the common ones.
func (r result) row(label string, conc int, extra ...string) string {
	cols := append([]string{label, fmt.Sprint(conc), fmt.Sprintf("%.1f", r.rps), fmt.Sprintf("%.1f", ms(r.p50)), fmt.Sprintf("%.1f", ms(r.p99)),
		r.band(5, 7), r.band(8, 10), r.band(11, 12), fmt.Sprint(r.nonEmpty), fmt.Sprint(r.bytes), fmt.Sprint(r.bytes / int64(max(r.nonEmpty, 1))),
		fmt.Sprint(r.rawMax), fmt.Sprintf("%d of %d (budget %d)", r.overBudget, len(r.tiles), geo.DefaultTileBytes)}, extra...)
	return "| " + strings.Join(cols, " | ") + " |"
}

// run fetches every tile once with conc clients, as a gzip-taking map
// client would, and reads each body to the end.
func run(base string, tiles []tileXYZ, conc int) result {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, DisableCompression: true}}
	next := make(chan int)
	lat := make([]time.Duration, len(tiles))
	var mu sync.Mutex
	res := result{tiles: tiles, matched: make([]int, len(tiles)), hitAt: make([]bool, len(tiles))}
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
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				lat[i] = time.Since(t0)
				if err != nil {
					log.Fatal(err)
				}
				if resp.StatusCode != 200 && resp.StatusCode != 204 {
					log.Fatalf("%s: %d", req.URL, resp.StatusCode)
				}
				raw, matched := inspect(body, resp.Header.Get("Content-Encoding") == "gzip")
				mu.Lock()
				res.bytes += int64(len(body))
				res.rawMax = max(res.rawMax, raw)
				res.matched[i] = matched
				if raw > geo.DefaultTileBytes {
					res.overBudget++
				}
				if resp.Header.Get("X-Tile-Cache") == "hit" {
					res.hits++
					res.hitAt[i] = true
				}
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
	res.lat = slices.Clone(lat)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res.rps = float64(len(tiles)) / elapsed.Seconds()
	res.p50 = lat[len(lat)/2]
	res.p99 = lat[min(len(lat)-1, len(lat)*99/100)]
	return res
}

// inspect is a tile body's uncompressed size and its tile_info's matched.
func inspect(body []byte, gzipped bool) (raw, matched int) {
	if len(body) == 0 {
		return 0, 0
	}
	if gzipped {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			log.Fatal(err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			log.Fatal(err)
		}
	}
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		log.Fatalf("a tile that does not decode: %v", err)
	}
	for _, l := range layers {
		if l.Name == geo.MVTTileInfo && len(l.Features) == 1 {
			n, _ := l.Features[0].Properties["matched"].(float64)
			matched = int(n)
		}
	}
	return len(body), matched
}

// cacheAfterWrite writes one incident through the editing path (a draft,
// then its publication, a move published, a retraction) into a z12 tile of
// the list, on the server at base whose cache is warm, and after each
// published write fetches the list again: how many requests still hit, how
// many distinct tiles were built again, and whether every tile holding the
// incident (old and new position) shows the change. Each write is timed:
// the pyramid and the change log are kept in its transaction.
func cacheAfterWrite(ctx context.Context, store geo.EditStore, base string, tiles []tileXYZ) error {
	before := run(base, tiles, 8)
	target := tiles[len(tiles)-5] // a z12 tile: its parents are in the list's lower zooms too
	b := geo.TileBounds3857(target.z, target.x, target.y)
	lon, lat := geo.WebMercatorToLonLat((b.MinX+b.MaxX)/2, (b.MinY+b.MaxY)/2)
	day := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	inc := geo.Incident{Location: orb.Point{lon, lat}, GeoPrecision: geo.GeoExact,
		DatePrecision: 1, DateStart: day, DateEnd: day, EventType: "Battles", SubEventType: "Armed clash",
		Perpetrator: "bench", Target: "bench", Casualties: geo.Casualties{Civilians: 1},
		Sources: []geo.Source{{Name: "bench", URL: "https://example.org/bench", Date: day}}}
	distinct := map[tileXYZ]bool{}
	for _, t := range tiles {
		distinct[t] = true
	}
	at := []orb.Point{inc.Location}
	holds := func(t tileXYZ) bool {
		for _, p := range at {
			x, y := geo.LonLatTo3857(p[0], p[1])
			if (geo.TileAddr{Z: t.z, X: t.x, Y: t.y}).Holds(x, y) {
				return true
			}
		}
		return false
	}
	var head geo.Version
	edit := func(e geo.Edit) error {
		e.Author, e.AllowSelfReview = "bench", true
		if e.Action != geo.ActionCreate {
			e.ID, e.IfVersion = head.Incident.ID, head.Incident.Version
		}
		v, err := store.ApplyEdit(ctx, e)
		head = v
		return err
	}
	check := func(what string, e geo.Edit, delta map[orb.Point]int) error {
		start := time.Now()
		if err := edit(e); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		took := time.Since(start)
		after := run(base, tiles, 1)
		missed := map[tileXYZ]bool{}
		held, wrong := map[tileXYZ]bool{}, 0
		for i, t := range tiles {
			want := before.matched[i]
			for p, d := range delta {
				x, y := geo.LonLatTo3857(p[0], p[1])
				if (geo.TileAddr{Z: t.z, X: t.x, Y: t.y}).Holds(x, y) {
					want += d
				}
			}
			if holds(t) {
				held[t] = true
			}
			if after.matched[i] != want {
				wrong++
			}
			if !after.hitAt[i] {
				missed[t] = true
			}
		}
		fmt.Printf("| %s | %s | %d of %d (%.1f%%) | %d of %d (%.1f%%) | %d | %d |\n", what, took.Round(100*time.Microsecond),
			after.hits, len(tiles), 100*float64(after.hits)/float64(len(tiles)),
			len(distinct)-len(missed), len(distinct), 100*float64(len(distinct)-len(missed))/float64(len(distinct)), len(held), wrong)
		before = after
		return nil
	}
	fmt.Printf("writes into tile %d/%d/%d through the editing path, the cache warm (%d of %d requests hit before; the list holds %d distinct tiles):\n\n",
		target.z, target.x, target.y, before.hits, len(tiles), len(distinct))
	fmt.Println("| write | time | requests that hit after it | distinct tiles still cached | distinct tiles holding the incident (old or new) | tiles not showing the change |")
	fmt.Println("|---|---|---|---|---|---|")
	start := time.Now()
	if err := edit(geo.Edit{Action: geo.ActionCreate, Incident: inc}); err != nil {
		return fmt.Errorf("create a draft: %w", err)
	}
	fmt.Printf("| a draft (no public change) | %s | - | - | - | - |\n", time.Since(start).Round(100*time.Microsecond))
	if err := check("its publication", geo.Edit{Action: geo.ActionPublish}, map[orb.Point]int{inc.Location: 1}); err != nil {
		return err
	}
	moved := inc
	moved.Location = orb.Point{lon + 0.05, lat - 0.03}
	if err := edit(geo.Edit{Action: geo.ActionEdit, Incident: moved}); err != nil {
		return fmt.Errorf("edit: %w", err)
	}
	at = append(at, moved.Location)
	if err := check("a move, published", geo.Edit{Action: geo.ActionPublish}, map[orb.Point]int{inc.Location: -1, moved.Location: 1}); err != nil {
		return err
	}
	at = at[1:]
	if err := check("its retraction", geo.Edit{Action: geo.ActionRetract, Comment: "bench"}, map[orb.Point]int{moved.Location: -1}); err != nil {
		return err
	}
	fmt.Println()
	return nil
}
