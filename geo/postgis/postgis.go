// Package postgis is the geo.Store on PostgreSQL + PostGIS, through
// database/sql and lib/pq. All of badiamap's SQL lives here, in the .sql
// files under sql/, with every value a bound parameter.
//
// The schema comes from package migrations; Open does not create it.
package postgis

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/lib/pq"
)

// Store is a geo.Store on PostGIS. It is safe for concurrent use.
type Store struct {
	db *sql.DB
}

var _ geo.Store = (*Store)(nil)

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
	// itself. A pooler in transaction mode (pgbouncer) must be told to pass
	// or ignore the parameter: see docs/RELIABILITY.md.
	StatementTimeout time.Duration
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, url string, opt Options) (*Store, error) {
	cfg, err := pq.NewConfig(withConnectTimeout(url))
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	if opt.StatementTimeout > 0 && cfg.Runtime["statement_timeout"] == "" && !strings.Contains(cfg.Options, "statement_timeout") {
		if cfg.Runtime == nil {
			cfg.Runtime = map[string]string{}
		}
		cfg.Runtime["statement_timeout"] = strconv.FormatInt(opt.StatementTimeout.Milliseconds(), 10)
	}
	db := sql.OpenDB(&connector{cfg: cfg})
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxIdleConns)
	db.SetConnMaxIdleTime(connMaxIdleTime)
	db.SetConnMaxLifetime(connMaxLifetime)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to the database: %w", err)
	}
	return &Store{db: db}, nil
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

// DB is the connection pool, for migrations and pool metrics (sql.DBStats).
func (s *Store) DB() *sql.DB { return s.db }

// Ping reports whether the database answers now.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping the database: %w", err)
	}
	return nil
}

// Close closes the pool.
func (s *Store) Close() error { return s.db.Close() }

// DataVersion is the version bumped inside every writing transaction.
func (s *Store) DataVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.db.QueryRowContext(ctx, sqlDataVersion).Scan(&v); err != nil {
		return 0, fmt.Errorf("read the data version: %w", err)
	}
	return v, nil
}
