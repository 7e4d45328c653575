package postgis

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/lib/pq"
)

var _ geo.EditStore = (*Store)(nil)

// The edit statements: the record of incidents is the version public reads
// see (or an unpublished draft), incident_drafts a pending draft beside it,
// incident_versions every superseded version (migration 0009).
var (
	sqlEditRow            = query("edit_row")
	sqlEditDraft          = query("edit_draft")
	sqlEditVersions       = query("edit_versions")
	sqlEditNewID          = query("edit_new_id")
	sqlEditExternalTaken  = query("edit_external_id_taken")
	sqlEditJoin           = query("edit_join")
	sqlEditArchiveRow     = query("edit_archive_row")
	sqlEditArchiveDraft   = query("edit_archive_draft")
	sqlEditInsertRow      = valuesQuery("edit_insert_row")
	sqlEditUpdateRow      = valuesQuery("edit_update_row")
	sqlEditInsertDraft    = valuesQuery("edit_insert_draft")
	sqlEditHeadDrafts     = query("edit_head_drafts")
	sqlEditChanges        = query("edit_changes")
	sqlEditChangesNewest  = strings.ReplaceAll(sqlEditChanges, "ORDER BY change_seq", "ORDER BY change_seq DESC")
	storedColumns         = len(strings.Split(fragment("incident_stored_columns"), ","))
	errEditNotImplemented = errors.New("unknown edit action")
)

// valuesQuery fills a statement's /*VALUES*/ with a placeholder for every
// stored column but the last (change_seq, which the statement numbers).
func valuesQuery(name string) string {
	ph := make([]string, storedColumns-1)
	for i := range ph {
		ph[i] = "$" + strconv.Itoa(i+1)
	}
	return strings.ReplaceAll(query(name), "/*VALUES*/", strings.Join(ph, ", "))
}

// stored is one version as the columns of sql/incident_stored_columns.sql
// hold it.
type stored struct {
	inc  geo.Incident
	meta versionMeta
}

// args binds v to the placeholders of valuesQuery, in column order.
func (v *stored) args() ([]any, error) {
	inc := &v.inc
	sources, err := appendSourcesJSON(nil, inc.Sources)
	if err != nil {
		return nil, err
	}
	end := inc.DateEnd
	if end.IsZero() {
		end = inc.DateStart
	}
	var low, best, high any
	if d := inc.Deaths; d != nil {
		low, best, high = d.Low, d.Best, d.High
	}
	args := []any{inc.ID, inc.ExternalID, inc.DateStart.Format(geo.DateLayout), end.Format(geo.DateLayout), inc.DatePrecision,
		string(appendPointEWKB(nil, inc.Location[0], inc.Location[1])), inc.GeoPrecision, inc.LocationName,
		inc.SourceAdmin1, inc.SourceAdmin2, inc.SourceGovernorate, inc.Governorate, inc.Region,
		inc.EventType, inc.SubEventType, inc.Perpetrator, inc.Target}
	for _, g := range geo.CasualtyGroups { // the columns follow CasualtyGroups
		args = append(args, g.Of(inc.Casualties))
	}
	return append(args, low, best, high, string(sources), inc.Notes, inc.CreatedAt, inc.UpdatedAt,
		string(inc.JoinBasis), inc.Illustrative, string(inc.Status), inc.Version,
		string(v.meta.action), v.meta.author, v.meta.at, v.meta.comment), nil
}

// scanOne reads the one row of query into a version; ok is false for none.
func scanOne(ctx context.Context, tx *sql.Tx, query string, args ...any) (v stored, ok bool, err error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return v, false, err
	}
	defer rows.Close()
	if rows.Next() {
		if err := scanVersion(rows, &v.inc, &v.meta); err != nil {
			return v, false, err
		}
		ok = true
	}
	return v, ok, rows.Err()
}

// ApplyEdit makes one edit in one transaction: the superseded versions kept,
// the new one written and joined, the data version bumped when public reads
// change.
func (s *Store) ApplyEdit(ctx context.Context, e geo.Edit) (geo.Version, error) {
	tx, err := s.primary.db.BeginTx(ctx, nil)
	if err != nil {
		return geo.Version{}, fmt.Errorf("edit: %w", err)
	}
	defer tx.Rollback()
	cs := geo.NewChangeSet()
	id, public, err := s.edit(ctx, tx, e, cs)
	if err != nil {
		return geo.Version{}, err
	}
	var v int64
	if _, err := appendAudit(ctx, tx, e.AuditEntry(id, time.Time{})); err != nil {
		return geo.Version{}, err
	}
	if public {
		if v, err = commitWrite(ctx, tx, cs, true); err != nil {
			return geo.Version{}, err
		}
	}
	if err := tx.Commit(); err != nil {
		return geo.Version{}, fmt.Errorf("edit: commit: %w", err)
	}
	s.heard(v)
	return s.Head(ctx, id)
}

// edit writes e inside tx; public says whether public reads changed, and
// cs gets the positions of what tiles showed and will show.
func (s *Store) edit(ctx context.Context, tx *sql.Tx, e geo.Edit, cs *geo.ChangeSet) (id int64, public bool, err error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	meta := versionMeta{action: string(e.Action), author: e.Author, at: now, comment: e.Comment}
	if e.Action == geo.ActionCreate {
		if err := tx.QueryRowContext(ctx, sqlEditNewID).Scan(&id); err != nil {
			return 0, false, fmt.Errorf("edit: new id: %w", err)
		}
		inc := e.Incident
		if inc.ExternalID == "" {
			inc.ExternalID = "desk:" + strconv.FormatInt(id, 10)
		}
		var taken bool
		if err := tx.QueryRowContext(ctx, sqlEditExternalTaken, inc.ExternalID).Scan(&taken); err != nil {
			return 0, false, fmt.Errorf("edit: %w", err)
		}
		if taken {
			return 0, false, fmt.Errorf("%w: %s", geo.ErrExternalIDTaken, inc.ExternalID)
		}
		v := stored{inc: inc, meta: meta}
		if err := s.content(ctx, tx, &v.inc); err != nil {
			return 0, false, err
		}
		v.inc.ID, v.inc.Status, v.inc.Version, v.inc.CreatedAt, v.inc.UpdatedAt = id, geo.StatusDraft, 1, now, now
		return id, false, write(ctx, tx, sqlEditInsertRow, &v)
	}
	id = e.ID
	row, ok, err := scanOne(ctx, tx, sqlEditRow, id)
	if err != nil {
		return 0, false, fmt.Errorf("edit: %w", err)
	}
	if !ok {
		return 0, false, fmt.Errorf("incident %d: %w", id, geo.ErrNotFound)
	}
	draft, hasDraft, err := scanOne(ctx, tx, sqlEditDraft, id)
	if err != nil {
		return 0, false, fmt.Errorf("edit: %w", err)
	}
	head := row.inc.Version
	if hasDraft {
		head = max(head, draft.inc.Version)
	}
	if e.IfVersion != head {
		return 0, false, fmt.Errorf("%w: its head is version %d, not %d", geo.ErrConflict, head, e.IfVersion)
	}
	next := stored{meta: meta}
	switch e.Action {
	case geo.ActionEdit, geo.ActionRevert:
		next.inc = e.Incident
		if e.Action == geo.ActionRevert {
			if next.inc, err = s.versionAt(ctx, tx, id, e.RevertTo, row, draft, hasDraft); err != nil {
				return 0, false, err
			}
		}
		next.inc.ExternalID = row.inc.ExternalID // the external id is the incident's for good
		if err := s.content(ctx, tx, &next.inc); err != nil {
			return 0, false, err
		}
		next.inc.ID, next.inc.Status, next.inc.Version = id, geo.StatusDraft, head+1
		next.inc.CreatedAt, next.inc.UpdatedAt = row.inc.CreatedAt, now
		if row.inc.Status == geo.StatusDraft {
			// A draft no one has published replaces itself.
			return id, false, supersede(ctx, tx, id, false, &next, sqlEditUpdateRow)
		}
		// A draft of changes to a published or retracted incident waits beside it.
		return id, false, supersede(ctx, tx, id, hasDraft, &next, sqlEditInsertDraft)
	case geo.ActionPublish:
		src := row
		if hasDraft {
			src = draft
		} else if row.inc.Status != geo.StatusDraft {
			return 0, false, geo.ErrNoDraft
		}
		if !e.AllowSelfReview && src.meta.author == e.Author {
			return 0, false, geo.ErrSelfReview
		}
		next.inc = src.inc
		next.inc.Status = geo.StatusPublished
	case geo.ActionRetract:
		if e.Comment == "" {
			return 0, false, geo.ErrNoReason
		}
		if row.inc.Status == geo.StatusRetracted && !hasDraft {
			return 0, false, geo.ErrRetracted
		}
		next.inc = row.inc
		next.inc.Status = geo.StatusRetracted
	default:
		return 0, false, fmt.Errorf("%w %q", errEditNotImplemented, e.Action)
	}
	next.inc.Version, next.inc.CreatedAt, next.inc.UpdatedAt = head+1, row.inc.CreatedAt, now
	noteDrawn(cs, &row.inc)
	noteDrawn(cs, &next.inc)
	return id, true, supersede(ctx, tx, id, hasDraft, &next, sqlEditUpdateRow)
}

// noteDrawn adds inc's position to cs when tiles draw it: published and
// located to within a district.
func noteDrawn(cs *geo.ChangeSet, inc *geo.Incident) {
	if inc.Status == geo.StatusPublished && inc.GeoPrecision <= geo.GeoAdmin2 {
		cs.AddLonLat(inc.Location[0], inc.Location[1])
	}
}

// supersede keeps what next replaces (the record, when next goes into
// incidents; the pending draft, when there is one) and writes next with
// statement.
func supersede(ctx context.Context, tx *sql.Tx, id int64, dropDraft bool, next *stored, statement string) error {
	if statement == sqlEditUpdateRow {
		if _, err := tx.ExecContext(ctx, sqlEditArchiveRow, id); err != nil {
			return fmt.Errorf("edit: keep the replaced version: %w", err)
		}
	}
	if dropDraft {
		if _, err := tx.ExecContext(ctx, sqlEditArchiveDraft, id); err != nil {
			return fmt.Errorf("edit: keep the replaced draft: %w", err)
		}
	}
	return write(ctx, tx, statement, next)
}

// write runs one of the valuesQuery statements with v.
func write(ctx context.Context, tx *sql.Tx, statement string, v *stored) error {
	args, err := v.args()
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, statement, args...); err != nil {
		if e := pq.As(err); e != nil && e.Code == "22P02" || e != nil && e.Code.Class() == "23" {
			return &geo.InvalidIncident{Errs: []error{err}}
		}
		return fmt.Errorf("edit: write: %w", err)
	}
	return nil
}

// content checks inc as an import checks an incident and joins it.
func (s *Store) content(ctx context.Context, tx *sql.Tx, inc *geo.Incident) error {
	if errs := inc.Validate(geo.ValidateOptions{}); len(errs) > 0 {
		return &geo.InvalidIncident{Errs: errs}
	}
	var basis string
	err := tx.QueryRowContext(ctx, sqlEditJoin, inc.Location[0], inc.Location[1], inc.GeoPrecision, inc.SourceGovernorate).
		Scan(&inc.Governorate, &inc.Region, &basis)
	if err != nil {
		return fmt.Errorf("edit: join: %w", err)
	}
	inc.JoinBasis = geo.JoinBasis(basis)
	return nil
}

// versionAt is the fields of version n of incident id.
func (s *Store) versionAt(ctx context.Context, tx *sql.Tx, id int64, n int, row, draft stored, hasDraft bool) (geo.Incident, error) {
	switch {
	case row.inc.Version == n:
		return row.inc, nil
	case hasDraft && draft.inc.Version == n:
		return draft.inc, nil
	}
	list, err := versionsOf(ctx, tx, id)
	if err != nil {
		return geo.Incident{}, err
	}
	for _, v := range list {
		if v.Incident.Version == n {
			return v.Incident, nil
		}
	}
	return geo.Incident{}, fmt.Errorf("incident %d has no version %d: %w", id, n, geo.ErrNotFound)
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// versionsOf reads the versions query returns.
func readVersions(ctx context.Context, q querier, query string, args ...any) ([]geo.Version, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []geo.Version
	for rows.Next() {
		var v stored
		if err := scanVersion(rows, &v.inc, &v.meta); err != nil {
			return nil, err
		}
		out = append(out, v.version())
	}
	return out, rows.Err()
}

func versionsOf(ctx context.Context, q querier, id int64) ([]geo.Version, error) {
	return readVersions(ctx, q, sqlEditVersions, id)
}

// version is v as a geo.Version.
func (v *stored) version() geo.Version {
	return geo.Version{Incident: v.inc, Action: geo.Action(v.meta.action), Author: v.meta.author, At: v.meta.at, Comment: v.meta.comment}
}

// Head is the newest version of incident id, pending draft included, as
// the primary holds it: an editor changes what Head returns, and a stale
// copy would lose the changes in between.
func (s *Store) Head(ctx context.Context, id int64) (geo.Version, error) {
	for _, q := range []string{sqlHeadDraft, sqlHeadRow} {
		list, err := readVersions(ctx, s.primary.db, q, id)
		if err != nil {
			return geo.Version{}, fmt.Errorf("incident %d: %w", id, err)
		}
		if len(list) == 1 {
			return list[0], nil
		}
	}
	return geo.Version{}, fmt.Errorf("incident %d: %w", id, geo.ErrNotFound)
}

var (
	sqlHeadRow   = strings.TrimSuffix(strings.TrimSpace(sqlEditRow), "FOR UPDATE")
	sqlHeadDraft = strings.TrimSuffix(strings.TrimSpace(sqlEditDraft), "FOR UPDATE")
)

// History is every version of incident id, oldest first.
func (s *Store) History(ctx context.Context, id int64) ([]geo.Version, error) {
	ctx, end := s.oneSnapshot(ctx) // the kept versions and the heads
	defer end()
	out, err := versionsOf(ctx, reader{s}, id)
	if err != nil {
		return nil, fmt.Errorf("incident %d: %w", id, err)
	}
	for _, q := range []string{sqlHeadRow, sqlHeadDraft} {
		list, err := readVersions(ctx, reader{s}, q, id)
		if err != nil {
			return nil, fmt.Errorf("incident %d: %w", id, err)
		}
		out = append(out, list...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("incident %d: %w", id, geo.ErrNotFound)
	}
	slices.SortFunc(out, func(a, b geo.Version) int { return a.Incident.Version - b.Incident.Version })
	return out, nil
}

// Drafts calls fn for every incident whose head is a draft f matches.
func (s *Store) Drafts(ctx context.Context, f geo.IncidentFilter, page geo.Page, fn func(geo.Version) error) error {
	var limit any
	if page.Limit > 0 {
		limit = int64(page.Limit)
	}
	q, args, err := bind(sqlEditHeadDrafts, f, page.After, limit)
	if err != nil {
		return fmt.Errorf("drafts: %w", err)
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("drafts: %w", err)
	}
	defer rows.Close()
	var list []geo.Version
	for rows.Next() {
		var v stored
		var published sql.NullInt64
		if err := scanVersionAnd(rows, &v.inc, &v.meta, &published); err != nil {
			return fmt.Errorf("drafts: %w", err)
		}
		head := v.version()
		head.Published = int(published.Int64)
		list = append(list, head)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("drafts: %w", err)
	}
	rows.Close() // before fn, which may read the store
	for _, v := range list {
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

// Changes lists the published changes of the incidents whose record f
// matches, after seq after, oldest first.
func (s *Store) Changes(ctx context.Context, f geo.IncidentFilter, after int64, limit int, newest bool) ([]geo.Change, error) {
	var lim any
	if limit > 0 {
		lim = int64(limit)
	}
	q := sqlEditChanges
	if newest {
		q, after = sqlEditChangesNewest, 0
	}
	q, args, err := bind(q, f, after, lim)
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	defer rows.Close()
	var out []geo.Change
	for rows.Next() {
		var v stored
		var seq int64
		if err := scanVersionAnd(rows, &v.inc, &v.meta, &seq); err != nil {
			return nil, fmt.Errorf("changes: %w", err)
		}
		out = append(out, geo.Change{Seq: seq, Version: v.version()})
	}
	return out, rows.Err()
}
