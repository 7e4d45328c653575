package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/badiamap/badiamap/attribution"
	"github.com/badiamap/badiamap/cql2"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/incidentcql"
	"github.com/badiamap/badiamap/request"
	"github.com/labstack/echo/v5"
	"github.com/paulmach/orb"
)

// The conformance classes this server meets: OGC API - Features Part 1,
// Part 3's filter on the incidents' items with the CQL2 classes package
// cql2 implements, and OGC API - Tiles with the tile matrix set it serves.
var ogcConformance = slices.Concat([]string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
}, cql2.Conformance, tilesConformance)

// relQueryables is the link relation of a collection's queryables.
const relQueryables = "http://www.opengis.net/def/rel/ogc/1.0/queryables"

const trsGregorian = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"

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
		"Syria's 14 governorates (OCHA COD-AB), with what the filtered incidents add up to in each and its lines by how precisely they are located (point, district, governorate), as /api/regions gives them; the page's lines hold what no governorate does.", geo.KindGovernorate},
	{collectionBadia, "Badia regions",
		"The Syrian Badia cut by governorate (BADIA-SYxx), with what the filtered incidents located to about 25 km add up to in each, and its left_out line (its governorate's incidents located too coarsely to place in or out of it), as /api/regions gives them; the page's lines hold what no region does.", geo.KindBadia},
}

func collectionIDs() []string {
	out := make([]string, len(ogcCollectionList))
	for i, c := range ogcCollectionList {
		out[i] = c.id
	}
	return out
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
	if err := request.JSONOnly(c.QueryParams()); err != nil {
		return err
	}
	b := s.baseURL(c)
	return writeJSON(c, http.StatusOK, mimeJSON, map[string]any{
		"title":       "badiamap",
		"description": "Incidents in the Syrian Badia and the regions they fall in, as OGC API - Features and OGC API - Tiles.",
		"attribution": attribution.Licences(s.cfg.Credits),
		"links": []link{
			{b + "/ogc", "self", mimeJSON, "This document"},
			{b + "/ogc/api", "service-desc", mimeOpenAPI, "The API definition (OpenAPI 3.0)"},
			{b + "/ogc/conformance", "conformance", mimeJSON, "Conformance classes"},
			{b + "/ogc/collections", "data", mimeJSON, "The collections"},
			{b + "/ogc/tiles", relTilesetsVec, mimeJSON, "Every layer as vector tiles (OGC API - Tiles)"},
			{b + "/ogc/tileMatrixSets", relTilingSchemes, mimeJSON, "The tile matrix sets"},
		},
	})
}

func (s *Server) ogcConformance(c *echo.Context) error {
	if err := request.JSONOnly(c.QueryParams()); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, mimeJSON, map[string]any{"conformsTo": ogcConformance})
}

func (s *Server) ogcCollections(c *echo.Context) error {
	if err := request.JSONOnly(c.QueryParams()); err != nil {
		return err
	}
	ext, err := s.dataExtent(c)
	if err != nil {
		return err
	}
	b := s.baseURL(c)
	list := make([]map[string]any, len(ogcCollectionList))
	for i, info := range ogcCollectionList {
		list[i] = collectionJSON(b, info, ext)
	}
	return writeJSON(c, http.StatusOK, mimeJSON, map[string]any{
		"links":       []link{{b + "/ogc/collections", "self", mimeJSON, "The collections"}},
		"collections": list,
	})
}

func (s *Server) ogcCollection(c *echo.Context) error {
	if err := request.JSONOnly(c.QueryParams()); err != nil {
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
	return writeJSON(c, http.StatusOK, mimeJSON, collectionJSON(s.baseURL(c), info, ext))
}

func unknownCollection(id string) error {
	return notFound("No collection " + strconv.Quote(request.Clip(id, 60)) + ": the collections are " + strings.Join(collectionIDs(), ", ") + ".")
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
		"crs":         []string{request.CRS84},
		"storageCrs":  request.CRS84,
		"extent": map[string]any{
			"spatial":  map[string]any{"bbox": [][]float64{{bbox.Min[0], bbox.Min[1], bbox.Max[0], bbox.Max[1]}}, "crs": request.CRS84},
			"temporal": map[string]any{"interval": [][]any{interval}, "trs": trsGregorian},
		},
		"links": collectionLinks(self, info),
	}
}

// collectionLinks are a collection's links: itself, its items, and for the
// incidents the queryables of their CQL2 filter.
func collectionLinks(self string, info ogcCollectionInfo) []link {
	links := []link{
		{self, "self", mimeJSON, info.title},
		{self + "/items", "items", MIMEGeoJSON, info.title + " as GeoJSON"},
	}
	if info.kind == "" {
		links = append(links, link{self + "/queryables", relQueryables, mimeSchemaJSON, "The properties a CQL2 filter may name"})
	}
	return append(links, link{self + "/tiles", relTilesetsVec, mimeJSON, info.title + " as vector tiles (OGC API - Tiles)"})
}

// ogcQueryables answers the queryables of the incidents collection: a JSON
// Schema of every property a CQL2 filter may name (OGC API - Features -
// Part 3). The region collections take no filter, so they have none.
func (s *Server) ogcQueryables(c *echo.Context) error {
	if err := request.JSONOnly(c.QueryParams()); err != nil {
		return err
	}
	info, ok := findCollection(c.Param("collectionId"))
	if !ok {
		return unknownCollection(c.Param("collectionId"))
	}
	if info.kind != "" {
		return notFound("The collection " + info.id + " takes no filter, so it has no queryables: it sums the incidents the other parameters select. Filter " + collectionIncidents + " instead.")
	}
	self := s.baseURL(c) + "/ogc/collections/" + info.id + "/queryables"
	return writeJSON(c, http.StatusOK, mimeSchemaJSON, incidentcql.Schema(self, info.title))
}

// extent is where and when the data lies, cached per data version.
type extent struct {
	incidents, regions orb.Bound
	first, last        time.Time
	total              int // incidents held
}

type extentCache struct {
	mu      sync.Mutex
	version int64
	ok      bool
	ext     extent
}

// dataExtent is the extent of the current data: held while the data
// version has not moved past it, else read under the request's snapshot and
// kept under that snapshot's version.
func (s *Server) dataExtent(c *echo.Context) (extent, error) {
	ctx := c.Request().Context()
	v, err := s.dataVersion(ctx)
	if err != nil {
		return extent{}, s.storeError(err)
	}
	cache := &s.extents
	cache.mu.Lock()
	defer cache.mu.Unlock()
	if cache.ok && cache.version >= v {
		return cache.ext, nil
	}
	if v, err = s.store.DataVersion(ctx); err != nil {
		return extent{}, s.storeError(err)
	}
	if cache.ok && cache.version >= v {
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
	ext.first, ext.last, ext.total = t.FirstDate, t.LastDate, t.Operations
	cache.ext, cache.version, cache.ok = ext, v, true
	return ext, nil
}

// ogcItems answers a page of a collection's features.
func (s *Server) ogcItems(c *echo.Context) error {
	info, ok := findCollection(c.Param("collectionId"))
	if !ok {
		return unknownCollection(c.Param("collectionId"))
	}
	q := c.QueryParams()
	f, err := request.OGCFilter(q, s.knownRegions(c.Request().Context()))
	if err != nil {
		return err
	}
	page, err := request.ParsePage(q, request.DefaultOGCLimit)
	if err != nil {
		return err
	}
	collection := link{s.baseURL(c) + "/ogc/collections/" + info.id, "collection", mimeJSON, info.title}
	if info.kind != "" {
		if f.Where != nil {
			return &request.Error{Param: request.CQLFilter.Name, Value: request.Clip(f.Where.String(), 80),
				Reason:  "applies to the incidents collection only: " + info.id + " sums the incidents the other parameters select",
				Accepts: "no filter on this collection; filter " + collectionIncidents + " instead"}
		}
		return s.ogcRegionItems(c, info, f, page, collection)
	}
	after, err := page.AfterID()
	if err != nil {
		return err
	}
	return s.writePage(c, pageQuery{filter: f, limit: page.Limit, after: after, matched: countWhenFree},
		"/ogc/collections/"+info.id+"/items", []link{collection})
}

// ogcRegionItems answers a page of governorates or Badia regions, with what
// the filtered incidents add up to in each and their lines, the same region
// table as /api/regions (regionTable); its cursor is the last code.
func (s *Server) ogcRegionItems(c *echo.Context, info ogcCollectionInfo, f geo.IncidentFilter, page request.Page, collection link) error {
	// The bbox selects regions whose extent meets it; the aggregates count
	// the incidents of the rest of the filter.
	bbox := f.BBox
	f.BBox = nil
	ctx := c.Request().Context()
	regions, err := s.store.Regions(ctx, info.kind)
	if err != nil {
		return s.storeError(err)
	}
	table, err := s.regionTable(ctx, f, info.kind)
	if err != nil {
		return err
	}
	illustrative, err := s.illustrativeCount(ctx, f)
	if err != nil {
		return err
	}
	var selected []geo.Region
	for _, r := range regions {
		if bbox == nil || r.Geom.Bound().Intersects(*bbox) {
			selected = append(selected, r)
		}
	}
	start := 0
	for start < len(selected) && page.After != "" && selected[start].Code <= page.After {
		start++ // regions come ordered by code
	}
	rest := selected[start:]
	more := len(rest) > page.Limit
	if more {
		rest = rest[:page.Limit]
	}
	features := make([]*feature, 0, len(rest))
	for _, r := range rest {
		features = append(features, table.feature(r))
	}
	links := []link{{s.selfURL(c), "self", MIMEGeoJSON, "This page"}, collection}
	if more {
		nq := request.FilterQuery(f)
		if bbox != nil {
			nq.Set(request.BBox.Name, request.FormatBBox(*bbox))
		}
		nq.Set(request.Limit.Name, strconv.Itoa(page.Limit))
		nq.Set(request.Cursor.Name, request.EncodeCursor(rest[len(rest)-1].Code))
		links = append(links, link{s.withQuery(c, "/ogc/collections/"+info.id+"/items", nq), "next", MIMEGeoJSON, "Next page"})
	}
	return writeJSON(c, http.StatusOK, MIMEGeoJSON, map[string]any{
		"type":           "FeatureCollection",
		"features":       features,
		"numberMatched":  len(selected),
		"numberReturned": len(rest),
		// The region table of the whole filter, whatever the bbox and the
		// page: every region's totals and these lines add up to
		// incidentsMatched, as on /api/regions.
		"lines":              table.restJSON(),
		"incidentsMatched":   table.all.Operations,
		"numberIllustrative": illustrative,
		"timeStamp":          time.Now().UTC().Format(time.RFC3339),
		"links":              links,
		"filter":             request.FilterJSON(f),
		"credits":            s.cfg.Credits,
	})
}

// ogcItem answers one feature of a collection.
func (s *Server) ogcItem(c *echo.Context) error {
	info, ok := findCollection(c.Param("collectionId"))
	if !ok {
		return unknownCollection(c.Param("collectionId"))
	}
	if err := request.JSONOnly(c.QueryParams()); err != nil {
		return err
	}
	fid := c.Param("featureId")
	collection := s.baseURL(c) + "/ogc/collections/" + info.id
	links := []link{
		{s.selfURL(c), "self", MIMEGeoJSON, "This feature"},
		{collection, "collection", mimeJSON, info.title},
	}
	if info.kind == "" {
		id, err := parseIncidentID(fid)
		if err != nil {
			return err
		}
		return s.writeIncident(c, id, map[string]any{"links": links})
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
	return notFound("No feature " + strconv.Quote(request.Clip(fid, 60)) + " in " + info.id + ".")
}

// ogcAPIDocument is the OGC API's own definition: the /ogc paths of the
// whole API's document, relative to a server at /ogc. OGC clients resolve
// an items path against the landing page (GDAL looks up
// /collections/{collectionId}/items to learn which query parameters it may
// push down), so the paths must not carry the /ogc prefix.
func ogcAPIDocument(full []byte) []byte {
	var doc map[string]any
	if err := json.Unmarshal(full, &doc); err != nil {
		panic("openapi: " + err.Error()) // our own document
	}
	paths := map[string]any{}
	for p, op := range doc["paths"].(map[string]any) {
		if rest, ok := strings.CutPrefix(p, "/ogc"); ok && rest != "" && rest != "/" {
			paths[rest] = op
		}
	}
	doc["paths"] = paths
	doc["servers"] = []map[string]string{{"url": "/ogc"}}
	b, err := json.Marshal(doc)
	if err != nil {
		panic("openapi: " + err.Error())
	}
	return b
}

func (s *Server) ogcAPIDoc(c *echo.Context) error {
	if err := request.JSONOnly(c.QueryParams()); err != nil {
		return err
	}
	return c.Blob(http.StatusOK, mimeOpenAPI, s.ogcAPI)
}
