package postgis

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/lib/pq"
)

var (
	_ geo.AccountStore = (*Store)(nil)
	_ geo.AuditStore   = (*Store)(nil)
)

// accountQuery is sql/name.sql with its /*USER*/ and /*TOKEN*/ column
// lists filled in.
func accountQuery(name string) string {
	s := query(name)
	s = strings.ReplaceAll(s, "/*USER*/", fragment("user_columns"))
	return strings.ReplaceAll(s, "/*TOKEN*/", fragment("token_columns"))
}

var (
	sqlUserInsert          = accountQuery("user_insert")
	sqlUserByName          = accountQuery("user_by_name")
	sqlUsersSelect         = accountQuery("users_select")
	sqlUserUpdate          = accountQuery("user_update")
	sqlSessionsEndUser     = accountQuery("sessions_end_user")
	sqlSessionInsert       = accountQuery("session_insert")
	sqlSessionSelect       = accountQuery("session_select")
	sqlSessionTouch        = accountQuery("session_touch")
	sqlSessionDelete       = accountQuery("session_delete")
	sqlSessionsDeleteStale = accountQuery("sessions_delete_stale")
	sqlTokenInsert         = accountQuery("token_insert")
	sqlTokenByHash         = accountQuery("token_by_hash")
	sqlTokensSelect        = accountQuery("tokens_select")
	sqlTokenRevoke         = accountQuery("token_revoke")
	sqlTokenRevokedAt      = accountQuery("token_revoked_at")
	sqlTokenTouch          = accountQuery("token_touch")
	sqlAuditInsert         = accountQuery("audit_insert")
	sqlAuditSelect         = accountQuery("audit_select")
	sqlAuditSelectNewest   = strings.NewReplacer("WHERE id > $1", "WHERE id < $1", "ORDER BY id", "ORDER BY id DESC").Replace(sqlAuditSelect)
	sqlGrantAppRole        = query("grant_app_role")
	sqlGrantOwner          = query("grant_owner")
	sqlGrantVerify         = query("grant_verify")
)

// scanner is a row or rows.
type scanner interface{ Scan(dest ...any) error }

func userDest(u *geo.User) []any {
	return []any{&u.ID, &u.Name, (*string)(&u.Role), &u.Disabled, &u.PasswordHash, &u.CreatedAt, &u.UpdatedAt}
}

// nullTimes scans nullable times into their fields (zero for NULL).
type nullTimes []*time.Time

func (n nullTimes) dest() ([]any, func()) {
	ns := make([]sql.NullTime, len(n))
	out := make([]any, len(n))
	for i := range ns {
		out[i] = &ns[i]
	}
	return out, func() {
		for i, t := range n {
			*t = ns[i].Time
		}
	}
}

func scanToken(row scanner, extra ...any) (geo.APIToken, error) {
	var t geo.APIToken
	times, fill := nullTimes{&t.ExpiresAt, &t.LastUsed, &t.RevokedAt}.dest()
	dest := append([]any{&t.ID, &t.UserID, &t.User, &t.Name, &t.Hash, &t.CreatedAt, &t.CreatedBy}, times...)
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return t, err
	}
	fill()
	return t, nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// appendAudit appends e in tx, the transaction of the change it records:
// the change and its entry commit together or not at all.
func appendAudit(ctx context.Context, tx *sql.Tx, e geo.AuditEntry) (geo.AuditEntry, error) {
	if e.Actor == "" || e.Action == "" {
		return e, errors.New("postgis: an audit entry needs an actor and an action")
	}
	var detail any
	if e.Detail != "" {
		if !json.Valid([]byte(e.Detail)) {
			return e, fmt.Errorf("postgis: the audit entry's detail is not JSON: %.80q", e.Detail)
		}
		detail = e.Detail
	}
	if err := tx.QueryRowContext(ctx, sqlAuditInsert, nullTime(e.At), e.Actor, e.Action, e.Target, e.Client, detail).Scan(&e.ID, &e.At); err != nil {
		return e, fmt.Errorf("append to the audit log: %w", err)
	}
	return e, nil
}

// auditWrite appends, in tx, the entry entry makes of a, the caller's entry
// for the write tx makes, when there is one.
func auditWrite(ctx context.Context, tx *sql.Tx, a *geo.AuditEntry, entry func(geo.AuditEntry) (geo.AuditEntry, error)) error {
	if a == nil {
		return nil
	}
	e, err := entry(*a)
	if err == nil {
		_, err = appendAudit(ctx, tx, e)
	}
	return err
}

// inTx runs fn in a transaction and commits it when fn succeeds.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.primary.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// AppendAudit appends e in a transaction of its own.
func (s *Store) AppendAudit(ctx context.Context, e geo.AuditEntry) (out geo.AuditEntry, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		out, err = appendAudit(ctx, tx, e)
		return err
	})
	return out, err
}

// Audit returns the entries f matches past page.After, by id (descending
// with f.Newest).
func (s *Store) Audit(ctx context.Context, f geo.AuditFilter, page geo.Page) ([]geo.AuditEntry, error) {
	if page.Limit < 0 {
		return nil, fmt.Errorf("page limit %d is negative", page.Limit)
	}
	var limit any
	if page.Limit > 0 {
		limit = page.Limit
	}
	q, after := sqlAuditSelect, page.After
	if f.Newest {
		q = sqlAuditSelectNewest
		if after == 0 {
			after = math.MaxInt64
		}
	}
	rows, err := s.primary.db.QueryContext(ctx, q, after, f.Actor, f.Action, f.Target, nullTime(f.From), nullTime(f.To), limit)
	if err != nil {
		return nil, fmt.Errorf("read the audit log: %w", err)
	}
	defer rows.Close()
	out := []geo.AuditEntry{}
	for rows.Next() {
		var e geo.AuditEntry
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Target, &e.Client, &e.Detail); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CreateUser stores u and its audit entry in one transaction.
func (s *Store) CreateUser(ctx context.Context, u geo.User, a geo.AuditEntry) (geo.User, error) {
	if err := u.Validate(); err != nil {
		return geo.User{}, err
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, sqlUserInsert, u.Name, string(u.Role), u.Disabled, u.PasswordHash, nullTime(u.CreatedAt)).
			Scan(&u.ID, &u.CreatedAt, &u.UpdatedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("user %s: %w", u.Name, geo.ErrUserExists)
		}
		if err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, a)
		return err
	})
	return u, err
}

// User returns the user of that name.
func (s *Store) User(ctx context.Context, name string) (geo.User, error) {
	var u geo.User
	err := s.primary.db.QueryRowContext(ctx, sqlUserByName, name).Scan(userDest(&u)...)
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %s: %w", name, geo.ErrNotFound)
	}
	return u, err
}

// Users returns every user, by name.
func (s *Store) Users(ctx context.Context) ([]geo.User, error) {
	rows, err := s.primary.db.QueryContext(ctx, sqlUsersSelect)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []geo.User{}
	for rows.Next() {
		var u geo.User
		if err := rows.Scan(userDest(&u)...); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UpdateUser applies ch and its audit entry in one transaction, ending the
// user's sessions when ch disables them or sets a new password.
func (s *Store) UpdateUser(ctx context.Context, name string, ch geo.UserChange, a geo.AuditEntry) (geo.User, error) {
	var role, disabled, hash any
	if ch.Role != nil {
		if !geo.KnownRole(*ch.Role) {
			return geo.User{}, &geo.ValidationError{Field: "role", Reason: fmt.Sprintf("%q is not a role: one of %v", *ch.Role, geo.Roles)}
		}
		role = string(*ch.Role)
	}
	if ch.Disabled != nil {
		disabled = *ch.Disabled
	}
	if ch.PasswordHash != nil {
		hash = *ch.PasswordHash
	}
	var u geo.User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, sqlUserUpdate, name, role, disabled, hash).Scan(userDest(&u)...)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("user %s: %w", name, geo.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if (ch.Disabled != nil && *ch.Disabled) || ch.PasswordHash != nil {
			if _, err := tx.ExecContext(ctx, sqlSessionsEndUser, u.ID); err != nil {
				return err
			}
		}
		_, err = appendAudit(ctx, tx, a)
		return err
	})
	return u, err
}

// CreateSession stores the session and its audit entry.
func (s *Store) CreateSession(ctx context.Context, ses geo.Session, a geo.AuditEntry) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, sqlSessionInsert, ses.IDHash, ses.UserID, ses.CreatedAt, ses.LastSeen, ses.Client); err != nil {
			return fmt.Errorf("store the session: %w", err)
		}
		_, err := appendAudit(ctx, tx, a)
		return err
	})
}

// Session returns the session and its user.
func (s *Store) Session(ctx context.Context, idHash string) (geo.Session, geo.User, error) {
	var ses geo.Session
	var u geo.User
	dest := append([]any{&ses.IDHash, &ses.UserID, &ses.CreatedAt, &ses.LastSeen, &ses.Client}, userDest(&u)...)
	err := s.primary.db.QueryRowContext(ctx, sqlSessionSelect, idHash).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return ses, u, fmt.Errorf("session: %w", geo.ErrNotFound)
	}
	return ses, u, err
}

// execOne runs a statement that must change one row.
func (s *Store) execOne(ctx context.Context, q, what string, args ...any) error {
	res, err := s.primary.db.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("%s: %w", what, geo.ErrNotFound)
	}
	return nil
}

// TouchSession sets the session's last_seen.
func (s *Store) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	return s.execOne(ctx, sqlSessionTouch, "session", idHash, at)
}

// EndSession removes the session, with its audit entry when a is given.
func (s *Store) EndSession(ctx context.Context, idHash string, a *geo.AuditEntry) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, sqlSessionDelete, idHash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("session: %w", geo.ErrNotFound)
		}
		if a != nil {
			_, err = appendAudit(ctx, tx, *a)
		}
		return err
	})
}

// EndStaleSessions removes the sessions idle or held too long.
func (s *Store) EndStaleSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int, error) {
	res, err := s.primary.db.ExecContext(ctx, sqlSessionsDeleteStale, idleBefore, createdBefore)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// CreateToken stores t and its audit entry.
func (s *Store) CreateToken(ctx context.Context, t geo.APIToken, a geo.AuditEntry) (geo.APIToken, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, sqlTokenInsert, t.UserID, t.Name, t.Hash, nullTime(t.CreatedAt), t.CreatedBy,
			nullTime(t.ExpiresAt), nullTime(t.LastUsed), nullTime(t.RevokedAt)).Scan(&t.ID, &t.CreatedAt, &t.User)
		var pe *pq.Error
		if errors.As(err, &pe) && pe.Code.Name() == "foreign_key_violation" {
			return fmt.Errorf("token of user %d: %w", t.UserID, geo.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store the token: %w", err)
		}
		if a.Target == "" {
			a.Target = fmt.Sprintf("token:%d", t.ID)
		}
		_, err = appendAudit(ctx, tx, a)
		return err
	})
	if err != nil {
		return geo.APIToken{}, err
	}
	return t, nil
}

// TokenByHash returns the token and its user.
func (s *Store) TokenByHash(ctx context.Context, hash string) (geo.APIToken, geo.User, error) {
	var u geo.User
	t, err := scanToken(s.primary.db.QueryRowContext(ctx, sqlTokenByHash, hash), userDest(&u)...)
	if errors.Is(err, sql.ErrNoRows) {
		return t, u, fmt.Errorf("token: %w", geo.ErrNotFound)
	}
	return t, u, err
}

// Tokens returns the tokens of a user (every user's for ""), by id.
func (s *Store) Tokens(ctx context.Context, user string) ([]geo.APIToken, error) {
	rows, err := s.primary.db.QueryContext(ctx, sqlTokensSelect, user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []geo.APIToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken marks the token revoked, with its audit entry.
func (s *Store) RevokeToken(ctx context.Context, id int64, at time.Time, a geo.AuditEntry) (t geo.APIToken, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		t, err = scanToken(tx.QueryRowContext(ctx, sqlTokenRevoke, id, at))
		if errors.Is(err, sql.ErrNoRows) {
			var revoked sql.NullTime
			if err := tx.QueryRowContext(ctx, sqlTokenRevokedAt, id).Scan(&revoked); errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("token %d: %w", id, geo.ErrNotFound)
			}
			return fmt.Errorf("token %d: %w", id, geo.ErrRevoked)
		}
		if err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, a)
		return err
	})
	return t, err
}

// TouchToken sets the token's last_used.
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	return s.execOne(ctx, sqlTokenTouch, fmt.Sprintf("token %d", id), id, at)
}

// roleName is the form of a role GrantAppRole accepts.
var roleName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// GrantAppRole gives the role the server runs as what it needs and no
// more (sql/grant_app_role.sql): the data tables to read and write, the
// audit log to append to and read only, the schema's bookkeeping to read.
// The owner of the schema runs it, after every migration that adds tables.
func (s *Store) GrantAppRole(ctx context.Context, role string) error {
	if !roleName.MatchString(role) {
		return fmt.Errorf("role %q: a role name is lower-case letters, digits and _", role)
	}
	var owner string
	var mayGrant bool
	err := s.primary.db.QueryRowContext(ctx, sqlGrantOwner).Scan(&owner, &mayGrant)
	if errors.Is(err, sql.ErrNoRows) {
		return errors.New("there is no audit_log: run badiamap migrate first")
	}
	if err != nil {
		return err
	}
	if !mayGrant {
		return fmt.Errorf("only the owner of the schema (%s) grants on it: connect as %s", owner, owner)
	}
	// The name is checked above and quoted: no other text reaches the SQL.
	q := strings.ReplaceAll(sqlGrantAppRole, "/*ROLE*/", pq.QuoteIdentifier(role))
	if err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q)
		return err
	}); err != nil {
		return err
	}
	var insert, read, change, write bool
	if err := s.primary.db.QueryRowContext(ctx, sqlGrantVerify, role).Scan(&insert, &read, &change, &write); err != nil {
		return err
	}
	if !insert || !read || change || !write {
		return fmt.Errorf("after the grant %s may: append to the audit log %t, read it %t, change it %t, write incidents %t", role, insert, read, change, write)
	}
	return nil
}
