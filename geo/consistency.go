package geo

import (
	"context"
	"database/sql"
	"time"
)

// What a store spread over several databases (geo/postgis with read
// replicas) offers so that its readers see consistent data: answers from one
// snapshot, the data version without a round trip, and a writer's own
// writes. A store of one process (geo/memstore) needs none of it.

// SnapshotStore is a store whose reads can be held to one snapshot of its
// data.
type SnapshotStore interface {
	// Snapshot returns a context under which every read of the store sees
	// one snapshot of the data: taken at the first read (nothing is done
	// before), kept until end is called. DataVersion under it is the
	// snapshot's own version, so a cache filled under it is keyed by the
	// data it holds. A snapshot in ctx already is replaced, not shared.
	// The reads under one snapshot must run one at a time.
	Snapshot(ctx context.Context) (snapshot context.Context, end func())
}

// VersionWatcher is a store that keeps its data version in memory, told of
// every change by its database.
type VersionWatcher interface {
	// KnownDataVersion is the newest data version the store has heard of,
	// without a round trip. ok is false when the store cannot vouch that it
	// is current (it has lost touch with its database): ask DataVersion.
	KnownDataVersion() (version int64, ok bool)
}

// PositionStore is a store whose reads may be answered by copies that lag
// behind its writes (read replicas).
type PositionStore interface {
	// WritePosition is a position at or after every write the store has
	// committed so far, as text for a client to hold (a PostgreSQL WAL
	// position: 0/16B3748), and how long the client must hold it: after
	// that every copy that answers reads has the writes. Reads under
	// ReadingAfter(ctx, position) see those writes.
	WritePosition(ctx context.Context) (position string, hold time.Duration, err error)
}

type readAfterKey struct{}

// ReadingAfter returns ctx asking the store to answer its reads from data
// that holds every write up to position (from WritePosition). A store
// ignores a position it cannot read.
func ReadingAfter(ctx context.Context, position string) context.Context {
	if position == "" {
		return ctx
	}
	return context.WithValue(ctx, readAfterKey{}, position)
}

// ReadAfter is the position ReadingAfter put in ctx, "" for none.
func ReadAfter(ctx context.Context) string {
	p, _ := ctx.Value(readAfterKey{}).(string)
	return p
}

// DatabaseState is one database of a store spread over several (the
// primary, each replica), for /readyz and /metrics.
type DatabaseState struct {
	Name string // primary, replica-1, ...: a bounded set, one per URL
	Role string // DatabasePrimary or DatabaseReplica
	Addr string // host:port, for the log (no credentials)
	// State is DatabaseUp, DatabaseDown, DatabaseLagging or
	// DatabaseNotStandby; "" before the first check.
	State      string
	InRotation bool          // replicas: reads go to it now
	Lag        time.Duration // replicas: how far behind the primary it is
	Position   string        // replicas: WAL replayed up to here
	Error      string        // why it is down, when it is (for the log)
	CheckedAt  time.Time
	// Sends counts writes to the serving pool's sockets (its load, on the
	// wire); Reads the reads routed to it.
	Sends, Reads int64
	Pool         sql.DBStats
	// Watch is, on the primary, how the store follows the data version:
	// listen (told of each change), poll, stale (neither answers now), or
	// "" when it does not.
	Watch string
}

// The roles of a database.
const (
	DatabasePrimary = "primary"
	DatabaseReplica = "replica"
)

// The states of a database.
const (
	DatabaseUp   = "up"
	DatabaseDown = "down"
	// DatabaseLagging: a replica further behind the primary than allowed.
	DatabaseLagging = "lagging"
	// DatabaseNotStandby: a read URL of a server not in recovery, kept out
	// of the rotation.
	DatabaseNotStandby = "not_standby"
)
