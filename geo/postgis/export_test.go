package postgis

import (
	"time"

	"github.com/badiamap/badiamap/geo"
)

// SetStepTimer lets the external tests time the steps of a bulk write.
func SetStepTimer(fn func(step string, took time.Duration)) { stepTimer = fn }

// SetBulkMinRows lowers the bulk-write threshold so small tests take that path.
func SetBulkMinRows(n int64) (restore func()) {
	old := bulkMinRows
	bulkMinRows = n
	return func() { bulkMinRows = old }
}

// PageQuery is the SQL and arguments of a keyset page of f, and the
// settings its transaction runs it under, for the tests of its plans.
func PageQuery(f geo.IncidentFilter, after int64, limit int) (settings, query string, args []any, err error) {
	q, args, err := bind(sqlPageIncidents, f, after, int64(limit))
	return sqlPageSettings, q, args, err
}
