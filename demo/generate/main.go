// Command generate writes demo/incidents.geojson: the demo incidents that
// reconstruct the seed report, from demo/seed_report.json (the targets), the
// bundled Badia regions (package boundaries) and the anchor places in
// ../shared/data/badia. The same seed gives the same file byte for byte.
//
// Run it from the repository root:
//
//	go run ./demo/generate
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/demo"
)

func main() {
	reportPath := flag.String("report", "demo/seed_report.json", "the report whose regional lines the incidents reconstruct")
	anchorsPath := flag.String("anchors", "../shared/data/badia/badia_anchor_places.csv", "real places to put incidents near")
	out := flag.String("out", "demo/incidents.geojson", "where to write the incidents")
	seed := flag.Uint64("seed", demo.DefaultSeed, "random seed")
	flag.Parse()
	if err := run(*reportPath, *anchorsPath, *out, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}

func run(reportPath, anchorsPath, out string, seed uint64) error {
	raw, err := os.ReadFile(reportPath)
	if err != nil {
		return err
	}
	rep, err := demo.ParseReport(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", reportPath, err)
	}
	regions, err := boundaries.All()
	if err != nil {
		return err
	}
	f, err := os.Open(anchorsPath)
	if err != nil {
		return err
	}
	defer f.Close()
	anchors, err := demo.ReadAnchors(f)
	if err != nil {
		return fmt.Errorf("%s: %w", anchorsPath, err)
	}
	var buf bytes.Buffer
	if err := demo.GenerateGeoJSON(&buf, demo.GenerateInput{Report: rep, Regions: regions, Anchors: anchors, Seed: seed}); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s: %d bytes (seed %d)\n", out, buf.Len(), seed)
	return nil
}
