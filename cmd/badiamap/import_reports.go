package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/badiamap/badiamap/demo"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/reportcheck"
	"github.com/badiamap/badiamap/reportfile"
)

func init() {
	register(command{
		name:    "import-reports",
		summary: "import published reports (snapshots JSON or claims CSV, see docs/REPORTS.md), all or nothing",
		run:     runImportReports,
	})
}

func runImportReports(ctx context.Context, args []string) error {
	fs := newFlagSet("import-reports", "[--demo] [FILE... (- for stdin)]")
	var sf storeFlags
	sf.register(fs)
	withDemo := fs.Bool("demo", false, "also store the seed report of the demo (demo/seed_report.json)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 && !*withDemo {
		fs.Usage()
		return fmt.Errorf("%w: name at least one report file, or --demo", errUsage)
	}
	// Read every file before touching the store: a bad file imports nothing.
	var reports []geo.Report
	for _, name := range fs.Args() {
		reps, format, err := readReportFile(name)
		if err != nil {
			return fmt.Errorf("%s: %w; nothing was imported", name, err)
		}
		fmt.Fprintf(os.Stderr, "%s: %d reports (%s)\n", name, len(reps), format)
		reports = append(reports, reps...)
	}
	if *withDemo {
		rep, err := demo.Report()
		if err != nil {
			return err
		}
		reports = append(reports, rep)
	}
	s, err := openStore(ctx, &sf, os.Stderr)
	if err != nil {
		return err
	}
	defer s.Close()
	return storeReports(ctx, s, reports, cliWrite("import-reports"))
}

// storeReports upserts reports all or nothing, audited as a says, and
// prints what each one's consistency checks found.
func storeReports(ctx context.Context, s geo.Store, reports []geo.Report, a *geo.AuditEntry) error {
	res, err := importReports(ctx, s, reports, a)
	if err != nil {
		return err
	}
	fmt.Printf("reports: %d inserted, %d updated\n", res.Inserted, res.Updated)
	for i := range reports {
		reports[i].ID = res.IDs[i]
	}
	rs, _ := s.(geo.ReportStore) // importReports has checked it is one
	failed, err := reportcheck.Failed(ctx, rs, reports)
	if err != nil {
		return fmt.Errorf("the reports are stored; checking them failed: %w", err)
	}
	for i := range reports {
		for _, f := range failed[reports[i].ID] {
			fmt.Printf("  report %d %s: %s: %s\n", reports[i].ID, reports[i].ExternalID, f.Rule, f.Message)
		}
	}
	return nil
}

// readReportFile reads one report file of either format ("-" is stdin).
func readReportFile(name string) ([]geo.Report, reportfile.Format, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, "", err
		}
		defer f.Close()
		r = f
	}
	return reportfile.Read(r)
}

// importReports stores reports all or nothing in a store that holds them.
func importReports(ctx context.Context, s geo.Store, reports []geo.Report, a *geo.AuditEntry) (geo.ReportImportResult, error) {
	rs, ok := s.(geo.ReportStore)
	if !ok {
		return geo.ReportImportResult{}, errors.New("this store does not hold reports")
	}
	return rs.UpsertReports(ctx, reports, a)
}
