package request

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/badiamap/badiamap/cql2"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/incidentcql"
)

// Parameters that choose what a response holds or how it is written.
var (
	HXL = Param{Name: "hxl", Doc: "1 adds the HXL hashtag row under the CSV header.",
		Accepts: "1 or 0 (true or false)", Schema: enumSchema("0", "1"), Example: "1"}
	Kind = Param{Name: "kind", Doc: "Which regions.", Accepts: "governorate or badia",
		Schema: map[string]any{"type": "string", "enum": []string{"governorate", "badia"}, "default": "governorate"}, Example: "badia"}
	Group = Param{Name: "group", Doc: "How the incidents are grouped.", Accepts: "one of " + strings.Join(groupNames(), ", "),
		Schema: map[string]any{"type": "string", "enum": groupNames(), "default": string(geo.ByRegion)}, Example: "month"}
	Format = Param{Name: "format", Doc: "json or csv (or ask with Accept: text/csv).", Accepts: "json or csv",
		Schema: enumSchema("json", "csv"), Example: "csv"}
	F = Param{Name: "f", Doc: "Encoding; only JSON is served.", Accepts: "json (the only encoding served)",
		Schema: enumSchema("json"), Example: "json"}
)

func groupNames() []string {
	out := make([]string, len(geo.GroupBys))
	for i, g := range geo.GroupBys {
		out[i] = string(g)
	}
	return out
}

// RegionKind reads kind: the kind of region and the grouping that sums
// incidents into it; governorates when absent.
func RegionKind(q url.Values) (geo.RegionKind, geo.GroupBy, error) {
	v, err := single(q, Kind.Name, Kind.Accepts)
	if err != nil {
		return "", "", err
	}
	switch strings.ToLower(v) {
	case "", "governorate", "governorates":
		return geo.KindGovernorate, geo.ByGovernorate, nil
	case "badia", "badia_regions", "region", "regions":
		return geo.KindBadia, geo.ByRegion, nil
	}
	return "", "", paramErr(Kind.Name, v, "is not a kind of region", Kind.Accepts)
}

// GroupBy reads group; by region when absent.
func GroupBy(q url.Values) (geo.GroupBy, error) {
	v, err := choice(q, Group, string(geo.ByRegion), groupNames()...)
	return geo.GroupBy(v), err
}

// OutputFormat reads format: json or csv, or "" when absent (the caller
// may then read the Accept header).
func OutputFormat(q url.Values) (string, error) {
	return choice(q, Format, "", "json", "csv")
}

// JSONOnly accepts OGC's f when it asks for JSON, the only encoding served.
func JSONOnly(q url.Values) error {
	v, err := single(q, F.Name, F.Accepts)
	if err != nil {
		return err
	}
	switch strings.ToLower(v) {
	case "", "json", "geojson", "application/json", "application/geo+json":
		return nil
	}
	return paramErr(F.Name, v, "asks for an encoding this server does not offer", F.Accepts)
}

// Datetime and BBoxCRS are OGC API Features' own parameters of items.
var (
	Datetime = Param{Name: "datetime", Doc: "Incidents whose start date falls on this day or in this interval.",
		Accepts: "an RFC 3339 date or date-time (2024-01-31, 2024-01-31T10:00:00Z) or an interval of two, either end open with .. (2024-01-01/2024-04-21, ../2024-04-21)",
		Schema:  strSchema(), Example: "2016-01-01/2024-04-21"}
	BBoxCRS = Param{Name: "bbox-crs", Doc: "CRS of bbox; only CRS84.", Accepts: CRS84,
		Schema: enumSchema(CRS84), Example: CRS84}
)

// CRS84 is WGS84 longitude, latitude: the only CRS served.
const CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

// The filter of OGC API - Features - Part 3: a CQL2 expression over the
// queryables of the incidents collection.
var (
	CQLFilter = Param{Name: "filter",
		Doc: "A CQL2 filter over the queryables of the collection (/ogc/collections/incidents/queryables), " +
			"applied with every other parameter (OGC API - Features - Part 3).",
		Accepts: "a CQL2 expression in the encoding filter-lang names, such as killed > 5 AND governorate = 'SY04'",
		Schema:  strSchema(), Example: "killed > 5 AND governorate = 'SY04'"}
	CQLFilterLang = Param{Name: "filter-lang", Doc: "The encoding of filter; cql2-text when absent.",
		Accepts: "cql2-text or cql2-json", Schema: enumSchema(filterLangs...), Example: "cql2-text"}
	CQLFilterCRS = Param{Name: "filter-crs", Doc: "CRS of the geometries in filter; only CRS84.", Accepts: CRS84,
		Schema: enumSchema(CRS84), Example: CRS84}
)

var filterLangs = []string{"cql2-text", "cql2-json"}

// CQLParams are the parameters of a CQL2 filter.
var CQLParams = []Param{CQLFilter, CQLFilterLang, CQLFilterCRS}

// CQL reads filter, filter-lang and filter-crs into the CQL2 condition they
// give (nil without filter). A filter that does not parse or check is an
// *Error whose Reason and Position say where.
func CQL(q url.Values) (*incidentcql.Filter, error) {
	crs, err := single(q, CQLFilterCRS.Name, CQLFilterCRS.Accepts)
	if err != nil {
		return nil, err
	}
	if crs != "" && crs != CRS84 {
		return nil, paramErr(CQLFilterCRS.Name, crs, "is not a supported CRS", CQLFilterCRS.Accepts)
	}
	lang, err := choice(q, CQLFilterLang, filterLangs[0], filterLangs...)
	if err != nil {
		return nil, err
	}
	vs := q[CQLFilter.Name]
	switch {
	case len(vs) == 0:
		return nil, nil
	case len(vs) > 1:
		return nil, paramErr(CQLFilter.Name, strings.Join(vs, "&"), "is given more than once", "a single value: "+CQLFilter.Accepts)
	}
	f, err := incidentcql.Parse(vs[0], lang)
	var ce *cql2.Error
	if errors.As(err, &ce) {
		e := paramErr(CQLFilter.Name, vs[0], "is not a valid "+lang+" filter: "+ce.Error(), CQLFilter.Accepts)
		e.Position = ce.Where()
		return nil, e
	}
	return f, err
}

// OGCFilter reads the items query of an OGC collection: the incident
// filter with its CQL2 condition, narrowed by datetime, with bbox in CRS84.
func OGCFilter(q url.Values, regions []geo.Region) (geo.IncidentFilter, error) {
	crs, err := single(q, BBoxCRS.Name, BBoxCRS.Accepts)
	if err != nil {
		return geo.IncidentFilter{}, err
	}
	if crs != "" && crs != CRS84 {
		return geo.IncidentFilter{}, paramErr(BBoxCRS.Name, crs, "is not a supported CRS", BBoxCRS.Accepts)
	}
	if err := JSONOnly(q); err != nil {
		return geo.IncidentFilter{}, err
	}
	f, err := Filter(q, regions)
	if err != nil {
		return f, err
	}
	if w, err := CQL(q); err != nil {
		return f, err
	} else if w != nil {
		f.Where = w
	}
	from, to, err := datetime(q)
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

// datetime reads OGC's datetime into whole days: incidents are dated by
// day, so a time of day selects its day.
func datetime(q url.Values) (from, to time.Time, err error) {
	v, err := single(q, Datetime.Name, Datetime.Accepts)
	if err != nil || v == "" {
		return from, to, err
	}
	bad := func(reason string) error { return paramErr(Datetime.Name, v, reason, Datetime.Accepts) }
	start, end, interval := strings.Cut(v, "/")
	if !interval {
		d, ok := instant(start)
		if !ok {
			return from, to, bad("is not a date or date-time")
		}
		return d, d, nil
	}
	if start != ".." && start != "" {
		d, ok := instant(start)
		if !ok {
			return from, to, bad("has a start that is not a date or date-time")
		}
		from = d
	}
	if end != ".." && end != "" {
		d, ok := instant(end)
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

func instant(s string) (time.Time, bool) {
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

// The parameters of the places gazetteer.
var (
	PlaceQuery = Param{Name: "q", Doc: "Find places, governorates and Badia regions by name, in English or Arabic, tolerant of spelling (Tadmur, Palmyra, تدمر).",
		Accepts: fmt.Sprintf("text of at most %d characters", MaxTextLen), Schema: map[string]any{"type": "string", "maxLength": MaxTextLen}, Example: "Tadmur"}
	PlaceLimit = Param{Name: "limit", Doc: "Matches a search returns, best first.",
		Accepts: "a whole number from 1 to 50", Schema: intSchema(1, 50), Example: "5"}
)

// PlaceSearch reads a places query: the text ("" lists every place) and
// how many matches a search returns.
func PlaceSearch(q url.Values) (text string, limit int, err error) {
	if text, err = textParam(q, PlaceQuery); err != nil {
		return "", 0, err
	}
	limit, err = wholeNumber(q, PlaceLimit, 10, 1, 50)
	return text, limit, err
}

// The parameters of the editing workflow.
var (
	Status = Param{Name: "status", List: true,
		Doc:     "Which versions to list: published (everyone), or for signed-in editors draft (the pending drafts), retracted, or all.",
		Accepts: "published, draft, retracted or all (repeatable or comma-separated)",
		Schema:  listSchema(enumSchema("published", "draft", "retracted", "all")), Example: "published"}
	Reason = Param{Name: "reason", Required: true, Doc: "Why the incident is retracted; kept in its history.",
		Accepts: fmt.Sprintf("text of at most %d characters", MaxTextLen), Schema: map[string]any{"type": "string", "maxLength": MaxTextLen},
		Example: "a duplicate of another report"}
)

// Statuses reads status: the statuses asked for, nil when only published
// incidents are (the default).
func Statuses(q url.Values) ([]geo.Status, error) {
	items, err := list(q, Status)
	if err != nil {
		return nil, err
	}
	var out []geo.Status
	for _, item := range items {
		switch st := geo.Status(strings.ToLower(item)); st {
		case geo.StatusPublished, geo.StatusDraft, geo.StatusRetracted:
			if !slices.Contains(out, st) {
				out = append(out, st)
			}
		case "all":
			out = []geo.Status{geo.StatusPublished, geo.StatusDraft, geo.StatusRetracted}
		default:
			return nil, paramErr(Status.Name, item, "is not a status", Status.Accepts)
		}
	}
	if len(out) == 1 && out[0] == geo.StatusPublished {
		return nil, nil
	}
	return out, nil
}

// RetractReason reads reason, which a retraction needs.
func RetractReason(q url.Values) (string, error) {
	v, err := textParam(q, Reason)
	if err == nil && v == "" {
		err = paramErr(Reason.Name, "", "is required", Reason.Accepts)
	}
	return v, err
}
