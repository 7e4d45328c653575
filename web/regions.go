package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/badiamap/badiamap/request"
	"github.com/labstack/echo/v5"
	"github.com/paulmach/orb"
)

// feature is a GeoJSON Feature of a region; Extra members (OGC links) sit
// beside the standard ones.
type feature struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Geometry   geometry       `json:"geometry"`
	Properties map[string]any `json:"properties"`
	Links      []link         `json:"links,omitempty"`
}

// geometry is a GeoJSON MultiPolygon: orb's types marshal as the nested
// coordinate arrays GeoJSON wants.
type geometry struct {
	Type        string           `json:"type"`
	Coordinates orb.MultiPolygon `json:"coordinates"`
}

// totalsJSON is a Totals as it goes on the wire.
type totalsJSON struct {
	Key        string         `json:"key,omitempty"`
	NameEN     string         `json:"name_en,omitempty"`
	NameAR     string         `json:"name_ar,omitempty"`
	Operations int            `json:"operations"`
	Killed     int            `json:"killed"`
	Casualties map[string]int `json:"casualties"`
	FirstDate  *string        `json:"first_date"`
	LastDate   *string        `json:"last_date"`
}

func toTotalsJSON(key string, t geo.Totals) totalsJSON {
	return totalsJSON{Key: key, Operations: t.Operations, Killed: t.Killed, Casualties: t.Casualties.Map(),
		FirstDate: dateOrNil(t.FirstDate), LastDate: dateOrNil(t.LastDate)}
}

func dateOrNil(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.Format(geo.DateLayout)
	return &s
}

// sumTotals adds up group totals into one.
func sumTotals(groups []geo.GroupTotals) geo.Totals {
	var t geo.Totals
	for _, g := range groups {
		t.AddTotals(g.Totals)
	}
	return t
}

// listRegions answers the region polygons of one kind with what the
// filtered incidents add up to in each, so a choropleth and its legend come
// from one call: each region's totals and lines (regionLines), and the lines
// of what no region holds. totals (the regions') and lines add up to
// numberMatched.
func (s *Server) listRegions(c *echo.Context) error {
	f, err := s.filter(c)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	if err := request.JSONOnly(q); err != nil {
		return err
	}
	kind, _, err := request.RegionKind(q)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	regions, err := s.store.Regions(ctx, kind)
	if err != nil {
		return s.storeError(err)
	}
	table, err := s.regionTable(ctx, f, kind)
	if err != nil {
		return err
	}
	features := make([]*feature, 0, len(regions))
	for _, r := range regions {
		features = append(features, table.feature(r))
	}
	illustrative, err := s.illustrativeCount(ctx, f)
	if err != nil {
		return err
	}
	fc := map[string]any{
		"type":               "FeatureCollection",
		"numberIllustrative": illustrative,
		"features":           features,
		"kind":               string(kind),
		"filter":             request.FilterJSON(f),
		"totals":             toTotalsJSON("", table.inRegions),
		"lines":              table.restJSON(),
		"numberMatched":      table.all.Operations,
		"generated":          time.Now().UTC().Format(time.RFC3339),
		"credits":            s.cfg.Credits,
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return writeJSON(c, http.StatusOK, MIMEGeoJSON, fc)
}

// lineJSON is a line of what no region holds, as it goes on the wire.
func lineJSON(name string, t geo.Totals) map[string]any {
	tj := toTotalsJSON("", t)
	return map[string]any{"line": name, "operations": tj.Operations, "killed": tj.Killed,
		"casualties": tj.Casualties, "first_date": tj.FirstDate, "last_date": tj.LastDate}
}

// regionFeature is one region as GeoJSON; t adds the filtered aggregates.
func regionFeature(r geo.Region, t *geo.Totals) *feature {
	geom := r.Geom
	if geom == nil {
		geom = orb.MultiPolygon{}
	}
	feat := &feature{Type: "Feature", ID: r.Code, Geometry: geometry{Type: "MultiPolygon", Coordinates: geom}}
	props := map[string]any{
		"code":        r.Code,
		"kind":        string(r.Kind),
		"name_en":     r.NameEN,
		"name_ar":     r.NameAR,
		"parent":      nilIfEmpty(r.Parent),
		"area_km2":    r.AreaKM2,
		"source":      r.Source,
		"attribution": r.Attribution,
	}
	if t != nil {
		props["operations"] = t.Operations
		props["killed"] = t.Killed
		for name, v := range t.Casualties.Map() {
			props[name] = v
		}
		props["first_date"] = dateOrNil(t.FirstDate)
		props["last_date"] = dateOrNil(t.LastDate)
	}
	feat.Properties = props
	return feat
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// stats answers what the filtered incidents add up to per group, as JSON
// or, with format=csv or Accept: text/csv, as CSV. By region and by
// governorate the groups are the lines of the region table (regionLines);
// the groups add up to the total, every incident the filter matches.
func (s *Server) stats(c *echo.Context) error {
	f, err := s.filter(c)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	by, err := request.GroupBy(q)
	if err != nil {
		return err
	}
	format, err := request.OutputFormat(q)
	if err != nil {
		return err
	}
	if format == "" {
		format = "json"
		if acceptsCSV(c.Request()) {
			format = "csv"
		}
	}
	ctx := c.Request().Context()
	var rows []statsRow
	switch by {
	case geo.ByRegion, geo.ByGovernorate:
		kind := geo.KindBadia
		if by == geo.ByGovernorate {
			kind = geo.KindGovernorate
		}
		lines, err := s.regionLines(ctx, f, kind)
		if err != nil {
			return err
		}
		for _, l := range lines {
			rows = append(rows, statsRow{key: l.Key, line: l.Line, totals: l.Totals})
		}
	default:
		groups, err := s.store.Stats(ctx, f, by)
		if err != nil {
			return s.storeError(err)
		}
		for _, g := range groups {
			rows = append(rows, statsRow{key: g.Key, totals: g.Totals})
		}
	}
	names := map[string]geo.Region{}
	if by == geo.ByRegion || by == geo.ByGovernorate {
		for _, r := range s.knownRegions(ctx) {
			names[r.Code] = r
		}
	}
	illustrative, err := s.illustrativeCount(ctx, f)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	c.Response().Header().Set(HeaderIllustrative, strconv.Itoa(illustrative))
	if format == "csv" {
		return writeStatsCSV(c, by, f, rows, names)
	}
	out := make([]map[string]any, len(rows))
	var total geo.Totals
	for i, r := range rows {
		total.AddTotals(r.totals)
		tj := toTotalsJSON(r.key, r.totals)
		row := map[string]any{"key": r.key, "operations": tj.Operations, "killed": tj.Killed, "casualties": tj.Casualties,
			"first_date": tj.FirstDate, "last_date": tj.LastDate}
		if r.line != "" {
			row["line"] = r.line
		}
		if reg, ok := names[r.key]; ok {
			row["name_en"], row["name_ar"] = reg.NameEN, reg.NameAR
		}
		out[i] = row
	}
	return writeJSON(c, http.StatusOK, mimeJSON, map[string]any{
		"group":              string(by),
		"filter":             request.FilterJSON(f),
		"groups":             out,
		"total":              toTotalsJSON("", total),
		"numberMatched":      total.Operations,
		"numberIllustrative": illustrative,
		"generated":          time.Now().UTC().Format(time.RFC3339),
		"credits":            s.cfg.Credits,
	})
}

// statsRow is one group of a stats answer: a key, by region and by
// governorate a line of the region table, and its totals.
type statsRow struct {
	key, line string
	totals    geo.Totals
}

func acceptsCSV(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "text/csv") && !strings.Contains(accept, "application/json")
}

func writeStatsCSV(c *echo.Context, by geo.GroupBy, f geo.IncidentFilter, rows []statsRow, names map[string]geo.Region) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+downloadName("badiamap-stats-"+string(by), f, "csv")+`"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	lined := by == geo.ByRegion || by == geo.ByGovernorate
	header := []string{string(by), "name_en", "name_ar"}
	if lined {
		header = append(header, "line")
	}
	header = append(header, "operations", "killed")
	for _, g := range geo.CasualtyGroups {
		header = append(header, g.Name)
	}
	header = append(header, "first_date", "last_date")
	if err := w.Write(header); err != nil {
		return err
	}
	for _, r := range rows {
		reg := names[r.key]
		row := []string{incidentfile.EscapeFormula(r.key), incidentfile.EscapeFormula(reg.NameEN), incidentfile.EscapeFormula(reg.NameAR)}
		if lined {
			row = append(row, r.line)
		}
		row = append(row, strconv.Itoa(r.totals.Operations), strconv.Itoa(r.totals.Killed))
		for _, v := range r.totals.Casualties.Values() {
			row = append(row, strconv.Itoa(v))
		}
		row = append(row, formatDate(r.totals.FirstDate), formatDate(r.totals.LastDate))
		if err := w.Write(row); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(geo.DateLayout)
}
