package web

import (
	"encoding/json"
	"net/http"

	"github.com/badiamap/badiamap/geo"
	"github.com/labstack/echo/v5"
)

// The OpenAPI 3.0 description of every route, built from the same names the
// handlers parse so the two cannot drift apart.

type oaParam struct {
	Name        string         `json:"name"`
	In          string         `json:"in"`
	Description string         `json:"description"`
	Required    bool           `json:"required,omitempty"`
	Style       string         `json:"style,omitempty"`
	Explode     *bool          `json:"explode,omitempty"`
	Schema      map[string]any `json:"schema"`
}

func strSchema() map[string]any { return map[string]any{"type": "string"} }

func listSchema(items map[string]any) map[string]any {
	return map[string]any{"type": "array", "items": items}
}

func enumSchema(values ...string) map[string]any {
	return map[string]any{"type": "string", "enum": values}
}

var explodeFalse = false

func filterParamDocs() []oaParam {
	victims := make([]string, len(geo.VictimGroups))
	for i, g := range geo.VictimGroups {
		victims[i] = string(g)
	}
	q := func(name, desc string, schema map[string]any) oaParam {
		return oaParam{Name: name, In: "query", Description: desc, Schema: schema}
	}
	return []oaParam{
		q(ParamGovernorate, "Governorate: "+governorateAccepts+".", listSchema(strSchema())),
		q(ParamRegion, "Badia region code, BADIA-SY01 to BADIA-SY14 (repeatable or comma-separated).",
			listSchema(map[string]any{"type": "string", "pattern": "^BADIA-SY(0[1-9]|1[0-4])$"})),
		q(ParamFrom, "First day, inclusive: "+dateAccepts+".", map[string]any{"type": "string", "format": "date"}),
		q(ParamTo, "Last day, inclusive: "+dateAccepts+"; not before from.", map[string]any{"type": "string", "format": "date"}),
		q(ParamEventType, "ACLED event type, exact (repeatable or comma-separated), e.g. Battles.", listSchema(strSchema())),
		q(ParamSubEventType, "ACLED sub-event type, exact (repeatable or comma-separated), e.g. Armed clash.", listSchema(strSchema())),
		q(ParamPerpetrator, "Perpetrator, case-insensitive substring (repeatable or comma-separated).", listSchema(strSchema())),
		q(ParamVictim, "Incidents with at least one victim in one of these groups (repeatable or comma-separated).",
			listSchema(enumSchema(victims...))),
		q(ParamMinKilled, "Incidents with at least this many killed.",
			map[string]any{"type": "integer", "minimum": 0, "maximum": maxMinKilled}),
		{Name: ParamBBox, In: "query", Style: "form", Explode: &explodeFalse,
			Description: "Bounding box: " + bboxAccepts + ".",
			Schema:      map[string]any{"type": "array", "minItems": 4, "maxItems": 6, "items": map[string]any{"type": "number"}}},
		q(ParamText, "Text in the place name or notes, case-insensitive, at most 200 characters.",
			map[string]any{"type": "string", "maxLength": maxTextLen}),
		q(ParamSource, "Name of a source, case-insensitive exact (repeatable or comma-separated), e.g. SOHR.", listSchema(strSchema())),
	}
}

func limitParam(def int) oaParam {
	return oaParam{Name: paramLimit, In: "query", Description: "Items per page; more than the maximum is served as the maximum.",
		Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": maxLimit, "default": def}}
}

var (
	cursorParam = oaParam{Name: paramCursor, In: "query", Description: "Opaque cursor from a next link.", Schema: strSchema()}
	fParam      = oaParam{Name: paramF, In: "query", Description: "Encoding; only json is served.", Schema: enumSchema("json")}
	dtParam     = oaParam{Name: paramDatetime, In: "query", Description: "Date or interval: " + datetimeAccepts + ".", Schema: strSchema()}
	crsParam    = oaParam{Name: paramBBoxCRS, In: "query", Description: "CRS of bbox; only CRS84.", Schema: enumSchema(crs84)}
	offsetParam = oaParam{Name: paramOffset, In: "query", Description: "Regions to skip (regions collections only).",
		Schema: map[string]any{"type": "integer", "minimum": 0}}
	collectionIDParam = oaParam{Name: "collectionId", In: "path", Required: true, Description: "Collection id.",
		Schema: enumSchema(collectionIncidents, collectionGovernorates, collectionBadia)}
)

func withFilter(extra ...oaParam) []oaParam { return append(filterParamDocs(), extra...) }

func response(desc string, types ...string) map[string]any {
	content := map[string]any{}
	for _, t := range types {
		content[t] = map[string]any{"schema": map[string]any{"type": "object"}}
	}
	if t := types; len(t) == 1 && t[0] == "text/csv" {
		content["text/csv"] = map[string]any{"schema": map[string]any{"type": "string"}}
	}
	return map[string]any{"description": desc, "content": content}
}

func operation(id, summary string, params []oaParam, ok map[string]any) map[string]any {
	problem := map[string]any{"description": "Problem details (RFC 9457)",
		"content": map[string]any{MIMEProblem: map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
	if params == nil {
		params = []oaParam{}
	}
	return map[string]any{"get": map[string]any{
		"operationId": id,
		"summary":     summary,
		"parameters":  params,
		"responses": map[string]any{
			"200": ok,
			"400": problem,
			"404": problem,
			"503": map[string]any{"description": "The database is down; retry after Retry-After seconds.",
				"content": problem["content"]},
			"default": problem,
		},
	}}
}

func buildOpenAPI() []byte {
	geoJSON := response("A GeoJSON FeatureCollection", MIMEGeoJSON, echo.MIMEApplicationJSON)
	jsonOK := response("JSON", echo.MIMEApplicationJSON)
	paths := map[string]any{
		"/api/incidents": operation("listIncidents",
			"One page of the filtered incidents as GeoJSON, with numberMatched, numberReturned and a next link.",
			withFilter(limitParam(defaultLimit), cursorParam), geoJSON),
		"/api/incidents/{id}": operation("getIncident", "One incident as a GeoJSON Feature.",
			[]oaParam{{Name: "id", In: "path", Required: true, Description: "Stable incident id.",
				Schema: map[string]any{"type": "integer", "minimum": 1}}, fParam},
			response("A GeoJSON Feature", MIMEGeoJSON)),
		"/api/incidents.geojson": operation("downloadGeoJSON", "Every filtered incident as one GeoJSON file.",
			withFilter(), response("GeoJSON download", MIMEGeoJSON)),
		"/api/incidents.csv": operation("downloadCSV", "Every filtered incident as CSV; hxl=1 adds the HXL hashtag row.",
			withFilter(oaParam{Name: paramHXL, In: "query", Description: "1 adds the HXL hashtag row under the header.",
				Schema: enumSchema("0", "1")}), response("CSV download", "text/csv")),
		"/api/incidents.kml": operation("downloadKML", "Every filtered incident as KML.",
			withFilter(), response("KML download", "application/vnd.google-earth.kml+xml")),
		"/api/regions": operation("listRegions",
			"Region polygons with the filtered incidents' aggregates (operations, killed by group, first and last date).",
			withFilter(oaParam{Name: paramKind, In: "query", Description: "Which regions.",
				Schema: map[string]any{"type": "string", "enum": []string{"governorate", "badia"}, "default": "governorate"}}, fParam),
			response("GeoJSON", MIMEGeoJSON)),
		"/api/stats": operation("stats", "Aggregates of the filtered incidents by group, as JSON or CSV (format=csv or Accept: text/csv).",
			withFilter(oaParam{Name: paramGroup, In: "query", Description: "Grouping.",
				Schema: map[string]any{"type": "string", "enum": groupNames(), "default": "region"}},
				oaParam{Name: paramFormat, In: "query", Description: "json or csv.", Schema: enumSchema("json", "csv")}),
			response("Totals per group", echo.MIMEApplicationJSON, "text/csv")),
		"/api/openapi.json": operation("openAPI", "This document.", nil, response("OpenAPI 3.0", mimeOpenAPI)),
		"/healthz":          operation("healthz", "The process is up.", nil, jsonOK),
		"/readyz":           operation("readyz", "The database answers and is migrated.", nil, jsonOK),
		"/metrics": operation("metrics", "Prometheus metrics.", nil,
			response("Prometheus text format", "text/plain")),
		"/ogc":             operation("ogcLanding", "OGC API landing page.", []oaParam{fParam}, jsonOK),
		"/ogc/conformance": operation("ogcConformance", "OGC API conformance classes.", []oaParam{fParam}, jsonOK),
		"/ogc/collections": operation("ogcCollections", "The feature collections.", []oaParam{fParam}, jsonOK),
		"/ogc/collections/{collectionId}": operation("ogcCollection", "One feature collection.",
			[]oaParam{collectionIDParam, fParam}, jsonOK),
		"/ogc/collections/{collectionId}/items": operation("ogcItems",
			"Features of a collection; incidents page with a cursor in next links, regions with offset.",
			append([]oaParam{collectionIDParam, limitParam(defaultOGCLimit), dtParam, crsParam, cursorParam, offsetParam, fParam},
				filterParamDocs()...), geoJSON),
		"/ogc/collections/{collectionId}/items/{featureId}": operation("ogcItem", "One feature.",
			[]oaParam{collectionIDParam, {Name: "featureId", In: "path", Required: true,
				Description: "Incident id, or region code (SY04, BADIA-SY04).", Schema: strSchema()}, fParam},
			response("A GeoJSON Feature", MIMEGeoJSON)),
	}
	for p, op := range moreOpenAPIPaths() {
		paths[p] = op
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "badiamap API",
			"version":     "1.0.0",
			"description": "Incidents in the Syrian Badia: GeoJSON, CSV and KML, statistics and OGC API - Features. Every incident endpoint takes the same filter parameters; an unknown parameter or a bad value is a 400 problem naming it.",
			"license":     map[string]any{"name": "Data: UCDP GED CC BY 4.0; OCHA COD-AB CC BY 3.0 IGO"},
		},
		"servers": []map[string]string{{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{"schemas": map[string]any{"Problem": map[string]any{
			"type": "object",
			"properties": map[string]any{
				"type": strSchema(), "title": strSchema(), "status": map[string]any{"type": "integer"},
				"detail": strSchema(), "instance": strSchema(), "parameter": strSchema(), "value": strSchema(),
				"accepts": strSchema(),
			},
		}}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic("openapi: " + err.Error()) // built from constants: fails only on a programming error
	}
	return b
}

func groupNames() []string {
	out := make([]string, len(geo.GroupBys))
	for i, g := range geo.GroupBys {
		out[i] = string(g)
	}
	return out
}

func (s *Server) openAPIDoc(c *echo.Context) error {
	if err := ogcParams(c); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, mimeOpenAPI)
	return c.Blob(http.StatusOK, mimeOpenAPI, s.openAPI)
}
