package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/labstack/echo/v5"
)

// Paging limits of /api/incidents and the OGC items.
const (
	defaultLimit    = 1000
	maxLimit        = 10000
	defaultOGCLimit = 100
)

const (
	paramLimit  = "limit"
	paramCursor = "cursor"
	paramHXL    = "hxl"
)

// MIMEGeoJSON is the media type of GeoJSON (RFC 7946).
const MIMEGeoJSON = "application/geo+json"

func parseLimit(q url.Values, def int) (int, error) {
	accepts := "a whole number from 1 to " + strconv.Itoa(maxLimit)
	v, err := single(q, paramLimit, accepts)
	if err != nil || v == "" {
		return def, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, paramErr(paramLimit, v, "is not a whole number of at least 1", accepts)
	}
	if n > maxLimit {
		// OGC API Features: a limit above the maximum is served as the maximum.
		n = maxLimit
	}
	return n, nil
}

// Cursors are opaque to clients: a version tag and the last id returned,
// base64url-encoded so nobody builds one by hand.
const cursorPrefix = "k1:"

func encodeCursor(afterID int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(afterID, 10)))
}

func parseCursor(q url.Values) (int64, error) {
	const accepts = "the opaque cursor of a next link, unchanged"
	v, err := single(q, paramCursor, accepts)
	if err != nil || v == "" {
		return 0, err
	}
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || !bytes.HasPrefix(raw, []byte(cursorPrefix)) {
		return 0, paramErr(paramCursor, v, "is not a cursor this server issued", accepts)
	}
	id, err := strconv.ParseInt(string(raw[len(cursorPrefix):]), 10, 64)
	if err != nil || id < 0 {
		return 0, paramErr(paramCursor, v, "is not a cursor this server issued", accepts)
	}
	return id, nil
}

// incidentWriter is what the GeoJSON, CSV and KML writers of incidentfile
// have in common.
type incidentWriter interface {
	Write(inc *geo.Incident) error
}

// scanPage streams one page of incidents into w: limit of them after the
// id after (every one when limit is 0). It reports how many it wrote, the
// last id written and whether more match after it.
func (s *Server) scanPage(c *echo.Context, f geo.IncidentFilter, after int64, limit int, w incidentWriter) (n int, last int64, more bool, err error) {
	page := geo.Page{After: after}
	if limit > 0 {
		page.Limit = limit + 1 // one more tells whether a next page exists
	}
	err = s.store.ScanIncidents(c.Request().Context(), f, page, func(inc *geo.Incident) error {
		if limit > 0 && n == limit {
			more = true
			return nil
		}
		if err := w.Write(inc); err != nil {
			return &writeError{err}
		}
		n++
		last = inc.ID
		return nil
	})
	var we *writeError
	if errors.As(err, &we) {
		return n, last, more, we.err
	}
	return n, last, more, s.storeError(err)
}

// writeError marks a failure to write to the client (which is gone, most
// often), to keep it apart from the store's errors.
type writeError struct{ err error }

func (e *writeError) Error() string { return "write: " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// metadata are the foreign members every incident collection starts with.
func (s *Server) metadata(f geo.IncidentFilter) map[string]any {
	return map[string]any{
		"filter":    filterJSON(f),
		"credits":   s.cfg.Credits,
		"license":   licenceSummary(s.cfg.Credits),
		"timeStamp": time.Now().UTC().Format(time.RFC3339),
	}
}

func licenceSummary(credits []Credit) string {
	parts := make([]string, len(credits))
	for i, c := range credits {
		parts[i] = c.Name + ": " + c.License
	}
	return strings.Join(parts, "; ")
}

// listIncidents answers one page of the filtered incidents as a GeoJSON
// FeatureCollection, with a next link while more match.
func (s *Server) listIncidents(c *echo.Context) error {
	f, err := s.filter(c, paramLimit, paramCursor)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	limit, err := parseLimit(q, defaultLimit)
	if err != nil {
		return err
	}
	after, err := parseCursor(q)
	if err != nil {
		return err
	}
	matched, err := s.store.CountIncidents(c.Request().Context(), f)
	if err != nil {
		return s.storeError(err)
	}
	meta := s.metadata(f)
	meta["numberMatched"] = matched
	setStreamHeaders(c, MIMEGeoJSON)
	gw := incidentfile.NewGeoJSONWriter(c.Response(), meta)
	n, last, more, err := s.scanPage(c, f, after, limit, gw)
	if err != nil {
		return err
	}
	links := []map[string]string{{"rel": "self", "type": MIMEGeoJSON, "href": selfURL(c)}}
	trailing := map[string]any{"numberReturned": n}
	if more {
		nq := FilterQuery(f)
		nq.Set(paramLimit, strconv.Itoa(limit))
		nq.Set(paramCursor, encodeCursor(last))
		next := withQuery(c, "/api/incidents", nq)
		links = append(links, map[string]string{"rel": "next", "type": MIMEGeoJSON, "href": next})
		trailing["next"] = next
	} else {
		trailing["next"] = nil
	}
	trailing["links"] = links
	return gw.CloseWithMembers(trailing)
}

func setStreamHeaders(c *echo.Context, contentType string) {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, contentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
}

func parseIncidentID(c *echo.Context, name string) (int64, error) {
	v := c.Param(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, notFound("No incident has the id " + strconv.Quote(clip(v, 40)) + ": ids are whole numbers from 1.")
	}
	return id, nil
}

// getIncident answers one incident as a GeoJSON Feature.
func (s *Server) getIncident(c *echo.Context) error {
	if err := onlyParams(c.QueryParams(), paramF); err != nil {
		return err
	}
	if err := checkJSONFormat(c, paramF); err != nil {
		return err
	}
	id, err := parseIncidentID(c, "id")
	if err != nil {
		return err
	}
	feat, err := s.incidentFeature(c, id, nil)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, MIMEGeoJSON, feat)
}

// incidentFeature is incident id as a GeoJSON Feature, encoded by the same
// writer as every collection, with extra members added.
func (s *Server) incidentFeature(c *echo.Context, id int64, extra map[string]any) (map[string]json.RawMessage, error) {
	inc, err := s.store.Incident(c.Request().Context(), id)
	if errors.Is(err, geo.ErrNotFound) {
		return nil, notFound("No incident has the id " + strconv.FormatInt(id, 10) + ".")
	}
	if err != nil {
		return nil, s.storeError(err)
	}
	var buf bytes.Buffer
	gw := incidentfile.NewGeoJSONWriter(&buf, nil)
	if err := gw.Write(&inc); err != nil {
		return nil, err
	}
	if err := gw.Close(); err != nil {
		return nil, err
	}
	var fc struct {
		Features []map[string]json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(buf.Bytes(), &fc); err != nil || len(fc.Features) != 1 {
		return nil, errors.New("encode incident: unexpected collection")
	}
	feat := fc.Features[0]
	for k, v := range extra {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		feat[k] = b
	}
	return feat, nil
}

// download streams every matching incident in one format.
func (s *Server) download(c *echo.Context, f geo.IncidentFilter, contentType, ext string,
	open func() (incidentWriter, func(returned int) error)) error {
	setStreamHeaders(c, contentType)
	c.Response().Header().Set("Content-Disposition",
		`attachment; filename="`+downloadName("badiamap-incidents", f, ext)+`"`)
	w, closeWith := open()
	n, _, _, err := s.scanPage(c, f, 0, 0, w)
	if err != nil {
		return err
	}
	return closeWith(n)
}

// downloadGeoJSON streams every matching incident as one FeatureCollection.
func (s *Server) downloadGeoJSON(c *echo.Context) error {
	f, err := s.filter(c)
	if err != nil {
		return err
	}
	return s.download(c, f, MIMEGeoJSON, "geojson", func() (incidentWriter, func(int) error) {
		gw := incidentfile.NewGeoJSONWriter(c.Response(), s.metadata(f))
		return gw, func(n int) error {
			return gw.CloseWithMembers(map[string]any{"numberReturned": n})
		}
	})
}

// downloadCSV streams every matching incident as CSV; hxl=1 adds the HXL
// hashtag row humanitarian data tools read.
func (s *Server) downloadCSV(c *echo.Context) error {
	f, err := s.filter(c, paramHXL)
	if err != nil {
		return err
	}
	hxl, err := parseBool(c.QueryParams(), paramHXL)
	if err != nil {
		return err
	}
	return s.download(c, f, "text/csv; charset=utf-8", "csv", func() (incidentWriter, func(int) error) {
		cw := incidentfile.NewCSVWriter(c.Response(), hxl)
		return cw, func(int) error { return cw.Close() }
	})
}

// downloadKML streams every matching incident as a KML Document.
func (s *Server) downloadKML(c *echo.Context) error {
	f, err := s.filter(c)
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(downloadName("badiamap incidents", f, "kml"), ".kml")
	return s.download(c, f, "application/vnd.google-earth.kml+xml", "kml", func() (incidentWriter, func(int) error) {
		kw := incidentfile.NewKMLWriter(c.Response(), name)
		return kw, func(int) error { return kw.Close() }
	})
}

func parseBool(q url.Values, name string) (bool, error) {
	const accepts = "1 or 0 (true or false)"
	v, err := single(q, name, accepts)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(v) {
	case "", "0", "false", "no":
		return false, nil
	case "1", "true", "yes":
		return true, nil
	}
	return false, paramErr(name, v, "is not a yes/no value", accepts)
}
