// Package migrations holds the numbered SQL migrations of the PostGIS schema,
// embedded in the binary, and applies the pending ones.
//
// Each file NNNN_name.sql runs in a transaction of its own and is recorded in
// schema_migrations; a session advisory lock keeps two servers starting at
// once from racing.
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
func Apply(ctx context.Context, db *sql.DB) (applied []string, err error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	// The advisory lock belongs to a session: hold one connection throughout.
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	// A migration may run longer than a served statement may: lift the
	// connection's statement_timeout for this session, and put the pool's
	// setting back (RESET restores the startup value) before the connection
	// serves again.
	if _, err := conn.ExecContext(ctx, `SET statement_timeout = 0`); err != nil {
		return nil, fmt.Errorf("lift the statement timeout: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `RESET statement_timeout`)
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(lockKey)); err != nil {
		return nil, fmt.Errorf("take the migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(lockKey))

	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    text PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	done := map[string]bool{}
	rows, err := conn.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, err
		}
		done[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	for _, m := range all {
		if done[m.Version] {
			continue
		}
		if len(applied) == 0 {
			if err := requireExtension(ctx, conn, "postgis"); err != nil {
				return nil, err
			}
		}
		if err := apply(ctx, conn, m); err != nil {
			return applied, err
		}
		applied = append(applied, m.Version)
	}
	return applied, nil
}

func apply(ctx context.Context, conn *sql.Conn, m Migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.Version, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migration %s: %w", m.Version, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.Version); err != nil {
		return fmt.Errorf("migration %s: record version: %w", m.Version, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: commit: %w", m.Version, err)
	}
	return nil
}

// requireExtension fails with a message naming what to install when the
// server cannot create extension name (and it is not there already).
func requireExtension(ctx context.Context, conn *sql.Conn, name string) error {
	var available bool
	err := conn.QueryRowContext(ctx,
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
