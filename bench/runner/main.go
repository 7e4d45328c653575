// Command runner runs the benchmarks of bench/README.md against a built
// badiamap binary and a throwaway PostGIS cluster (BADIAMAP_TEST_DATABASE_URL,
// as scripts/with-postgis exports it), and prints the figures as Markdown
// tables. bench/run builds everything and calls it; run that instead.
//
// It measures wall-clock time of the real commands (badiamap, ogr2ogr, psql)
// and real HTTP downloads; nothing here is a timed test.
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// config is what the runner needs to find.
type config struct {
	bin      string // the badiamap binary
	ucdp     string // the real UCDP CSV
	big      string // the generated CSV
	out      string // bench/out: data dirs, logs, results
	adminURL *url.URL
	rounds   int           // downloads per server at the large size
	duration time.Duration // load duration per server at the small size
	only     string        // run only these sections (comma-separated), "" for all
}

func main() {
	var cfg config
	flag.StringVar(&cfg.bin, "bin", "bench/out/bin/badiamap", "badiamap binary")
	flag.StringVar(&cfg.ucdp, "ucdp", "../shared/data/incidents/ucdp_ged_syria_v652.1601.1911_2016-01-01_2019-11-30.csv", "UCDP GED CSV")
	flag.StringVar(&cfg.big, "big", "bench/out/incidents-1m.csv", "generated CSV (bench/gen)")
	flag.StringVar(&cfg.out, "out", "bench/out", "directory for data, logs and results")
	flag.IntVar(&cfg.rounds, "rounds", 3, "GeoJSON downloads per server on the large data set")
	flag.DurationVar(&cfg.duration, "duration", 20*time.Second, "how long each server is loaded on the small data set")
	flag.StringVar(&cfg.only, "only", "", "sections to run, comma-separated: import,stream,embedded,gpkg (default all)")
	flag.Parse()
	if err := run(&cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench runner:", err)
		os.Exit(1)
	}
}

func run(cfg *config) error {
	raw := os.Getenv("BADIAMAP_TEST_DATABASE_URL")
	if raw == "" {
		return fmt.Errorf("BADIAMAP_TEST_DATABASE_URL is not set: run under scripts/with-postgis (bench/run does)")
	}
	var err error
	if cfg.adminURL, err = url.Parse(raw); err != nil {
		return fmt.Errorf("BADIAMAP_TEST_DATABASE_URL: %w", err)
	}
	for _, p := range []*string{&cfg.bin, &cfg.ucdp, &cfg.big, &cfg.out} {
		if *p, err = filepath.Abs(*p); err != nil {
			return err
		}
	}
	for _, f := range []string{cfg.bin, cfg.ucdp, cfg.big} {
		if _, err := os.Stat(f); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(cfg.out, "logs"), 0o755); err != nil {
		return err
	}
	b := &bench{cfg: cfg, rep: newReport()}
	b.rep.note("started %s, load average %s", time.Now().UTC().Format(time.RFC3339), loadAvg())
	sets := []dataset{{name: "ucdp", title: "UCDP (real)", file: cfg.ucdp}, {name: "gen", title: "generated", file: cfg.big}}
	for i := range sets {
		n, err := countCSVRows(sets[i].file)
		if err != nil {
			return err
		}
		sets[i].rows = n
	}
	if b.want("import") {
		b.importSection(sets)
	}
	if b.want("stream") || b.want("embedded") {
		b.serveSection(sets)
	}
	if b.want("gpkg") {
		b.gpkgSection(sets)
	}
	b.rep.note("finished %s, load average %s", time.Now().UTC().Format(time.RFC3339), loadAvg())
	text := b.rep.markdown()
	fmt.Print(text)
	return os.WriteFile(filepath.Join(cfg.out, "results.md"), []byte(text), 0o644)
}

// bench holds the run's state.
type bench struct {
	cfg *config
	rep *report
}

func (b *bench) want(section string) bool {
	if b.cfg.only == "" {
		return true
	}
	for _, s := range strings.Split(b.cfg.only, ",") {
		if strings.TrimSpace(s) == section {
			return true
		}
	}
	return false
}

// dataset is one incident file the benchmarks load.
type dataset struct {
	name, title, file string
	rows              int
}

func (d dataset) label() string { return fmt.Sprintf("%s, %s rows", d.title, thousands(d.rows)) }

// dbURL is the URL of database name on the throwaway cluster.
func (b *bench) dbURL(name string) string {
	u := *b.cfg.adminURL
	u.Path = "/" + name
	return u.String()
}

func (b *bench) logFile(name string) (*os.File, error) {
	return os.Create(filepath.Join(b.cfg.out, "logs", name+".log"))
}

// countCSVRows counts the records of a CSV file (its physical lines may be
// more: quoted fields hold newlines).
func countCSVRows(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return csvRecords(f)
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
