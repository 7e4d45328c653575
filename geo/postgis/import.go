package postgis

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/idset"
)

// The import statements not in queries.go.
var (
	sqlImportRegionParts   = query("import_region_parts")
	sqlImportLockWriters   = query("import_lock")
	sqlImportLockExclusive = query("import_lock_exclusive")
	sqlImportUpdatesCopy   = query("import_updates_copy")
	sqlImportChanged       = query("import_changed")
	sqlImportArchive       = query("import_archive")
	sqlImportChangedAt     = query("import_changed_positions")
)

// copyChunk is how many bytes of encoded rows go to the server at a time.
const copyChunk = 256 << 10

// maxUndecided bounds the encoded new rows an import holds back while it
// cannot yet tell whether it will rebuild the indexes; past it the rows go in
// with the indexes kept.
const maxUndecided = 64 << 20

// How an import writes its new rows.
const (
	writeUndecided   = iota // rows held in memory until the choice below can be made
	writeKeepIndexes        // COPY into incidents, indexes maintained row by row
	writeBulk               // secondary indexes dropped, COPY, indexes rebuilt at commit
)

// importTx is one all-or-nothing import. From the start it keeps other
// writers off incidents and knows every stored external id, so each row is
// joined to its regions in Go and either COPYed straight into incidents
// (new ids) or spooled for one UPDATE at commit (stored ids).
type importTx struct {
	author string          // every version the import makes is by author
	audit  *geo.AuditEntry // appended at commit, in the transaction; nil: none
	ctx    context.Context
	conn   *sql.Conn
	tx     *sql.Tx
	join   *regionJoin

	stored   *idset.Set // external ids in incidents when the import began
	nStored  int64      // stored.Len()
	seen     *idset.Set // external ids of this import -> their row (1-based)
	n        int64      // rows added
	fresh    int64      // rows with a new external id
	updates  int64      // rows with a stored external id
	mode     int
	indexes  []incidentIndex // dropped by a bulk write, rebuilt at commit
	copy     *copyStream     // the COPY into incidents, once started
	chunk    []byte          // encoded new rows not yet sent
	row      []byte          // scratch for one encoded row
	spool    *os.File        // encoded rows with a stored external id
	spoolW   *bufio.Writer
	moved    []geo.Relocation
	changes  *geo.ChangeSet // where the import changes tiles
	err      error          // the first failure; the import is then unusable
	done     bool
	copyDone func()
	store    *Store
	version  int64 // the data version the import commits, once bumped
}

// BeginImport opens the transaction, keeps other writers off incidents until
// it ends, reads the regions to join to and the external ids already stored.
func (s *Store) BeginImport(ctx context.Context, author string, a *geo.AuditEntry) (geo.ImportTx, error) {
	conn, err := s.primary.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin import: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("begin import: %w", err)
	}
	t := &importTx{author: author, audit: a, ctx: ctx, conn: conn, tx: tx, seen: idset.New(), copyDone: func() {}, changes: geo.NewChangeSet(), store: s}
	if err := t.begin(); err != nil {
		tx.Rollback()
		conn.Close()
		return nil, fmt.Errorf("begin import: %w", err)
	}
	return t, nil
}

func (t *importTx) begin() error {
	ctx := t.ctx
	if _, err := t.tx.ExecContext(ctx, sqlBulkSettings); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if _, err := t.tx.ExecContext(ctx, sqlImportLockWriters); err != nil {
		return fmt.Errorf("lock incidents: %w", err)
	}
	var err error
	if t.join, err = loadRegionJoin(ctx, t.tx); err != nil {
		return err
	}
	rows, err := t.tx.QueryContext(ctx, sqlImportExisting)
	if err != nil {
		return fmt.Errorf("read stored external ids: %w", err)
	}
	defer rows.Close()
	t.stored = idset.New()
	for rows.Next() {
		var id sql.RawBytes // the driver's buffer, copied by Add
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("read stored external ids: %w", err)
		}
		t.stored.Add(string(id), 0)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read stored external ids: %w", err)
	}
	t.nStored = int64(t.stored.Len())
	return nil
}

var errImportDone = errors.New("import already committed or rolled back")

// Add joins one incident to its regions and sends it on. It refuses what no
// store can hold (no id, NaN or out-of-range coordinates, negative
// counts...) and an external id this import already has; points outside
// Syria are the caller's choice.
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
	id := inc.ExternalID
	if first, dup := t.seen.Get(id); dup {
		// The upsert could not tell which row wins: the whole batch fails.
		return t.fail(fmt.Errorf("import: external id %q comes twice in one import (first as row %d, again as row %d)", id, first, t.n+1))
	}
	j := t.join.joinIncident(inc)
	_, isStored := t.stored.Get(id)
	// A new row is encoded straight onto the chunk for COPY, a stored one
	// into scratch for the spool.
	buf := t.chunk
	if isStored {
		buf = t.row[:0]
	}
	mark := len(buf)
	buf, err := appendCopyRow(buf, inc, j, t.author)
	if err != nil {
		if !isStored {
			t.chunk = buf[:mark]
		}
		return fmt.Errorf("incident %q: %w", id, err)
	}
	t.n++
	t.seen.Add(id, t.n)
	if inc.SourceGovernorate != "" && j.governorate != "" && inc.SourceGovernorate != j.governorate {
		t.moved = append(t.moved, geo.Relocation{ExternalID: strings.Clone(id), SourceGovernorate: inc.SourceGovernorate, Governorate: j.governorate})
	}
	if isStored {
		t.row = buf
		t.updates++
		return t.fail(t.spoolRow(buf))
	}
	t.chunk = buf
	t.fresh++
	if inc.GeoPrecision <= geo.GeoAdmin2 { // a new incident is published: tiles draw it
		t.changes.AddLonLat(inc.Location[0], inc.Location[1])
	}
	if t.mode == writeUndecided {
		switch {
		case t.nStored == 0:
			// Into an empty table a sorted build of each index costs no more
			// than keeping it row by row, even for a few rows, and the rows
			// can go at once instead of waiting for the choice.
			return t.fail(t.startCopy(writeBulk))
		case t.fresh >= bulkMinRows && bulkWorthIt(t.fresh, t.nStored+t.fresh):
			return t.fail(t.startCopy(writeBulk))
		case len(t.chunk) > maxUndecided:
			return t.fail(t.startCopy(writeKeepIndexes))
		}
		return nil
	}
	if len(t.chunk) >= copyChunk {
		return t.fail(t.flush())
	}
	return nil
}

// fail records the first error: after it the import can only roll back.
func (t *importTx) fail(err error) error {
	if err != nil && t.err == nil {
		t.err = err
	}
	return err
}

// startCopy chooses how the new rows are written and starts their COPY.
func (t *importTx) startCopy(mode int) error {
	ctx := t.ctx
	t.mode = mode
	if mode == writeBulk {
		if _, err := t.tx.ExecContext(ctx, sqlImportLockExclusive); err != nil {
			return fmt.Errorf("import: lock incidents: %w", err)
		}
		var err error
		if t.indexes, err = dropIndexes(ctx, t.tx); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	}
	t.copyDone = timeStep("import: copy")
	cs, err := startCopy(ctx, t.conn, sqlImportCopy)
	if err != nil {
		return fmt.Errorf("import: copy: %w", err)
	}
	t.copy = cs
	return t.flush()
}

// flush sends the encoded new rows, a chunk at a time.
func (t *importTx) flush() error {
	rest := t.chunk
	for len(rest) > 0 {
		n := len(rest)
		if n > copyChunk {
			// Cut after a row, so each chunk holds whole rows.
			n = copyChunk + bytes.IndexByte(rest[copyChunk:], '\n') + 1
		}
		if err := t.copy.write(t.ctx, rest[:n]); err != nil {
			return fmt.Errorf("import: copy: %w", err)
		}
		rest = rest[n:]
	}
	t.chunk = t.chunk[:0]
	return nil
}

// spoolRow keeps a row with a stored external id for the UPDATE at commit,
// in a temporary file: a repeated import of a large file must not hold it
// all in memory.
func (t *importTx) spoolRow(row []byte) error {
	if t.spool == nil {
		f, err := os.CreateTemp("", "badiamap-import-*")
		if err != nil {
			return fmt.Errorf("import: spool for updates: %w", err)
		}
		t.spool, t.spoolW = f, bufio.NewWriterSize(f, copyChunk)
	}
	if _, err := t.spoolW.Write(row); err != nil {
		return fmt.Errorf("import: spool for updates: %w", err)
	}
	return nil
}

// Commit ends the COPY, applies the updates, rebuilds the indexes a bulk
// write dropped, and commits.
func (t *importTx) Commit() (geo.ImportResult, error) {
	var res geo.ImportResult
	if t.done {
		return res, errImportDone
	}
	if t.err != nil {
		t.Rollback()
		return res, t.err
	}
	res, err := t.finish()
	if err != nil {
		t.Rollback()
		return geo.ImportResult{}, err
	}
	t.done = true
	defer t.close()
	if err := t.tx.Commit(); err != nil {
		return geo.ImportResult{}, fmt.Errorf("import: commit: %w", err)
	}
	if t.version > 0 {
		t.store.heard(t.version)
	}
	return res, nil
}

// finish writes everything added, inside the transaction.
func (t *importTx) finish() (geo.ImportResult, error) {
	var res geo.ImportResult
	ctx := t.ctx
	if t.mode == writeUndecided && t.fresh > 0 {
		if err := t.startCopy(writeKeepIndexes); err != nil {
			return res, t.fail(err)
		}
	}
	if t.copy != nil {
		if err := t.flush(); err != nil {
			return res, t.fail(err)
		}
		n, err := t.copy.end()
		t.copy = nil
		t.copyDone()
		if err != nil {
			return res, t.fail(fmt.Errorf("import: copy: %w", err))
		}
		res.Inserted = int(n)
	}
	if t.updates > 0 {
		changed, err := t.applyUpdates()
		if err != nil {
			return res, t.fail(err)
		}
		res.Updated, res.Unchanged = int(changed), int(t.updates-changed)
	}
	if t.indexes != nil {
		if err := rebuildIndexes(ctx, t.tx, t.indexes); err != nil {
			return res, t.fail(fmt.Errorf("import: %w", err))
		}
		if err := analyzeIncidents(ctx, t.tx); err != nil {
			return res, t.fail(fmt.Errorf("import: %w", err))
		}
	}
	res.Elsewhere = t.moved
	if t.n > 0 {
		var err error
		if t.version, err = commitWrite(ctx, t.tx, t.changes, true); err != nil {
			return res, t.fail(err)
		}
	}
	err := auditWrite(ctx, t.tx, t.audit, func(a geo.AuditEntry) (geo.AuditEntry, error) { return geo.ImportAudit(a, t.author, res) })
	return res, t.fail(err)
}

// applyUpdates COPYs the spooled rows into a temporary table and updates
// the stored incidents from it in one statement, returning how many
// changed (the statement leaves rows with the same fields alone).
func (t *importTx) applyUpdates() (int64, error) {
	defer timeStep("import: update")()
	ctx := t.ctx
	if err := t.spoolW.Flush(); err != nil {
		return 0, fmt.Errorf("import: spool for updates: %w", err)
	}
	if _, err := t.spool.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("import: spool for updates: %w", err)
	}
	if _, err := t.tx.ExecContext(ctx, sqlImportUpdatesCreate); err != nil {
		return 0, fmt.Errorf("import: updates table: %w", err)
	}
	cs, err := startCopy(ctx, t.conn, sqlImportUpdatesCopy)
	if err != nil {
		return 0, fmt.Errorf("import: copy updates: %w", err)
	}
	r := bufio.NewReaderSize(t.spool, copyChunk)
	buf := make([]byte, 0, copyChunk+4096)
	for {
		line, err := r.ReadSlice('\n')
		buf = append(buf, line...)
		if err == bufio.ErrBufferFull {
			continue // a row longer than the reader's buffer: read on
		}
		if err != nil && err != io.EOF {
			cs.abort()
			return 0, fmt.Errorf("import: spool for updates: %w", err)
		}
		if len(buf) >= copyChunk || err == io.EOF {
			if werr := cs.write(ctx, buf); werr != nil {
				cs.abort()
				return 0, fmt.Errorf("import: copy updates: %w", werr)
			}
			buf = buf[:0]
		}
		if err == io.EOF {
			break
		}
	}
	if _, err := cs.end(); err != nil {
		return 0, fmt.Errorf("import: copy updates: %w", err)
	}
	if _, err := t.tx.ExecContext(ctx, sqlImportChanged); err != nil {
		return 0, fmt.Errorf("import: find changed incidents: %w", err)
	}
	if err := t.noteChanged(); err != nil {
		return 0, err
	}
	if _, err := t.tx.ExecContext(ctx, sqlImportArchive); err != nil {
		return 0, fmt.Errorf("import: keep replaced versions: %w", err)
	}
	updated, err := t.tx.ExecContext(ctx, sqlImportUpdate)
	if err != nil {
		return 0, fmt.Errorf("import: update existing incidents: %w", err)
	}
	changed, err := updated.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("import: update existing incidents: %w", err)
	}
	return changed, nil
}

// noteChanged adds where the changed stored incidents are and will be to
// the import's changes.
func (t *importTx) noteChanged() error {
	rows, err := t.tx.QueryContext(t.ctx, sqlImportChangedAt)
	if err != nil {
		return fmt.Errorf("import: where the changed incidents are: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var x0, y0, x1, y1 float64
		var was, will bool
		if err := rows.Scan(&x0, &y0, &was, &x1, &y1, &will); err != nil {
			return fmt.Errorf("import: where the changed incidents are: %w", err)
		}
		if was {
			t.changes.Add3857(x0, y0)
		}
		if will {
			t.changes.Add3857(x1, y1)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("import: where the changed incidents are: %w", err)
	}
	return nil
}

// Rollback discards the batch; after Commit it does nothing.
func (t *importTx) Rollback() error {
	if t.done {
		return nil
	}
	t.done = true
	defer t.close()
	if t.copy != nil {
		t.copy.abort()
		t.copy = nil
	}
	if err := t.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("import: rollback: %w", err)
	}
	return nil
}

// close gives the connection back and removes the spool.
func (t *importTx) close() {
	if t.spool != nil {
		t.spool.Close()
		os.Remove(t.spool.Name())
		t.spool = nil
	}
	t.conn.Close()
}
