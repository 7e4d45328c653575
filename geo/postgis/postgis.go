// Package postgis is the geo.Store on PostgreSQL + PostGIS, through
// database/sql and lib/pq. All of badiamap's SQL lives here, in the .sql
// files under sql/, with every value a bound parameter.
//
// The schema comes from package migrations; Open does not create it.
package postgis

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// Store is a geo.Store on PostGIS: writes, migrations, imports and the
// data version on the primary, reads on the streaming replicas that keep up
// with it (cluster.go). It is safe for concurrent use.
type Store struct {
	primary  *database
	replicas []*database
	opt      Options
	next     atomic.Uint64 // round robin over the replicas
	mon      *monitor      // nil without replicas
	watch    *versionWatch // nil unless Options.WatchDataVersion
	stop     context.CancelFunc
	done     sync.WaitGroup
}

var (
	_ geo.Store          = (*Store)(nil)
	_ geo.SnapshotStore  = (*Store)(nil)
	_ geo.VersionWatcher = (*Store)(nil)
	_ geo.PositionStore  = (*Store)(nil)
)

// Pool limits: enough connections for a busy server on a small database,
// recycled so a restarted or failed-over server is picked up again.
const (
	maxOpenConns    = 16
	maxIdleConns    = 8
	connMaxIdleTime = 5 * time.Minute
	connMaxLifetime = 30 * time.Minute
	connectTimeout  = "5" // seconds; lib/pq's connect_timeout
)

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string) and checks that it answers. An unreachable database
// gives an error IsUnavailable recognises.
func Open(ctx context.Context, url string) (*Store, error) {
	return OpenWith(ctx, url, Options{})
}

// Options tune the connections of a Store.
type Options struct {
	// StatementTimeout is PostgreSQL's statement_timeout on every connection
	// of the pool, sent as a startup parameter (so it holds for every
	// statement without a SET per query or transaction); 0 leaves the
	// server's setting, and so does a URL that sets statement_timeout
	// itself. Behind a pooler in transaction mode it is not sent (pgbouncer
	// refuses it): set it on the role then, see docs/RELIABILITY.md.
	StatementTimeout time.Duration
	// ReadURLs are streaming replicas of the primary: reads go to those
	// that keep up with it (MaxReplicaLag), else to the primary.
	ReadURLs []string
	// MaxReplicaLag is how far behind the primary a replica may fall and
	// stay in the rotation; 0 means DefaultMaxReplicaLag.
	MaxReplicaLag time.Duration
	// CheckInterval is how often each database is checked (state, replay
	// position, lag); 0 means one second.
	CheckInterval time.Duration
	// Pooling says how a pooler between the server and the databases hands
	// out server connections: PoolingSession (or no pooler) or
	// PoolingTransaction.
	Pooling Pooling
	// WatchDataVersion keeps the data version in memory (KnownDataVersion),
	// told of every change by LISTEN on ListenURL, polled while that is lost.
	WatchDataVersion bool
	// ListenURL is a direct connection to the primary for LISTEN (a pooler
	// in transaction mode cannot carry it); "" means the primary's URL, or
	// polling alone behind such a pooler.
	ListenURL string
	// Logger hears of databases leaving and rejoining the rotation and of
	// the watch on the data version; nil discards.
	Logger *slog.Logger
}

// DefaultMaxReplicaLag is how far behind a replica may fall unless told.
const DefaultMaxReplicaLag = 10 * time.Second

// Pooling is how a pooler hands out server connections.
type Pooling string

const (
	// PoolingSession: a client connection keeps its server connection (a
	// direct connection, or pgbouncer's pool_mode = session).
	PoolingSession Pooling = "session"
	// PoolingTransaction: a client connection gets a server connection per
	// transaction (pgbouncer's pool_mode = transaction). Nothing that
	// outlives a transaction is used: no named prepared statement, no
	// session setting, and each statement outside a transaction is sent
	// whole (Parse, Bind, Execute, one Sync) so it reaches one server
	// connection.
	PoolingTransaction Pooling = "transaction"
)

// ParsePooling reads a pooling mode: session or transaction ("" is session).
func ParsePooling(s string) (Pooling, error) {
	switch Pooling(s) {
	case "", PoolingSession:
		return PoolingSession, nil
	case PoolingTransaction:
		return PoolingTransaction, nil
	}
	return "", fmt.Errorf("pooling %q: want session or transaction", s)
}

func (o Options) withDefaults() Options {
	if o.MaxReplicaLag <= 0 {
		o.MaxReplicaLag = DefaultMaxReplicaLag
	}
	if o.CheckInterval <= 0 {
		o.CheckInterval = time.Second
	}
	if o.Pooling == "" {
		o.Pooling = PoolingSession
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// OpenWith is Open with options. The primary must answer; a replica that
// does not stays out of the rotation until it does.
func OpenWith(ctx context.Context, url string, opt Options) (*Store, error) {
	opt = opt.withDefaults()
	if _, err := ParsePooling(string(opt.Pooling)); err != nil {
		return nil, err
	}
	primary, err := openDatabase("primary", geo.DatabasePrimary, url, opt)
	if err != nil {
		return nil, err
	}
	s := &Store{primary: primary, opt: opt}
	if err := primary.db.PingContext(ctx); err != nil {
		s.closeDatabases()
		return nil, fmt.Errorf("connect to the database: %w", err)
	}
	primary.record(nil)
	for i, ru := range opt.ReadURLs {
		d, err := openDatabase(fmt.Sprintf("replica-%d", i+1), geo.DatabaseReplica, ru, opt)
		if err != nil {
			s.closeDatabases()
			return nil, fmt.Errorf("read url %d: %w", i+1, err)
		}
		s.replicas = append(s.replicas, d)
	}
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stop = stop
	if len(s.replicas) > 0 {
		s.mon = newMonitor(s)
		s.mon.check(bg) // so that a replica that answers serves from the start
		s.background(func() { s.mon.run(bg) })
	}
	if opt.WatchDataVersion {
		listen := opt.ListenURL
		if listen == "" && opt.Pooling != PoolingTransaction {
			listen = url
		}
		s.watch = newVersionWatch(s, listen)
		_ = s.watch.sync(ctx) // fails before the first migration: the watch reads it again
		s.background(func() { s.watch.run(bg) })
	}
	return s, nil
}

// background runs fn until Close.
func (s *Store) background(fn func()) {
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		fn()
	}()
}

// withConnectTimeout bounds how long a connection attempt may hang on a
// database that does not answer, unless the URL says otherwise.
func withConnectTimeout(dsn string) string {
	if strings.Contains(dsn, "connect_timeout") {
		return dsn
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return dsn // sql.Open reports it
		}
		q := u.Query()
		q.Set("connect_timeout", connectTimeout)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return strings.TrimSpace(dsn + " connect_timeout=" + connectTimeout)
}

// DB is the primary's connection pool, for migrations and tests.
func (s *Store) DB() *sql.DB { return s.primary.db }

// Ping reports whether the primary answers now.
func (s *Store) Ping(ctx context.Context) error {
	err := s.primary.db.PingContext(ctx)
	s.primary.record(err)
	if err != nil {
		return fmt.Errorf("ping the database: %w", err)
	}
	return nil
}

// Close stops watching the databases and closes the pools.
func (s *Store) Close() error {
	if s.stop != nil {
		s.stop()
	}
	s.done.Wait()
	return s.closeDatabases()
}

func (s *Store) closeDatabases() error {
	var errs []error
	for _, d := range s.databases() {
		errs = append(errs, d.close())
	}
	return errors.Join(errs...)
}

// DataVersion is the version bumped inside every writing transaction: the
// primary's, or under a snapshot the snapshot's own.
func (s *Store) DataVersion(ctx context.Context) (int64, error) {
	var v int64
	var err error
	if sn := snapshotOf(ctx, s); sn != nil {
		err = sn.scanOne(ctx, []any{&v}, sqlDataVersion)
	} else {
		err = s.primary.db.QueryRowContext(ctx, sqlDataVersion).Scan(&v)
	}
	if err != nil {
		return 0, fmt.Errorf("read the data version: %w", err)
	}
	return v, nil
}

// KnownDataVersion is the data version the watch holds (no round trip);
// false when the store does not watch it or has lost touch with the
// primary.
func (s *Store) KnownDataVersion() (int64, bool) {
	if s.watch == nil {
		return 0, false
	}
	return s.watch.known()
}

// heard takes version v, committed by this process, into the watch.
func (s *Store) heard(v int64) {
	if s.watch != nil {
		s.watch.raise(v)
	}
}
