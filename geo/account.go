package geo

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// Role is what a user may do; each role may do everything the roles
// before it in Roles may.
type Role string

const (
	RoleEditor   Role = "editor"   // creates and edits drafts
	RoleReviewer Role = "reviewer" // also publishes and retracts
	RoleAdmin    Role = "admin"    // also manages users, tokens and reads the audit log
)

// Roles lists the roles from the least to the most trusted.
var Roles = []Role{RoleEditor, RoleReviewer, RoleAdmin}

// Allows says whether a user of role r may do what needs role need.
func (r Role) Allows(need Role) bool {
	have, want := slices.Index(Roles, r), slices.Index(Roles, need)
	return have >= 0 && want >= 0 && have >= want
}

// AuditEntry is one row of the append-only audit log: who did what to
// what, when, from where. Nothing ever updates or deletes one.
type AuditEntry struct {
	ID     int64     // assigned by the store, ascending
	At     time.Time // assigned by the store when zero
	Actor  string    // a user; "cli:LOGIN"; "serve:demo" or "COMMAND:boundaries" (automatic loads); an import's author when none is named; "anonymous" (a failed login's unknown name)
	Action string    // login, login_failed, logout, token_create, token_revoke, user_add, ..., incident_create, incident_edit, ...
	Target string    // what it acted on: "incident:17", "user:amal", "token:4"
	Client string    // the client's address, "" for the command line
	Detail string    // JSON object with what else the action says (never a secret)
}

// AuditFilter selects audit entries, and their order; a zero field does not
// restrict.
type AuditFilter struct {
	Actor, Action, Target string
	From, To              time.Time // At within [From, To]
	// Newest lists the newest first (the desk reading today's entries);
	// the default, oldest first, is how a copy of the log keeps up.
	Newest bool
}

// Match reports whether e passes f: the semantics every AuditStore follows.
func (f *AuditFilter) Match(e *AuditEntry) bool {
	return (f.Actor == "" || e.Actor == f.Actor) && (f.Action == "" || e.Action == f.Action) &&
		(f.Target == "" || e.Target == f.Target) &&
		(f.From.IsZero() || !e.At.Before(f.From)) && (f.To.IsZero() || !e.At.After(f.To))
}

// AuditStore keeps the audit log. Entries are only ever appended.
type AuditStore interface {
	// AppendAudit stores e (ID and, when zero, At assigned).
	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	// Audit returns the entries f matches, at most page.Limit (all when 0),
	// in ascending id order, or descending with f.Newest. page.After is the
	// id the previous page ended at (0: none): only entries past it in that
	// order follow, so with f.Newest only lower ids.
	Audit(ctx context.Context, f AuditFilter, page Page) ([]AuditEntry, error)
}

// User is an account that may sign in. Reading published data needs none.
type User struct {
	ID       int64
	Name     string // unique; UserNamePattern
	Role     Role
	Disabled bool // a disabled user cannot sign in, and their sessions and tokens are refused
	// PasswordHash is the password's argon2id hash in PHC form. It never
	// leaves the server: no answer or log holds it.
	PasswordHash string
	CreatedAt    time.Time // assigned by the store when zero
	UpdatedAt    time.Time // set by the store on every change
}

// UserNamePattern is the form of a user name: lower case, so two accounts
// never differ by case only.
const UserNamePattern = `^[a-z0-9][a-z0-9._-]{0,63}$`

var userName = regexp.MustCompile(UserNamePattern)

// ValidUserName reports whether name has the form of a user name.
func ValidUserName(name string) bool { return userName.MatchString(name) }

// Validate says why u cannot be stored, or nil.
func (u *User) Validate() error {
	if !ValidUserName(u.Name) {
		return &ValidationError{Field: "name", Reason: fmt.Sprintf("%q is not a user name: lower-case letters, digits, '.', '_' and '-', up to 64, starting with a letter or digit", u.Name)}
	}
	if !KnownRole(u.Role) {
		return &ValidationError{Field: "role", Reason: fmt.Sprintf("%q is not a role: one of %v", u.Role, Roles)}
	}
	if u.PasswordHash == "" {
		return &ValidationError{Field: "password", Reason: "missing"}
	}
	return nil
}

// KnownRole reports whether r is one of Roles.
func KnownRole(r Role) bool { return slices.Contains(Roles, r) }

// Session is a signed-in browser. The store holds the SHA-256 of its id,
// never the id: reading the store does not let anyone act as its user.
type Session struct {
	IDHash    string // hex SHA-256 of the session id
	UserID    int64
	CreatedAt time.Time // the absolute expiry counts from here
	LastSeen  time.Time // the idle expiry counts from here; updated at most once a minute
	Client    string    // the address it signed in from
}

// APIToken is a script's credential (Authorization: Bearer). The store
// holds the SHA-256 of its secret, never the secret.
type APIToken struct {
	ID        int64  // assigned by the store
	UserID    int64  // whose rights it carries
	User      string // the user's name, filled in on every read
	Name      string // what it is for, e.g. "nightly import"
	Hash      string // hex SHA-256 of the secret
	CreatedAt time.Time
	CreatedBy string    // the actor who created it
	ExpiresAt time.Time // zero: it never expires
	LastUsed  time.Time // zero: never used; updated at most once a minute
	RevokedAt time.Time // zero: live
}

// Live reports whether t may be used at now: not revoked, not expired.
func (t *APIToken) Live(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// UserChange is what UpdateUser changes; a nil field stays as it is.
type UserChange struct {
	Role         *Role
	Disabled     *bool
	PasswordHash *string
}

// ErrUserExists is returned by CreateUser for a name already taken.
var ErrUserExists = errors.New("a user of that name exists")

// ErrRevoked is returned by RevokeToken for a token revoked before.
var ErrRevoked = errors.New("the token is revoked already")

// AccountStore keeps users, their sessions and their API tokens. Every
// change a person makes is audited: the methods that take an AuditEntry
// append it in the same transaction as the change (see AuditStore), so no
// change is stored without its row. Times are kept to the microsecond.
type AccountStore interface {
	// CreateUser stores u (ID assigned; CreatedAt when zero), or returns
	// ErrUserExists.
	CreateUser(ctx context.Context, u User, a AuditEntry) (User, error)
	// User returns the user of that name, or an error wrapping ErrNotFound.
	User(ctx context.Context, name string) (User, error)
	// Users returns every user, by name.
	Users(ctx context.Context) ([]User, error)
	// UpdateUser applies ch to the user of that name. Disabling a user or
	// changing their password ends every session of theirs.
	UpdateUser(ctx context.Context, name string, ch UserChange, a AuditEntry) (User, error)

	// CreateSession stores s (a sign-in).
	CreateSession(ctx context.Context, s Session, a AuditEntry) error
	// Session returns the session whose id hashes to idHash and its user,
	// or an error wrapping ErrNotFound. It does not judge expiry: the
	// caller does, with its own clock.
	Session(ctx context.Context, idHash string) (Session, User, error)
	// TouchSession sets the session's LastSeen to at.
	TouchSession(ctx context.Context, idHash string, at time.Time) error
	// EndSession removes the session (ErrNotFound when there is none),
	// appending a when it is not nil (a sign-out; an expiry is not audited).
	EndSession(ctx context.Context, idHash string, a *AuditEntry) error
	// EndStaleSessions removes the sessions last seen before idleBefore or
	// created before createdBefore, and says how many.
	EndStaleSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int, error)

	// CreateToken stores t (ID assigned; CreatedAt when zero). a's Target,
	// when empty, is set to the new token's ("token:ID").
	CreateToken(ctx context.Context, t APIToken, a AuditEntry) (APIToken, error)
	// TokenByHash returns the token whose secret hashes to hash, revoked or
	// not, and its user; an error wrapping ErrNotFound when none does.
	TokenByHash(ctx context.Context, hash string) (APIToken, User, error)
	// Tokens returns the tokens of the user of that name (every user's
	// when ""), by id.
	Tokens(ctx context.Context, user string) ([]APIToken, error)
	// RevokeToken marks the token revoked at at; ErrNotFound when there
	// is none, ErrRevoked when it was revoked before.
	RevokeToken(ctx context.Context, id int64, at time.Time, a AuditEntry) (APIToken, error)
	// TouchToken sets the token's LastUsed to at.
	TouchToken(ctx context.Context, id int64, at time.Time) error
}
