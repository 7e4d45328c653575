package web

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/badiamap/badiamap/request"
	"github.com/labstack/echo/v5"
)

// listAudit answers GET /api/audit (role admin): a page of the audit log,
// filtered, in the order asked, with a next link while more entries match.
func (s *Server) listAudit(c *echo.Context) error {
	f, page, err := request.Audit(c.QueryParams())
	if err != nil {
		return err
	}
	limit := page.Limit
	page.Limit++ // one more says whether a next page exists
	entries, err := s.auth.audit.Audit(c.Request().Context(), f, page)
	if err != nil {
		return s.storeError(err)
	}
	out := map[string]any{}
	if len(entries) > limit {
		entries = entries[:limit]
		q := c.QueryParams()
		q.Set(request.Cursor.Name, request.IDCursor(entries[limit-1].ID))
		out["next"] = s.withQuery(c, c.Request().URL.Path, q)
	}
	list := make([]map[string]any, len(entries))
	for i, e := range entries {
		m := map[string]any{"id": e.ID, "at": e.At.UTC().Format(time.RFC3339Nano), "actor": e.Actor, "action": e.Action,
			"target": e.Target, "client": e.Client}
		if e.Detail != "" {
			m["detail"] = json.RawMessage(e.Detail)
		}
		list[i] = m
	}
	out["entries"] = list
	noStore(c)
	return writeJSON(c, http.StatusOK, mimeJSON, out)
}
