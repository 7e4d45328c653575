package web

import (
	"strings"

	"github.com/badiamap/badiamap/geo"
	"github.com/labstack/echo/v5"
)

// The OpenAPI paths of the tile, risk and report routes, which register
// themselves (EnableTiles, EnableRisk, registerReportRoutes).

func pathParam(name, desc string, schema map[string]any) oaParam {
	return oaParam{Name: name, In: "path", Required: true, Description: desc, Schema: schema}
}

func queryParam(name, desc string, schema map[string]any) oaParam {
	return oaParam{Name: name, In: "query", Description: desc, Schema: schema}
}

func moreOpenAPIPaths() map[string]any {
	intSchema := map[string]any{"type": "integer", "minimum": 0}
	layers := []string{"risk"}
	for _, l := range geo.TileLayers {
		layers = append(layers, string(l))
	}
	dateParam := queryParam(paramDate, "Reference day: "+dateAccepts+"; default today.", map[string]any{"type": "string", "format": "date"})
	minLevel := queryParam(paramMinLevel, "Only cells at this level or above.", enumSchema("low", "moderate", "high", "severe"))
	jsonOK := response("JSON", echo.MIMEApplicationJSON)
	propsParam := queryParam(ParamProperties,
		"Properties of an incident feature: empty for "+strings.Join(geo.DefaultIncidentProperties, ", ")+
			"; all; or a comma-separated list of TileJSON's incident fields.", strSchema())
	reportID := pathParam("id", "Report id.", map[string]any{"type": "integer", "minimum": 1})
	checkArea := operation("checkRiskArea",
		"Risk over a GeoJSON Polygon in the request body (a planned gathering area): the highest and area-weighted level, the cells it covers and the contributing incidents. Bad geometry is a 400 naming the reason.",
		withFilter(dateParam), jsonOK)["get"].(map[string]any)
	checkArea["requestBody"] = map[string]any{"required": true, "content": map[string]any{
		MIMEGeoJSON:              map[string]any{"schema": map[string]any{"type": "object"}},
		echo.MIMEApplicationJSON: map[string]any{"schema": map[string]any{"type": "object"}}}}
	check := operation("checkRiskPoint",
		"Risk at a point: level and score, Badia region, the incidents that contribute most, counts within 10/25/50 km over 30/90/365 days, truffle season.",
		withFilter(queryParam(paramLon, "Longitude (WGS84).", map[string]any{"type": "number"}),
			queryParam(paramLat, "Latitude (WGS84).", map[string]any{"type": "number"}), dateParam), jsonOK)
	check["post"] = checkArea
	return map[string]any{
		"/tiles/{layer}/{z}/{x}/{y}.mvt": operation("tile",
			"A Mapbox Vector Tile of a layer (incidents cluster below the cluster zoom); every filter parameter applies. 204 when empty; strong ETag, 304 on If-None-Match.",
			withFilter(pathParam("layer", "Layer.", enumSchema(layers...)), pathParam("z", "Zoom, 0-22.", intSchema),
				pathParam("x", "Column.", intSchema), pathParam("y", "Row.", intSchema), propsParam),
			response("MVT", "application/vnd.mapbox-vector-tile")),
		"/tiles/{layer}.json": operation("tileJSON", "TileJSON 3.0.0 of a layer, with the filter and the properties carried into its tile URL.",
			withFilter(pathParam("layer", "Layer.", enumSchema(layers...)), propsParam), jsonOK),
		"/api/risk/zones": operation("riskZones",
			"Truffle-season risk cells over the Badia (level and score) as GeoJSON; the filter restricts which incidents count.",
			withFilter(dateParam, minLevel), response("GeoJSON", MIMEGeoJSON)),
		"/api/risk/zones.geojson": operation("riskZonesGeoJSON", "The risk cells as a GeoJSON download.",
			withFilter(dateParam, minLevel), response("GeoJSON", MIMEGeoJSON)),
		"/api/risk/zones.kml": operation("riskZonesKML", "The risk cells as a KML download for field teams.",
			withFilter(dateParam, minLevel), response("KML", "application/vnd.google-earth.kml+xml")),
		"/api/risk/check": check,
		"/api/reports": operation("listReports", "Published reports, filtered by publisher, period and region.",
			[]oaParam{queryParam("publisher", "Publisher, e.g. SOHR.", strSchema()),
				queryParam("period_start", "Start of the counting period.", map[string]any{"type": "string", "format": "date"}),
				queryParam("from", "Published on or after.", map[string]any{"type": "string", "format": "date"}),
				queryParam("to", "Published on or before.", map[string]any{"type": "string", "format": "date"}),
				queryParam("region", "total or a Badia region code.", strSchema())}, jsonOK),
		"/api/reports/{id}": operation("getReport", "One report with its claims, as published, and the consistency checks it fails.",
			[]oaParam{reportID}, jsonOK),
		"/api/reports/{id}/reconciliation": operation("reconcileReport",
			"Each claim of a report next to the figure computed from the incidents of its period and region.",
			[]oaParam{reportID}, jsonOK),
		"/api/reports/series": operation("reportSeries",
			"Cumulative published figures of one metric per region over time, JSON or CSV.",
			[]oaParam{queryParam("publisher", "Publisher.", strSchema()),
				queryParam("period_start", "Start of the counting period.", map[string]any{"type": "string", "format": "date"}),
				queryParam("metric", "Metric.", enumSchema(metricNames()...)),
				queryParam(paramFormat, "json or csv.", enumSchema("json", "csv"))},
			response("Series", echo.MIMEApplicationJSON, "text/csv")),
	}
}

func metricNames() []string {
	out := make([]string, len(geo.Metrics))
	for i, m := range geo.Metrics {
		out[i] = string(m)
	}
	return out
}
