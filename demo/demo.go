// Package demo is badiamap's demo dataset: the SOHR report the project
// started from, as a report of claims (seed_report.json, transcribed from
// the Arabic text with every figure as published), and 117 incidents that
// reconstruct it (incidents.geojson): one per operation the report counts,
// whose sums per Badia region equal its regional lines exactly.
//
// The incidents are a reconstruction, not data: their places and dates are
// illustrative, and every one says so in its source and notes. They are
// made by `go run ./demo/generate` (Generate, seeded, deterministic) from
// the report's claims, the Badia regions of package boundaries and real
// anchor places in ../shared/data/badia; rerun it whenever seed_report.json
// or the boundaries change (a test fails until you do).
package demo

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/incidentfile"
)

//go:embed seed_report.json
var seedReport []byte

//go:embed incidents.geojson
var incidentsGeoJSON []byte

// Report is the seed report with its claims, exactly as published.
func Report() (geo.Report, error) { return ParseReport(seedReport) }

// Incidents are the demo incidents, read from the embedded GeoJSON the way
// `badiamap import` reads one.
func Incidents() ([]geo.Incident, error) {
	rd, err := incidentfile.Open(bytes.NewReader(incidentsGeoJSON), incidentfile.Options{})
	if err != nil {
		return nil, fmt.Errorf("demo incidents: %w", err)
	}
	var out []geo.Incident
	for {
		inc, rowErr, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("demo incidents: %w", err)
		}
		if rowErr != nil {
			return nil, fmt.Errorf("demo incidents: %w", rowErr)
		}
		out = append(out, inc)
	}
}

// Load upserts the demo incidents into store in one import, then the seed
// report with its claims when the store holds reports; loading twice adds
// nothing. The store's Badia regions must be loaded first, or the incidents
// join to none. With a, each of the two writes appends its audit entry of a.
func Load(ctx context.Context, store geo.Store, a *geo.AuditEntry) error {
	if _, err := LoadIncidents(ctx, store, a); err != nil {
		return err
	}
	if _, ok := store.(geo.ReportStore); !ok {
		return nil
	}
	_, err := LoadReport(ctx, store, a)
	return err
}

// LoadIncidents is Load's import, telling what it did.
func LoadIncidents(ctx context.Context, store geo.Store, a *geo.AuditEntry) (geo.ImportResult, error) {
	incs, err := Incidents()
	if err != nil {
		return geo.ImportResult{}, err
	}
	tx, err := store.BeginImport(ctx, "import:demo", a)
	if err != nil {
		return geo.ImportResult{}, fmt.Errorf("demo: %w", err)
	}
	for i := range incs {
		if err := tx.Add(&incs[i]); err != nil {
			tx.Rollback()
			return geo.ImportResult{}, fmt.Errorf("demo: %s: %w", incs[i].ExternalID, err)
		}
	}
	res, err := tx.Commit()
	if err != nil {
		tx.Rollback()
		return geo.ImportResult{}, fmt.Errorf("demo: %w", err)
	}
	return res, nil
}
