package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ogrGPKGSQL is what ogr2ogr copies from PostGIS: the columns of our
// incidents layer and the point (geom_3857, a second geometry, is left out:
// a GeoPackage table has one).
const ogrGPKGSQL = `SELECT id, external_id, date_start, date_end, date_precision, geo_precision, location_name,
 source_admin1, source_admin2, source_governorate, governorate, region, event_type, sub_event_type, perpetrator, target,
 killed, killed_military, killed_militia, killed_isis, killed_other_armed, killed_civilians, killed_children, killed_women,
 killed_truffle_gatherers, killed_unknown, injured, abducted, deaths_low, deaths_best, deaths_high, sources, notes,
 created_at, updated_at, geom FROM incidents`

// gpkgSection: `badiamap export --format gpkg` from PostGIS next to
// ogr2ogr copying the same table from the same database into a GeoPackage.
func (b *bench) gpkgSection(sets []dataset) {
	sec := b.rep.section("GeoPackage export",
		"data set", "writer", "incidents", "wall time", "rows/s", "vs ogr2ogr", "CPU (user+sys)", "peak RSS", "file size")
	for _, ds := range sets {
		if err := b.ensurePostGIS(ds); err != nil {
			sec.row(ds.label(), failed(err))
			continue
		}
		db := "bench_" + ds.name
		if _, err := b.psql(db, "CHECKPOINT"); err != nil {
			sec.row(ds.label(), failed(err))
			continue
		}
		ours, oursErr := b.exportGPKG(ds, db)
		if oursErr != nil {
			sec.row(ds.label(), "badiamap export", failed(oursErr))
		}
		ogr, ogrErr := b.ogrGPKG(ds, db)
		if ogrErr != nil {
			sec.row(ds.label(), "ogr2ogr", failed(ogrErr))
		}
		if oursErr == nil {
			vs := "-"
			if ogrErr == nil {
				vs = ratio(ogr.wall.Seconds(), ours.wall.Seconds())
			}
			sec.row(ds.label(), "`badiamap export --format gpkg` (+ 2 region layers)", thousands(ours.rows), secs(ours.wall),
				rate(ours.rows, ours.wall), vs, secs(ours.cpu), mb(ours.peakKB), mb(int(ours.size>>10)))
		}
		if ogrErr == nil {
			sec.row(ds.label(), "`ogr2ogr -f GPKG` from PostGIS", thousands(ogr.rows), secs(ogr.wall),
				rate(ogr.rows, ogr.wall), "1.00x", secs(ogr.cpu), mb(ogr.peakKB), mb(int(ogr.size>>10)))
		}
	}
	sec.note("both read every incident from the same PostGIS database (`bench_<set>`, as the Import section loads it) and write a new GeoPackage with an R-tree spatial index; wall time is the whole command; CPU and peak RSS (its maximum resident set) are the process's own, from getrusage (PostgreSQL's work is in neither)")
	sec.note("ogr2ogr: `ogr2ogr -f GPKG OUT.gpkg PG:... -sql \"SELECT <the same columns>, geom FROM incidents\" -nln incidents`")
	sec.note("every file is counted afterwards with `ogrinfo -so` against the rows in PostGIS")
}

// ensurePostGIS loads ds into its PostGIS database unless the Import
// section already did.
func (b *bench) ensurePostGIS(ds dataset) error {
	if n, err := b.psqlInt("bench_"+ds.name, "SELECT count(*) FROM incidents"); err == nil && n == ds.rows {
		return nil
	}
	_, _, err := b.importPostGIS(ds)
	return err
}

// gpkgRun is one GeoPackage written.
type gpkgRun struct {
	rows   int
	wall   time.Duration
	cpu    time.Duration // user + system
	peakKB int
	size   int64
}

var exportedRE = regexp.MustCompile(`exported (\d+) incidents`)

func (b *bench) exportGPKG(ds dataset, db string) (gpkgRun, error) {
	out := filepath.Join(b.cfg.out, "export-"+ds.name+".gpkg")
	os.Remove(out)
	stderr, run, err := b.timedRSS("gpkg-badiamap-"+ds.name, b.cfg.bin, "export", "--database-url", b.dbURL(db), "--format", "gpkg", "--out", out)
	if err != nil {
		return run, err
	}
	m := exportedRE.FindStringSubmatch(stderr)
	if m == nil {
		return run, fmt.Errorf("no `exported N incidents` in %q", stderr)
	}
	run.rows, _ = strconv.Atoi(m[1])
	return run, b.checkGPKG(ds, db, out, &run)
}

func (b *bench) ogrGPKG(ds dataset, db string) (gpkgRun, error) {
	out := filepath.Join(b.cfg.out, "ogr2ogr-"+ds.name+".gpkg")
	os.Remove(out)
	u := b.cfg.adminURL
	pg := fmt.Sprintf("PG:host=%s port=%s user=%s dbname=%s", u.Hostname(), u.Port(), u.User.Username(), db)
	_, run, err := b.timedRSS("gpkg-ogr2ogr-"+ds.name, "ogr2ogr", "-f", "GPKG", out, pg, "-sql", ogrGPKGSQL, "-nln", "incidents")
	if err != nil {
		return run, err
	}
	return run, b.checkGPKG(ds, db, out, &run)
}

var featureCountRE = regexp.MustCompile(`Feature Count: (\d+)`)

// checkGPKG counts the incidents in the file against PostGIS and records
// the file's size.
func (b *bench) checkGPKG(ds dataset, db, path string, run *gpkgRun) error {
	want, err := b.psqlInt(db, "SELECT count(*) FROM incidents")
	if err != nil {
		return err
	}
	info, err := exec.Command("ogrinfo", "-ro", "-so", path, "incidents").CombinedOutput()
	if err != nil {
		return fmt.Errorf("ogrinfo %s: %w: %s", path, err, info)
	}
	m := featureCountRE.FindSubmatch(info)
	if m == nil {
		return fmt.Errorf("ogrinfo %s printed no feature count", path)
	}
	n, _ := strconv.Atoi(string(m[1]))
	if n != want || (run.rows != 0 && run.rows != n) {
		return fmt.Errorf("%s holds %d incidents, the command says %d, PostGIS %d", path, n, run.rows, want)
	}
	run.rows = n
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	run.size = st.Size()
	return nil
}

// timedRSS runs a command to completion and returns its stderr, wall time
// and peak resident set (its rusage), logging both outputs.
func (b *bench) timedRSS(logName, name string, args ...string) (string, gpkgRun, error) {
	var run gpkgRun
	log, err := b.logFile(logName)
	if err != nil {
		return "", run, err
	}
	defer log.Close()
	fmt.Fprintf(log, "$ %s %s\n", name, strings.Join(args, " "))
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout = log
	cmd.Stderr = io.MultiWriter(log, &stderr)
	start := time.Now()
	err = cmd.Run()
	run.wall = time.Since(start)
	if cmd.ProcessState == nil { // it never started
		return "", run, fmt.Errorf("%s: %w", name, err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru != nil {
		run.peakKB = int(ru.Maxrss) // kB on Linux
		run.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if err != nil {
		return stderr.String(), run, fmt.Errorf("%s %s: %w (see bench/out/logs/%s.log)", name, firstArg(args), err, logName)
	}
	return stderr.String(), run, nil
}
