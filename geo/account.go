package geo

import (
	"context"
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
	Actor  string    // user name, "import:FILE" for an import, "anonymous" for a failed login's unknown name
	Action string    // login, login_failed, logout, token_create, token_revoke, user_add, ..., incident_create, incident_edit, ...
	Target string    // what it acted on: "incident:17", "user:amal", "token:4"
	Client string    // the client's address, "" for the command line
	Detail string    // JSON object with what else the action says (never a secret)
}

// AuditFilter selects audit entries; a zero field does not restrict.
type AuditFilter struct {
	Actor, Action, Target string
	From, To              time.Time // At within [From, To]
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
	// Audit returns the entries f matches with ids after page.After, in
	// ascending id order, at most page.Limit (all when 0).
	Audit(ctx context.Context, f AuditFilter, page Page) ([]AuditEntry, error)
}
