package postgis

import "time"

// SetStepTimer lets the external tests time the steps of a bulk write.
func SetStepTimer(fn func(step string, took time.Duration)) { stepTimer = fn }

// SetBulkMinRows lowers the bulk-write threshold so small tests take that path.
func SetBulkMinRows(n int64) (restore func()) {
	old := bulkMinRows
	bulkMinRows = n
	return func() { bulkMinRows = old }
}
