package postgis

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/badiamap/badiamap/geo"
)

// importTx is one all-or-nothing import: rows are COPYed into a temporary
// staging table as they are added, and merged into incidents at Commit.
type importTx struct {
	ctx      context.Context
	tx       *sql.Tx
	copy     *sql.Stmt
	n        int64 // rows added; also each row's order in the batch
	err      error // the first failure; the transaction is then unusable
	done     bool
	copyDone func() // times the COPY
}

// BeginImport opens the transaction and the COPY into the staging table.
func (s *Store) BeginImport(ctx context.Context) (geo.ImportTx, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin import: %w", err)
	}
	if _, err := tx.ExecContext(ctx, sqlImportStaging); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("begin import: staging table: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, sqlImportCopy)
	if err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("begin import: copy: %w", err)
	}
	return &importTx{ctx: ctx, tx: tx, copy: stmt, copyDone: timeStep("import: copy")}, nil
}

var errImportDone = errors.New("import already committed or rolled back")

// Add queues one incident. It refuses what no store can hold (no id, NaN or
// out-of-range coordinates, negative counts...); points outside Syria are
// the caller's choice.
func (t *importTx) Add(inc *geo.Incident) error {
	if t.done {
		return errImportDone
	}
	if t.err != nil {
		return t.err
	}
	if errs := inc.Validate(geo.ValidateOptions{AllowOutsideSyria: true}); len(errs) > 0 {
		return fmt.Errorf("incident %q: %w", inc.ExternalID, errors.Join(errs...))
	}
	sources, err := encodeSources(inc.Sources)
	if err != nil {
		return fmt.Errorf("incident %q: sources: %w", inc.ExternalID, err)
	}
	end := inc.DateEnd
	if end.IsZero() {
		end = inc.DateStart
	}
	var low, best, high any
	if d := inc.Deaths; d != nil {
		low, best, high = int64(d.Low), int64(d.Best), int64(d.High)
	}
	c := inc.Casualties
	t.n++
	_, err = t.copy.ExecContext(t.ctx, t.n, inc.ExternalID,
		inc.DateStart.UTC().Format(geo.DateLayout), end.UTC().Format(geo.DateLayout), int64(inc.DatePrecision),
		// Shortest exact text: the float8 column reads back the same bits.
		strconv.FormatFloat(inc.Location[0], 'g', -1, 64), strconv.FormatFloat(inc.Location[1], 'g', -1, 64),
		int64(inc.GeoPrecision), inc.LocationName, inc.SourceAdmin1, inc.SourceAdmin2, inc.SourceGovernorate,
		inc.EventType, inc.SubEventType, inc.Perpetrator, inc.Target,
		int64(c.Military), int64(c.Militia), int64(c.ISIS), int64(c.OtherArmed), int64(c.Civilians),
		int64(c.Children), int64(c.Women), int64(c.TruffleGatherers), int64(c.Unknown), int64(c.Injured), int64(c.Abducted),
		low, best, high, sources, inc.Notes)
	if err != nil {
		t.err = fmt.Errorf("import: copy incident %q: %w", inc.ExternalID, err)
		return t.err
	}
	return nil
}

// Commit merges the staged rows into incidents in the same transaction:
// joined to their regions in SQL, existing external ids updated, new ones
// inserted.
func (t *importTx) Commit() (geo.ImportResult, error) {
	var res geo.ImportResult
	if t.done {
		return res, errImportDone
	}
	t.done = true
	defer t.tx.Rollback()
	if t.err != nil {
		t.copy.Close()
		return res, t.err
	}
	res, err := t.merge()
	if err != nil {
		return geo.ImportResult{}, err
	}
	if err := t.tx.Commit(); err != nil {
		return geo.ImportResult{}, fmt.Errorf("import: commit: %w", err)
	}
	return res, nil
}

// The import statements, composed once: the join to regions is spliced in
// (constant text only) over the staged rows each statement writes. OFFSET 0
// keeps the filter below the join, so only those rows are joined.
var (
	sqlImportDuplicate = query("import_duplicate")
	sqlImportInsertNew = strings.ReplaceAll(sqlImportInsert, "/*JOINED*/", joinedStaged(
		`(SELECT * FROM import_staging AS n WHERE NOT EXISTS (SELECT 1 FROM incidents AS x WHERE x.external_id = n.external_id) OFFSET 0)`))
	sqlImportInsertLocked = strings.ReplaceAll(query("import_insert_locked"), "/*JOINED*/", joinedStaged(
		`(SELECT * FROM import_staging AS n WHERE NOT EXISTS (SELECT 1 FROM incidents AS x WHERE x.external_id = n.external_id) OFFSET 0)`))
	// Under the lock with no staged id stored yet, every staged row is new.
	sqlImportInsertAllLocked = strings.ReplaceAll(query("import_insert_locked"), "/*JOINED*/", joinedStaged("import_staging"))
	sqlImportLock            = query("import_lock")
	sqlImportUpdateStored    = strings.ReplaceAll(sqlImportUpdate, "/*JOINED*/", joinedStaged(
		`(SELECT * FROM import_staging AS n WHERE EXISTS (SELECT 1 FROM incidents AS x WHERE x.external_id = n.external_id) OFFSET 0)`))
)

func joinedStaged(staged string) string {
	return strings.ReplaceAll(query("import_joined"), "/*STAGED*/", staged)
}

// merge ends the COPY and applies the staged rows inside the transaction.
func (t *importTx) merge() (geo.ImportResult, error) {
	var res geo.ImportResult
	ctx := t.ctx
	t.copyDone()
	if _, err := t.copy.ExecContext(ctx); err != nil { // ends the COPY
		t.copy.Close()
		return res, fmt.Errorf("import: copy: %w", err)
	}
	if err := t.copy.Close(); err != nil {
		return res, fmt.Errorf("import: copy: %w", err)
	}
	if _, err := t.tx.ExecContext(ctx, sqlBulkSettings); err != nil {
		return res, fmt.Errorf("import: settings: %w", err)
	}
	if err := t.refuseDuplicates(); err != nil {
		return res, err
	}
	steps := []struct{ what, sql string }{
		{"points", sqlImportPoints},
		{"index points", sqlImportPointsIndex},
		{"join to regions", sqlImportJoin},
		// Row counts for the planner: it then hashes these narrow rows, not the staged ones.
		{"analyze regions", `ANALYZE import_regions`},
	}
	for _, s := range steps {
		done := timeStep("import: " + s.what)
		if _, err := t.tx.ExecContext(ctx, s.sql); err != nil {
			return res, fmt.Errorf("import: %s: %w", s.what, err)
		}
		done()
	}
	var updated, inserted, raced int64
	if err := t.tx.QueryRowContext(ctx, sqlImportExisting).Scan(&updated); err != nil {
		return res, fmt.Errorf("import: find existing incidents: %w", err)
	}
	bulk := false
	if fresh := t.n - updated; fresh >= bulkMinRows {
		var total int64
		if err := t.tx.QueryRowContext(ctx, sqlCountAllIncidents).Scan(&total); err != nil {
			return res, fmt.Errorf("import: count incidents: %w", err)
		}
		bulk = bulkWorthIt(fresh, total+fresh)
	}
	write := func() error {
		defer timeStep("import: write")()
		if bulk {
			// Counted again under the lock: another import may have
			// committed some of these ids since the first count.
			if err := t.tx.QueryRowContext(ctx, sqlImportExisting).Scan(&updated); err != nil {
				return fmt.Errorf("import: find existing incidents: %w", err)
			}
		}
		if updated > 0 {
			if _, err := t.tx.ExecContext(ctx, sqlImportUpdateStored); err != nil {
				return fmt.Errorf("import: update existing incidents: %w", err)
			}
		}
		if bulk {
			insert := sqlImportInsertLocked
			if updated == 0 {
				insert = sqlImportInsertAllLocked
			}
			r, err := t.tx.ExecContext(ctx, insert)
			if err != nil {
				return fmt.Errorf("import: insert new incidents: %w", err)
			}
			if inserted, err = r.RowsAffected(); err != nil {
				return fmt.Errorf("import: insert new incidents: %w", err)
			}
			return nil
		}
		if err := t.tx.QueryRowContext(ctx, sqlImportInsertNew).Scan(&inserted, &raced); err != nil {
			return fmt.Errorf("import: insert new incidents: %w", err)
		}
		return nil
	}
	if bulk {
		if _, err := t.tx.ExecContext(ctx, sqlImportLock); err != nil {
			return res, fmt.Errorf("import: lock incidents: %w", err)
		}
		if err := withIndexesRebuilt(ctx, t.tx, false, write); err != nil {
			return res, fmt.Errorf("import: %w", err)
		}
	} else if err := write(); err != nil {
		return res, err
	}
	res.Inserted, res.Updated = int(inserted), int(updated+raced)

	defer timeStep("import: elsewhere")()
	rows, err := t.tx.QueryContext(ctx, sqlImportElsewhere)
	if err != nil {
		return res, fmt.Errorf("import: compare governorates: %w", err)
	}
	for rows.Next() {
		var rel geo.Relocation
		if err := rows.Scan(&rel.ExternalID, &rel.SourceGovernorate, &rel.Governorate); err != nil {
			rows.Close()
			return res, fmt.Errorf("import: compare governorates: %w", err)
		}
		res.Elsewhere = append(res.Elsewhere, rel)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("import: compare governorates: %w", err)
	}
	return res, bumpDataVersion(ctx, t.tx)
}

// refuseDuplicates fails the batch, naming the id, when an external id
// comes more than once: the upsert could not tell which row wins.
func (t *importTx) refuseDuplicates() error {
	defer timeStep("import: duplicates")()
	var id string
	var n, first int64
	err := t.tx.QueryRowContext(t.ctx, sqlImportDuplicate).Scan(&id, &n, &first)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("import: look for repeated external ids: %w", err)
	}
	return fmt.Errorf("import: external id %q comes twice in one import (%d times; first as row %d)", id, n, first)
}

// Rollback discards the batch; after Commit it does nothing.
func (t *importTx) Rollback() error {
	if t.done {
		return nil
	}
	t.done = true
	t.copy.Close()
	if err := t.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("import: rollback: %w", err)
	}
	return nil
}
