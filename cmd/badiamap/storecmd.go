package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/badiamap/badiamap/geo/memstore"
)

func init() {
	register(command{
		name:    "store",
		summary: "check the embedded store's files for damage (store check), or copy its intact records into a new store (store salvage)",
		run:     runStore,
	})
}

const storeUsage = `usage: badiamap store check [--data-dir DIR]
       badiamap store salvage [--data-dir DIR] --to NEWDIR

check    verify every record of the embedded store's files (snapshot, log,
         reports.json, accounts.json, audit) and that the store opens;
         exit status 1 on damage
salvage  copy every record that verifies, before and after any damage,
         into a new store in NEWDIR, and report what was lost

Both take the data directory's lock: stop badiamap serve first.`

func runStore(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, storeUsage)
		return fmt.Errorf("%w: name a subcommand: check or salvage", errUsage)
	}
	switch args[0] {
	case "check":
		return runStoreCheck(args[1:], os.Stdout)
	case "salvage":
		return runStoreSalvage(args[1:], os.Stdout)
	case "-h", "--help", "help":
		fmt.Fprintln(os.Stderr, storeUsage)
		return nil
	}
	fmt.Fprintln(os.Stderr, storeUsage)
	return fmt.Errorf("%w: unknown subcommand %q: want check or salvage", errUsage, args[0])
}

// embeddedDir is the data directory the flags name; the store subcommands
// work on the embedded store only.
func embeddedDir(sf *storeFlags, sub string) (string, error) {
	kind, err := sf.resolved()
	if err != nil {
		return "", err
	}
	if kind != storeMemory {
		return "", fmt.Errorf("%w: store %s works on the embedded store's files; with --store postgis, PostgreSQL's own tools check the data (pass --store memory for the embedded store)", errUsage, sub)
	}
	if sf.dataDir != "" {
		return sf.dataDir, nil
	}
	return memstore.DefaultDir()
}

func runStoreCheck(args []string, out io.Writer) error {
	fs := newFlagSet("store check", "[--data-dir DIR]")
	var sf storeFlags
	sf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	dir, err := embeddedDir(&sf, "check")
	if err != nil {
		return err
	}
	rep, err := memstore.Check(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "checking the embedded store in %s\n", dir)
	printFiles(out, rep.Files)
	if t := rep.TornTail; t != nil {
		fmt.Fprintf(out, "torn tail: %d bytes at byte %d of %s (%s): an unfinished write a crash left; opening the store drops it and logs it\n",
			t.Bytes, t.Offset, t.File, t.Reason)
	}
	if t := rep.AuditTornTail; t != nil {
		fmt.Fprintf(out, "torn tail: %d bytes at byte %d of %s (%s): an unfinished write a crash left; opening the store drops it and logs it\n",
			t.Bytes, t.Offset, t.File, t.Reason)
	}
	for _, l := range rep.Leftovers {
		fmt.Fprintf(out, "leftover: %s, from an unfinished write; opening the store removes it\n", l)
	}
	for _, d := range rep.Damage {
		fmt.Fprintf(out, "DAMAGE: %v\n", d)
	}
	if len(rep.Damage) > 0 {
		return fmt.Errorf("damage found in %s (%d places): the store will not open; run `badiamap store salvage --data-dir %s --to NEWDIR` to copy every intact record into a new store",
			dir, len(rep.Damage), dir)
	}
	fmt.Fprintf(out, "ok: the store opens with %d incidents and %d reports at data version %d\n", rep.Incidents, rep.Reports, rep.Version)
	fmt.Fprintf(out, "ok: %d users, %d API tokens and %d audit entries\n", rep.Users, rep.Tokens, rep.AuditEntries)
	return nil
}

func printFiles(out io.Writer, files []memstore.FileCheck) {
	for _, f := range files {
		if f.Missing {
			fmt.Fprintf(out, "%s: none\n", f.Path)
			continue
		}
		what := fmt.Sprintf("%d records verified (%d incident records)", f.Records, f.Incidents)
		switch filepath.Base(f.Path) {
		case "reports.json":
			what = fmt.Sprintf("%d reports verified", f.Records)
		case "accounts.json":
			what = fmt.Sprintf("%d users and tokens verified", f.Records)
		case "audit":
			what = fmt.Sprintf("%d audit entries verified", f.Records)
		}
		state := "ok"
		if f.Damaged > 0 {
			state = fmt.Sprintf("%d DAMAGED", f.Damaged)
		}
		fmt.Fprintf(out, "%s: %d bytes, %s, %s\n", f.Path, f.Bytes, what, state)
	}
}

func runStoreSalvage(args []string, out io.Writer) error {
	fs := newFlagSet("store salvage", "[--data-dir DIR] --to NEWDIR")
	var sf storeFlags
	sf.register(fs)
	to := fs.String("to", "", "directory of the new store: it must not exist, or be empty")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *to == "" {
		return fmt.Errorf("%w: --to NEWDIR is required: salvage writes a new store and leaves the damaged one as it is", errUsage)
	}
	dir, err := embeddedDir(&sf, "salvage")
	if err != nil {
		return err
	}
	rep, err := memstore.Salvage(dir, *to)
	if rep == nil {
		return err
	}
	fmt.Fprintf(out, "salvaged the embedded store in %s into %s (the damaged store is left as it was)\n", rep.From, rep.To)
	printFiles(out, rep.Files)
	for _, l := range rep.Lost {
		printLost(out, l)
	}
	if t := rep.TornTail; t != nil {
		fmt.Fprintf(out, "dropped a torn tail: %d bytes at byte %d of %s, an unfinished write a crash left (never acknowledged)\n", t.Bytes, t.Offset, t.File)
	}
	for _, r := range rep.MissingIDs {
		if r.First == r.Last {
			fmt.Fprintf(out, "missing incident id: %d\n", r.First)
		} else {
			fmt.Fprintf(out, "missing incident ids: %d-%d (%d)\n", r.First, r.Last, r.Last-r.First+1)
		}
	}
	if rep.Renumbered > 0 {
		fmt.Fprintf(out, "renumbered: %d incidents after the missing ids have new ids (their external ids are kept)\n", rep.Renumbered)
	}
	for _, ext := range rep.LostReports {
		if ext == "" {
			ext = "(its external id does not read)"
		}
		fmt.Fprintf(out, "lost report: %s\n", ext)
	}
	if rep.ReportsUnverified {
		fmt.Fprintln(out, "reports.json had no checksums (format 1): its reports were copied as they read")
	}
	if rep.RegionsLost {
		fmt.Fprintln(out, "no region list verified: the new store has none; badiamap loads the bundled boundaries into it when it next opens")
	}
	if err != nil {
		return err
	}
	c := rep.Check
	fmt.Fprintf(out, "the new store opens and passes its check: %d incidents, %d reports, %d regions, data version %d\n", c.Incidents, c.Reports, rep.Regions, c.Version)
	fmt.Fprintf(out, "copied %d users, %d API tokens and %d audit entries\n", rep.Users, rep.Tokens, rep.AuditEntries)
	if len(rep.Lost) > 0 || len(rep.LostReports) > 0 {
		fmt.Fprintf(out, "to use it, stop badiamap, move %s aside and %s in its place (or pass --data-dir %s)\n", rep.From, rep.To, rep.To)
	}
	return nil
}

// printLost says what one damaged stretch cost, listing the external ids
// the damaged bytes held.
func printLost(out io.Writer, l *memstore.LostSpan) {
	fmt.Fprintf(out, "lost: %v; %d bytes skipped\n", l.DamageError, l.Bytes)
	switch {
	case l.Commits > 0:
		fmt.Fprintf(out, "  commits lost: %d (from the gap in commit numbers)\n", l.Commits)
	case l.Commits < 0:
		fmt.Fprintln(out, "  one or more commits lost (the damage runs to the end of the log)")
	}
	list := func(what string, ids []string) {
		if len(ids) == 0 {
			return
		}
		fmt.Fprintf(out, "  %d incidents %s (external ids read from the damaged bytes, unverified):\n", len(ids), what)
		for _, id := range ids {
			fmt.Fprintf(out, "    %s\n", id)
		}
	}
	list("lost", l.Lost)
	list("kept at their version before this record (its update is lost)", l.Older)
	if l.Recovered > 0 {
		fmt.Fprintf(out, "  %d incidents it held are in the new store from a later record\n", l.Recovered)
	}
}
