package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/badiamap/badiamap/boundaries"
)

func init() {
	register(command{
		name:    "boundaries",
		summary: "boundaries load: replace the regions with the bundled boundaries and re-join every incident",
		run:     runBoundaries,
	})
}

func runBoundaries(ctx context.Context, args []string) error {
	fs := newFlagSet("boundaries", "load [--store postgis|memory] [--database-url URL] [--data-dir DIR]")
	var sf storeFlags
	sf.register(fs)
	if len(args) == 0 || args[0] != "load" {
		fs.Usage()
		return fmt.Errorf("%w: the only subcommand is `boundaries load`", errUsage)
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: boundaries load takes no arguments, got %q", errUsage, fs.Args())
	}
	regions, err := boundaries.All()
	if err != nil {
		return fmt.Errorf("bundled boundaries: %w", err)
	}
	s, err := openStore(ctx, &sf, os.Stderr)
	if err != nil {
		return err
	}
	defer s.Close()
	start := time.Now()
	n, err := s.ReplaceRegions(ctx, regions, cliWrite("boundaries load"))
	if err != nil {
		return err
	}
	fmt.Printf("loaded %d regions; %d incidents re-joined (%s)\n", len(regions), n, time.Since(start).Round(time.Millisecond))
	return nil
}
