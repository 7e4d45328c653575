package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/badiamap/badiamap/reportfile"
)

func init() {
	register(command{
		name:    "import",
		summary: "import incident files (UCDP GED CSV, ACLED CSV, badiamap CSV or GeoJSON), all or nothing",
		run:     runImport,
	})
}

// importOptions are the choices of one `badiamap import`.
type importOptions struct {
	skipInvalid       bool
	allowOutsideSyria bool
	showElsewhere     bool
}

// importSummary is what an import did, for the closing report.
type importSummary struct {
	read, rejected int
	formats        []string
	result         geo.ImportResult
	committed      bool
	elapsed        time.Duration
}

func runImport(ctx context.Context, args []string) error {
	fs := newFlagSet("import", "[--skip-invalid] [--allow-outside-syria] [--show-elsewhere] FILE... (- for stdin)")
	var (
		sf  storeFlags
		opt importOptions
	)
	sf.register(fs)
	fs.BoolVar(&opt.skipInvalid, "skip-invalid", false, "load the valid rows and skip the rejected ones (default: any rejected row means nothing is imported)")
	fs.BoolVar(&opt.allowOutsideSyria, "allow-outside-syria", false, "accept points far outside Syria")
	fs.BoolVar(&opt.showElsewhere, "show-elsewhere", false, "list the incidents whose point lies in another governorate than their source names")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("%w: name at least one file to import", errUsage)
	}
	incidentFiles, reports, err := splitReportFiles(fs.Args())
	if err != nil {
		return err
	}
	s, err := openStore(ctx, &sf, os.Stderr)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, inMemory := s.(*memstore.Store); !inMemory {
		// Into PostGIS an import allocates a record per row and keeps little
		// of it: collect garbage less often (the live heap is small next to
		// the file). The embedded store keeps every row until commit.
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	if len(incidentFiles) > 0 {
		sum, err := importFiles(ctx, s, incidentFiles, opt, os.Stderr)
		printImportSummary(os.Stdout, sum, opt)
		if err != nil {
			return err
		}
		if note, err := illustrativeNote(ctx, s); err != nil {
			return err
		} else if note != "" {
			fmt.Fprintln(os.Stderr, "note: "+note)
		}
	}
	if len(reports) > 0 {
		return storeReports(ctx, s, reports, cliWrite("import"))
	}
	return nil
}

// splitReportFiles tells report files (SOHR snapshots JSON, claims CSV) from
// incident files by their first bytes, and reads the reports whole, so a bad
// report file stops the command before anything is written.
func splitReportFiles(names []string) (incidentFiles []string, reports []geo.Report, err error) {
	for _, name := range names {
		if name == "-" || !isReportFile(name) {
			incidentFiles = append(incidentFiles, name)
			continue
		}
		reps, format, err := readReportFile(name)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w; nothing was imported", name, err)
		}
		fmt.Fprintf(os.Stderr, "%s: %d reports (%s)\n", name, len(reps), format)
		reports = append(reports, reps...)
	}
	return incidentFiles, reports, nil
}

func isReportFile(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false // importFile reports the error
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	_, ok := reportfile.Detect(head[:n])
	return ok
}

// importFiles reads every file into one all-or-nothing import, reporting each
// rejected row to rejects as FILE:LINE: reasons. Without skipInvalid any
// rejected row rolls the whole import back and is an error.
func importFiles(ctx context.Context, s geo.Store, files []string, opt importOptions, rejects io.Writer) (importSummary, error) {
	var sum importSummary
	start := time.Now()
	defer func() { sum.elapsed = time.Since(start) }()
	tx, err := s.BeginImport(ctx, importAuthor(files), cliWrite("import"))
	if err != nil {
		return sum, err
	}
	defer tx.Rollback() // after Commit it does nothing
	for _, name := range files {
		format, err := importFile(ctx, tx, name, opt, &sum, rejects)
		if err != nil {
			return sum, fmt.Errorf("%s: %w; nothing was imported", name, err)
		}
		sum.formats = append(sum.formats, format)
	}
	if sum.rejected > 0 && !opt.skipInvalid {
		return sum, fmt.Errorf("%d of %d rows rejected; nothing was imported (fix them, or use --skip-invalid to load the %d valid rows)",
			sum.rejected, sum.read, sum.read-sum.rejected)
	}
	res, err := tx.Commit()
	if err != nil {
		return sum, err
	}
	sum.result, sum.committed = res, true
	sum.elapsed = time.Since(start)
	return sum, nil
}

// importFile streams one file into tx and returns its format's title.
func importFile(ctx context.Context, tx geo.ImportTx, name string, opt importOptions, sum *importSummary, rejects io.Writer) (string, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r = f
	}
	rd, err := incidentfile.Open(r, incidentfile.Options{AllowOutsideSyria: opt.allowOutsideSyria})
	if err != nil {
		return "", err
	}
	rows, stop := readAhead(rd)
	defer stop()
	for batch := range rows {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		for i := range batch.rows {
			row := &batch.rows[i]
			sum.read++
			if row.rowErr != nil {
				sum.rejected++
				fmt.Fprintf(rejects, "%s: %v\n", name, row.rowErr)
				continue
			}
			if sum.rejected > 0 && !opt.skipInvalid {
				continue // the import will roll back: keep reading only to report every rejected row
			}
			if err := tx.Add(&row.inc); err != nil {
				return "", err
			}
		}
		if batch.err != nil {
			return "", batch.err
		}
	}
	return rd.Format().Title(), nil
}

// readRow is one row of a file: an incident or the reason it was rejected.
type readRow struct {
	inc    geo.Incident
	rowErr *incidentfile.RowError
}

// readBatch is a run of rows, or the error that ended the file.
type readBatch struct {
	rows []readRow
	err  error
}

// readAheadRows is how many rows travel together from the reader.
const readAheadRows = 256

// readAhead reads and parses rd in its own goroutine, a batch ahead of the
// import: parsing the file and storing its rows then run side by side. The
// channel closes at the end of the file; stop ends the reading early.
func readAhead(rd *incidentfile.Reader) (<-chan readBatch, func()) {
	out := make(chan readBatch, 2)
	quit := make(chan struct{})
	go func() {
		defer close(out)
		for {
			batch := readBatch{rows: make([]readRow, 0, readAheadRows)}
			for len(batch.rows) < readAheadRows {
				inc, rowErr, err := rd.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					batch.err = err
					break
				}
				batch.rows = append(batch.rows, readRow{inc: inc, rowErr: rowErr})
			}
			if len(batch.rows) == 0 && batch.err == nil {
				return
			}
			select {
			case out <- batch:
			case <-quit:
				return
			}
			if batch.err != nil || len(batch.rows) < readAheadRows {
				return
			}
		}
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			close(quit)
			for range out { // let the reader finish before the file closes
			}
		})
	}
	return out, stop
}

func printImportSummary(w io.Writer, sum importSummary, opt importOptions) {
	status := "imported"
	if !sum.committed {
		status = "nothing imported"
	}
	fmt.Fprintf(w, "%s: %v\n", status, sum.formats)
	fmt.Fprintf(w, "rows read:  %d\n", sum.read)
	fmt.Fprintf(w, "inserted:   %d\n", sum.result.Inserted)
	fmt.Fprintf(w, "updated:    %d\n", sum.result.Updated)
	fmt.Fprintf(w, "unchanged:  %d (stored already with the same fields)\n", sum.result.Unchanged)
	fmt.Fprintf(w, "rejected:   %d\n", sum.rejected)
	fmt.Fprintf(w, "elsewhere:  %d (point in another governorate than the source names)\n", len(sum.result.Elsewhere))
	if sum.committed && sum.elapsed > 0 {
		fmt.Fprintf(w, "time:       %s (%.0f rows/s)\n", sum.elapsed.Round(time.Millisecond), float64(sum.read)/sum.elapsed.Seconds())
	}
	if opt.showElsewhere {
		for _, r := range sum.result.Elsewhere {
			fmt.Fprintf(w, "  %s: source %s, point in %s\n", r.ExternalID, r.SourceGovernorate, r.Governorate)
		}
	}
}

// importAuthor is who an import's versions are by, and its audit target:
// its files.
func importAuthor(files []string) string {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
	}
	return "import:" + strings.Join(names, ",")
}
