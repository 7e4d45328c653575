package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"
)

// importSection: `badiamap import` into PostGIS (join included) next to
// ogr2ogr loading the same CSV into the same cluster (no join), the same
// import into the embedded store, and the re-join after a boundary reload.
func (b *bench) importSection(sets []dataset) {
	imp := b.rep.section("Import",
		"data set", "loader", "store", "rows loaded", "wall time", "rows/s", "vs ogr2ogr")
	rejoin := b.rep.section("Re-join after `badiamap boundaries load`",
		"data set", "store", "incidents", "wall time (command)", "re-join inside the command", "incidents/s")
	for _, ds := range sets {
		if err := warmFile(ds.file); err != nil {
			imp.row(ds.label(), failed(err))
			continue
		}
		ours, oursRows, err := b.importPostGIS(ds)
		if err != nil {
			imp.row(ds.label(), "badiamap import", "PostGIS", failed(err))
		}
		ogr, ogrRows, ogrErr := b.importOGR(ds)
		if ogrErr != nil {
			imp.row(ds.label(), "ogr2ogr", "PostGIS", failed(ogrErr))
		}
		if err == nil {
			vs := "-"
			if ogrErr == nil {
				vs = ratio(ogr.Seconds(), ours.Seconds())
			}
			imp.row(ds.label(), "`badiamap import` (join included)", "PostGIS", thousands(oursRows), secs(ours), rate(oursRows, ours), vs)
		}
		if ogrErr == nil {
			imp.row(ds.label(), "`ogr2ogr -f PostgreSQL` (no join)", "PostGIS", thousands(ogrRows), secs(ogr), rate(ogrRows, ogr), "1.00x")
		}
		mem, memRows, err := b.importMemory(ds)
		if err != nil {
			imp.row(ds.label(), "badiamap import", "memory", failed(err))
		} else {
			vs := "-"
			if ogrErr == nil {
				vs = ratio(ogr.Seconds(), mem.Seconds())
			}
			imp.row(ds.label(), "`badiamap import` (join included)", "memory", thousands(memRows), secs(mem), rate(memRows, mem), vs)
		}
		if ds.name != "gen" {
			continue
		}
		for _, store := range []string{"postgis", "memory"} {
			n, wall, inner, err := b.rejoin(ds, store)
			if err != nil {
				rejoin.row(ds.label(), store, failed(err))
				continue
			}
			rejoin.row(ds.label(), store, thousands(n), secs(wall), secs(inner), rate(n, inner))
		}
	}
	imp.note("wall time is the whole command, from exec to exit (process start, reading and parsing the CSV, validation, the join, COPY/commit, index upkeep)")
	imp.note("ogr2ogr: `ogr2ogr -f PostgreSQL PG:... FILE.csv -oo X_POSSIBLE_NAMES=longitude -oo Y_POSSIBLE_NAMES=latitude -a_srs EPSG:4326 -nln ogr_incidents` into a fresh database of the same cluster (every column as text, a point, a GiST index; no join, no validation)")
	imp.note("`badiamap import` runs into a fresh, migrated database holding the bundled boundaries; the memory store into a fresh data directory holding them")
	rejoin.note("the bundled boundaries are reloaded over themselves: every incident is joined again to the governorates and Badia regions, in one transaction")
}

var insertedRE = regexp.MustCompile(`(?m)^inserted:\s+(\d+)`)

func parseInserted(out string) (int, error) {
	m := insertedRE.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no `inserted:` line in the import summary")
	}
	return strconv.Atoi(m[1])
}

func (b *bench) importPostGIS(ds dataset) (time.Duration, int, error) {
	db := "bench_" + ds.name
	if err := b.freshDB(db); err != nil {
		return 0, 0, err
	}
	if _, _, err := b.output("migrate-"+ds.name, b.cfg.bin, "migrate", "--database-url", b.dbURL(db)); err != nil {
		return 0, 0, err
	}
	if _, err := b.psql(db, "CHECKPOINT"); err != nil {
		return 0, 0, err
	}
	out, d, err := b.output("import-postgis-"+ds.name, b.cfg.bin, "import", "--database-url", b.dbURL(db), ds.file)
	if err != nil {
		return d, 0, err
	}
	inserted, err := parseInserted(out)
	if err != nil {
		return d, 0, err
	}
	stored, err := b.psqlInt(db, "SELECT count(*) FROM incidents")
	if err != nil {
		return d, 0, err
	}
	joined, err := b.psqlInt(db, "SELECT count(*) FROM incidents WHERE governorate <> ''")
	if err != nil {
		return d, 0, err
	}
	if inserted != ds.rows || stored != ds.rows {
		return d, 0, fmt.Errorf("the file has %d rows; import says %d inserted, the table holds %d", ds.rows, inserted, stored)
	}
	if joined < stored*9/10 {
		return d, 0, fmt.Errorf("only %d of %d incidents joined to a governorate", joined, stored)
	}
	return d, stored, nil
}

func (b *bench) importOGR(ds dataset) (time.Duration, int, error) {
	db := "ogr_" + ds.name
	if err := b.freshDB(db); err != nil {
		return 0, 0, err
	}
	if _, err := b.psql(db, "CREATE EXTENSION postgis"); err != nil {
		return 0, 0, err
	}
	if _, err := b.psql(db, "CHECKPOINT"); err != nil {
		return 0, 0, err
	}
	u := b.cfg.adminURL
	pg := fmt.Sprintf("PG:host=%s port=%s user=%s dbname=%s", u.Hostname(), u.Port(), u.User.Username(), db)
	d, err := b.timed("ogr2ogr-"+ds.name, nil, "ogr2ogr", "-f", "PostgreSQL", pg, ds.file,
		"-oo", "X_POSSIBLE_NAMES=longitude", "-oo", "Y_POSSIBLE_NAMES=latitude", "-a_srs", "EPSG:4326", "-nln", "ogr_incidents")
	if err != nil {
		return d, 0, err
	}
	n, err := b.psqlInt(db, "SELECT count(*) FROM ogr_incidents")
	if err != nil {
		return d, 0, err
	}
	if n != ds.rows {
		return d, 0, fmt.Errorf("the file has %d rows; ogr2ogr loaded %d", ds.rows, n)
	}
	return d, n, nil
}

// memDir is the embedded store's data directory for a data set.
func (b *bench) memDir(ds dataset) string { return filepath.Join(b.cfg.out, "mem-"+ds.name) }

func (b *bench) importMemory(ds dataset) (time.Duration, int, error) {
	dir := b.memDir(ds)
	if err := os.RemoveAll(dir); err != nil {
		return 0, 0, err
	}
	if _, _, err := b.output("boundaries-memory-"+ds.name, b.cfg.bin, "boundaries", "load", "--store", "memory", "--data-dir", dir); err != nil {
		return 0, 0, err
	}
	out, d, err := b.output("import-memory-"+ds.name, b.cfg.bin, "import", "--store", "memory", "--data-dir", dir, ds.file)
	if err != nil {
		return d, 0, err
	}
	inserted, err := parseInserted(out)
	if err != nil {
		return d, 0, err
	}
	if inserted != ds.rows {
		return d, 0, fmt.Errorf("the file has %d rows; import says %d inserted", ds.rows, inserted)
	}
	return d, inserted, nil
}

var rejoinRE = regexp.MustCompile(`loaded (\d+) regions; (\d+) incidents re-joined \(([^)]+)\)`)

// rejoin reloads the bundled boundaries over a store holding ds and returns
// the incidents it holds, the command's wall time and the time it reports
// for ReplaceRegions.
func (b *bench) rejoin(ds dataset, store string) (int, time.Duration, time.Duration, error) {
	args := []string{"boundaries", "load"}
	n := ds.rows
	if store == "postgis" {
		db := "bench_" + ds.name
		var err error
		if n, err = b.psqlInt(db, "SELECT count(*) FROM incidents"); err != nil {
			return 0, 0, 0, err
		}
		if _, err := b.psql(db, "CHECKPOINT"); err != nil {
			return 0, 0, 0, err
		}
		args = append(args, "--database-url", b.dbURL(db))
	} else {
		args = append(args, "--store", "memory", "--data-dir", b.memDir(ds))
	}
	out, wall, err := b.output("rejoin-"+store+"-"+ds.name, b.cfg.bin, args...)
	if err != nil {
		return 0, wall, 0, err
	}
	m := rejoinRE.FindStringSubmatch(out)
	if m == nil {
		return 0, wall, 0, fmt.Errorf("no re-join summary in %q", out)
	}
	inner, err := time.ParseDuration(m[3])
	if err != nil {
		return 0, wall, 0, err
	}
	return n, wall, inner, nil
}
