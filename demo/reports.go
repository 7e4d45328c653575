package demo

import (
	"context"
	"fmt"

	"github.com/badiamap/badiamap/geo"
)

// LoadReport stores the seed report with its claims in store, when the store
// holds reports (geo.ReportStore); loading twice updates it in place. The
// store's Badia regions must be loaded first: claims name them. With a, the
// write appends its audit entry of a.
func LoadReport(ctx context.Context, store geo.Store, a *geo.AuditEntry) (geo.ReportImportResult, error) {
	rs, ok := store.(geo.ReportStore)
	if !ok {
		return geo.ReportImportResult{}, fmt.Errorf("demo: %T does not hold reports", store)
	}
	rep, err := Report()
	if err != nil {
		return geo.ReportImportResult{}, err
	}
	res, err := rs.UpsertReports(ctx, []geo.Report{rep}, a)
	if err != nil {
		return res, fmt.Errorf("demo report: %w", err)
	}
	return res, nil
}
