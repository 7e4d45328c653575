package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/badiamap/badiamap/migrations"
)

// The stores a command can run on.
const (
	storePostGIS = "postgis"
	storeMemory  = "memory"
)

// storeFlags are the flags every data command shares to choose its store.
type storeFlags struct {
	command     string // the badiamap command the flags are of: serve, import...
	kind        string // postgis, memory, or "" to pick by whether a database URL is set
	databaseURL string
	pooling     string
	dataDir     string
}

// register adds --store, --database-url and --data-dir to fs, with their
// environment defaults.
func (sf *storeFlags) register(fs *flag.FlagSet) {
	sf.command, _, _ = strings.Cut(strings.TrimPrefix(fs.Name(), "badiamap "), " ") // "user add" is user's
	fs.StringVar(&sf.kind, "store", "", "where the data lives: postgis or memory (default: postgis when a database URL is set, else memory)")
	fs.StringVar(&sf.databaseURL, "database-url", os.Getenv("DATABASE_URL"), "PostgreSQL URL of the PostGIS store (env DATABASE_URL)")
	fs.StringVar(&sf.pooling, "database-pooling", envOr("BADIAMAP_DATABASE_POOLING", string(postgis.PoolingSession)),
		"how a pooler between badiamap and PostgreSQL hands out server connections: session (or no pooler) or transaction (pgbouncer's pool_mode = transaction: no prepared statement or session setting is used) (env BADIAMAP_DATABASE_POOLING)")
	fs.StringVar(&sf.dataDir, "data-dir", os.Getenv("BADIAMAP_DATA_DIR"), "directory of the embedded store (env BADIAMAP_DATA_DIR; default ~/.local/share/badiamap)")
}

// resolved is the store kind the flags choose.
func (sf *storeFlags) resolved() (string, error) {
	if _, err := postgis.ParsePooling(sf.pooling); err != nil {
		return "", fmt.Errorf("%w: --database-pooling: %v", errUsage, err)
	}
	switch sf.kind {
	case "":
		if sf.databaseURL != "" {
			return storePostGIS, nil
		}
		return storeMemory, nil
	case storePostGIS:
		if sf.databaseURL == "" {
			return "", fmt.Errorf("%w: --store postgis needs --database-url or DATABASE_URL", errUsage)
		}
		return storePostGIS, nil
	case storeMemory:
		return storeMemory, nil
	}
	return "", fmt.Errorf("%w: --store %q: want postgis or memory", errUsage, sf.kind)
}

// poolingMode is --database-pooling, checked by resolved.
func (sf *storeFlags) poolingMode() postgis.Pooling {
	p, _ := postgis.ParsePooling(sf.pooling)
	return p
}

// openStore opens the store the flags choose, ready to use: on PostGIS the
// pending migrations are applied first, and a store with no regions yet gets
// the bundled boundaries. Progress goes to log.
func openStore(ctx context.Context, sf *storeFlags, log io.Writer) (geo.Store, error) {
	return openStoreWith(ctx, sf, postgis.Options{}, log)
}

// openStoreWith is openStore with the PostGIS connections' options.
func openStoreWith(ctx context.Context, sf *storeFlags, pgOpt postgis.Options, log io.Writer) (geo.Store, error) {
	kind, err := sf.resolved()
	if err != nil {
		return nil, err
	}
	pgOpt.Pooling = sf.poolingMode()
	var s geo.Store
	switch kind {
	case storePostGIS:
		ps, err := postgis.OpenWith(ctx, sf.databaseURL, pgOpt)
		if err != nil {
			return nil, err
		}
		applied, err := migrations.Apply(ctx, ps.DB())
		if err != nil {
			ps.Close()
			return nil, fmt.Errorf("migrate: %w", err)
		}
		for _, v := range applied {
			fmt.Fprintf(log, "applied migration %s\n", v)
		}
		s = ps
	case storeMemory:
		dir := sf.dataDir
		if dir == "" {
			if dir, err = memstore.DefaultDir(); err != nil {
				return nil, err
			}
		}
		ms, err := memstore.OpenWith(dir, memstore.Options{Logger: storeLogger(log)})
		if err != nil {
			return nil, withDamageAdvice(err, dir)
		}
		s = ms
	}
	if _, err := loadBoundariesIfEmpty(ctx, s, sf.command, log); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// storeLogger is the logger the embedded store reports on (a torn log tail
// dropped, a failed compaction): serve's own, or text lines on log.
func storeLogger(log io.Writer) *slog.Logger {
	if lw, ok := log.(logWriter); ok {
		return lw.logger
	}
	return slog.New(slog.NewTextHandler(log, nil))
}

// withDamageAdvice adds to a damaged embedded store's error what the
// operator can do about it.
func withDamageAdvice(err error, dir string) error {
	var d *memstore.DamageError
	if !errors.As(err, &d) {
		return err
	}
	return fmt.Errorf("%w\nthe store was not opened and its files are left as they are: run `badiamap store check --data-dir %s` to list every damage, and `badiamap store salvage --data-dir %s --to NEWDIR` to copy every intact record into a new store", err, dir, dir)
}

// loadBoundariesIfEmpty loads the bundled boundaries into a store that has
// no region yet, and says how many it loaded (0 when it had some). The
// audit log has the load by "COMMAND:boundaries" (serve:boundaries).
func loadBoundariesIfEmpty(ctx context.Context, s geo.Store, command string, log io.Writer) (int, error) {
	have, err := s.Regions(ctx)
	if err != nil {
		return 0, fmt.Errorf("read regions: %w", err)
	}
	if len(have) > 0 {
		return 0, nil
	}
	regions, err := boundaries.All()
	if err != nil {
		return 0, fmt.Errorf("bundled boundaries: %w", err)
	}
	if len(regions) == 0 {
		return 0, errors.New("bundled boundaries: none in this build")
	}
	if _, err := s.ReplaceRegions(ctx, regions, &geo.AuditEntry{Actor: command + ":boundaries"}); err != nil {
		return 0, fmt.Errorf("load the bundled boundaries: %w", err)
	}
	fmt.Fprintf(log, "loaded %d bundled regions\n", len(regions))
	return len(regions), nil
}

// newFlagSet is a flag set that reports errors instead of exiting, so a
// command returns errUsage and main picks the exit status.
func newFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("badiamap "+name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: badiamap %s %s\n\nflags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, wrapping a bad command line as errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}
