package geo

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// SyriaBound is Syria's bounding box with a margin of about 50 km, the area
// a point must fall in unless an import says otherwise.
var SyriaBound = orb.Bound{Min: orb.Point{35.2, 31.9}, Max: orb.Point{42.9, 37.8}}

// ValidationError is one reason an incident cannot be stored as given.
type ValidationError struct {
	Field  string // the field at fault, e.g. "latitude"
	Reason string // a sentence a person can act on
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Reason }

// ValidateOptions loosens the checks for sources known to reach beyond Syria.
type ValidateOptions struct {
	AllowOutsideSyria bool
}

// Validate returns every reason inc is wrong, or nil.
func (inc *Incident) Validate(opt ValidateOptions) []error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, &ValidationError{Field: field, Reason: fmt.Sprintf(format, a...)})
	}
	if inc.ExternalID == "" {
		bad("id", "missing")
	}
	if inc.DateStart.IsZero() {
		bad("date", "missing")
	} else if !inc.DateEnd.IsZero() && inc.DateEnd.Before(inc.DateStart) {
		bad("date_end", "%s is before the start date %s", inc.DateEnd.Format(DateLayout), inc.DateStart.Format(DateLayout))
	}
	lon, lat := inc.Location[0], inc.Location[1]
	switch {
	case math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0):
		bad("coordinates", "not a number")
	case lat < -90 || lat > 90 || lon < -180 || lon > 180:
		bad("coordinates", "out of range (longitude %g, latitude %g)", lon, lat)
	case !opt.AllowOutsideSyria && !SyriaBound.Contains(inc.Location):
		if SyriaBound.Contains(orb.Point{lat, lon}) {
			bad("coordinates", "latitude and longitude are probably swapped (longitude %g, latitude %g lands in Syria the other way round)", lon, lat)
		} else {
			bad("coordinates", "longitude %g, latitude %g is far outside Syria", lon, lat)
		}
	}
	if inc.GeoPrecision < GeoExact || inc.GeoPrecision > GeoAbroad {
		bad("geo_precision", "%d is not a location precision: give 1 (the exact place), 2 (within about 25 km), 3 (a district), 4 (a governorate), 5 (along a road or river), 6 (the country) or 7 (abroad)", inc.GeoPrecision)
	}
	c := inc.Casualties
	for _, g := range CasualtyGroups {
		if v := g.Of(c); v < 0 {
			bad(g.Name, "negative count %d", v)
		}
	}
	for _, g := range CasualtyGroups {
		if g.PartOf == "" {
			continue
		}
		whole, _ := CasualtyGroupNamed(g.PartOf)
		if v, w := g.Of(c), whole.Of(c); v > w {
			bad(g.Name, "%d is more than the %d %s killed it is part of", v, w, whole.Name)
		}
	}
	// PostgreSQL text holds neither a NUL nor broken UTF-8; no store takes them.
	type text struct{ name, v string }
	texts := []text{{"id", inc.ExternalID}, {"location_name", inc.LocationName},
		{"source_admin1", inc.SourceAdmin1}, {"source_admin2", inc.SourceAdmin2}, {"source_governorate", inc.SourceGovernorate},
		{"event_type", inc.EventType}, {"sub_event_type", inc.SubEventType}, {"perpetrator", inc.Perpetrator},
		{"target", inc.Target}, {"notes", inc.Notes}}
	for _, src := range inc.Sources {
		texts = append(texts, text{"sources", src.Name}, text{"sources", src.URL}, text{"sources", src.Headline})
	}
	for _, t := range texts {
		switch {
		case strings.IndexByte(t.v, 0) >= 0:
			bad(t.name, "holds a NUL character")
		case !utf8.ValidString(t.v):
			bad(t.name, "is not valid UTF-8")
		}
	}
	if d := inc.Deaths; d != nil {
		if d.Low < 0 || d.Best < 0 || d.High < 0 {
			bad("deaths", "negative estimate (low %d, best %d, high %d)", d.Low, d.Best, d.High)
		} else if d.Low > d.Best || d.Best > d.High {
			bad("deaths", "estimates out of order (low %d, best %d, high %d)", d.Low, d.Best, d.High)
		}
	}
	return errs
}

// ErrNotFound is returned by a Store for an id or code it does not hold.
var ErrNotFound = errors.New("not found")

// DateLayout is the calendar-day format used on the wire and in files.
const DateLayout = "2006-01-02"
