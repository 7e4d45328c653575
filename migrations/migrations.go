// Package migrations holds the numbered SQL migrations of the PostGIS schema,
// embedded in the binary, and applies the pending ones.
//
// Each file NNNN_name.sql runs in a transaction of its own and is recorded in
// schema_migrations; a transaction-scoped advisory lock keeps two servers
// starting at once from racing.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
)

//go:embed *.sql
var files embed.FS

// lockKey is the pg_advisory_lock key every badiamap process migrates under.
const lockKey = 0x62616469616d6170 // "badiamap"

// ErrPostGISMissing is returned when the server has no PostGIS to install.
var ErrPostGISMissing = errors.New("PostGIS is not installed on the database server: install postgresql-15-postgis-3 (Debian/Ubuntu) or use the postgis/postgis image")

var fileName = regexp.MustCompile(`^([0-9]{4})_[a-z0-9_]+\.sql$`)

// Migration is one numbered SQL file.
type Migration struct {
	Version string // "0001_postgis": the file name without .sql
	SQL     string
}

// All lists every embedded migration in order.
func All() ([]Migration, error) {
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var ms []Migration
	for _, n := range names {
		if !fileName.MatchString(n) {
			return nil, fmt.Errorf("migration file %q is not named NNNN_name.sql", n)
		}
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: n[:len(n)-len(".sql")], SQL: string(b)})
	}
	return ms, nil
}

// Apply runs every pending migration, each in its own transaction, and
// returns the versions it applied (none when the schema is up to date).
//
// Every transaction takes a transaction-scoped advisory lock and checks
// schema_migrations again under it, so two servers starting at once apply
// each migration once; nothing outlives a transaction (no session lock, no
// session setting), so migrations also run through a pooler in transaction
// mode.
func Apply(ctx context.Context, db *sql.DB) (applied []string, err error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	if err := locked(ctx, db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    text PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now())`)
		return err
	}); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	pending, err := Pending(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	if len(pending) == 0 {
		return nil, nil
	}
	if err := requireExtension(ctx, db, "postgis"); err != nil {
		return nil, err
	}
	todo := map[string]bool{}
	for _, v := range pending {
		todo[v] = true
	}
	for _, m := range all {
		if !todo[m.Version] {
			continue
		}
		ran, err := apply(ctx, db, m)
		if err != nil {
			return applied, err
		}
		if ran {
			applied = append(applied, m.Version)
		}
	}
	return applied, nil
}

// locked runs fn in a transaction holding the migration lock, with no
// statement timeout: a migration may run longer than a served statement.
func locked(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return fmt.Errorf("lift the statement timeout: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(lockKey)); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// apply runs m unless another process has meanwhile; ran says whether it did.
func apply(ctx context.Context, db *sql.DB, m Migration) (ran bool, err error) {
	err = locked(ctx, db, func(tx *sql.Tx) error {
		var done bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.Version).Scan(&done); err != nil {
			return err
		}
		if done {
			return nil
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.Version); err != nil {
			return fmt.Errorf("record version: %w", err)
		}
		ran = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Version, err)
	}
	return ran, nil
}

// requireExtension fails with a message naming what to install when the
// server cannot create extension name (and it is not there already).
func requireExtension(ctx context.Context, db *sql.DB, name string) error {
	var available bool
	err := db.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = $1)`, name).Scan(&available)
	if err != nil {
		return fmt.Errorf("check for the %s extension: %w", name, err)
	}
	if !available {
		if name == "postgis" {
			return ErrPostGISMissing
		}
		return fmt.Errorf("the %s extension is not installed on the database server", name)
	}
	return nil
}

// Pending lists the versions not applied yet, without applying them, for a
// readiness check.
func Pending(ctx context.Context, db *sql.DB) ([]string, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return nil, err
	}
	if !exists {
		return versions(all), nil
	}
	done := map[string]bool{}
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		done[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var pending []string
	for _, m := range all {
		if !done[m.Version] {
			pending = append(pending, m.Version)
		}
	}
	return pending, nil
}

func versions(ms []Migration) []string {
	vs := make([]string, len(ms))
	for i, m := range ms {
		vs[i] = m.Version
	}
	return vs
}
