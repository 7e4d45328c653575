package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/badiamap/badiamap/attribution"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/badiamap/badiamap/request"
	"github.com/labstack/echo/v5"
)

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
		"filter":    request.FilterJSON(f),
		"credits":   s.cfg.Credits,
		"license":   attribution.Licences(s.cfg.Credits),
		"timeStamp": time.Now().UTC().Format(time.RFC3339),
	}
}

// HeaderIllustrative says, on every download, how many of its incidents
// are illustrative (made up to illustrate published figures).
const HeaderIllustrative = "Badiamap-Illustrative"

// illustrativeCount is how many of the incidents f matches are
// illustrative, so no answer mixes them in silently.
func (s *Server) illustrativeCount(ctx context.Context, f geo.IncidentFilter) (int, error) {
	if f.Illustrative != nil && !*f.Illustrative {
		return 0, nil
	}
	yes := true
	f.Illustrative = &yes
	n, err := s.store.CountIncidents(ctx, f)
	return n, s.storeError(err)
}

// pageQuery is a request for one page of the filtered incidents.
type pageQuery struct {
	filter geo.IncidentFilter
	limit  int
	after  int64
	// matched says how the page gives numberMatched.
	matched matchedCount
}

// matchedCount is how a page of incidents gives numberMatched.
type matchedCount int

const (
	// countEvery counts every match for every page: /api/incidents, whose
	// first page gives the map its total.
	countEvery matchedCount = iota
	// countWhenFree gives it only when it costs no count: the page holds
	// every match, or the filter is empty (the total is cached per data
	// version). OGC API Features lets a server leave it out, and QGIS pans
	// with bbox pages whose counts would cost more than the page.
	countWhenFree
)

func (s *Server) parsePageQuery(c *echo.Context, f geo.IncidentFilter, defaultLimit int) (pageQuery, error) {
	page, err := request.ParsePage(c.QueryParams(), defaultLimit)
	if err != nil {
		return pageQuery{}, err
	}
	after, err := page.AfterID()
	return pageQuery{filter: f, limit: page.Limit, after: after}, err
}

// listIncidents answers one page of the filtered incidents as a GeoJSON
// FeatureCollection, with a next link while more match.
func (s *Server) listIncidents(c *echo.Context) error {
	f, err := s.filter(c)
	if err != nil {
		return err
	}
	statuses, err := request.Statuses(c.QueryParams())
	if err != nil {
		return err
	}
	if err := s.requireEditorFor(c, statuses); err != nil {
		return err
	}
	pq, err := s.parsePageQuery(c, f, request.DefaultLimit)
	if err != nil {
		return err
	}
	if statuses != nil {
		return s.writeHeads(c, pq, statuses)
	}
	return s.writePage(c, pq, "/api/incidents", nil)
}

// writePage streams one page of incidents as a FeatureCollection with
// numberMatched, numberReturned and links (a next link while more match,
// then also a "next" member); extra links come after self.
func (s *Server) writePage(c *echo.Context, pq pageQuery, path string, extra []link) error {
	ctx := c.Request().Context()
	release, err := s.admit(ctx) // a large page is a download (pageClass)
	if err != nil {
		return err
	}
	defer release()
	illustrative, err := s.illustrativeCount(ctx, pq.filter)
	if err != nil {
		return err
	}
	meta := s.metadata(pq.filter)
	meta["numberIllustrative"] = illustrative
	switch {
	case pq.matched == countEvery:
		matched, err := s.store.CountIncidents(ctx, pq.filter)
		if err != nil {
			return s.storeError(err)
		}
		meta["numberMatched"] = matched
	case reflect.ValueOf(pq.filter).IsZero():
		ext, err := s.dataExtent(c)
		if err != nil {
			return err
		}
		meta["numberMatched"] = ext.total
	}
	setStreamHeaders(c, MIMEGeoJSON)
	gw := incidentfile.NewGeoJSONWriter(c.Response(), meta)
	n, last, more, err := s.scanPage(c, pq.filter, pq.after, pq.limit, gw)
	if err != nil {
		return err
	}
	links := append([]link{{s.selfURL(c), "self", MIMEGeoJSON, "This page"}}, extra...)
	trailing := map[string]any{"numberReturned": n, "next": nil}
	if _, counted := meta["numberMatched"]; !counted && !more && pq.after == 0 {
		trailing["numberMatched"] = n // the page holds every match
	}
	if more {
		nq := request.FilterQuery(pq.filter)
		nq.Set(request.Limit.Name, strconv.Itoa(pq.limit))
		nq.Set(request.Cursor.Name, request.IDCursor(last))
		next := s.withQuery(c, path, nq)
		links = append(links, link{next, "next", MIMEGeoJSON, "Next page"})
		trailing["next"] = next
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

func parseIncidentID(v string) (int64, error) {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, notFound("No incident has the id " + strconv.Quote(request.Clip(v, 40)) + ": ids are whole numbers from 1.")
	}
	return id, nil
}

// getIncident answers one incident as a GeoJSON Feature.
func (s *Server) getIncident(c *echo.Context) error {
	if err := request.JSONOnly(c.QueryParams()); err != nil {
		return err
	}
	id, err := parseIncidentID(c.Param("id"))
	if err != nil {
		return err
	}
	statuses, err := request.Statuses(c.QueryParams())
	if err != nil {
		return err
	}
	if statuses != nil {
		if err := s.requireEditorFor(c, statuses); err != nil {
			return err
		}
		v, err := s.headOf(c.Request().Context(), id)
		if err != nil {
			return err
		}
		if !slices.Contains(statuses, v.Incident.Status) {
			return notFound(fmt.Sprintf("Incident %d is %s now.", id, v.Incident.Status))
		}
		return s.writeVersion(c, http.StatusOK, v)
	}
	return s.writeIncident(c, id, nil)
}

// writeIncident answers incident id as a GeoJSON Feature, encoded by the
// same writer as every collection, with extra members added.
func (s *Server) writeIncident(c *echo.Context, id int64, extra map[string]any) error {
	inc, err := s.store.Incident(c.Request().Context(), id)
	if errors.Is(err, geo.ErrNotFound) {
		return notFound("No incident has the id " + strconv.FormatInt(id, 10) + ".")
	}
	if err != nil {
		return s.storeError(err)
	}
	b, err := incidentfile.Feature(&inc, extra)
	if err != nil {
		return err
	}
	if inc.Version > 0 { // what an edit sends back in If-Match
		c.Response().Header().Set("ETag", etag(inc.Version))
	}
	return c.Blob(http.StatusOK, MIMEGeoJSON+"; charset=utf-8", b)
}

// download streams every matching incident in one format.
func (s *Server) download(c *echo.Context, f geo.IncidentFilter, contentType, ext string,
	open func() (incidentWriter, func(returned int) error)) error {
	release, err := s.admit(c.Request().Context())
	if err != nil {
		return err
	}
	defer release()
	illustrative, err := s.illustrativeCount(c.Request().Context(), f)
	if err != nil {
		return err
	}
	setStreamHeaders(c, contentType)
	c.Response().Header().Set(HeaderIllustrative, strconv.Itoa(illustrative))
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
		meta := s.metadata(f)
		meta["numberIllustrative"], _ = strconv.Atoi(c.Response().Header().Get(HeaderIllustrative))
		gw := incidentfile.NewGeoJSONWriter(c.Response(), meta)
		return gw, func(n int) error {
			return gw.CloseWithMembers(map[string]any{"numberReturned": n})
		}
	})
}

// downloadCSV streams every matching incident as CSV; hxl=1 adds the HXL
// hashtag row humanitarian data tools read.
func (s *Server) downloadCSV(c *echo.Context) error {
	f, err := s.filter(c)
	if err != nil {
		return err
	}
	hxl, err := request.Bool(c.QueryParams(), request.HXL)
	if err != nil {
		return err
	}
	return s.download(c, f, "text/csv; charset=utf-8", "csv", func() (incidentWriter, func(int) error) {
		cw := incidentfile.NewCSVWriter(c.Response(), hxl)
		return cw, func(int) error { return cw.Close() }
	})
}

// maxGPKGExports caps the GeoPackage downloads that run at once, within
// the download slots: each holds about 65 MB (SQLite's page cache and the
// R-tree's sort) and a file the size of its result.
const maxGPKGExports = 2

// downloadGPKG writes every matching incident and the region layers into a
// GeoPackage spooled to a temporary file (SQLite writes pages anywhere in
// the file, so it cannot stream), then sends it with its length. It is
// admitted and rate limited as every download is. The file is removed on
// every path.
func (s *Server) downloadGPKG(c *echo.Context) error {
	f, err := s.filter(c)
	if err != nil {
		return err
	}
	release, err := s.admit(c.Request().Context())
	if err != nil {
		return err
	}
	defer release()
	select {
	case s.gpkgSlots <- struct{}{}:
		defer func() { <-s.gpkgSlots }()
	default:
		p := newProblem(http.StatusServiceUnavailable, "Too many GeoPackage downloads are being written right now. Retry in a few seconds.")
		p.retryAfter = retryAfterSeconds
		return p
	}
	ctx := c.Request().Context()
	illustrative, err := s.illustrativeCount(ctx, f)
	if err != nil {
		return err
	}
	regions, err := s.store.Regions(ctx, geo.KindGovernorate, geo.KindBadia)
	if err != nil {
		return s.storeError(err)
	}
	tmp, err := os.CreateTemp("", "badiamap-*.gpkg")
	if err != nil {
		return err
	}
	path := tmp.Name()
	defer os.Remove(path)
	if err := tmp.Close(); err != nil {
		return err
	}
	_, err = incidentfile.ExportGPKG(ctx, s.store, f, regions, path, incidentfile.GPKGMeta{
		Source:  attribution.Attributions(s.cfg.Credits),
		Licence: attribution.Licences(s.cfg.Credits),
		Filter:  request.FilterQuery(f).Encode(),
	})
	if err != nil {
		return s.storeError(err)
	}
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, mimeGPKG)
	h.Set(echo.HeaderContentLength, strconv.FormatInt(st.Size(), 10))
	h.Set("Content-Disposition", `attachment; filename="`+downloadName("badiamap-incidents", f, "gpkg")+`"`)
	h.Set(HeaderIllustrative, strconv.Itoa(illustrative))
	h.Set("Cache-Control", "no-cache")
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	_, err = io.Copy(c.Response(), file)
	return err
}

// downloadKML streams every matching incident as a KML Document.
func (s *Server) downloadKML(c *echo.Context) error {
	f, err := s.filter(c)
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(downloadName("badiamap incidents", f, "kml"), ".kml")
	return s.download(c, f, mimeKML, "kml", func() (incidentWriter, func(int) error) {
		kw := incidentfile.NewKMLWriter(c.Response(), name)
		return kw, func(int) error { return kw.Close() }
	})
}
