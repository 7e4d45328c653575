package main

import (
	"context"
	"fmt"
	"os"

	"github.com/badiamap/badiamap/geo/postgis"
)

func init() {
	register(command{
		name:    "db",
		summary: "PostGIS administration: db grant --role NAME gives the server's own role least privilege",
		run:     runDB,
	})
}

const dbUsage = `usage: badiamap db grant --role NAME [--database-url URL]

Run as the owner of the schema (the role that runs badiamap migrate), after
every migration. It gives role NAME, which badiamap serve then connects as
(with --no-migrate), what the server needs and no more: read and write the
data, append to the audit log and read it, but never UPDATE, DELETE or
TRUNCATE it, and never change the schema. See docs/SECURITY.md.`

func runDB(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "grant" {
		fmt.Fprintln(os.Stderr, dbUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return nil
		}
		return fmt.Errorf("%w: name a subcommand: grant", errUsage)
	}
	fs := newFlagSet("db grant", "--role NAME")
	var sf storeFlags
	sf.register(fs)
	role := fs.String("role", "", "the role badiamap serve connects as")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 || *role == "" {
		return fmt.Errorf("%w: db grant takes --role NAME and no arguments", errUsage)
	}
	if sf.kind == "" {
		sf.kind = storePostGIS
	}
	if kind, err := sf.resolved(); err != nil || kind != storePostGIS {
		if err == nil {
			err = fmt.Errorf("%w: db grant is for the PostGIS store", errUsage)
		}
		return err
	}
	s, err := postgis.Open(ctx, sf.databaseURL)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.GrantAppRole(ctx, *role); err != nil {
		return err
	}
	fmt.Printf("granted %s what badiamap serve needs: the data read and written, the audit log appended and read only\n", *role)
	return nil
}
