// Package incidentcql binds CQL2 filters (package cql2) to incidents: the
// queryables of the incidents collection, named as the GeoJSON API names
// the properties; the value of each for a geo.Incident; and Filter, the
// geo.Condition a parsed and checked filter becomes. Its MatchIncident is
// cql2.Eval on the incident, the reference a store that compiles filters
// (geo/postgis) is held to by the contract suite.
package incidentcql

import (
	"strings"

	"github.com/badiamap/badiamap/cql2"
	"github.com/badiamap/badiamap/geo"
)

// Property is one queryable of an incident.
type Property struct {
	cql2.Queryable
	Title string
	// Nullable says the value may be NULL (the deaths estimates).
	Nullable bool
	// Value is the property of inc as cql2.Eval takes it; nil is NULL.
	// Interval queryables have none (Check replaces them by their ends).
	Value func(inc *geo.Incident) any
}

// Geometry and Period are the names of the point and of the incident's date
// interval, INTERVAL(date_start, date_end).
const (
	Geometry = "geometry"
	Period   = "period"
)

func bound(v float64) *float64 { return &v }

func text(name, title string, field func(*geo.Incident) string) Property {
	return Property{Queryable: cql2.Queryable{Name: name, Type: cql2.TypeString}, Title: title,
		Value: func(inc *geo.Incident) any { return field(inc) }}
}

func count(name, title string, field func(*geo.Incident) int) Property {
	return Property{Queryable: cql2.Queryable{Name: name, Type: cql2.TypeInteger, Minimum: bound(0)}, Title: title,
		Value: func(inc *geo.Incident) any { return field(inc) }}
}

func deaths(name, title string, field func(*geo.DeathEstimate) int) Property {
	return Property{Queryable: cql2.Queryable{Name: name, Type: cql2.TypeInteger, Minimum: bound(0)}, Title: title, Nullable: true,
		Value: func(inc *geo.Incident) any {
			if inc.Deaths == nil {
				return nil
			}
			return field(inc.Deaths)
		}}
}

// Properties are the queryables in the order the GeoJSON API lists the
// properties, then the geometry and the period.
var Properties = func() []Property {
	ps := []Property{
		text("external_id", "The source's own id with its scheme (ucdp:214797)", func(i *geo.Incident) string { return i.ExternalID }),
		{Queryable: cql2.Queryable{Name: "date_start", Type: cql2.TypeDate}, Title: "First day of the incident",
			Value: func(i *geo.Incident) any { return i.DateStart }},
		{Queryable: cql2.Queryable{Name: "date_end", Type: cql2.TypeDate}, Title: "Last day of the incident",
			Value: func(i *geo.Incident) any { return i.DateEnd }},
		{Queryable: cql2.Queryable{Name: "date_precision", Type: cql2.TypeInteger, Minimum: bound(geo.DateExact), Maximum: bound(geo.DateLonger)},
			Title: "Date precision, UCDP date_prec: 1 the exact day to 5 longer than a month",
			Value: func(i *geo.Incident) any { return i.DatePrecision }},
		{Queryable: cql2.Queryable{Name: "geo_precision", Type: cql2.TypeInteger, Minimum: bound(geo.GeoExact), Maximum: bound(geo.GeoAbroad)},
			Title: "Location precision, UCDP where_prec: 1 exact, 2 within 25 km, 3 district, 4 governorate, 5 linear, 6 country, 7 abroad",
			Value: func(i *geo.Incident) any { return i.GeoPrecision }},
		text("location_name", "Place name", func(i *geo.Incident) string { return i.LocationName }),
		text("source_admin1", "The source's own first-order administrative name", func(i *geo.Incident) string { return i.SourceAdmin1 }),
		text("source_admin2", "The source's own second-order administrative name", func(i *geo.Incident) string { return i.SourceAdmin2 }),
		text("source_governorate", "The p-code the source's admin1 names ('' for none)", func(i *geo.Incident) string { return i.SourceGovernorate }),
		text("governorate", "P-code of the governorate the incident is joined to ('' for none)", func(i *geo.Incident) string { return i.Governorate }),
		text("region", "Badia region the incident is joined to, BADIA-SYxx ('' for none)", func(i *geo.Incident) string { return i.Region }),
		{Queryable: cql2.Queryable{Name: "join_basis", Type: cql2.TypeString,
			Enum: []string{string(geo.BasisPoint), string(geo.BasisSourceAdmin1), string(geo.BasisNone)}},
			Title: "Why the governorate is what it is", Value: func(i *geo.Incident) any { return string(i.JoinBasis) }},
		{Queryable: cql2.Queryable{Name: "event_type", Type: cql2.TypeString, Enum: geo.EventTypes},
			Title: "ACLED event type", Value: func(i *geo.Incident) any { return i.EventType }},
		text("sub_event_type", "ACLED sub-event type", func(i *geo.Incident) string { return i.SubEventType }),
		text("perpetrator", "Actor that attacked", func(i *geo.Incident) string { return i.Perpetrator }),
		text("target", "Actor attacked", func(i *geo.Incident) string { return i.Target }),
		count("killed", "Everyone killed", func(i *geo.Incident) int { return i.Casualties.Killed() }),
	}
	for _, g := range geo.CasualtyGroups {
		ps = append(ps, count(g.Name, strings.ToUpper(g.Description[:1])+g.Description[1:],
			func(i *geo.Incident) int { return g.Of(i.Casualties) }))
	}
	return append(ps,
		deaths("deaths_low", "The source's low estimate of deaths (NULL without one)", func(d *geo.DeathEstimate) int { return d.Low }),
		deaths("deaths_best", "The source's best estimate of deaths (NULL without one)", func(d *geo.DeathEstimate) int { return d.Best }),
		deaths("deaths_high", "The source's high estimate of deaths (NULL without one)", func(d *geo.DeathEstimate) int { return d.High }),
		text("notes", "Notes", func(i *geo.Incident) string { return i.Notes }),
		Property{Queryable: cql2.Queryable{Name: "illustrative", Type: cql2.TypeBoolean},
			Title: "Made up to illustrate published figures (the demo), never real data",
			Value: func(i *geo.Incident) any { return i.Illustrative }},
		Property{Queryable: cql2.Queryable{Name: "created_at", Type: cql2.TypeTimestamp}, Title: "When the store first held the incident",
			Value: func(i *geo.Incident) any { return i.CreatedAt }},
		Property{Queryable: cql2.Queryable{Name: "updated_at", Type: cql2.TypeTimestamp}, Title: "When the store last changed the incident",
			Value: func(i *geo.Incident) any { return i.UpdatedAt }},
		Property{Queryable: cql2.Queryable{Name: Geometry, Type: cql2.TypeGeometry}, Title: "The incident's point, CRS84 longitude and latitude",
			Value: func(i *geo.Incident) any { return i.Location }},
		Property{Queryable: cql2.Queryable{Name: Period, Type: cql2.TypeInterval, Start: "date_start", End: "date_end"},
			Title: "The incident's days, INTERVAL(date_start, date_end)"},
	)
}()

// Queryables are the queryables of Properties, for cql2.Check.
var Queryables = func() []cql2.Queryable {
	out := make([]cql2.Queryable, len(Properties))
	for i, p := range Properties {
		out[i] = p.Queryable
	}
	return out
}()

var byName = func() map[string]Property {
	m := make(map[string]Property, len(Properties))
	for _, p := range Properties {
		m[p.Name] = p
	}
	return m
}()

// row is an incident as cql2.Eval reads it.
type row struct{ inc *geo.Incident }

func (r row) Value(name string) any {
	if p, ok := byName[name]; ok && p.Value != nil {
		return p.Value(r.inc)
	}
	return nil
}

// Filter is a parsed and checked CQL2 filter over incidents: the
// geo.Condition an IncidentFilter carries in Where.
type Filter struct {
	expr cql2.Expr // checked
	text string    // canonical cql2-text of what was parsed
}

// Parse parses filter in lang ("cql2-text", "" for it, or "cql2-json") and
// checks it against Queryables. Errors are *cql2.Error, with the position.
func Parse(filter, lang string) (*Filter, error) {
	e, err := cql2.Parse(filter, lang)
	if err != nil {
		return nil, err
	}
	var checked cql2.Expr
	if lang == "cql2-json" {
		checked, err = cql2.Check(e, Queryables)
	} else {
		// CheckText locates a check error in the text: line, column, caret.
		checked, err = cql2.CheckText(filter, Queryables)
	}
	if err != nil {
		return nil, err
	}
	return &Filter{expr: checked, text: e.String()}, nil
}

// Expr is the checked expression: properties typed, the period replaced by
// INTERVAL(date_start, date_end). A compiler walks it.
func (f *Filter) Expr() cql2.Expr { return f.expr }

// String is the filter in canonical cql2-text; parsing it gives the same
// filter.
func (f *Filter) String() string { return f.text }

// MatchIncident reports whether the filter is true for inc.
func (f *Filter) MatchIncident(inc *geo.Incident) bool {
	ok, err := cql2.Eval(f.expr, row{inc})
	// An error means a property holds a value of another type than its
	// queryable's, which Properties rules out.
	return err == nil && ok
}

var _ geo.Condition = (*Filter)(nil)
