package geo

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// Status says who may see an incident.
type Status string

const (
	StatusPublished Status = "published" // everyone: every public read, tile, download and feed
	StatusDraft     Status = "draft"     // not published yet: editors only
	StatusRetracted Status = "retracted" // taken back with a reason: hidden from public reads, kept with its history
)

// Action is what made a version.
type Action string

const (
	ActionImport  Action = "import"  // an import of a file (the author is the file)
	ActionCreate  Action = "create"  // a new incident, entered as a draft
	ActionEdit    Action = "edit"    // a draft of changed fields
	ActionPublish Action = "publish" // a reviewer published the draft
	ActionRetract Action = "retract" // a reviewer took the incident back
	ActionRevert  Action = "revert"  // a draft of an older version's fields
)

// Version is one version of an incident: its fields as they were, and who
// made it, how and why. Versions of an incident are numbered from 1; the
// newest is its head (a pending draft, when there is one, is newer than
// the published version public reads see).
type Version struct {
	Incident Incident // the fields; Incident.Version and Incident.Status are this version's
	Action   Action
	Author   string
	At       time.Time
	Comment  string
	// Published is, beside a draft head listed by Drafts, the version public
	// reads see of the same incident (0 when it has none): a reviewer's diff
	// is against it.
	Published int
}

// Edit asks a store for one change to one incident, made by Author.
type Edit struct {
	Action Action // create, edit, publish, retract or revert
	ID     int64  // the incident (0 to create one)
	// IfVersion is the head version the author saw: the store refuses the
	// edit with ErrConflict when the head has moved since (0 for create).
	IfVersion int
	Incident  Incident // the new fields (create, edit); the store joins it
	RevertTo  int      // revert: the version whose fields become a new draft
	Author    string
	Comment   string // why; a retraction needs one
	// AllowSelfReview lets the author of a draft publish it.
	AllowSelfReview bool
	// Audit is appended to the audit log in the same transaction as the
	// edit; the store sets its Target, Action and At.
	Audit AuditEntry
}

// AuditEntry is the audit log's entry of e, made to incident id at at: the
// entry the caller gave (who, from where, how signed in) with the target
// and action the store knows, by e.Author when the caller named no actor.
func (e *Edit) AuditEntry(id int64, at time.Time) AuditEntry {
	a := e.Audit.completed("incident_"+string(e.Action), "incident:"+strconv.FormatInt(id, 10), e.Author)
	a.At = at
	return a
}

// The reasons a store refuses an edit.
var (
	ErrConflict   = errors.New("the incident has changed since the version given")
	ErrSelfReview = errors.New("a reviewer cannot publish a draft they wrote")
	ErrNoDraft    = errors.New("the incident has no draft to publish")
	ErrRetracted  = errors.New("the incident is retracted")
	ErrNoReason   = errors.New("a retraction needs a reason")
	// ErrExternalIDTaken: a new incident names an external id another has.
	ErrExternalIDTaken = errors.New("another incident has this external id")
)

// InvalidIncident is an incident an edit cannot store as given: every
// reason Validate gives, each naming its field.
type InvalidIncident struct{ Errs []error }

func (e *InvalidIncident) Error() string {
	return "invalid incident: " + errors.Join(e.Errs...).Error()
}

// Change is one published change of an incident, for the changes feeds:
// a publication, a re-import or a retraction, in the order they happened.
type Change struct {
	Seq     int64 // ascending across every incident: the feed's cursor
	Version Version
}

// EditStore is what a store that keeps incidents' versions and drafts
// offers besides Store.
type EditStore interface {
	// ApplyEdit makes one edit, whole or not at all, with its new version,
	// its join and the audit entry, and bumps the data version when public
	// reads change. It returns the incident's new head.
	ApplyEdit(ctx context.Context, e Edit) (Version, error)
	// Head is the newest version of an incident, pending draft included;
	// ErrNotFound when there is no such incident.
	Head(ctx context.Context, id int64) (Version, error)
	// History is every version of an incident, oldest first.
	History(ctx context.Context, id int64) ([]Version, error)
	// Drafts calls fn for the head of every incident whose head is a draft
	// f matches (new incidents and pending edits alike), in ascending id
	// order after page.After, at most page.Limit of them.
	Drafts(ctx context.Context, f IncidentFilter, page Page, fn func(Version) error) error
	// Changes lists the published changes (publish, import, retract) of the
	// incidents whose current fields f matches: after seq after, oldest
	// first; or with newest, the newest first (after is then ignored). At
	// most limit of them (all when 0).
	Changes(ctx context.Context, f IncidentFilter, after int64, limit int, newest bool) ([]Change, error)
}
