package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"sync"
	"time"
)

// The bytes each feature of our GeoJSON starts with, and of PostGIS's
// ST_AsGeoJSON(record) (json_build_object writes `"type" : ` with a space
// before the colon, so the collection itself does not match).
const (
	ourFeature  = `{"type":"Feature",`
	psqlFeature = `{"type": "Feature",`
)

// The SQL the analyst would type: one FeatureCollection built by PostgreSQL.
const jsonAggSQL = `SELECT json_build_object('type','FeatureCollection','features',json_agg(ST_AsGeoJSON(t.*)::json)) FROM incidents t`

// The same features, one per row, for when json_agg's 1 GB limit is hit.
const rowsSQL = `SELECT ST_AsGeoJSON(t.*) FROM incidents t`

// serveSection: the GeoJSON download from `badiamap serve`, on PostGIS and on
// the embedded store, at both sizes; and psql on the large one.
func (b *bench) serveSection(sets []dataset) {
	var stream *section
	if b.want("stream") {
		stream = b.rep.section("GeoJSON streaming (/api/incidents.geojson, every incident)",
			"data set", "client", "features", "bytes", "time", "features/s", "vs psql json_agg", "server peak RSS")
	}
	var emb *section
	if b.want("embedded") {
		emb = b.rep.section("Embedded store vs PostGIS: the GeoJSON export (/api/incidents.geojson)",
			"data set", "store", "start-up (exec to /healthz)", "requests", "requests/s", "p50", "p99", "features/s", "server peak RSS")
	}
	for _, ds := range sets {
		large := ds.name == "gen"
		var ourStream *loadResult
		for _, store := range []string{"postgis", "memory"} {
			if store == "memory" && emb == nil {
				continue
			}
			res, err := b.serveLoad(ds, store, large)
			if err != nil {
				if emb != nil {
					emb.row(ds.label(), store, failed(err))
				}
				if stream != nil && store == "postgis" {
					stream.row(ds.label(), "badiamap serve (PostGIS)", failed(err))
				}
				continue
			}
			if emb != nil {
				emb.row(ds.label(), store, secs(res.startup), fmt.Sprint(len(res.latencies)), fmt.Sprintf("%.2f", res.perSecond()),
					secs(res.percentile(50)), secs(res.percentile(99)), rate(res.features*len(res.latencies), res.wall), mb(res.peakKB))
			}
			if store == "postgis" {
				ourStream = res
			}
		}
		if stream == nil {
			continue
		}
		agg, aggErr := b.psqlStream(ds, "json_agg", jsonAggSQL)
		rows, rowsErr := b.psqlStream(ds, "rows", rowsSQL)
		if ourStream != nil {
			vs := "-"
			switch {
			case aggErr == nil:
				vs = ratio(agg.elapsed.Seconds(), ourStream.first.Seconds())
			case rowsErr == nil: // json_agg failed (its result passes 1 GB): compare with the row query
				vs = ratio(rows.elapsed.Seconds(), ourStream.first.Seconds()) + " (vs the psql row query)"
			}
			stream.row(ds.label(), "`badiamap serve`, PostGIS store (`GET /api/incidents.geojson`, the first download after start)", thousands(ourStream.features), thousands(int(ourStream.bytes)),
				secs(ourStream.first), rate(ourStream.features, ourStream.first), vs, mb(ourStream.firstPeakKB))
		}
		for _, p := range []struct {
			name string
			r    psqlResult
			err  error
		}{{"`psql -At -c \"SELECT json_build_object(... json_agg(ST_AsGeoJSON(t.*)::json)) FROM incidents t\"`", agg, aggErr},
			{"`psql -At -c \"SELECT ST_AsGeoJSON(t.*) FROM incidents t\"` (one feature a row, no collection)", rows, rowsErr}} {
			if p.err != nil {
				stream.row(ds.label(), p.name, failed(p.err))
				continue
			}
			vs := "-"
			if aggErr == nil {
				vs = ratio(agg.elapsed.Seconds(), p.r.elapsed.Seconds())
			}
			stream.row(ds.label(), p.name, thousands(p.r.features), thousands(int(p.r.bytes)), secs(p.r.elapsed), rate(p.r.features, p.r.elapsed), vs, "(PostgreSQL backend)")
		}
	}
	if stream != nil {
		stream.note("features are counted in the downloaded bytes as they arrive and checked against `SELECT count(*) FROM incidents` and the collection's own numberReturned; a server download that differs is reported as FAILED")
		stream.note("server peak RSS is VmHWM of the `badiamap serve` process (/proc/PID/status): the most it ever held resident since it started")
		stream.note("the HTTP client asks for no compression (like curl or ogr2ogr), so the server does the same work psql's output needs; psql writes into a pipe the runner drains")
	}
	if emb != nil {
		emb.note("a fresh server per row; at 16,566 incidents 2 clients download in a loop for %s, at 1,000,000 one client downloads %d times in a row; every download is checked for the full feature count", b.cfg.duration, b.cfg.rounds)
		emb.note("features/s is every feature downloaded over the wall time of the row's requests; p50/p99 are over the requests of the row (with a few requests p99 is their maximum)")
		emb.note("start-up is from exec of `badiamap serve` to the first 200 from /healthz, with the data already on disk (for the memory store: the snapshot and log are read, the incidents indexed)")
	}
}

// loadResult is one server under load.
type loadResult struct {
	startup     time.Duration
	features    int // per download
	bytes       int64
	latencies   []time.Duration
	wall        time.Duration // from the first request to the last answer
	first       time.Duration // the first download
	firstPeakKB int           // VmHWM after the first download
	peakKB      int           // VmHWM at the end
}

func (r *loadResult) perSecond() float64 { return float64(len(r.latencies)) / r.wall.Seconds() }

func (r *loadResult) percentile(p int) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	l := append([]time.Duration(nil), r.latencies...)
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	i := (len(l)*p + 99) / 100 // nearest rank
	return l[max(0, min(len(l)-1, i-1))]
}

// serveLoad starts a server on ds in store and downloads the whole GeoJSON:
// on the large set `rounds` times one after another, on the small one with
// two clients for the configured duration.
func (b *bench) serveLoad(ds dataset, store string, large bool) (*loadResult, error) {
	var args []string
	var expect int
	if store == "postgis" {
		db := "bench_" + ds.name
		n, err := b.psqlInt(db, "SELECT count(*) FROM incidents")
		if err != nil || n != ds.rows {
			if _, _, err := b.importPostGIS(ds); err != nil {
				return nil, fmt.Errorf("load the data first: %w", err)
			}
			n = ds.rows
		}
		expect = n
		args = []string{"--database-url", b.dbURL(db)}
		if _, err := b.psql(db, "CHECKPOINT"); err != nil {
			return nil, err
		}
	} else {
		dir := b.memDir(ds)
		if _, err := os.Stat(dir); err != nil {
			if _, _, err := b.importMemory(ds); err != nil {
				return nil, fmt.Errorf("load the data first: %w", err)
			}
		}
		expect = ds.rows
		args = []string{"--store", "memory", "--data-dir", dir}
	}
	srv, err := b.startServer("serve-"+store+"-"+ds.name, args...)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	res := &loadResult{startup: srv.startup, features: expect}
	url := srv.base + "/api/incidents.geojson"
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get := func() (time.Duration, int64, error) {
		start := time.Now()
		resp, err := client.Get(url)
		if err != nil {
			return 0, 0, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
			return 0, 0, fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
		}
		c := newFeatureCounter(ourFeature)
		if _, err := io.Copy(c, resp.Body); err != nil {
			return 0, 0, fmt.Errorf("GET %s after %d bytes: %w", url, c.bytes, err)
		}
		d := time.Since(start)
		if c.n != expect || c.numberReturned() != expect {
			return d, c.bytes, fmt.Errorf("download has %d features (numberReturned %d), the store holds %d", c.n, c.numberReturned(), expect)
		}
		return d, c.bytes, nil
	}

	if large {
		start := time.Now()
		for i := 0; i < b.cfg.rounds; i++ {
			d, n, err := get()
			if err != nil {
				return nil, err
			}
			res.latencies = append(res.latencies, d)
			res.bytes = n
			if i == 0 {
				res.first = d
				if res.firstPeakKB, err = srv.memKB("VmHWM"); err != nil {
					return nil, err
				}
			}
		}
		res.wall = time.Since(start)
	} else {
		// The first download after start: the streaming figure, and a check of the count.
		d, n, err := get()
		if err != nil {
			return nil, err
		}
		res.first, res.bytes = d, n
		if res.firstPeakKB, err = srv.memKB("VmHWM"); err != nil {
			return nil, err
		}
		var (
			mu   sync.Mutex
			errs []error
		)
		start := time.Now()
		deadline := start.Add(b.cfg.duration)
		var wg sync.WaitGroup
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(deadline) {
					d, n, err := get()
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
						mu.Unlock()
						return
					}
					res.latencies = append(res.latencies, d)
					res.bytes = n
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		res.wall = time.Since(start)
		if len(errs) > 0 {
			return nil, errs[0]
		}
		if err := b.strictCheck(client, url, expect); err != nil {
			return nil, err
		}
	}
	if res.peakKB, err = srv.memKB("VmHWM"); err != nil {
		return nil, err
	}
	return res, nil
}

// strictCheck decodes one whole download as JSON (not timed).
func (b *bench) strictCheck(client *http.Client, url string, expect int) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	n, err := strictFeatureCount(resp.Body)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	if n != expect {
		return fmt.Errorf("GET %s: %d features decoded, the store holds %d", url, n, expect)
	}
	return nil
}

// psqlResult is one psql run.
type psqlResult struct {
	elapsed  time.Duration
	features int
	bytes    int64
}

// psqlStream runs sql in psql with its output counted as it arrives.
func (b *bench) psqlStream(ds dataset, name, sql string) (psqlResult, error) {
	db := "bench_" + ds.name
	var r psqlResult
	expect, err := b.psqlInt(db, "SELECT count(*) FROM incidents")
	if err != nil {
		return r, err
	}
	if _, err := b.psql(db, "CHECKPOINT"); err != nil {
		return r, err
	}
	log, err := b.logFile("psql-" + name + "-" + ds.name)
	if err != nil {
		return r, err
	}
	defer log.Close()
	c := newFeatureCounter(psqlFeature)
	cmd := exec.Command("psql", "-X", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql, b.dbURL(db))
	fmt.Fprintf(log, "$ psql -X -v ON_ERROR_STOP=1 -At -c %q %s\n", sql, b.dbURL(db))
	cmd.Stdout, cmd.Stderr = c, log
	start := time.Now()
	err = cmd.Run()
	r.elapsed, r.features, r.bytes = time.Since(start), c.n, c.bytes
	if err != nil {
		msg, _ := os.ReadFile(log.Name())
		return r, fmt.Errorf("psql after %s: %v: %s", secs(r.elapsed), err, lastLine(string(msg)))
	}
	if r.features != expect {
		return r, fmt.Errorf("psql output has %d features, the table %d", r.features, expect)
	}
	return r, nil
}

func lastLine(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == ' ') {
		s = s[:len(s)-1]
	}
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			return s[i+1:]
		}
	}
	return s
}
