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
		t.Operations += g.Operations
		t.Killed += g.Killed
		t.Casualties = t.Casualties.Add(g.Casualties)
		if !g.FirstDate.IsZero() && (t.FirstDate.IsZero() || g.FirstDate.Before(t.FirstDate)) {
			t.FirstDate = g.FirstDate
		}
		if g.LastDate.After(t.LastDate) {
			t.LastDate = g.LastDate
		}
	}
	return t
}

// listRegions answers the region polygons of one kind with what the
// filtered incidents add up to in each, so a choropleth and its legend come
// from one call.
func (s *Server) listRegions(c *echo.Context) error {
	f, err := s.filter(c)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	if err := request.JSONOnly(q); err != nil {
		return err
	}
	kind, by, err := request.RegionKind(q)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	regions, err := s.store.Regions(ctx, kind)
	if err != nil {
		return s.storeError(err)
	}
	groups, err := s.store.Stats(ctx, f, by)
	if err != nil {
		return s.storeError(err)
	}
	byKey := make(map[string]geo.Totals, len(groups))
	for _, g := range groups {
		byKey[g.Key] = g.Totals
	}
	features := make([]*feature, 0, len(regions))
	var inRegions []geo.GroupTotals
	for _, r := range regions {
		t := byKey[r.Code]
		inRegions = append(inRegions, geo.GroupTotals{Key: r.Code, Totals: t})
		features = append(features, regionFeature(r, &t))
	}
	fc := map[string]any{
		"type":      "FeatureCollection",
		"features":  features,
		"kind":      string(kind),
		"filter":    request.FilterJSON(f),
		"totals":    toTotalsJSON("", sumTotals(inRegions)),
		"generated": time.Now().UTC().Format(time.RFC3339),
		"credits":   s.cfg.Credits,
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return writeJSON(c, http.StatusOK, MIMEGeoJSON, fc)
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
// or, with format=csv or Accept: text/csv, as CSV.
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
	groups, err := s.store.Stats(ctx, f, by)
	if err != nil {
		return s.storeError(err)
	}
	names := map[string]geo.Region{}
	if by == geo.ByRegion || by == geo.ByGovernorate {
		for _, r := range s.knownRegions(ctx) {
			names[r.Code] = r
		}
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	if format == "csv" {
		return writeStatsCSV(c, by, f, groups, names)
	}
	out := make([]totalsJSON, len(groups))
	for i, gt := range groups {
		out[i] = toTotalsJSON(gt.Key, gt.Totals)
		if r, ok := names[gt.Key]; ok {
			out[i].NameEN, out[i].NameAR = r.NameEN, r.NameAR
		}
	}
	return writeJSON(c, http.StatusOK, mimeJSON, map[string]any{
		"group":     string(by),
		"filter":    request.FilterJSON(f),
		"groups":    out,
		"total":     toTotalsJSON("", sumTotals(groups)),
		"generated": time.Now().UTC().Format(time.RFC3339),
		"credits":   s.cfg.Credits,
	})
}

func acceptsCSV(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "text/csv") && !strings.Contains(accept, "application/json")
}

func writeStatsCSV(c *echo.Context, by geo.GroupBy, f geo.IncidentFilter, groups []geo.GroupTotals, names map[string]geo.Region) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+downloadName("badiamap-stats-"+string(by), f, "csv")+`"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	header := []string{string(by), "name_en", "name_ar", "operations", "killed"}
	for _, g := range geo.CasualtyGroups {
		header = append(header, g.Name)
	}
	header = append(header, "first_date", "last_date")
	if err := w.Write(header); err != nil {
		return err
	}
	for _, g := range groups {
		r := names[g.Key]
		row := []string{incidentfile.EscapeFormula(g.Key), incidentfile.EscapeFormula(r.NameEN), incidentfile.EscapeFormula(r.NameAR),
			strconv.Itoa(g.Operations), strconv.Itoa(g.Killed)}
		for _, v := range g.Casualties.Values() {
			row = append(row, strconv.Itoa(v))
		}
		row = append(row, formatDate(g.FirstDate), formatDate(g.LastDate))
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
