package postgis

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/lib/pq"
)

// A write of many incidents is faster with the secondary indexes dropped
// and rebuilt once than maintained row by row (each GiST insert costs far
// more than its share of a sorted build). It takes the table's exclusive
// lock until commit, so it is kept for writes that touch a large share of
// the table.
var bulkMinRows int64 = 50_000

// bulkWorthIt reports whether writing rows of a table of total rows should
// rebuild the indexes: at least bulkMinRows and a quarter of the table.
func bulkWorthIt(rows, total int64) bool {
	return rows >= bulkMinRows && rows*4 >= total
}

// withIndexesRebuilt runs write in tx with the secondary indexes of
// incidents dropped, then rebuilds them from their own definitions (read
// from the catalog, so they stay exactly what the migrations made). With
// analyze it refreshes the planner's statistics too; an import leaves that to
// autovacuum, which sees the grown table after commit, rather than holding
// the batch up for seconds.
func withIndexesRebuilt(ctx context.Context, tx *sql.Tx, analyze bool, write func() error) error {
	rows, err := tx.QueryContext(ctx, sqlIncidentIndexes)
	if err != nil {
		return fmt.Errorf("list indexes: %w", err)
	}
	type index struct{ name, def string }
	var indexes []index
	for rows.Next() {
		var ix index
		if err := rows.Scan(&ix.name, &ix.def); err != nil {
			rows.Close()
			return fmt.Errorf("list indexes: %w", err)
		}
		indexes = append(indexes, ix)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list indexes: %w", err)
	}
	for _, ix := range indexes {
		// The name comes from the catalog, quoted; no input reaches this text.
		if _, err := tx.ExecContext(ctx, "DROP INDEX "+pq.QuoteIdentifier(ix.name)); err != nil {
			return fmt.Errorf("drop index %s: %w", ix.name, err)
		}
	}
	if err := write(); err != nil {
		return err
	}
	defer timeStep("rebuild indexes")()
	for _, ix := range indexes {
		if _, err := tx.ExecContext(ctx, ix.def); err != nil {
			return fmt.Errorf("rebuild index %s: %w", ix.name, err)
		}
	}
	if !analyze {
		return nil
	}
	// The planner's picture of the table is stale after so many rows.
	if _, err := tx.ExecContext(ctx, `ANALYZE incidents`); err != nil {
		return fmt.Errorf("analyze incidents: %w", err)
	}
	return nil
}
