package web

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/badiamap/badiamap/request"
	"github.com/labstack/echo/v5"
)

// maxEditBody bounds the body of a create, edit or revert.
const maxEditBody = 1 << 20

func (s *Server) editStore() (geo.EditStore, error) {
	es, ok := s.store.(geo.EditStore)
	if !ok {
		return nil, newProblem(http.StatusNotImplemented, "This store keeps no versions: incidents cannot be edited here.")
	}
	return es, nil
}

// etag is the entity tag of a version of an incident: its number.
func etag(version int) string { return `"v` + strconv.Itoa(version) + `"` }

// ifMatchKey holds the version a request's If-Match names.
const ifMatchKey = "badiamap.ifMatch"

// requireIfMatch reads If-Match on the routes whose changes need it: the
// version the client saw, so no edit overwrites another unseen (428
// without it).
func requireIfMatch(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
		if h == "" || h == "*" {
			return newProblem(http.StatusPreconditionRequired,
				`Send If-Match with the ETag of the version you changed (GET it first): a change without it could overwrite someone else's.`)
		}
		v := strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
		n, err := strconv.Atoi(strings.TrimPrefix(v, "v"))
		if err != nil || !strings.HasPrefix(v, "v") || n < 1 {
			return newProblem(http.StatusPreconditionFailed, "If-Match "+strconv.Quote(request.Clip(h, 40))+" is not an ETag of this server (they look like \"v3\").")
		}
		c.Set(ifMatchKey, n)
		return next(c)
	}
}

// matchedVersion is the version If-Match named (requireIfMatch read it).
func matchedVersion(c *echo.Context) int {
	n, _ := c.Get(ifMatchKey).(int)
	return n
}

// editError turns a store's refusal of an edit into its problem.
func (s *Server) editError(err error) error {
	var invalid *geo.InvalidIncident
	switch {
	case errors.Is(err, geo.ErrConflict):
		return newProblem(http.StatusPreconditionFailed, "The incident has changed since the version you sent in If-Match: GET it again, and redo your change on it.")
	case errors.Is(err, geo.ErrSelfReview):
		return newProblem(http.StatusForbidden, "A reviewer cannot publish a draft they wrote: another reviewer must (or run the server with --allow-self-review).")
	case errors.Is(err, geo.ErrNoDraft):
		return newProblem(http.StatusConflict, "The incident has no draft to publish.")
	case errors.Is(err, geo.ErrRetracted):
		return newProblem(http.StatusConflict, "The incident is retracted already.")
	case errors.Is(err, geo.ErrNoReason):
		return badRequest("A retraction needs a reason.")
	case errors.Is(err, geo.ErrExternalIDTaken):
		return newProblem(http.StatusConflict, err.Error())
	case errors.As(err, &invalid):
		p := badRequest("The incident cannot be stored as given; each error names its field.")
		p.Title = "Invalid incident"
		for _, e := range invalid.Errs {
			var ve *geo.ValidationError
			if errors.As(e, &ve) {
				p.Errors = append(p.Errors, incidentfile.FieldError{Field: ve.Field, Reason: ve.Reason})
			} else {
				p.Errors = append(p.Errors, incidentfile.FieldError{Field: "incident", Reason: e.Error()})
			}
		}
		return p
	}
	return s.storeError(err)
}

// readJSONBody reads a JSON body of at most maxEditBody bytes.
func readJSONBody(c *echo.Context) ([]byte, error) {
	body, err := readBody(c.Request(), maxEditBody)
	if err != nil {
		return nil, err
	}
	if !json.Valid(body) {
		return nil, badRequest("The body is not JSON.")
	}
	return body, nil
}

// decodeIncident reads a Feature body as the importer reads a row. A new
// incident may come without an external id: the store gives it one
// (desk:N).
func decodeIncident(body []byte, creating bool) (geo.Incident, error) {
	inc, errs := incidentfile.DecodeFeature(body)
	if creating && inc.ExternalID == "" {
		errs = slices.DeleteFunc(errs, func(e incidentfile.FieldError) bool { return e.Field == "id" && e.Reason == "missing" })
	}
	if len(errs) > 0 {
		p := badRequest("The incident cannot be stored as given; each error names its field.")
		p.Title, p.Errors = "Invalid incident", errs
		return inc, p
	}
	return inc, nil
}

// versionJSON is what is shown of a version beside its fields; the author
// only when known to the reader.
func versionJSON(v geo.Version) map[string]any {
	m := map[string]any{"number": v.Incident.Version, "status": v.Incident.Status, "action": v.Action,
		"at": v.At.UTC().Format(time.RFC3339), "comment": v.Comment}
	if v.Author != "" {
		m["author"] = v.Author
	}
	return m
}

// writeVersion answers one version of an incident: its Feature with a
// "version" member, and its ETag.
func (s *Server) writeVersion(c *echo.Context, status int, v geo.Version) error {
	b, err := incidentfile.Feature(&v.Incident, map[string]any{"version": versionJSON(v)})
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("ETag", etag(v.Incident.Version))
	h.Set("Cache-Control", "no-store")
	return c.Blob(status, MIMEGeoJSON+"; charset=utf-8", b)
}

// apply makes an edit by the request's principal and answers its new head.
func (s *Server) apply(c *echo.Context, status int, e geo.Edit) error {
	es, err := s.editStore()
	if err != nil {
		return err
	}
	p, _ := principalOf(c)
	e.Author, e.AllowSelfReview = p.Name, s.cfg.AllowSelfReview
	e.Audit = s.auditEntry(c, "", "", nil) // the store names the action and the incident
	v, err := es.ApplyEdit(c.Request().Context(), e)
	if err != nil {
		return s.editError(err)
	}
	s.noteWrite(c)
	c.Response().Header().Set("Location", "/api/incidents/"+strconv.FormatInt(v.Incident.ID, 10))
	return s.writeVersion(c, status, v)
}

// createIncident answers POST /api/incidents: a new incident, as a draft.
func (s *Server) createIncident(c *echo.Context) error {
	body, err := readJSONBody(c)
	if err != nil {
		return err
	}
	inc, err := decodeIncident(body, true)
	if err != nil {
		return err
	}
	var extra struct {
		Comment string `json:"comment"`
	}
	json.Unmarshal(body, &extra)
	return s.apply(c, http.StatusCreated, geo.Edit{Action: geo.ActionCreate, Incident: inc, Comment: extra.Comment})
}

// patchIncident answers PATCH /api/incidents/{id}: a JSON merge patch
// (RFC 7396) of the incident's head Feature makes a new draft; a patch of
// {"status": "published"} alone publishes the draft (reviewers only).
func (s *Server) patchIncident(c *echo.Context) error {
	id, err := parseIncidentID(c.Param("id"))
	if err != nil {
		return err
	}
	version := matchedVersion(c)
	body, err := readJSONBody(c)
	if err != nil {
		return err
	}
	var patch map[string]json.RawMessage
	if err := json.Unmarshal(body, &patch); err != nil {
		return badRequest("The body is not a JSON object (a merge patch of the incident's Feature).")
	}
	var comment string
	if raw, ok := patch["comment"]; ok {
		if err := json.Unmarshal(raw, &comment); err != nil {
			return badRequest(`"comment" is not a string.`)
		}
		delete(patch, "comment")
	}
	if raw, ok := patch["status"]; ok {
		var st string
		if err := json.Unmarshal(raw, &st); err != nil || st != string(geo.StatusPublished) || len(patch) > 1 {
			return badRequest(`"status" takes "published" alone (publish the draft); change fields in another PATCH first.`)
		}
		if p, _ := principalOf(c); !p.Role.Allows(geo.RoleReviewer) {
			return newProblem(http.StatusForbidden, "Publishing needs the reviewer role; "+p.Name+" is "+string(p.Role)+".")
		}
		return s.apply(c, http.StatusOK, geo.Edit{Action: geo.ActionPublish, ID: id, IfVersion: version, Comment: comment})
	}
	es, err := s.editStore()
	if err != nil {
		return err
	}
	head, err := es.Head(c.Request().Context(), id)
	if err != nil {
		return s.editError(err)
	}
	current, err := incidentfile.Feature(&head.Incident, nil)
	if err != nil {
		return err
	}
	merged, err := mergePatch(current, patch)
	if err != nil {
		return err
	}
	inc, err := decodeIncident(merged, false)
	if err != nil {
		return err
	}
	return s.apply(c, http.StatusOK, geo.Edit{Action: geo.ActionEdit, ID: id, IfVersion: version, Incident: inc, Comment: comment})
}

// mergePatch applies a JSON merge patch (RFC 7396) to the JSON object doc.
func mergePatch(doc []byte, patch map[string]json.RawMessage) ([]byte, error) {
	var target map[string]any
	if err := json.Unmarshal(doc, &target); err != nil {
		return nil, err
	}
	for k, raw := range patch {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, badRequest(fmt.Sprintf("member %q is not JSON", k))
		}
		target[k] = mergeValue(target[k], v)
	}
	return json.Marshal(target)
}

func mergeValue(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch // a value (or null, which removes) replaces
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergeValue(t[k], v)
	}
	return t
}

// retractIncident answers DELETE /api/incidents/{id}?reason=: the incident
// is retracted, kept with its history, hidden from public reads.
func (s *Server) retractIncident(c *echo.Context) error {
	id, err := parseIncidentID(c.Param("id"))
	if err != nil {
		return err
	}
	reason, err := request.RetractReason(c.QueryParams())
	if err != nil {
		return err
	}
	version := matchedVersion(c)
	return s.apply(c, http.StatusOK, geo.Edit{Action: geo.ActionRetract, ID: id, IfVersion: version, Comment: reason})
}

// revertIncident answers POST /api/incidents/{id}/revert with
// {"version": n, "comment": ...}: version n's fields as a new draft.
func (s *Server) revertIncident(c *echo.Context) error {
	id, err := parseIncidentID(c.Param("id"))
	if err != nil {
		return err
	}
	version := matchedVersion(c)
	body, err := readJSONBody(c)
	if err != nil {
		return err
	}
	var req struct {
		Version int    `json:"version"`
		Comment string `json:"comment"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Version < 1 {
		return badRequest(`The body is {"version": N, "comment": "why"}, N the version whose fields to draft again.`)
	}
	return s.apply(c, http.StatusOK, geo.Edit{Action: geo.ActionRevert, ID: id, IfVersion: version, RevertTo: req.Version, Comment: req.Comment})
}

// incidentHistory answers every version of an incident, each with the
// fields it changed from the version before.
func (s *Server) incidentHistory(c *echo.Context) error {
	id, err := parseIncidentID(c.Param("id"))
	if err != nil {
		return err
	}
	es, err := s.editStore()
	if err != nil {
		return err
	}
	hist, err := s.visibleHistory(c, es, id)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(hist))
	for i, v := range hist {
		if !s.isEditor(c) {
			v.Author = "" // the desk's staff are not named in public
		}
		m := versionJSON(v)
		changes := []incidentfile.FieldChange{}
		if i > 0 {
			changes = incidentfile.Changes(&hist[i-1].Incident, &v.Incident)
		}
		m["changes"] = changes
		out[i] = m
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return writeJSON(c, http.StatusOK, mimeJSON, map[string]any{"id": id, "versions": out})
}

// incidentVersion answers one version of an incident as a Feature.
func (s *Server) incidentVersion(c *echo.Context) error {
	id, err := parseIncidentID(c.Param("id"))
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 1 {
		return notFound("Versions are numbered from 1.")
	}
	es, err := s.editStore()
	if err != nil {
		return err
	}
	hist, err := s.visibleHistory(c, es, id)
	if err != nil {
		return err
	}
	for _, v := range hist {
		if v.Incident.Version == n {
			if !s.isEditor(c) {
				v.Author = ""
			}
			return s.writeVersion(c, http.StatusOK, v)
		}
	}
	return notFound(fmt.Sprintf("Incident %d has no version %d you may see.", id, n))
}

// visibleHistory is the versions of incident id the request may see: all
// of them for an editor; for anyone else the published and retracted ones,
// and a 404 when there is none (a draft does not exist in public).
func (s *Server) visibleHistory(c *echo.Context, es geo.EditStore, id int64) ([]geo.Version, error) {
	hist, err := es.History(c.Request().Context(), id)
	if err != nil && !errors.Is(err, geo.ErrNotFound) {
		return nil, s.editError(err)
	}
	if !s.isEditor(c) {
		hist = slices.DeleteFunc(hist, func(v geo.Version) bool { return v.Incident.Status == geo.StatusDraft })
	}
	if len(hist) == 0 {
		return nil, notFound("No incident has the id " + strconv.FormatInt(id, 10) + ".")
	}
	return hist, nil
}

// writeHeads answers a page of an editor's list: the incidents of
// statuses f matches, each with its version, in ascending id order. With
// draft among statuses an incident with a pending draft is listed as its
// draft, once.
func (s *Server) writeHeads(c *echo.Context, pq pageQuery, statuses []geo.Status) error {
	es, err := s.editStore()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	release, err := s.admit(ctx) // a large page is a download (pageClass)
	if err != nil {
		return err
	}
	defer release()
	type head struct {
		inc     geo.Incident
		version map[string]any
	}
	var heads []head
	drafted := map[int64]bool{}
	var others []geo.Status
	for _, st := range statuses {
		if st != geo.StatusDraft {
			others = append(others, st)
		}
	}
	page := geo.Page{After: pq.after, Limit: pq.limit + 1}
	if len(others) < len(statuses) {
		drafts := pq.filter
		drafts.Statuses = []geo.Status{geo.StatusDraft}
		err := es.Drafts(ctx, drafts, page, func(v geo.Version) error {
			drafted[v.Incident.ID] = true
			version := versionJSON(v)
			if v.Published > 0 {
				// The reviewer's diff asks for it, never for what does not exist.
				version["published"] = v.Published
			}
			heads = append(heads, head{v.Incident, version})
			return nil
		})
		if err != nil {
			return s.storeError(err)
		}
	}
	if len(others) > 0 {
		f := pq.filter
		f.Statuses = others
		err := s.store.ScanIncidents(ctx, f, page, func(inc *geo.Incident) error {
			if !drafted[inc.ID] {
				heads = append(heads, head{*inc, map[string]any{"number": inc.Version, "status": inc.Status}})
			}
			return nil
		})
		if err != nil {
			return s.storeError(err)
		}
	}
	slices.SortFunc(heads, func(a, b head) int { return cmp.Compare(a.inc.ID, b.inc.ID) })
	more := len(heads) > pq.limit
	if more {
		heads = heads[:pq.limit]
	}
	meta := s.metadata(pq.filter)
	meta["status"] = statuses
	setStreamHeaders(c, MIMEGeoJSON)
	c.Response().Header().Set("Cache-Control", "no-store")
	gw := incidentfile.NewGeoJSONWriter(c.Response(), meta)
	for i := range heads {
		if err := gw.WriteWith(&heads[i].inc, map[string]any{"version": heads[i].version}); err != nil {
			return err
		}
	}
	trailing := map[string]any{"numberReturned": len(heads), "next": nil}
	if more {
		nq := request.FilterQuery(pq.filter)
		for _, st := range statuses {
			nq.Add(request.Status.Name, string(st))
		}
		nq.Set(request.Limit.Name, strconv.Itoa(pq.limit))
		nq.Set(request.Cursor.Name, request.IDCursor(heads[len(heads)-1].inc.ID))
		trailing["next"] = s.withQuery(c, "/api/incidents", nq)
	}
	return gw.CloseWithMembers(trailing)
}

// headOf is an editor's read of one incident: its newest version, draft
// included.
func (s *Server) headOf(ctx context.Context, id int64) (geo.Version, error) {
	es, err := s.editStore()
	if err != nil {
		return geo.Version{}, err
	}
	v, err := es.Head(ctx, id)
	if err != nil {
		return geo.Version{}, s.editError(err)
	}
	return v, nil
}
