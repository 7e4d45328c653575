package incidentfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// valueKind says how a column's text travels in GeoJSON and which type its
// GeoPackage column has (CSV and KML carry text as is).
type valueKind int

const (
	kindText  valueKind = iota // a JSON string
	kindInt                    // a JSON number, null when empty
	kindFloat                  // a JSON number
	kindDate                   // a JSON string, null when empty
	kindJSON                   // raw JSON (the sources array)
	kindBool                   // a JSON boolean
	kindTime                   // a JSON string, null when empty: an instant, not a day
)

// column is one field of our own CSV, GeoJSON and KML. The same list, in the
// same order, drives every writer and our own readers.
type column struct {
	name string
	hxl  string // HXL hashtag and attributes for the optional second CSV row
	kind valueKind
	// storeField marks what the store assigns or computes (stable id,
	// governorate, region): written on export, ignored on import unless
	// Options.KeepStoreFields.
	storeField bool
	// derived marks a convenience total computed from other columns; never read.
	derived bool
	// geometry marks what GeoJSON and KML carry in the geometry (or the
	// feature id) instead of in the properties.
	geometry bool
	// kmlMain marks the columns KML puts in ExtendedData; KML is for looking
	// at, so it carries the main properties, not the sources JSON.
	kmlMain bool
	format  func(*geo.Incident) string
	parse   func(*geo.Incident, string) error // nil for derived columns
}

// textual reports whether c holds text (as opposed to a number or a date),
// which CSV escapes against formula injection.
func (c column) textual() bool { return c.kind == kindText || c.kind == kindJSON }

// fieldError is one unparseable value, named by the field Validate would use
// so the same problem is not reported twice.
type fieldError struct{ field, reason string }

func (e *fieldError) Error() string { return e.field + ": " + e.reason }

func intColumn(name, hxl string, p func(*geo.Incident) *int) column {
	return column{name: name, hxl: hxl, kind: kindInt, kmlMain: true,
		format: func(inc *geo.Incident) string { return strconv.Itoa(*p(inc)) },
		parse: func(inc *geo.Incident, s string) error {
			n, err := parseCount(name, s)
			*p(inc) = n
			return err
		}}
}

func textColumn(name, hxl string, p func(*geo.Incident) *string) column {
	return column{name: name, hxl: hxl, kind: kindText, kmlMain: true,
		format: func(inc *geo.Incident) string { return *p(inc) },
		parse:  func(inc *geo.Incident, s string) error { *p(inc) = s; return nil }}
}

func deathsColumn(name, hxl string, p func(*geo.DeathEstimate) *int) column {
	return column{name: name, hxl: hxl, kind: kindInt, kmlMain: true,
		format: func(inc *geo.Incident) string {
			if inc.Deaths == nil {
				return ""
			}
			return strconv.Itoa(*p(inc.Deaths))
		},
		parse: func(inc *geo.Incident, s string) error {
			if s == "" {
				return nil
			}
			if inc.Deaths == nil {
				inc.Deaths = &geo.DeathEstimate{}
			}
			n, err := parseCount("deaths", s)
			*p(inc.Deaths) = n
			return err
		}}
}

// columns is the one list of fields our CSV, GeoJSON and KML carry, in order.
var columns = concatColumns(leadingColumns, casualtyColumns(), trailingColumns)

func concatColumns(parts ...[]column) []column {
	var out []column
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// casualtyColumns are the counts of geo.CasualtyGroups, in its order.
func casualtyColumns() []column {
	out := make([]column, len(geo.CasualtyGroups))
	for i, g := range geo.CasualtyGroups {
		out[i] = intColumn(g.Name, g.HXL, func(inc *geo.Incident) *int { return g.Field(&inc.Casualties) })
	}
	return out
}

// leadingColumns come before the casualty counts, trailingColumns after.
var leadingColumns = []column{
	{name: "id", hxl: "#meta+id", kind: kindInt, storeField: true, geometry: true,
		format: func(inc *geo.Incident) string {
			if inc.ID == 0 {
				return ""
			}
			return strconv.FormatInt(inc.ID, 10)
		},
		parse: func(inc *geo.Incident, s string) error {
			if s == "" {
				return nil
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return &fieldError{"id", fmt.Sprintf("stable id %q is not a whole number", s)}
			}
			inc.ID = n
			return nil
		}},
	textColumn("external_id", "#event+id", func(i *geo.Incident) *string { return &i.ExternalID }),
	{name: "date_start", hxl: "#date+start", kind: kindDate, kmlMain: true,
		format: func(inc *geo.Incident) string { return formatDay(inc.DateStart) },
		parse: func(inc *geo.Incident, s string) (err error) {
			inc.DateStart, err = parseDayField("date", "date_start", s)
			return err
		}},
	{name: "date_end", hxl: "#date+end", kind: kindDate, kmlMain: true,
		format: func(inc *geo.Incident) string { return formatDay(inc.DateEnd) },
		parse: func(inc *geo.Incident, s string) (err error) {
			inc.DateEnd, err = parseDayField("date_end", "date_end", s)
			return err
		}},
	intColumn("date_precision", "#date+precision", func(i *geo.Incident) *int { return &i.DatePrecision }),
	{name: "longitude", hxl: "#geo+lon", kind: kindFloat, geometry: true,
		format: func(inc *geo.Incident) string { return formatFloat(inc.Location[0]) },
		parse: func(inc *geo.Incident, s string) (err error) {
			inc.Location[0], err = parseCoordinate("longitude", s)
			return err
		}},
	{name: "latitude", hxl: "#geo+lat", kind: kindFloat, geometry: true,
		format: func(inc *geo.Incident) string { return formatFloat(inc.Location[1]) },
		parse: func(inc *geo.Incident, s string) (err error) {
			inc.Location[1], err = parseCoordinate("latitude", s)
			return err
		}},
	intColumn("geo_precision", "#geo+precision", func(i *geo.Incident) *int { return &i.GeoPrecision }),
	textColumn("location_name", "#loc+name", func(i *geo.Incident) *string { return &i.LocationName }),
	textColumn("source_admin1", "#adm1+name+source", func(i *geo.Incident) *string { return &i.SourceAdmin1 }),
	textColumn("source_admin2", "#adm2+name+source", func(i *geo.Incident) *string { return &i.SourceAdmin2 }),
	textColumn("source_governorate", "#adm1+code+source", func(i *geo.Incident) *string { return &i.SourceGovernorate }),
	storeText("governorate", "#adm1+code", func(i *geo.Incident) *string { return &i.Governorate }),
	storeText("region", "#region+code+badia", func(i *geo.Incident) *string { return &i.Region }),
	{name: "join_basis", hxl: "#meta+join", kind: kindText, storeField: true, kmlMain: true,
		format: func(inc *geo.Incident) string { return string(inc.JoinBasis) },
		parse: func(inc *geo.Incident, s string) error {
			switch b := geo.JoinBasis(s); b {
			case "", geo.BasisPoint, geo.BasisSourceAdmin1, geo.BasisNone:
				inc.JoinBasis = b
				return nil
			}
			return &fieldError{"join_basis", fmt.Sprintf("%q is not point, source_admin1 or none", clip(s))}
		}},
	textColumn("event_type", "#event+type", func(i *geo.Incident) *string { return &i.EventType }),
	textColumn("sub_event_type", "#event+type+sub", func(i *geo.Incident) *string { return &i.SubEventType }),
	textColumn("perpetrator", "#org+name+perpetrator", func(i *geo.Incident) *string { return &i.Perpetrator }),
	textColumn("target", "#org+name+target", func(i *geo.Incident) *string { return &i.Target }),
	{name: "killed", hxl: "#affected+killed", kind: kindInt, derived: true, kmlMain: true,
		format: func(inc *geo.Incident) string { return strconv.Itoa(inc.Casualties.Killed()) }},
}

var trailingColumns = []column{
	deathsColumn("deaths_low", "#affected+killed+estimate+low", func(d *geo.DeathEstimate) *int { return &d.Low }),
	deathsColumn("deaths_best", "#affected+killed+estimate+best", func(d *geo.DeathEstimate) *int { return &d.Best }),
	deathsColumn("deaths_high", "#affected+killed+estimate+high", func(d *geo.DeathEstimate) *int { return &d.High }),
	{name: "sources", hxl: "#meta+source+json", kind: kindJSON,
		format: func(inc *geo.Incident) string { return formatSources(inc.Sources) },
		parse: func(inc *geo.Incident, s string) (err error) {
			inc.Sources, err = parseSources(s)
			return err
		}},
	textColumn("notes", "#description+notes", func(i *geo.Incident) *string { return &i.Notes }),
	{name: "illustrative", hxl: "#meta+illustrative", kind: kindBool, kmlMain: true,
		format: func(inc *geo.Incident) string { return strconv.FormatBool(inc.Illustrative) },
		parse: func(inc *geo.Incident, s string) error {
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "", "false", "0", "no":
				inc.Illustrative = false
			case "true", "1", "yes":
				inc.Illustrative = true
			default:
				return &fieldError{"illustrative", fmt.Sprintf("%q is not true or false", clip(s))}
			}
			return nil
		}},
	{name: "created_at", hxl: "#date+created", kind: kindTime,
		format: func(inc *geo.Incident) string { return formatTimestamp(inc.CreatedAt) },
		parse: func(inc *geo.Incident, s string) (err error) {
			inc.CreatedAt, err = parseTimestamp("created_at", s)
			return err
		}},
	{name: "updated_at", hxl: "#date+updated", kind: kindTime,
		format: func(inc *geo.Incident) string { return formatTimestamp(inc.UpdatedAt) },
		parse: func(inc *geo.Incident, s string) (err error) {
			inc.UpdatedAt, err = parseTimestamp("updated_at", s)
			return err
		}},
}

func storeText(name, hxl string, p func(*geo.Incident) *string) column {
	c := textColumn(name, hxl, p)
	c.storeField = true
	return c
}

// ownRequired are the columns a file must have to be read as our own format.
var ownRequired = []string{"external_id", "date_start", "longitude", "latitude"}

// Columns lists the fields of badiamap's own CSV in order; GeoJSON and KML
// carry the same fields in the same order, with id, longitude and latitude in
// the feature id and geometry instead.
func Columns() []string {
	names := make([]string, len(columns))
	for i, c := range columns {
		names[i] = c.name
	}
	return names
}

// HXLTags lists the HXL hashtag of each of Columns, in the same order.
func HXLTags() []string {
	tags := make([]string, len(columns))
	for i, c := range columns {
		tags[i] = c.hxl
	}
	return tags
}

func columnIndex(name string) int {
	for i, c := range columns {
		if c.name == name {
			return i
		}
	}
	return -1
}

// formatFloat writes the shortest decimal that reads back to the same float.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// formatDay writes a calendar day as 2024-01-15; a time that is not a UTC
// midnight keeps its full RFC 3339 form so nothing is lost.
func formatDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if t.Location() == time.UTC && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format(geo.DateLayout)
	}
	return t.Format(time.RFC3339Nano)
}

func formatTimestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// dayLayouts are the calendar-day forms sources use: ISO (UCDP, ACLED's API),
// "15 January 2024" (older ACLED exports), dd-mm-yyyy (ACLED's codebook).
var dayLayouts = []string{geo.DateLayout, "2 January 2006", "02 January 2006", "2 Jan 2006", "02-01-2006", "2006/01/02",
	"January 2, 2006", "2-January-2006", "02-January-2006"}

// parseDay reads a calendar day in any of dayLayouts, or an RFC 3339 time.
func parseDay(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, ok := parseISODay(s); ok {
		return t, true
	}
	for _, l := range dayLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// parseISODay reads the common YYYY-MM-DD without time.Parse's generic
// layout machinery (a million-row file has millions of dates); anything else,
// or an impossible day, is left to time.Parse.
func parseISODay(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	num := func(part string) (int, bool) {
		n := 0
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(s[:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(m, y) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), true
}

// daysIn is the number of days in month m of year y.
func daysIn(m, y int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseDayField parses column's value s; "" is a zero time (Validate reports
// a missing start date).
func parseDayField(field, column, s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, nil
	}
	t, ok := parseDay(s)
	if !ok {
		return time.Time{}, &fieldError{field, fmt.Sprintf("%s %q is not a date (expected YYYY-MM-DD or \"15 January 2024\")", column, clip(s))}
	}
	return t, nil
}

func parseTimestamp(column, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, &fieldError{column, fmt.Sprintf("%q is not an RFC 3339 timestamp", clip(s))}
	}
	return t, nil
}

// parseCoordinate reads a decimal degree. NaN and infinities parse: Validate
// rejects them with its own reason.
func parseCoordinate(column, s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return math.NaN(), &fieldError{"coordinates", column + " is missing"}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) {
		return math.NaN(), &fieldError{"coordinates", fmt.Sprintf("%s %q is not a number", column, clip(s))}
	}
	return v, nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// parseCount reads a head count: a whole number, "" meaning 0. A
// floating-point form of a whole number ("3.0", as some spreadsheets write)
// is accepted.
func parseCount(field, s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n > maxCount || n < -maxCount {
			return 0, &fieldError{field, fmt.Sprintf("%d is not a plausible count", n)}
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > maxCount {
		return 0, &fieldError{field, fmt.Sprintf("%q is not a whole number", clip(s))}
	}
	return int(f), nil
}

// maxCount bounds a count so sums over a million incidents cannot overflow.
const maxCount = 1_000_000_000

// sourceJSON is how one geo.Source travels in our files.
type sourceJSON struct {
	Name     string `json:"name"`
	URL      string `json:"url,omitempty"`
	Date     string `json:"date,omitempty"`
	Headline string `json:"headline,omitempty"`
}

// formatSources writes sources as a JSON array ("" when there are none).
func formatSources(src []geo.Source) string {
	if len(src) == 0 {
		return ""
	}
	out := make([]sourceJSON, len(src))
	for i, s := range src {
		out[i] = sourceJSON{Name: s.Name, URL: s.URL, Date: formatDay(s.Date), Headline: s.Headline}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil { // cannot fail on strings
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func parseSources(s string) ([]geo.Source, error) {
	if strings.TrimSpace(s) == "" || s == "[]" || s == "null" {
		return nil, nil
	}
	var in []sourceJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, &fieldError{"sources", "not a JSON array of {name, url, date, headline}: " + err.Error()}
	}
	out := make([]geo.Source, len(in))
	for i, v := range in {
		out[i] = geo.Source{Name: v.Name, URL: v.URL, Headline: v.Headline}
		if v.Date != "" {
			t, ok := parseDay(v.Date)
			if !ok {
				return nil, &fieldError{"sources", fmt.Sprintf("source %d date %q is not a date", i+1, clip(v.Date))}
			}
			out[i].Date = t
		}
	}
	return out, nil
}

// clip shortens a value quoted in an error so a hostile 10 MB cell does not
// become a 10 MB message.
func clip(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
