package request

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/paulmach/orb"
)

// The parameters of the incident filter, the grammar every incident
// endpoint, download, tile and export shares.
var (
	Governorate = Param{Name: "governorate", List: true,
		Doc:     "Incidents joined to these governorates.",
		Accepts: "an OCHA p-code SY01-SY14 or an English or Arabic governorate name such as Homs or حمص (repeatable or comma-separated)",
		Schema:  listSchema(strSchema()), Example: "SY04"}
	Region = Param{Name: "region", List: true,
		Doc:     "Incidents joined to these Badia regions.",
		Accepts: "a Badia region code BADIA-SY01 to BADIA-SY14 (repeatable or comma-separated)",
		Schema:  listSchema(map[string]any{"type": "string", "pattern": geo.BadiaCodePattern}), Example: "BADIA-SY04"}
	From = Param{Name: "from", Doc: "First day of the incident's start date, inclusive.",
		Accepts: dateAccepts, Schema: dateSchema(), Example: "2016-01-01"}
	To = Param{Name: "to", Doc: "Last day of the incident's start date, inclusive; not before from.",
		Accepts: dateAccepts, Schema: dateSchema(), Example: "2024-04-21"}
	EventType = Param{Name: "event_type", List: true, Doc: "ACLED event types, exact.",
		Accepts: "ACLED event types such as Battles (repeatable or comma-separated)",
		Schema:  listSchema(strSchema()), Example: "Battles"}
	SubEventType = Param{Name: "sub_event_type", List: true, Doc: "ACLED sub-event types, exact.",
		Accepts: "ACLED sub-event types such as Armed clash (repeatable or comma-separated)",
		Schema:  listSchema(strSchema()), Example: "Armed clash"}
	Perpetrator = Param{Name: "perpetrator", List: true, Doc: "Perpetrator, case-insensitive substring.",
		Accepts: "actor names, matched as case-insensitive substrings (repeatable or comma-separated)",
		Schema:  listSchema(strSchema()), Example: "IS"}
	Victim = Param{Name: "victim", List: true,
		Doc:     "Incidents with at least one victim in one of these groups.",
		Accepts: "one of " + strings.Join(victimNames(), ", ") + " (repeatable or comma-separated)",
		Schema:  listSchema(enumSchema(victimNames()...)), Example: "civilians"}
	MinKilled = Param{Name: "min_killed", Doc: "Incidents with at least this many killed.",
		Accepts: fmt.Sprintf("a whole number from 0 to %d", MaxMinKilled),
		Schema:  intSchema(0, MaxMinKilled), Example: "1"}
	BBox = Param{Name: "bbox", Doc: "Incidents inside this box, edges included; a 3D box's heights are ignored.",
		Accepts: "minLon,minLat,maxLon,maxLat in WGS84 degrees, such as 36.5,33.5,41.5,36.0 (longitudes -180..180, latitudes -90..90, min <= max)",
		Schema:  map[string]any{"type": "array", "minItems": 4, "maxItems": 6, "items": map[string]any{"type": "number"}},
		Example: "36.5,33.5,41.5,36.0"}
	Text = Param{Name: "q", Doc: "Text in the place name or notes, case-insensitive.",
		Accepts: fmt.Sprintf("text of at most %d characters, matched in place names and notes", MaxTextLen),
		Schema:  map[string]any{"type": "string", "maxLength": MaxTextLen}, Example: "Palmyra"}
	Source = Param{Name: "source", List: true, Doc: "Name of a source, case-insensitive exact.",
		Accepts: "source names such as SOHR (repeatable or comma-separated)",
		Schema:  listSchema(strSchema()), Example: "SOHR"}
	Precision = Param{Name: "precision",
		Doc:     "The coarsest location precision kept: 2 keeps points known to within about 25 km, 3 adds district centroids, 7 keeps everything.",
		Accepts: "a whole number from 1 (the exact place) to 7 (abroad), on UCDP's where_prec scale",
		Schema:  intSchema(1, 7), Example: "2"}
	Illustrative = Param{Name: "illustrative",
		Doc:     "Only the illustrative incidents (places and dates made up to illustrate published figures: the demo), or, with 0, only the rest.",
		Accepts: "1 or 0 (true or false)", Schema: enumSchema("0", "1"), Example: "0"}
)

// FilterParams lists the filter's parameters in the order they are
// documented and echoed back.
var FilterParams = []Param{Governorate, Region, From, To, EventType, SubEventType, Perpetrator, Victim,
	MinKilled, BBox, Text, Source, Precision, Illustrative}

const dateAccepts = "a calendar date YYYY-MM-DD such as 2024-01-31"

func victimNames() []string {
	out := make([]string, len(geo.VictimGroups))
	for i, g := range geo.VictimGroups {
		out[i] = string(g)
	}
	return out
}

// Filter parses the filter's parameters out of q; other parameters are the
// caller's (see Only). regions are the regions the store holds: Badia region
// codes are checked against them (against the pattern BADIA-SY01..14 when
// none is a Badia region) and governorate names against their English and
// Arabic names as well as incidentfile's gazetteer.
func Filter(q url.Values, regions []geo.Region) (geo.IncidentFilter, error) {
	var f geo.IncidentFilter
	var err error
	if f.Governorates, err = governorates(q, regions); err != nil {
		return f, err
	}
	if f.Regions, err = badiaRegions(q, regions); err != nil {
		return f, err
	}
	if f.From, err = Date(q, From); err != nil {
		return f, err
	}
	if f.To, err = Date(q, To); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.From.After(f.To) {
		return f, paramErr(From.Name, q.Get(From.Name), "is after to="+q.Get(To.Name), "a date on or before to")
	}
	if f.EventTypes, err = list(q, EventType); err != nil {
		return f, err
	}
	if f.SubEventTypes, err = list(q, SubEventType); err != nil {
		return f, err
	}
	if f.Perpetrators, err = list(q, Perpetrator); err != nil {
		return f, err
	}
	if f.Victims, err = victims(q); err != nil {
		return f, err
	}
	if f.MinKilled, err = wholeNumber(q, MinKilled, 0, 0, MaxMinKilled); err != nil {
		return f, err
	}
	if f.BBox, err = bbox(q, BBox); err != nil {
		return f, err
	}
	if f.Text, err = textParam(q, Text); err != nil {
		return f, err
	}
	if f.Sources, err = list(q, Source); err != nil {
		return f, err
	}
	if f.MaxPrecision, err = wholeNumber(q, Precision, 0, 1, 7); err != nil {
		return f, err
	}
	if v, err := single(q, Illustrative.Name, Illustrative.Accepts); err != nil {
		return f, err
	} else if v != "" {
		b, err := Bool(q, Illustrative)
		if err != nil {
			return f, err
		}
		f.Illustrative = &b
	}
	return f, nil
}

func governorates(q url.Values, regions []geo.Region) ([]string, error) {
	items, err := list(q, Governorate)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, item := range items {
		code := GovernorateCode(item, regions)
		if code == "" {
			return nil, paramErr(Governorate.Name, item, "names no governorate", Governorate.Accepts)
		}
		if !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	return out, nil
}

// GovernorateCode resolves a p-code or name, first against the regions the
// store holds, then against the gazetteer of spellings sources use; "" when
// it names none.
func GovernorateCode(name string, regions []geo.Region) string {
	for _, r := range regions {
		if r.Kind != geo.KindGovernorate {
			continue
		}
		if strings.EqualFold(r.Code, name) || strings.EqualFold(r.NameEN, name) || r.NameAR == name {
			return r.Code
		}
	}
	return incidentfile.Admin1PCode(name)
}

func badiaRegions(q url.Values, regions []geo.Region) ([]string, error) {
	known := geo.CodesOf(regions, geo.KindBadia)
	accepts := Region.Accepts
	if len(known) > 0 {
		accepts = "a Badia region code: " + strings.Join(known, ", ") + " (repeatable or comma-separated)"
	}
	items, err := list(q, Region)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, item := range items {
		code, ok := KnownBadiaCode(item, known)
		if !ok {
			return nil, paramErr(Region.Name, item, "is not a known Badia region", accepts)
		}
		if !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	return out, nil
}

// KnownBadiaCode is s as a Badia region code (upper case) when it is one of
// known, or has the form of one when known is empty.
func KnownBadiaCode(s string, known []string) (string, bool) {
	code := strings.ToUpper(strings.TrimSpace(s))
	if !geo.IsBadiaCode(code) {
		return "", false
	}
	return code, len(known) == 0 || slices.Contains(known, code)
}

// Date reads a single calendar date; zero when absent.
func Date(q url.Values, p Param) (time.Time, error) {
	v, err := single(q, p.Name, p.Accepts)
	if err != nil || v == "" {
		return time.Time{}, err
	}
	d, err := time.Parse(geo.DateLayout, v)
	if err != nil || len(v) != len(geo.DateLayout) {
		return time.Time{}, paramErr(p.Name, v, "is not a valid date", p.Accepts)
	}
	if d.Year() < 1900 || d.Year() > 2200 {
		return time.Time{}, paramErr(p.Name, v, "is out of range", "a date between 1900-01-01 and 2200-12-31")
	}
	return d, nil
}

func victims(q url.Values) ([]geo.VictimGroup, error) {
	items, err := list(q, Victim)
	if err != nil {
		return nil, err
	}
	var out []geo.VictimGroup
	for _, item := range items {
		i := slices.IndexFunc(geo.VictimGroups, func(g geo.VictimGroup) bool { return strings.EqualFold(string(g), item) })
		if i < 0 {
			return nil, paramErr(Victim.Name, item, "is not a victim group", Victim.Accepts)
		}
		if g := geo.VictimGroups[i]; !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out, nil
}

// bbox parses a 2D box; OGC clients may send a 3D one
// (minLon,minLat,minZ,maxLon,maxLat,maxZ), whose heights are ignored.
func bbox(q url.Values, p Param) (*orb.Bound, error) {
	v, err := single(q, p.Name, p.Accepts)
	if err != nil || v == "" {
		return nil, err
	}
	parts := strings.Split(v, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return nil, paramErr(p.Name, v, fmt.Sprintf("has %d numbers, not 4", len(parts)), p.Accepts)
	}
	nums := make([]float64, len(parts))
	for i, s := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, paramErr(p.Name, v, fmt.Sprintf("has %q, which is not a number", Clip(s, 30)), p.Accepts)
		}
		nums[i] = x
	}
	if len(nums) == 6 {
		nums = []float64{nums[0], nums[1], nums[3], nums[4]}
	}
	minLon, minLat, maxLon, maxLat := nums[0], nums[1], nums[2], nums[3]
	switch {
	case minLon < -180 || maxLon > 180 || minLon > 180 || maxLon < -180:
		return nil, paramErr(p.Name, v, "has a longitude outside -180..180", p.Accepts)
	case minLat < -90 || maxLat > 90 || minLat > 90 || maxLat < -90:
		return nil, paramErr(p.Name, v, "has a latitude outside -90..90", p.Accepts)
	case minLon > maxLon:
		return nil, paramErr(p.Name, v, "is inverted: its minimum longitude is greater than its maximum", p.Accepts)
	case minLat > maxLat:
		return nil, paramErr(p.Name, v, "is inverted: its minimum latitude is greater than its maximum", p.Accepts)
	}
	return &orb.Bound{Min: orb.Point{minLon, minLat}, Max: orb.Point{maxLon, maxLat}}, nil
}

// FilterQuery is the canonical query of f: the parameters that reproduce it,
// with lists in a stable order. Next links, cache keys, download names and
// the filter echoed in responses are built from it.
func FilterQuery(f geo.IncidentFilter) url.Values {
	q := url.Values{}
	add := func(p Param, vs []string) {
		if len(vs) > 0 {
			s := slices.Clone(vs)
			sort.Strings(s)
			q.Set(p.Name, strings.Join(s, ","))
		}
	}
	add(Governorate, f.Governorates)
	add(Region, f.Regions)
	if !f.From.IsZero() {
		q.Set(From.Name, f.From.Format(geo.DateLayout))
	}
	if !f.To.IsZero() {
		q.Set(To.Name, f.To.Format(geo.DateLayout))
	}
	add(EventType, f.EventTypes)
	add(SubEventType, f.SubEventTypes)
	add(Perpetrator, f.Perpetrators)
	victims := make([]string, len(f.Victims))
	for i, v := range f.Victims {
		victims[i] = string(v)
	}
	add(Victim, victims)
	if f.MinKilled > 0 {
		q.Set(MinKilled.Name, strconv.Itoa(f.MinKilled))
	}
	if f.BBox != nil {
		q.Set(BBox.Name, FormatBBox(*f.BBox))
	}
	if f.Text != "" {
		q.Set(Text.Name, f.Text)
	}
	add(Source, f.Sources)
	if f.MaxPrecision > 0 {
		q.Set(Precision.Name, strconv.Itoa(f.MaxPrecision))
	}
	if f.Illustrative != nil {
		q.Set(Illustrative.Name, map[bool]string{true: "1", false: "0"}[*f.Illustrative])
	}
	if f.Where != nil {
		q.Set(CQLFilter.Name, f.Where.String()) // canonical cql2-text, filter-lang's default
	}
	return q
}

// FormatBBox writes b as the bbox parameter takes it.
func FormatBBox(b orb.Bound) string {
	ff := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	return ff(b.Min[0]) + "," + ff(b.Min[1]) + "," + ff(b.Max[0]) + "," + ff(b.Max[1])
}

// FilterJSON is f as responses and files echo it: one member per parameter
// given, lists as arrays, numbers as numbers.
func FilterJSON(f geo.IncidentFilter) map[string]any {
	out := map[string]any{}
	for name, vs := range FilterQuery(f) {
		p, _ := paramNamed(FilterParams, name)
		switch {
		case p.List:
			out[name] = strings.Split(vs[0], ",")
		default:
			out[name] = vs[0]
		}
	}
	if f.MinKilled > 0 {
		out[MinKilled.Name] = f.MinKilled
	}
	if f.MaxPrecision > 0 {
		out[Precision.Name] = f.MaxPrecision
	}
	if f.Illustrative != nil {
		out[Illustrative.Name] = *f.Illustrative
	}
	if f.BBox != nil {
		out[BBox.Name] = []float64{f.BBox.Min[0], f.BBox.Min[1], f.BBox.Max[0], f.BBox.Max[1]}
	}
	return out
}

func paramNamed(params []Param, name string) (Param, bool) {
	i := slices.IndexFunc(params, func(p Param) bool { return p.Name == name })
	if i < 0 {
		return Param{}, false
	}
	return params[i], true
}
