package web

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/request"
	"github.com/badiamap/badiamap/web/ui"
	"github.com/labstack/echo/v5"
)

// route is one entry of the route table: New registers it, refuses every
// query parameter it does not list, and the OpenAPI description is produced
// from it, so the routes, their parameters and the description cannot drift.
type route struct {
	method string
	path   string // echo's pattern, e.g. /api/incidents/:id
	// doc is the path the API description gives ("" for path with {name}
	// for :name); hidden routes are left out of it.
	doc    string
	hidden bool
	id     string // operationId
	// summary says what the route answers, for the API description.
	summary    string
	pathParams []request.Param
	query      []request.Param // every query parameter the route takes
	// anyQuery lets any query through: the web map's pages keep their view
	// in the query string and read it in the browser.
	anyQuery bool
	// role is the least role a signed-in user needs; "" for a route open
	// to everyone (every read of published data).
	role geo.Role
	body []string // the media types of a request body, for POST
	// example is a request body the route takes, for the API description
	// (the route-by-role tests send it and expect a 2xx from the role).
	example string
	// ifMatch: a change that needs If-Match with the ETag of the version it
	// changes (428 without it), so no edit overwrites another unseen.
	ifMatch  bool
	ok       response // the success answer
	statuses []int    // answers besides ok and the problems (204, 304, 413)
	// class is what answering costs: it sets the deadline, the share of the
	// store and whether the per-client rate limit applies (limits.go).
	class routeClass
	// classOf, when set, gives each request its class instead (a page of
	// incidents is a download when it asks for many: pageClass).
	classOf func(*echo.Context) routeClass
	handle  echo.HandlerFunc
}

// response is a success answer as the API description gives it.
type response struct {
	status int // 0 means 200
	desc   string
	types  []string
}

// Media types of the answers.
const (
	MIMEGeoJSON    = "application/geo+json"
	MIMEVectorTile = "application/vnd.mapbox-vector-tile"
	mimeJSON       = echo.MIMEApplicationJSON
	mimeCSV        = "text/csv"
	mimeKML        = "application/vnd.google-earth.kml+xml"
	mimeOpenAPI    = "application/vnd.oai.openapi+json;version=3.0"
	mimeMergePatch = "application/merge-patch+json"
	mimeSchemaJSON = "application/schema+json"
	mimeGPKG       = "application/geopackage+sqlite3"
)

// Path parameters, with a value each route accepts (for the checks that
// hold the description to the routes).
var (
	incidentIDParam = request.Param{Name: "id", Doc: "Stable incident id.", Required: true,
		Schema: map[string]any{"type": "integer", "minimum": 1}, Example: "1"}
	reportIDParam = request.Param{Name: "id", Doc: "Report id.", Required: true,
		Schema: map[string]any{"type": "integer", "minimum": 1}, Example: "1"}
	collectionIDParam = request.Param{Name: "collectionId", Doc: "Collection id.", Required: true,
		Schema: enumOf(collectionIDs()...), Example: collectionIncidents}
	featureIDParam = request.Param{Name: "featureId", Doc: "Incident id, or region code (SY04, BADIA-SY04).", Required: true,
		Schema: map[string]any{"type": "string"}, Example: "1"}
	versionParam = request.Param{Name: "n", Doc: "Version number, from 1.", Required: true,
		Schema: map[string]any{"type": "integer", "minimum": 1}, Example: "1"}
	ifMatchParam = request.Param{Name: "If-Match", Required: true,
		Doc: "The ETag of the version changed (GET the incident first); 412 when it has changed since.", Schema: map[string]any{"type": "string"}, Example: `"v1"`}
	layerParam = request.Param{Name: "layer", Doc: "Layer.", Required: true,
		Schema: enumOf(tileLayerNames()...), Example: string(geo.TileIncidents)}
	zParam = request.Param{Name: "z", Doc: "Zoom, 0-22.", Required: true, Schema: map[string]any{"type": "integer", "minimum": 0, "maximum": geo.MaxTileZoom}, Example: "6"}
	xParam = request.Param{Name: "x", Doc: "Column.", Required: true, Schema: map[string]any{"type": "integer", "minimum": 0}, Example: "38"}
	yParam = request.Param{Name: "y", Doc: "Row.", Required: true, Schema: map[string]any{"type": "integer", "minimum": 0}, Example: "25"}
)

// Path parameters of the account routes; the examples name the fixture's
// spare user and token (web/auth_test.go).
var (
	userNameParam = request.Param{Name: "name", Doc: "User name.", Required: true,
		Schema: map[string]any{"type": "string", "pattern": geo.UserNamePattern}, Example: "omar"}
	tokenIDParam = request.Param{Name: "id", Doc: "API token id.", Required: true,
		Schema: map[string]any{"type": "integer", "minimum": 1}, Example: "1"}
)

var tileAddress = []request.Param{zParam, xParam, yParam}

// newIncidentExample is the body of a new incident in the API description:
// the properties every read returns, as a desk enters them.
const newIncidentExample = `{"type":"Feature","geometry":{"type":"Point","coordinates":[38.27,34.56]},` +
	`"properties":{"date_start":"2024-04-20","date_precision":1,"geo_precision":2,"location_name":"near Palmyra",` +
	`"event_type":"Explosions/Remote violence","sub_event_type":"Remote explosive/landmine/IED","perpetrator":"Islamic State (ISIS) cells",` +
	`"target":"Civilians","civilians":2,"truffle_gatherers":2,"injured":1,"sources":[{"name":"SOHR","date":"2024-04-21"}],` +
	`"notes":"truffle gatherers hit by a landmine"},"comment":"from the morning report"}`

func enumOf(values ...string) map[string]any { return map[string]any{"type": "string", "enum": values} }

func tileLayerNames() []string {
	out := make([]string, len(geo.TileLayers))
	for i, l := range geo.TileLayers {
		out[i] = string(l)
	}
	return out
}

// The parameter lists of the routes that share them.
var (
	filterParams   = request.FilterParams
	riskZoneParams = request.Join(request.FilterParams, []request.Param{request.RiskDate, request.MinLevel})
	fOnly          = []request.Param{request.F}
	// tileQueryParams are those of a tile and its TileJSON or tileset.
	tileQueryParams = request.Join(filterParams, []request.Param{request.Properties})
)

// routeTable is every route the server answers.
func (s *Server) routeTable() []route {
	geoJSON := response{desc: "A GeoJSON FeatureCollection", types: []string{MIMEGeoJSON}}
	feature := response{desc: "A GeoJSON Feature", types: []string{MIMEGeoJSON}}
	jsonOK := response{desc: "JSON", types: []string{mimeJSON}}
	tile := response{desc: "A Mapbox Vector Tile (gzip when the client takes it)", types: []string{MIMEVectorTile}}
	tileStatuses := []int{http.StatusNoContent, http.StatusNotModified}
	created := response{status: http.StatusCreated, desc: "The new version as a GeoJSON Feature, with its ETag", types: []string{MIMEGeoJSON}}
	editStatuses := []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusConflict, http.StatusPreconditionFailed,
		http.StatusRequestEntityTooLarge, http.StatusPreconditionRequired}
	uiHandler := s.cfg.UI
	if uiHandler == nil {
		uiHandler = ui.Handler()
	}
	serveUI := echo.WrapHandler(uiHandler)
	return []route{
		{method: http.MethodGet, path: "/healthz", id: "healthz", summary: "The process is up.", ok: jsonOK, handle: s.healthz},
		{method: http.MethodGet, path: "/readyz", id: "readyz", summary: "The store answers and is migrated.", ok: jsonOK, handle: s.readyz},
		{method: http.MethodGet, path: "/metrics", id: "metrics", summary: "Prometheus metrics.",
			ok: response{desc: "Prometheus text format", types: []string{"text/plain"}}, handle: s.metrics.handler()},
		{method: http.MethodGet, path: "/api/openapi.json", id: "openAPI", summary: "This document.", query: fOnly,
			ok: response{desc: "OpenAPI 3.0", types: []string{mimeOpenAPI}}, handle: s.openAPIDoc},

		{method: http.MethodGet, path: "/api/incidents", id: "listIncidents",
			summary: "One page of the filtered incidents as GeoJSON, with numberMatched, numberReturned and a next link." + largePageNote,
			query:   request.Join(filterParams, request.PageParams, []request.Param{request.Status}), ok: geoJSON, classOf: pageClass, handle: s.listIncidents},
		{method: http.MethodGet, path: "/api/incidents/:id", id: "getIncident",
			summary:    "One incident as a GeoJSON Feature, with its version's ETag; editors read its newest version, draft included, with status=all.",
			pathParams: []request.Param{incidentIDParam}, query: []request.Param{request.F, request.Status}, ok: feature, handle: s.getIncident},
		{method: http.MethodPost, path: "/api/incidents", id: "createIncident",
			summary: "A new incident, as a draft: a GeoJSON Feature with the properties the API returns, checked as an import checks a row (each error names its field).",
			role:    geo.RoleEditor, body: []string{MIMEGeoJSON, mimeJSON}, example: newIncidentExample, ok: created, statuses: editStatuses, handle: s.createIncident},
		{method: http.MethodPatch, path: "/api/incidents/:id", id: "editIncident",
			summary:    "A JSON merge patch of the incident's Feature, as a new draft; {\"status\": \"published\"} publishes the draft (reviewers, not the draft's author). If-Match: the ETag of the version changed.",
			pathParams: []request.Param{incidentIDParam}, role: geo.RoleEditor, ifMatch: true, body: []string{mimeMergePatch, mimeJSON},
			example: `{"properties":{"notes":"checked against the morning report"},"comment":"notes"}`, ok: feature, statuses: editStatuses, handle: s.patchIncident},
		{method: http.MethodDelete, path: "/api/incidents/:id", id: "retractIncident",
			summary:    "Retracts the incident with a reason: kept with its history, gone from every public read. If-Match: the ETag of its version.",
			pathParams: []request.Param{incidentIDParam}, query: []request.Param{request.Reason}, role: geo.RoleReviewer, ifMatch: true,
			ok: feature, statuses: editStatuses, handle: s.retractIncident},
		{method: http.MethodPost, path: "/api/incidents/:id/revert", id: "revertIncident",
			summary:    "An older version's fields as a new draft: {\"version\": N, \"comment\": \"why\"}. If-Match: the ETag of the newest version.",
			pathParams: []request.Param{incidentIDParam}, role: geo.RoleEditor, ifMatch: true, body: []string{mimeJSON},
			example: `{"version":1,"comment":"back to the imported fields"}`, ok: feature, statuses: editStatuses, handle: s.revertIncident},
		{method: http.MethodGet, path: "/api/incidents/:id/history", id: "incidentHistory",
			summary:    "Every version of an incident with the fields each changed (before and after); in public its published and retracted versions, without authors.",
			pathParams: []request.Param{incidentIDParam}, ok: jsonOK, handle: s.incidentHistory},
		{method: http.MethodGet, path: "/api/incidents/:id/versions/:n", id: "incidentVersion",
			summary:    "One version of an incident as a GeoJSON Feature.",
			pathParams: []request.Param{incidentIDParam, versionParam}, ok: feature, handle: s.incidentVersion},
		{method: http.MethodGet, path: "/api/changes", id: "listChanges",
			summary: "The published changes (publications, imports, retractions) of the filtered incidents, oldest first, each Feature as the change left it with a change member; the next link of the last page is where to poll." + largePageNote,
			query:   request.Join(filterParams, request.PageParams), ok: geoJSON, classOf: pageClass, handle: s.listChanges},
		{method: http.MethodGet, path: "/api/changes.atom", id: "changesAtom",
			summary: "The newest published changes of the filtered incidents as an Atom feed with GeoRSS points, for a feed reader.",
			query:   filterParams, ok: response{desc: "Atom", types: []string{mimeAtom}}, handle: s.changesAtom},
		{method: http.MethodGet, path: "/api/incidents.geojson", id: "downloadGeoJSON", summary: "Every filtered incident as one GeoJSON file.",
			query: filterParams, ok: response{desc: "GeoJSON download", types: []string{MIMEGeoJSON}}, class: download, handle: s.downloadGeoJSON},
		{method: http.MethodGet, path: "/api/incidents.csv", id: "downloadCSV", summary: "Every filtered incident as CSV; hxl=1 adds the HXL hashtag row.",
			query: request.Join(filterParams, []request.Param{request.HXL}), ok: response{desc: "CSV download", types: []string{mimeCSV}}, class: download, handle: s.downloadCSV},
		{method: http.MethodGet, path: "/api/incidents.kml", id: "downloadKML", summary: "Every filtered incident as KML.",
			query: filterParams, ok: response{desc: "KML download", types: []string{mimeKML}}, class: download, handle: s.downloadKML},
		{method: http.MethodGet, path: "/api/incidents.gpkg", id: "downloadGPKG",
			summary: "Every filtered incident as a GeoPackage (QGIS, ogrinfo): the incidents layer with typed columns and a spatial index, the governorates and Badia regions layers, and the source, licence, filter and export time as metadata. 503 with Retry-After while too many run at once.",
			query:   filterParams, ok: response{desc: "GeoPackage download", types: []string{mimeGPKG}}, class: download, handle: s.downloadGPKG},
		{method: http.MethodGet, path: "/api/regions", id: "listRegions",
			summary: "Region polygons with the filtered incidents' aggregates (operations, killed by group, first and last date).",
			query:   request.Join(filterParams, []request.Param{request.Kind, request.F}), ok: geoJSON, handle: s.listRegions},
		{method: http.MethodGet, path: "/api/stats", id: "stats",
			summary: "Aggregates of the filtered incidents by group, as JSON or CSV (format=csv or Accept: text/csv).",
			query:   request.Join(filterParams, []request.Param{request.Group, request.Format}),
			ok:      response{desc: "Totals per group", types: []string{mimeJSON, mimeCSV}}, handle: s.stats},

		{method: http.MethodGet, path: "/api/sources", id: "listSources",
			summary: "The names of the sources the filtered incidents cite, each with how many incidents cite it, most cited first: the values the source filter takes.",
			query:   filterParams, ok: jsonOK, handle: s.listSources},

		{method: http.MethodGet, path: "/api/places", id: "listPlaces",
			summary: "The bundled, offline gazetteer: every place UCDP locates exactly and the Badia anchor places, with Arabic names where the data has them and the zoom from which a label shows; with q, the places, governorates and Badia regions whose names match, best first.",
			query:   []request.Param{request.PlaceQuery, request.PlaceLimit}, ok: geoJSON, handle: s.listPlaces},

		{method: http.MethodGet, path: "/ogc", id: "ogcLanding", summary: "OGC API landing page.", query: fOnly, ok: jsonOK, handle: s.ogcLanding},
		{method: http.MethodGet, path: "/ogc/", hidden: true, query: fOnly, handle: s.ogcLanding},
		{method: http.MethodGet, path: "/ogc/api", id: "ogcAPI", summary: "The OGC API's definition, as the OGC landing page links it: the /ogc paths of this document, relative to /ogc.",
			query: fOnly, ok: response{desc: "OpenAPI 3.0", types: []string{mimeOpenAPI}}, handle: s.ogcAPIDoc},
		{method: http.MethodGet, path: "/ogc/conformance", id: "ogcConformance", summary: "OGC API conformance classes.", query: fOnly, ok: jsonOK, handle: s.ogcConformance},
		{method: http.MethodGet, path: "/ogc/collections", id: "ogcCollections", summary: "The feature collections.", query: fOnly, ok: jsonOK, handle: s.ogcCollections},
		{method: http.MethodGet, path: "/ogc/collections/:collectionId", id: "ogcCollection", summary: "One feature collection.",
			pathParams: []request.Param{collectionIDParam}, query: fOnly, ok: jsonOK, handle: s.ogcCollection},
		{method: http.MethodGet, path: "/ogc/collections/:collectionId/items", id: "ogcItems",
			summary:    "Features of a collection, a page at a time (next links carry a cursor); incidents take every filter parameter, regions are summed over it: each region with its totals and its lines by location precision as /api/regions gives them, each page with the lines no region holds and incidentsMatched, which every region's totals and those lines add up to." + largePageNote,
			pathParams: []request.Param{collectionIDParam},
			query:      request.Join(filterParams, []request.Param{request.Datetime, request.BBoxCRS}, request.CQLParams, request.PageParams, fOnly),
			ok:         geoJSON, classOf: ogcItemsClass, handle: s.ogcItems},
		{method: http.MethodGet, path: "/ogc/collections/:collectionId/queryables", id: "ogcQueryables",
			summary:    "The properties a CQL2 filter of the collection's items may name, as a JSON Schema (OGC API - Features - Part 3); only incidents take a filter.",
			pathParams: []request.Param{collectionIDParam}, query: fOnly,
			ok: response{desc: "JSON Schema", types: []string{mimeSchemaJSON}}, handle: s.ogcQueryables},
		{method: http.MethodGet, path: "/ogc/collections/:collectionId/items/:featureId", id: "ogcItem", summary: "One feature.",
			pathParams: []request.Param{collectionIDParam, featureIDParam}, query: fOnly, ok: feature, handle: s.ogcItem},

		{method: http.MethodGet, path: "/ogc/tileMatrixSets", id: "ogcTileMatrixSets", summary: "The tile matrix sets of the tiles (OGC API - Tiles): WebMercatorQuad.",
			query: fOnly, ok: jsonOK, handle: s.ogcTileMatrixSets},
		{method: http.MethodGet, path: "/ogc/tileMatrixSets/:tileMatrixSetId", id: "ogcTileMatrixSet", summary: "A tile matrix set, in the TMS 2.0 JSON encoding.",
			pathParams: []request.Param{tileMatrixSetParam}, query: fOnly, ok: jsonOK, handle: s.ogcTileMatrixSet},
		{method: http.MethodGet, path: "/ogc/tiles", id: "ogcDatasetTilesets", summary: "The vector tilesets of the whole dataset (every layer in one tile), OGC API - Tiles.",
			query: tileQueryParams, ok: jsonOK, handle: s.ogcTilesets},
		{method: http.MethodGet, path: "/ogc/tiles/:tileMatrixSetId", id: "ogcDatasetTileset", summary: "The dataset's tileset: its tile template, layers and limits.",
			pathParams: []request.Param{tileMatrixSetParam}, query: tileQueryParams, ok: jsonOK, handle: s.ogcTileset},
		{method: http.MethodGet, path: "/ogc/tiles/:tileMatrixSetId/:tileMatrix/:tileRow/:tileCol", id: "ogcDatasetTile",
			summary:    "A tile of the dataset (the all layer of /tiles); every filter parameter applies. 204 when empty; strong ETag, 304 on If-None-Match.",
			pathParams: ogcTileAddress, query: tileQueryParams, ok: tile, statuses: tileStatuses, handle: s.tiles.serve(s.tiles.ogcTile)},
		{method: http.MethodGet, path: "/ogc/collections/:collectionId/tiles", id: "ogcCollectionTilesets", summary: "The vector tilesets of a collection, OGC API - Tiles.",
			pathParams: []request.Param{collectionIDParam}, query: tileQueryParams, ok: jsonOK, handle: s.ogcTilesets},
		{method: http.MethodGet, path: "/ogc/collections/:collectionId/tiles/:tileMatrixSetId", id: "ogcCollectionTileset",
			summary:    "A collection's tileset: its tile template, layers and limits.",
			pathParams: []request.Param{collectionIDParam, tileMatrixSetParam}, query: tileQueryParams, ok: jsonOK, handle: s.ogcTileset},
		{method: http.MethodGet, path: "/ogc/collections/:collectionId/tiles/:tileMatrixSetId/:tileMatrix/:tileRow/:tileCol", id: "ogcCollectionTile",
			summary:    "A tile of a collection: the same tile as /tiles/{collectionId}/{tileMatrix}/{tileCol}/{tileRow}.mvt. 204 when empty; strong ETag, 304 on If-None-Match.",
			pathParams: request.Join([]request.Param{collectionIDParam}, ogcTileAddress), query: tileQueryParams, ok: tile, statuses: tileStatuses,
			handle: s.tiles.serve(s.tiles.ogcTile)},

		{method: http.MethodGet, path: "/tiles/:layer/:z/:x/:y", doc: "/tiles/{layer}/{z}/{x}/{y}.mvt", id: "tile",
			summary:    "A Mapbox Vector Tile of a layer (incidents cluster below the cluster zoom); every filter parameter applies. 204 when empty; strong ETag, 304 on If-None-Match.",
			pathParams: request.Join([]request.Param{layerParam}, tileAddress),
			query:      request.Join(filterParams, []request.Param{request.Properties}),
			ok:         tile, statuses: tileStatuses, handle: s.tiles.serve(s.tiles.layerTile)},
		{method: http.MethodGet, path: "/tiles/:file", doc: "/tiles/{layer}.json", id: "tileJSON",
			summary:    "TileJSON 3.0.0 of a layer, with the filter and the properties carried into its tile URL.",
			pathParams: []request.Param{layerParam}, query: request.Join(filterParams, []request.Param{request.Properties}),
			ok: jsonOK, handle: s.tiles.serveTileJSON},
		{method: http.MethodGet, path: "/tiles/risk/:z/:x/:y", doc: "/tiles/risk/{z}/{x}/{y}.mvt", id: "riskTile",
			summary:    "The risk cells as a Mapbox Vector Tile (layer risk) for the date and filter. 204 when empty; strong ETag, 304 on If-None-Match.",
			pathParams: tileAddress, query: riskZoneParams, ok: tile, statuses: tileStatuses, class: heavy, handle: s.tiles.serve(s.risk.tile)},
		{method: http.MethodGet, path: "/tiles/risk.json", id: "riskTileJSON",
			summary: "TileJSON 3.0.0 of the risk tiles, with the date and filter carried into its tile URL.",
			query:   riskZoneParams, ok: jsonOK, handle: s.risk.serveTileJSON},

		{method: http.MethodGet, path: "/api/risk/zones", id: "riskZones",
			summary: "Truffle-season risk cells over the Badia (level and score) as GeoJSON; the filter restricts which incidents count.",
			query:   riskZoneParams, ok: geoJSON, class: heavy, handle: s.risk.serveZones},
		{method: http.MethodGet, path: "/api/risk/zones.geojson", id: "riskZonesGeoJSON", summary: "The risk cells as a GeoJSON download.",
			query: riskZoneParams, ok: geoJSON, class: heavy, handle: s.risk.serveZones},
		{method: http.MethodGet, path: "/api/risk/zones.kml", id: "riskZonesKML", summary: "The risk cells as a KML download for field teams.",
			query: riskZoneParams, ok: response{desc: "KML", types: []string{mimeKML}}, class: heavy, handle: s.risk.serveZonesKML},
		{method: http.MethodGet, path: "/api/risk/check", id: "checkRiskPoint",
			summary: "Risk at a point: level and score, Badia region, the incidents that contribute most, counts within 10/25/50 km over 30/90/365 days, truffle season.",
			query:   request.Join(filterParams, []request.Param{request.Lon, request.Lat, request.RiskDate}), ok: jsonOK, handle: s.risk.checkPoint},
		{method: http.MethodPost, path: "/api/risk/check", id: "checkRiskArea",
			summary: "Risk over a GeoJSON Polygon in the request body (a planned gathering area): the highest and area-weighted level, the cells it covers and the contributing incidents. Bad geometry is a 400 naming the reason.",
			query:   request.Join(filterParams, []request.Param{request.RiskDate}), body: []string{MIMEGeoJSON, mimeJSON},
			ok: jsonOK, statuses: []int{http.StatusRequestTimeout, http.StatusRequestEntityTooLarge}, class: heavy, handle: s.risk.checkArea},

		{method: http.MethodGet, path: "/api/reports", id: "listReports", summary: "Published reports, filtered by publisher, period and region.",
			query: request.ReportParams, ok: jsonOK, handle: s.listReports},
		{method: http.MethodGet, path: "/api/reports/series", id: "reportSeries",
			summary: "Cumulative published figures of one metric per region over time, JSON or CSV.",
			query:   request.SeriesParams, ok: response{desc: "Series", types: []string{mimeJSON, mimeCSV}}, handle: s.reportSeries},
		{method: http.MethodGet, path: "/api/reports/:id", id: "getReport", summary: "One report with its claims, as published, and the consistency checks it fails.",
			pathParams: []request.Param{reportIDParam}, ok: jsonOK, handle: s.getReport},
		{method: http.MethodGet, path: "/api/reports/:id/reconciliation", id: "reconcileReport",
			summary:    "Each claim of a report next to the figure computed from the incidents of its period and region.",
			pathParams: []request.Param{reportIDParam}, ok: jsonOK, handle: s.reportReconciliation},

		{method: http.MethodPost, path: "/api/session", id: "login",
			summary: "Sign in with a user name and password: sets the session cookie (HttpOnly, SameSite=Strict) and returns the session's CSRF token, which every change made with the cookie carries in X-CSRF-Token. Attempts are limited per account and per client (429 with Retry-After).",
			body:    []string{mimeJSON}, example: `{"username":"omar","password":"the password an admin gave you"}`,
			ok: jsonOK, statuses: []int{http.StatusUnauthorized, http.StatusTooManyRequests}, handle: s.login},
		{method: http.MethodGet, path: "/api/session", id: "whoAmI", role: geo.RoleEditor,
			summary: "Who the request is signed in as, how, and for a session its CSRF token and expiry.", ok: jsonOK, handle: s.whoAmI},
		{method: http.MethodDelete, path: "/api/session", id: "logout", role: geo.RoleEditor,
			summary: "Sign out: the session ends on the server and the cookie is cleared.",
			ok:      response{status: http.StatusNoContent, desc: "Signed out"}, handle: s.logout},
		{method: http.MethodGet, path: "/api/users", id: "listUsers", role: geo.RoleAdmin,
			summary: "Every user: name, role, whether disabled.", ok: jsonOK, handle: s.listUsers},
		{method: http.MethodPost, path: "/api/users", id: "createUser", role: geo.RoleAdmin,
			summary: "Add a user with a role (editor, reviewer, admin); the answer holds a generated password, shown this once.",
			body:    []string{mimeJSON}, example: `{"name":"hana","role":"editor"}`,
			ok: response{status: http.StatusCreated, desc: "The user and their password", types: []string{mimeJSON}}, statuses: []int{http.StatusConflict}, handle: s.createUser},
		{method: http.MethodPatch, path: "/api/users/:name", id: "changeUser", role: geo.RoleAdmin,
			summary:    "Change a user's role, disable or enable them, or reset their password (the new one is in the answer, shown this once). Disabling and a reset end the user's sessions.",
			pathParams: []request.Param{userNameParam}, body: []string{mimeJSON}, example: `{"role":"reviewer"}`,
			ok: jsonOK, statuses: []int{http.StatusConflict}, handle: s.changeUser},
		{method: http.MethodGet, path: "/api/tokens", id: "listTokens", role: geo.RoleAdmin,
			summary: "API tokens (never their secrets): user, name, created, expires, last used, revoked.",
			query:   []request.Param{request.TokenUser}, ok: jsonOK, handle: s.listTokens},
		{method: http.MethodPost, path: "/api/tokens", id: "createToken", role: geo.RoleAdmin,
			summary: "Create an API token for a user (Authorization: Bearer TOKEN); the secret is in the answer, shown this once, and stored only as a hash.",
			body:    []string{mimeJSON}, example: `{"user":"omar","name":"nightly import","expires":"90d"}`,
			ok: response{status: http.StatusCreated, desc: "The token and its secret", types: []string{mimeJSON}}, handle: s.createToken},
		{method: http.MethodDelete, path: "/api/tokens/:id", id: "revokeToken", role: geo.RoleAdmin,
			summary:    "Revoke an API token: it is refused from then on.",
			pathParams: []request.Param{tokenIDParam}, ok: jsonOK, statuses: []int{http.StatusConflict}, handle: s.revokeToken},
		{method: http.MethodGet, path: "/api/audit", id: "listAudit", role: geo.RoleAdmin,
			summary: "The append-only audit log, oldest or newest first: sign-ins and failed ones, user and token changes, every write; filtered by actor, action, target and time, a page at a time (next link).",
			query:   request.AuditParams, ok: jsonOK, handle: s.listAudit},

		// The web map: every other path. Unknown API paths and traversal
		// attempts are 404 problems.
		{method: http.MethodGet, path: "/", hidden: true, anyQuery: true, handle: serveUI},
		{method: http.MethodGet, path: "/*", hidden: true, anyQuery: true, handle: func(c *echo.Context) error {
			if p := c.Request().URL.Path; underAPI(p) || traverses(p) {
				return echo.ErrNotFound
			}
			return serveUI(c)
		}},
	}
}

// underAPI reports whether p is under a prefix of the API, where an unknown
// path is a 404 problem rather than the web map.
func underAPI(p string) bool {
	for _, prefix := range []string{"/api", "/ogc", "/tiles"} {
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			return true
		}
	}
	return false
}

// traverses reports whether p (decoded: %2e%2e is "..") has a ".." segment.
func traverses(p string) bool {
	for _, seg := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == ".." {
			return true
		}
	}
	return false
}

// docPath is r's path in the API description.
func (r route) docPath() string {
	if r.doc != "" {
		return r.doc
	}
	return pathParamPattern.ReplaceAllString(r.path, "{$1}")
}

var pathParamPattern = regexp.MustCompile(`:([A-Za-z]+)`)

// oaParam is one parameter in the API description.
type oaParam struct {
	Name        string         `json:"name"`
	In          string         `json:"in"`
	Description string         `json:"description"`
	Required    bool           `json:"required,omitempty"`
	Style       string         `json:"style,omitempty"`
	Explode     *bool          `json:"explode,omitempty"`
	Schema      map[string]any `json:"schema"`
	Example     string         `json:"example,omitempty"`
}

func describeParam(p request.Param, in string) oaParam {
	desc := p.Doc
	if p.Accepts != "" {
		desc += " Accepts " + p.Accepts + "."
	}
	o := oaParam{Name: p.Name, In: in, Description: desc, Required: p.Required || in == "path", Schema: p.Schema, Example: p.Example}
	if in == "query" && p.Schema["type"] == "array" && !p.List {
		explode := false // one comma-separated value, as bbox is
		o.Style, o.Explode = "form", &explode
	}
	return o
}

// operation is r in the API description.
func (r route) operation() map[string]any {
	problem := map[string]any{"description": "Problem details (RFC 9457)",
		"content": map[string]any{MIMEProblem: map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
	params := []oaParam{}
	for _, p := range r.pathParams {
		params = append(params, describeParam(p, "path"))
	}
	for _, p := range r.query {
		params = append(params, describeParam(p, "query"))
	}
	if r.ifMatch {
		params = append(params, describeParam(ifMatchParam, "header"))
	}
	content := map[string]any{}
	for _, t := range r.ok.types {
		schema := map[string]any{"type": "object"}
		if strings.HasPrefix(t, "text/") || t == MIMEVectorTile || t == mimeKML || t == mimeGPKG {
			schema = map[string]any{"type": "string"}
		}
		content[t] = map[string]any{"schema": schema}
	}
	status := r.ok.status
	if status == 0 {
		status = http.StatusOK
	}
	responses := map[string]any{
		strconv.Itoa(status): map[string]any{"description": r.ok.desc, "content": content},
		"400":                problem,
		"404":                problem,
		"503":                map[string]any{"description": "The store cannot answer now; retry after Retry-After seconds.", "content": problem["content"]},
		"default":            problem,
	}
	for _, st := range r.statuses {
		responses[strconv.Itoa(st)] = map[string]any{"description": http.StatusText(st)}
	}
	if r.class != interactive || r.classOf != nil {
		responses["429"] = map[string]any{"description": "Over the client's rate limit of downloads and computations; retry after Retry-After seconds.", "content": problem["content"]}
	}
	op := map[string]any{"operationId": r.id, "summary": r.summary, "parameters": params, "responses": responses}
	if len(r.body) > 0 {
		types := map[string]any{}
		for _, t := range r.body {
			media := map[string]any{"schema": map[string]any{"type": "object"}}
			if r.example != "" {
				media["example"] = json.RawMessage(r.example)
			}
			types[t] = media
		}
		op["requestBody"] = map[string]any{"required": true, "content": types}
	}
	if r.role != "" {
		describeRole(op, r.role, problem)
	}
	return op
}

// openAPIDocument is the OpenAPI 3.0 description of the routes of table.
func openAPIDocument(table []route) []byte {
	paths := map[string]map[string]any{}
	for _, r := range table {
		if r.hidden {
			continue
		}
		p := r.docPath()
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(r.method)] = r.operation()
	}
	problemProps := map[string]any{}
	for _, name := range []string{"type", "title", "detail", "instance", "parameter", "value", "accepts", "reason"} {
		problemProps[name] = map[string]any{"type": "string"}
	}
	problemProps["status"] = map[string]any{"type": "integer"}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "badiamap API",
			"version":     "1.0.0",
			"description": "Incidents in the Syrian Badia: GeoJSON, CSV and KML, statistics, OGC API - Features, vector tiles, truffle-season risk and published reports. Every incident endpoint takes the same filter parameters; an unknown parameter or a bad value is a 400 problem naming it.",
			"license":     map[string]any{"name": "Data: UCDP GED CC BY 4.0; OCHA COD-AB CC BY 3.0 IGO"},
		},
		"servers": []map[string]string{{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{"schemas": map[string]any{"Problem": map[string]any{"type": "object", "properties": problemProps}},
			"securitySchemes": securitySchemes()},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic("openapi: " + err.Error()) // built from constants: fails only on a programming error
	}
	return b
}

func (s *Server) openAPIDoc(c *echo.Context) error {
	if err := request.JSONOnly(c.QueryParams()); err != nil {
		return err
	}
	return c.Blob(http.StatusOK, mimeOpenAPI, s.openAPI)
}
