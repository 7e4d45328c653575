package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/labstack/echo/v5"
	"github.com/paulmach/orb"
)

// OGC API - Features Part 1 conformance classes this server meets.
var ogcConformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
}

const (
	crs84        = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	trsGregorian = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
	mimeOpenAPI  = "application/vnd.oai.openapi+json;version=3.0"

	paramDatetime = "datetime"
	paramOffset   = "offset"
	paramBBoxCRS  = "bbox-crs"
)

// The OGC collections.
const (
	collectionIncidents    = "incidents"
	collectionGovernorates = "governorates"
	collectionBadia        = "badia_regions"
)

type ogcCollectionInfo struct {
	id, title, description string
	kind                   geo.RegionKind // "" for incidents
}

var ogcCollectionList = []ogcCollectionInfo{
	{collectionIncidents, "Incidents",
		"Attacks and clashes in Syria and its Badia, one point per incident, with casualties by group, sources and the governorate and Badia region it falls in. Accepts the badiamap filter parameters (governorate, region, from, to, event_type, victim, ...).", ""},
	{collectionGovernorates, "Governorates",
		"Syria's 14 governorates (OCHA COD-AB), with what the filtered incidents add up to in each.", geo.KindGovernorate},
	{collectionBadia, "Badia regions",
		"The Syrian Badia cut by governorate (BADIA-SYxx), with what the filtered incidents add up to in each.", geo.KindBadia},
}

func findCollection(id string) (ogcCollectionInfo, bool) {
	for _, c := range ogcCollectionList {
		if c.id == id {
			return c, true
		}
	}
	return ogcCollectionInfo{}, false
}

type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// ogcLanding is the OGC API landing page.
func (s *Server) ogcLanding(c *echo.Context) error {
	if err := ogcParams(c); err != nil {
		return err
	}
	b := baseURL(c)
	return writeJSON(c, http.StatusOK, echo.MIMEApplicationJSON, map[string]any{
		"title":       "badiamap",
		"description": "Incidents in the Syrian Badia and the regions they fall in, as OGC API - Features.",
		"attribution": licenceSummary(s.cfg.Credits),
		"links": []link{
			{b + "/ogc", "self", echo.MIMEApplicationJSON, "This document"},
			{b + "/api/openapi.json", "service-desc", mimeOpenAPI, "The API definition (OpenAPI 3.0)"},
			{b + "/ogc/conformance", "conformance", echo.MIMEApplicationJSON, "Conformance classes"},
			{b + "/ogc/collections", "data", echo.MIMEApplicationJSON, "The collections"},
		},
	})
}

func ogcParams(c *echo.Context) error {
	if err := onlyParams(c.QueryParams(), paramF); err != nil {
		return err
	}
	return checkJSONFormat(c, paramF)
}

func (s *Server) ogcConformance(c *echo.Context) error {
	if err := ogcParams(c); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, echo.MIMEApplicationJSON, map[string]any{"conformsTo": ogcConformance})
}

func (s *Server) ogcCollections(c *echo.Context) error {
	if err := ogcParams(c); err != nil {
		return err
	}
	ext, err := s.dataExtent(c)
	if err != nil {
		return err
	}
	b := baseURL(c)
	list := make([]map[string]any, len(ogcCollectionList))
	for i, info := range ogcCollectionList {
		list[i] = collectionJSON(b, info, ext)
	}
	return writeJSON(c, http.StatusOK, echo.MIMEApplicationJSON, map[string]any{
		"links": []link{
			{b + "/ogc/collections", "self", echo.MIMEApplicationJSON, "The collections"},
		},
		"collections": list,
	})
}

func (s *Server) ogcCollection(c *echo.Context) error {
	if err := ogcParams(c); err != nil {
		return err
	}
	info, ok := findCollection(c.Param("collectionId"))
	if !ok {
		return unknownCollection(c.Param("collectionId"))
	}
	ext, err := s.dataExtent(c)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, echo.MIMEApplicationJSON, collectionJSON(baseURL(c), info, ext))
}

func unknownCollection(id string) error {
	names := make([]string, len(ogcCollectionList))
	for i, c := range ogcCollectionList {
		names[i] = c.id
	}
	return notFound("No collection " + strconv.Quote(clip(id, 60)) + ": the collections are " + strings.Join(names, ", ") + ".")
}

func collectionJSON(base string, info ogcCollectionInfo, ext extent) map[string]any {
	self := base + "/ogc/collections/" + info.id
	bbox := ext.regions
	interval := []any{nil, nil}
	if info.kind == "" {
		bbox = ext.incidents
		if !ext.first.IsZero() {
			interval = []any{ext.first.Format(time.RFC3339), ext.last.Add(24*time.Hour - time.Second).Format(time.RFC3339)}
		}
	}
	return map[string]any{
		"id":          info.id,
		"title":       info.title,
		"description": info.description,
		"itemType":    "feature",
		"crs":         []string{crs84},
		"storageCrs":  crs84,
		"extent": map[string]any{
			"spatial":  map[string]any{"bbox": [][]float64{{bbox.Min[0], bbox.Min[1], bbox.Max[0], bbox.Max[1]}}, "crs": crs84},
			"temporal": map[string]any{"interval": [][]any{interval}, "trs": trsGregorian},
		},
		"links": []link{
			{self, "self", echo.MIMEApplicationJSON, info.title},
			{self + "/items", "items", MIMEGeoJSON, info.title + " as GeoJSON"},
		},
	}
}

// extent is where and when the data lies, cached per data version.
type extent struct {
	incidents, regions orb.Bound
	first, last        time.Time
}

type extentCache struct {
	mu      sync.Mutex
	version int64
	ok      bool
	ext     extent
}

func (s *Server) dataExtent(c *echo.Context) (extent, error) {
	ctx := c.Request().Context()
	v, err := s.store.DataVersion(ctx)
	if err != nil {
		return extent{}, s.storeError(err)
	}
	cache := &s.extents
	cache.mu.Lock()
	defer cache.mu.Unlock()
	if cache.ok && cache.version == v {
		return cache.ext, nil
	}
	ext := extent{incidents: geo.SyriaBound, regions: geo.SyriaBound}
	regions, err := s.store.Regions(ctx, geo.KindGovernorate, geo.KindBadia)
	if err != nil {
		return extent{}, s.storeError(err)
	}
	for i, r := range regions {
		if i == 0 {
			ext.regions = r.Geom.Bound()
		} else {
			ext.regions = ext.regions.Union(r.Geom.Bound())
		}
	}
	ext.incidents = ext.regions
	groups, err := s.store.Stats(ctx, geo.IncidentFilter{}, geo.ByMonth)
	if err != nil {
		return extent{}, s.storeError(err)
	}
	t := sumTotals(groups)
	ext.first, ext.last = t.FirstDate, t.LastDate
	cache.ext, cache.version, cache.ok = ext, v, true
	return ext, nil
}

// ogcFilter parses the items query: the badiamap filter plus the OGC
// parameters (datetime narrows from/to; bbox is the filter's own).
func (s *Server) ogcFilter(c *echo.Context, extra ...string) (geo.IncidentFilter, error) {
	q := c.QueryParams()
	if err := checkBBoxCRS(q); err != nil {
		return geo.IncidentFilter{}, err
	}
	f, err := s.filter(c, append([]string{paramDatetime, paramF, paramBBoxCRS, paramLimit}, extra...)...)
	if err != nil {
		return f, err
	}
	if err := checkJSONFormat(c, paramF); err != nil {
		return f, err
	}
	from, to, err := parseDatetime(q)
	if err != nil {
		return f, err
	}
	if !from.IsZero() && (f.From.IsZero() || from.After(f.From)) {
		f.From = from
	}
	if !to.IsZero() && (f.To.IsZero() || to.Before(f.To)) {
		f.To = to
	}
	return f, nil
}

func checkBBoxCRS(q url.Values) error {
	v, err := single(q, paramBBoxCRS, crs84)
	if err != nil {
		return err
	}
	if v != "" && v != crs84 {
		return paramErr(paramBBoxCRS, v, "is not a supported CRS", crs84)
	}
	return nil
}

const datetimeAccepts = "an RFC 3339 date or date-time (2024-01-31, 2024-01-31T10:00:00Z) or an interval of two, either end open with .. (2024-01-01/2024-04-21, ../2024-04-21)"

// parseDatetime parses OGC's datetime into whole days: incidents are
// dated by day, so a time of day selects its day.
func parseDatetime(q url.Values) (from, to time.Time, err error) {
	v, err := single(q, paramDatetime, datetimeAccepts)
	if err != nil || v == "" {
		return from, to, err
	}
	bad := func(reason string) error { return paramErr(paramDatetime, v, reason, datetimeAccepts) }
	start, end, interval := strings.Cut(v, "/")
	if !interval {
		d, ok := parseInstant(start)
		if !ok {
			return from, to, bad("is not a date or date-time")
		}
		return d, d, nil
	}
	if start != ".." && start != "" {
		d, ok := parseInstant(start)
		if !ok {
			return from, to, bad("has a start that is not a date or date-time")
		}
		from = d
	}
	if end != ".." && end != "" {
		d, ok := parseInstant(end)
		if !ok {
			return from, to, bad("has an end that is not a date or date-time")
		}
		to = d
	}
	if !from.IsZero() && !to.IsZero() && from.After(to) {
		return time.Time{}, time.Time{}, bad("ends before it starts")
	}
	return from, to, nil
}

func parseInstant(s string) (time.Time, bool) {
	if t, err := time.Parse(geo.DateLayout, s); err == nil && len(s) == len(geo.DateLayout) {
		return t, t.Year() >= 1900 && t.Year() <= 2200
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, false
	}
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return day, day.Year() >= 1900 && day.Year() <= 2200
}

// ogcItems answers a page of a collection's features.
func (s *Server) ogcItems(c *echo.Context) error {
	info, ok := findCollection(c.Param("collectionId"))
	if !ok {
		return unknownCollection(c.Param("collectionId"))
	}
	if info.kind != "" {
		return s.ogcRegionItems(c, info)
	}
	f, err := s.ogcFilter(c, paramCursor)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	limit, err := parseLimit(q, defaultOGCLimit)
	if err != nil {
		return err
	}
	after, err := parseCursor(q)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	matched, err := s.store.CountIncidents(ctx, f)
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
	items := "/ogc/collections/" + info.id + "/items"
	links := []link{
		{selfURL(c), "self", MIMEGeoJSON, "This page"},
		{baseURL(c) + "/ogc/collections/" + info.id, "collection", echo.MIMEApplicationJSON, info.title},
	}
	if more {
		nq := FilterQuery(f)
		nq.Set(paramLimit, strconv.Itoa(limit))
		nq.Set(paramCursor, encodeCursor(last))
		links = append(links, link{withQuery(c, items, nq), "next", MIMEGeoJSON, "Next page"})
	}
	return gw.CloseWithMembers(map[string]any{"numberReturned": n, "links": links})
}

// ogcRegionItems answers a page of governorates or Badia regions, with what
// the filtered incidents add up to in each.
func (s *Server) ogcRegionItems(c *echo.Context, info ogcCollectionInfo) error {
	f, err := s.ogcFilter(c, paramOffset)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	limit, err := parseLimit(q, defaultOGCLimit)
	if err != nil {
		return err
	}
	offset, err := parseOffset(q)
	if err != nil {
		return err
	}
	// The bbox selects regions whose extent meets it; the aggregates count
	// the incidents of the rest of the filter.
	bbox := f.BBox
	f.BBox = nil
	ctx := c.Request().Context()
	regions, err := s.store.Regions(ctx, info.kind)
	if err != nil {
		return s.storeError(err)
	}
	by := geo.ByGovernorate
	if info.kind == geo.KindBadia {
		by = geo.ByRegion
	}
	groups, err := s.store.Stats(ctx, f, by)
	if err != nil {
		return s.storeError(err)
	}
	totals := map[string]geo.Totals{}
	for _, g := range groups {
		totals[g.Key] = g.Totals
	}
	var selected []geo.Region
	for _, r := range regions {
		if bbox == nil || r.Geom.Bound().Intersects(*bbox) {
			selected = append(selected, r)
		}
	}
	matched := len(selected)
	if offset > len(selected) {
		offset = len(selected)
	}
	page := selected[offset:]
	if len(page) > limit {
		page = page[:limit]
	}
	features := make([]*feature, 0, len(page))
	for _, r := range page {
		t := totals[r.Code]
		features = append(features, regionFeature(r, &t))
	}
	items := "/ogc/collections/" + info.id + "/items"
	links := []link{
		{selfURL(c), "self", MIMEGeoJSON, "This page"},
		{baseURL(c) + "/ogc/collections/" + info.id, "collection", echo.MIMEApplicationJSON, info.title},
	}
	if offset+len(page) < matched {
		nq := FilterQuery(f)
		if bbox != nil {
			nq.Set(ParamBBox, formatBBox(*bbox))
		}
		nq.Set(paramLimit, strconv.Itoa(limit))
		nq.Set(paramOffset, strconv.Itoa(offset+len(page)))
		links = append(links, link{withQuery(c, items, nq), "next", MIMEGeoJSON, "Next page"})
	}
	fc := map[string]any{
		"type":           "FeatureCollection",
		"features":       features,
		"numberMatched":  matched,
		"numberReturned": len(page),
		"timeStamp":      time.Now().UTC().Format(time.RFC3339),
		"links":          links,
		"filter":         filterJSON(f),
		"credits":        s.cfg.Credits,
	}
	return writeJSON(c, http.StatusOK, MIMEGeoJSON, fc)
}

func parseOffset(q url.Values) (int, error) {
	const accepts = "a whole number from 0"
	v, err := single(q, paramOffset, accepts)
	if err != nil || v == "" {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 1000000 {
		return 0, paramErr(paramOffset, v, "is not a whole number from 0 to 1000000", accepts)
	}
	return n, nil
}

// ogcItem answers one feature of a collection.
func (s *Server) ogcItem(c *echo.Context) error {
	info, ok := findCollection(c.Param("collectionId"))
	if !ok {
		return unknownCollection(c.Param("collectionId"))
	}
	if err := ogcParams(c); err != nil {
		return err
	}
	fid := c.Param("featureId")
	b := baseURL(c)
	collection := b + "/ogc/collections/" + info.id
	links := []link{
		{selfURL(c), "self", MIMEGeoJSON, "This feature"},
		{collection, "collection", echo.MIMEApplicationJSON, info.title},
	}
	if info.kind == "" {
		id, err := parseIncidentID(c, "featureId")
		if err != nil {
			return err
		}
		feat, err := s.incidentFeature(c, id, map[string]any{"links": links})
		if err != nil {
			return err
		}
		return writeJSON(c, http.StatusOK, MIMEGeoJSON, feat)
	}
	regions, err := s.store.Regions(c.Request().Context(), info.kind)
	if err != nil {
		return s.storeError(err)
	}
	for _, r := range regions {
		if strings.EqualFold(r.Code, fid) {
			feat := regionFeature(r, nil)
			feat.Links = links
			return writeJSON(c, http.StatusOK, MIMEGeoJSON, feat)
		}
	}
	return notFound("No feature " + strconv.Quote(clip(fid, 60)) + " in " + info.id + ".")
}
