package postgis

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/lib/pq"
)

// A Store talks to one primary and any number of streaming replicas of it.
// Writes, migrations, imports, the data version and editors' reads go to the
// primary. Every other read goes to a replica in the rotation: one that
// answers its checks and has replayed the primary's WAL to within
// MaxReplicaLag (monitor.go); a read that must see a write (ReadingAfter)
// only to a replica that has replayed past it; with none, to the primary. A
// replica that fails a read leaves the rotation at once, and the read is
// tried on the next.

// database is one PostgreSQL server the store uses, with its pools.
type database struct {
	name string // primary, replica-1, ...
	role string
	addr string // host:port, for people (no credentials)
	db   *sql.DB
	// bg carries the checks and the data version's polls: a busy pool must
	// not make a database look down, and they are not the server's load.
	bg *sql.DB
	// sends counts writes to the serving pool's sockets (a query, a batch
	// of protocol messages, a handshake): what a request costs the
	// database, measured on the wire.
	sends atomic.Int64
	// reads counts the reads (statements and snapshots) routed here.
	reads atomic.Int64

	mu sync.Mutex
	st health
}

// health is what the last check (or read) found.
type health struct {
	checked time.Time
	up      bool
	err     string
	standby bool   // in recovery: a replica
	replay  uint64 // replicas: WAL replayed up to here
	lag     time.Duration
}

// openDatabase opens the pools of the database at url (nothing is
// connected yet).
func openDatabase(name, role, url string, opt Options) (*database, error) {
	cfg, err := connConfig(url, opt, "badiamap")
	if err != nil {
		return nil, err
	}
	d := &database{name: name, role: role, addr: hostPort(cfg)}
	d.db = sql.OpenDB(&connector{cfg: cfg, sends: &d.sends})
	d.db.SetMaxOpenConns(maxOpenConns)
	d.db.SetMaxIdleConns(maxIdleConns)
	d.db.SetConnMaxIdleTime(connMaxIdleTime)
	d.db.SetConnMaxLifetime(connMaxLifetime)
	// The same application_name as the serving pool: behind pgbouncer the
	// two share server connections, and another name would cost a SET
	// each time one passes from the one to the other.
	bgCfg, _ := connConfig(url, Options{Pooling: opt.Pooling}, "badiamap")
	d.bg = sql.OpenDB(&connector{cfg: bgCfg})
	d.bg.SetMaxOpenConns(2)
	d.bg.SetMaxIdleConns(2)
	d.bg.SetConnMaxLifetime(connMaxLifetime)
	return d, nil
}

// connConfig is the connection configuration of url for opt, named app in
// pg_stat_activity unless the URL names it.
func connConfig(url string, opt Options, app string) (pq.Config, error) {
	cfg, err := pq.NewConfig(withConnectTimeout(url))
	if err != nil {
		return pq.Config{}, fmt.Errorf("database url: %w", err)
	}
	if cfg.ApplicationName == "" {
		cfg.ApplicationName = app
	}
	if opt.Pooling == PoolingTransaction {
		// Parse, Bind and Execute in one message batch with one Sync: a
		// pooler in transaction mode may hand the next Sync's messages to
		// another server connection, where the unnamed statement does not
		// exist.
		cfg.BinaryParameters = true
		return cfg, nil
	}
	if opt.StatementTimeout > 0 && cfg.Runtime["statement_timeout"] == "" && !strings.Contains(cfg.Options, "statement_timeout") {
		if cfg.Runtime == nil {
			cfg.Runtime = map[string]string{}
		}
		cfg.Runtime["statement_timeout"] = strconv.FormatInt(opt.StatementTimeout.Milliseconds(), 10)
	}
	return cfg, nil
}

// hostPort is where cfg connects, without credentials.
func hostPort(cfg pq.Config) string {
	host := cfg.Host
	if host == "" {
		host = "localhost"
	}
	port := int(cfg.Port)
	if port == 0 {
		port = 5432
	}
	if strings.HasPrefix(host, "/") {
		return host + ":" + strconv.Itoa(port)
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

func (d *database) close() error {
	return errors.Join(d.db.Close(), d.bg.Close())
}

// record notes the outcome of talking to d: nil is up.
func (d *database) record(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.st.checked = time.Now()
	d.st.up = err == nil
	d.st.err = ""
	if err != nil {
		d.st.err = err.Error()
	}
}

func (d *database) health() health {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st
}

// serves reports whether replica d may answer a read that must see every
// write up to after (0: none).
func (d *database) serves(after uint64, maxLag time.Duration) bool {
	h := d.health()
	return h.up && h.standby && h.lag <= maxLag && h.replay >= after
}

// databases are the primary and the replicas, in that order.
func (s *Store) databases() []*database {
	return append([]*database{s.primary}, s.replicas...)
}

// pick is the database a read under ctx goes to: the next replica in the
// rotation that holds the position ctx reads after, else the primary.
// Databases in skip have failed this read already.
func (s *Store) pick(ctx context.Context, skip ...*database) *database {
	if len(s.replicas) > 0 {
		after, err := parsePosition(geo.ReadAfter(ctx))
		if err != nil {
			after = 0 // not a position of ours: the read needs none
		}
		start := s.next.Add(1)
		for i := range s.replicas {
			d := s.replicas[(start+uint64(i))%uint64(len(s.replicas))]
			if !contains(skip, d) && d.serves(after, s.opt.MaxReplicaLag) {
				d.reads.Add(1)
				return d
			}
		}
	}
	s.primary.reads.Add(1)
	return s.primary
}

func contains(list []*database, d *database) bool {
	for _, x := range list {
		if x == d {
			return true
		}
	}
	return false
}

// failedOver reports whether a read that failed with err on d may be tried
// on another database: d is a replica that cannot be reached (it leaves the
// rotation now) and the caller still waits.
func (s *Store) failedOver(ctx context.Context, d *database, err error) bool {
	if d == s.primary || ctx.Err() != nil || !IsUnavailable(err) {
		return false
	}
	d.record(err)
	s.opt.Logger.Warn("replica left the rotation: a read failed", "database", d.name, "addr", d.addr, "error", err.Error())
	return true
}

// query runs a read: in the snapshot of ctx when there is one, else on the
// database pick chooses, then the next while replicas fail.
func (s *Store) query(ctx context.Context, text string, args ...any) (*sql.Rows, error) {
	if sn := snapshotOf(ctx, s); sn != nil {
		return sn.query(ctx, text, args...)
	}
	var failed []*database
	for {
		d := s.pick(ctx, failed...)
		rows, err := d.db.QueryContext(ctx, text, args...)
		if err != nil && s.failedOver(ctx, d, err) {
			failed = append(failed, d)
			continue
		}
		return rows, err
	}
}

// scanOne runs a read of one row into dest (sql.ErrNoRows when it has none).
func (s *Store) scanOne(ctx context.Context, dest []any, text string, args ...any) error {
	rows, err := s.query(ctx, text, args...)
	if err != nil {
		return err
	}
	return scanRow(rows, dest)
}

func scanRow(rows *sql.Rows, dest []any) error {
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

// reader is the store's routed reads as a querier.
type reader struct{ s *Store }

func (r reader) QueryContext(ctx context.Context, text string, args ...any) (*sql.Rows, error) {
	return r.s.query(ctx, text, args...)
}

// readTx is a read-only repeatable-read transaction (one snapshot) for
// reads that need one of their own
// (a tile: its SET LOCAL settings and one snapshot across its layers): the
// snapshot of ctx when there is one, else a new transaction on the database
// pick chooses. db is the pool it runs on. release(true) commits a
// transaction of its own, release(false) rolls it back (after a commit it
// does nothing); a snapshot's is left to its end.
func (s *Store) readTx(ctx context.Context) (tx *sql.Tx, db *sql.DB, release func(commit bool) error, err error) {
	if sn := snapshotOf(ctx, s); sn != nil {
		tx, d, err := sn.begin(ctx)
		if err != nil {
			return nil, nil, nil, err
		}
		return tx, d.db, func(bool) error { return nil }, nil
	}
	var failed []*database
	for {
		d := s.pick(ctx, failed...)
		tx, err := d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
		if err != nil && s.failedOver(ctx, d, err) {
			failed = append(failed, d)
			continue
		}
		if err != nil {
			return nil, nil, nil, err
		}
		return tx, d.db, func(commit bool) error {
			if commit {
				return tx.Commit()
			}
			_ = tx.Rollback()
			return nil
		}, nil
	}
}

// Databases reports the state of every database, the primary first.
func (s *Store) Databases() []geo.DatabaseState {
	var out []geo.DatabaseState
	for _, d := range s.databases() {
		h := d.health()
		ds := geo.DatabaseState{Name: d.name, Role: d.role, Addr: d.addr, Error: h.err, CheckedAt: h.checked,
			Sends: d.sends.Load(), Reads: d.reads.Load(), Pool: d.db.Stats()}
		switch {
		case h.checked.IsZero():
		case !h.up:
			ds.State = geo.DatabaseDown
		case d.role == geo.DatabaseReplica && !h.standby:
			ds.State = geo.DatabaseNotStandby
		case d.role == geo.DatabaseReplica && h.lag > s.opt.MaxReplicaLag:
			ds.State = geo.DatabaseLagging
		default:
			ds.State = geo.DatabaseUp
		}
		if d == s.primary && s.watch != nil {
			ds.Watch = s.watch.state()
		}
		if d.role == geo.DatabaseReplica {
			ds.InRotation = d.serves(0, s.opt.MaxReplicaLag)
			ds.Lag = h.lag
			if h.standby {
				ds.Position = formatPosition(h.replay)
			}
		}
		out = append(out, ds)
	}
	return out
}

// MaxReplicaLag is how far behind the primary a replica may be and serve.
func (s *Store) MaxReplicaLag() time.Duration { return s.opt.MaxReplicaLag }
