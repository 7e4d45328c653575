package main

import (
	"context"
	"fmt"
	"os"

	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/badiamap/badiamap/migrations"
)

func init() {
	register(command{
		name:    "migrate",
		summary: "apply pending PostGIS migrations (and load the boundaries into an empty database)",
		run:     runMigrate,
	})
}

func runMigrate(ctx context.Context, args []string) error {
	fs := newFlagSet("migrate", "[--database-url URL]")
	var sf storeFlags
	sf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: migrate takes no arguments, got %q", errUsage, fs.Args())
	}
	if sf.kind == "" {
		sf.kind = storePostGIS // the embedded store has no schema to migrate
	}
	if _, err := sf.resolved(); err != nil {
		return err
	}
	if sf.kind != storePostGIS {
		return fmt.Errorf("%w: migrate applies to the PostGIS store only", errUsage)
	}
	s, err := postgis.OpenWith(ctx, sf.databaseURL, postgis.Options{Pooling: sf.poolingMode()})
	if err != nil {
		return err
	}
	defer s.Close()
	applied, err := migrations.Apply(ctx, s.DB())
	for _, v := range applied {
		fmt.Printf("applied %s\n", v)
	}
	if err != nil {
		return err
	}
	loaded, err := loadBoundariesIfEmpty(ctx, s, sf.command, os.Stdout)
	if err != nil {
		return err
	}
	if len(applied) == 0 && loaded == 0 {
		fmt.Println("up to date")
	}
	return nil
}
