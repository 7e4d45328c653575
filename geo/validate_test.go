package geo_test

import (
	"strings"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
)

// Text no database can hold is refused by Validate, so every store refuses
// it the same way, with the field named.
func TestValidateRefusesUnstorableText(t *testing.T) {
	good := func() geo.Incident {
		return geo.Incident{ExternalID: "test:1", DateStart: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC),
			Location: orb.Point{38.3, 34.6}, GeoPrecision: geo.GeoExact, Notes: "حمص", Sources: []geo.Source{{Name: "SOHR"}}}
	}
	if inc := good(); len(inc.Validate(geo.ValidateOptions{})) != 0 {
		t.Fatalf("a good incident is refused: %v", inc.Validate(geo.ValidateOptions{}))
	}
	for _, c := range []struct {
		field, says string
		spoil       func(*geo.Incident)
	}{
		{"notes", "NUL", func(inc *geo.Incident) { inc.Notes = "a\x00b" }},
		{"location_name", "UTF-8", func(inc *geo.Incident) { inc.LocationName = "Pal\xffmyra" }},
		{"sources", "NUL", func(inc *geo.Incident) { inc.Sources[0].Headline = "\x00" }},
		{"id", "UTF-8", func(inc *geo.Incident) { inc.ExternalID = "x:\xc3" }},
	} {
		inc := good()
		c.spoil(&inc)
		errs := inc.Validate(geo.ValidateOptions{})
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), c.field) || !strings.Contains(errs[0].Error(), c.says) {
			t.Errorf("%s: %v, want one error naming %s and %s", c.field, errs, c.field, c.says)
		}
	}
}
