// Command gen-incidents writes a benchmark incident file: N UCDP GED rows
// sampled from a real UCDP CSV, jittered and re-dated (see package gen).
//
//	go run ./bench/gen/cmd/gen-incidents -n 1000000 -seed 1 -src UCDP.csv -o out.csv
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/badiamap/badiamap/bench/gen"
)

func main() {
	n := flag.Int("n", 1_000_000, "rows to write")
	seed := flag.Uint64("seed", 1, "random seed: the same seed gives the same file")
	jitter := flag.Float64("jitter-km", 3, "standard deviation of the point offset on each axis, in km")
	src := flag.String("src", "../shared/data/incidents/ucdp_ged_syria_v652.1601.1911_2016-01-01_2019-11-30.csv", "UCDP GED CSV to sample")
	out := flag.String("o", "-", "file to write (- for stdout)")
	flag.Parse()
	if err := run(*src, *out, gen.Options{N: *n, Seed: *seed, JitterKM: *jitter}); err != nil {
		fmt.Fprintln(os.Stderr, "gen-incidents:", err)
		os.Exit(1)
	}
}

func run(src, out string, opt gen.Options) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	w := os.Stdout
	if out != "-" {
		// Write beside the target and rename, so a half-written file is never taken for a whole one.
		if w, err = os.Create(out + ".tmp"); err != nil {
			return err
		}
		defer w.Close()
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := gen.Generate(bw, bufio.NewReaderSize(in, 1<<20), opt); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if out == "-" {
		return nil
	}
	if err := w.Close(); err != nil {
		return err
	}
	return os.Rename(out+".tmp", out)
}
