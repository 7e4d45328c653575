package postgis

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// A snapshot holds the reads of one answer (a page and its counts, a
// statistics table, what a cache is filled with) to one state of the data:
// a REPEATABLE READ READ ONLY transaction on one database, begun at the
// first read under it, so an answer that reads nothing (a cached tile)
// costs no round trip. Replicas serve such transactions as the primary
// does. DataVersion under a snapshot reads the snapshot's version, which
// is what a cache filled under it must be keyed by.

type snapshotKey struct{}

type snapshot struct {
	s    *Store
	base context.Context // the transaction's lifetime: the snapshot's, not one read's

	mu    sync.Mutex
	tx    *sql.Tx
	db    *database
	err   error // a failed begin: every read under the snapshot fails with it
	ended bool
}

var errSnapshotEnded = errors.New("read under a snapshot that has ended")

// Snapshot returns a context whose reads of s see one snapshot, and the
// function that ends it. A snapshot already in ctx is replaced.
func (s *Store) Snapshot(ctx context.Context) (context.Context, func()) {
	sn := &snapshot{s: s, base: ctx}
	return context.WithValue(ctx, snapshotKey{}, sn), sn.end
}

// snapshotOf is the snapshot of s in ctx, nil for none.
func snapshotOf(ctx context.Context, s *Store) *snapshot {
	sn, _ := ctx.Value(snapshotKey{}).(*snapshot)
	if sn == nil || sn.s != s {
		return nil
	}
	return sn
}

// begin takes the snapshot on first use: on the database pick chooses for
// ctx, the next while replicas cannot be reached.
func (sn *snapshot) begin(ctx context.Context) (*sql.Tx, *database, error) {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	switch {
	case sn.ended:
		return nil, nil, errSnapshotEnded
	case sn.tx != nil || sn.err != nil:
		return sn.tx, sn.db, sn.err
	}
	var failed []*database
	for {
		d := sn.s.pick(ctx, failed...)
		tx, err := d.db.BeginTx(sn.base, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil && sn.s.failedOver(ctx, d, err) {
			failed = append(failed, d)
			continue
		}
		sn.tx, sn.db, sn.err = tx, d, err
		return tx, d, err
	}
}

func (sn *snapshot) query(ctx context.Context, text string, args ...any) (*sql.Rows, error) {
	tx, _, err := sn.begin(ctx)
	if err != nil {
		return nil, err
	}
	return tx.QueryContext(ctx, text, args...)
}

func (sn *snapshot) scanOne(ctx context.Context, dest []any, text string, args ...any) error {
	rows, err := sn.query(ctx, text, args...)
	if err != nil {
		return err
	}
	return scanRow(rows, dest)
}

// end closes the transaction, if one was begun (a read-only one: nothing
// to keep).
func (sn *snapshot) end() {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	sn.ended = true
	if sn.tx != nil {
		_ = sn.tx.Rollback()
	}
}

// oneSnapshot returns ctx holding the reads of one answer to one snapshot:
// the snapshot of ctx when there is one, else a new one that end ends.
func (s *Store) oneSnapshot(ctx context.Context) (context.Context, func()) {
	if snapshotOf(ctx, s) != nil {
		return ctx, func() {}
	}
	return s.Snapshot(ctx)
}
