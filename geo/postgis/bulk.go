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

// incidentIndex is one secondary index or unique constraint of incidents
// and its definition.
type incidentIndex struct {
	name, def  string
	constraint bool // a unique constraint: def is its pg_get_constraintdef text
}

var sqlUniqueConstraints = query("import_unique_constraints")

// dropIndexes drops the secondary indexes and the unique constraints of
// incidents (not the primary key) and returns their definitions, read from
// the catalog so a rebuild makes exactly what the migrations made. The caller
// holds the table's exclusive lock and checks uniqueness itself meanwhile.
func dropIndexes(ctx context.Context, tx *sql.Tx) ([]incidentIndex, error) {
	var indexes []incidentIndex
	for _, q := range []struct {
		sql        string
		constraint bool
	}{{sqlIncidentIndexes, false}, {sqlUniqueConstraints, true}} {
		rows, err := tx.QueryContext(ctx, q.sql)
		if err != nil {
			return nil, fmt.Errorf("list indexes: %w", err)
		}
		for rows.Next() {
			ix := incidentIndex{constraint: q.constraint}
			if err := rows.Scan(&ix.name, &ix.def); err != nil {
				rows.Close()
				return nil, fmt.Errorf("list indexes: %w", err)
			}
			indexes = append(indexes, ix)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("list indexes: %w", err)
		}
	}
	for _, ix := range indexes {
		// The name comes from the catalog, quoted; no input reaches this text.
		drop := "DROP INDEX " + pq.QuoteIdentifier(ix.name)
		if ix.constraint {
			drop = "ALTER TABLE incidents DROP CONSTRAINT " + pq.QuoteIdentifier(ix.name)
		}
		if _, err := tx.ExecContext(ctx, drop); err != nil {
			return nil, fmt.Errorf("drop index %s: %w", ix.name, err)
		}
	}
	return indexes, nil
}

// rebuildIndexes makes the dropped indexes and constraints again.
func rebuildIndexes(ctx context.Context, tx *sql.Tx, indexes []incidentIndex) error {
	defer timeStep("rebuild indexes")()
	for _, ix := range indexes {
		done := timeStep("rebuild index " + ix.name)
		def := ix.def
		if ix.constraint {
			// The definition comes from the catalog; no input reaches this text.
			def = "ALTER TABLE incidents ADD CONSTRAINT " + pq.QuoteIdentifier(ix.name) + " " + ix.def
		}
		if _, err := tx.ExecContext(ctx, def); err != nil {
			return fmt.Errorf("rebuild index %s: %w", ix.name, err)
		}
		done()
	}
	return nil
}

// withIndexesRebuilt runs write in tx with the secondary indexes of
// incidents dropped, then rebuilds them and refreshes the planner's
// statistics (a bulk import does the same in importTx.finish).
func withIndexesRebuilt(ctx context.Context, tx *sql.Tx, write func() error) error {
	indexes, err := dropIndexes(ctx, tx)
	if err != nil {
		return err
	}
	if err := write(); err != nil {
		return err
	}
	if err := rebuildIndexes(ctx, tx, indexes); err != nil {
		return err
	}
	return analyzeIncidents(ctx, tx)
}

// analyzeIncidents refreshes the planner's picture of incidents after a
// bulk write: it is stale after so many rows, and a rebuilt expression
// index (the trigram indexes of lower(...)) has no statistics until then,
// so the planner guesses 4% of the table for any substring.
func analyzeIncidents(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `ANALYZE incidents`); err != nil {
		return fmt.Errorf("analyze incidents: %w", err)
	}
	return nil
}
