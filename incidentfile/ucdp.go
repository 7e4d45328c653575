package incidentfile

import (
	"fmt"
	"html"
	"strconv"
	"strings"

	"github.com/badiamap/badiamap/geo"
)

// ucdpRequired are the UCDP GED columns the mapping cannot do without.
var ucdpRequired = []string{"id", "type_of_violence", "side_a", "side_b", "date_prec", "date_start", "date_end",
	"where_prec", "adm_1", "latitude", "longitude", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best"}

// UCDP's name for the Syrian government side and for the Islamic State.
const (
	ucdpGovernmentOfSyria = "Government of Syria"
	ucdpIS                = "IS"
	ucdpCivilians         = "Civilians"
)

// casualtyGroup is where a side's deaths are counted.
type casualtyGroup int

const (
	groupOtherArmed casualtyGroup = iota
	groupMilitary
	groupMilitia // counted in Military and in Militia
	groupISIS
	groupCivilians
	groupUnknown
)

func (g casualtyGroup) add(c *geo.Casualties, n int) {
	switch g {
	case groupMilitary:
		c.Military += n
	case groupMilitia:
		c.Military += n
		c.Militia += n
	case groupISIS:
		c.ISIS += n
	case groupCivilians:
		c.Civilians += n
	case groupUnknown:
		c.Unknown += n
	default:
		c.OtherArmed += n
	}
}

// ucdpSideGroup is the casualty group of a UCDP side, by its name: the
// Government of Syria -> military, IS -> ISIS, Civilians (only ever side_b
// of one-sided violence, whose deaths_b UCDP sets to 0) -> civilians, any
// other side (rebel groups, SDF, HTS, other governments) -> other armed.
func ucdpSideGroup(side string) casualtyGroup {
	switch strings.TrimSpace(side) {
	case ucdpGovernmentOfSyria:
		return groupMilitary
	case ucdpIS:
		return groupISIS
	case ucdpCivilians:
		return groupCivilians
	}
	return groupOtherArmed
}

// ucdpViolence names UCDP's type_of_violence codes for the notes.
var ucdpViolence = map[int]string{1: "state-based conflict", 2: "non-state conflict", 3: "one-sided violence"}

// newUCDPMapper maps a UCDP GED row (codebook 19.1) to an incident:
//
//   - ExternalID "ucdp:" + id
//   - DateStart, DateEnd = date_start, date_end; DatePrecision = date_prec (the same 1-5 scale)
//   - Location = longitude, latitude; GeoPrecision = where_prec (the same 1-7 scale)
//   - LocationName = where_coordinates; SourceAdmin1, SourceAdmin2 = adm_1, adm_2;
//     SourceGovernorate = Admin1PCode(adm_1)
//   - EventType/SubEventType: type_of_violence 1 (state-based) and 2 (non-state) ->
//     "Battles"/"Armed clash"; 3 (one-sided) -> "Violence against civilians"/"Attack"
//   - Perpetrator = side_a, Target = side_b
//   - deaths_a and deaths_b go to the group of side_a and side_b (ucdpSideGroup);
//     deaths_civilians -> Civilians; deaths_unknown -> Unknown; so Killed() = best
//   - Deaths = low, best, high; where UCDP's low is above best or its high
//     below (about 100 events), the range is widened to include best and the
//     published figures are kept in Notes
//   - Sources: source_office, source_date and source_headline split on ';'
//     (see ucdpSources and splitHeadlines; HTML entities are decoded)
//   - Notes: the type of violence, dyad_name, conflict_name when it differs,
//     event_clarity 2 (several incidents reported together) and source_original.
func newUCDPMapper(idx map[string]int, _ Options) rowMapper {
	col := func(name string) int {
		if i, ok := idx[name]; ok {
			return i
		}
		return -1
	}
	var (
		id, tov, sideA, sideB          = col("id"), col("type_of_violence"), col("side_a"), col("side_b")
		datePrec, dateStart, dateEnd   = col("date_prec"), col("date_start"), col("date_end")
		wherePrec, whereCoords         = col("where_prec"), col("where_coordinates")
		adm1, adm2, lat, lon           = col("adm_1"), col("adm_2"), col("latitude"), col("longitude")
		deathsA, deathsB, civ, unknown = col("deaths_a"), col("deaths_b"), col("deaths_civilians"), col("deaths_unknown")
		low, best, high                = col("low"), col("best"), col("high")
		office, srcDate, headline      = col("source_office"), col("source_date"), col("source_headline")
		dyad, conflict, clarity, orig  = col("dyad_name"), col("conflict_name"), col("event_clarity"), col("source_original")
	)
	pcodes := admin1Cache{}
	return func(rec []string, inc *geo.Incident) []error {
		get := func(i int) string {
			if i < 0 {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		var errs []error
		fail := func(err error) {
			if err != nil {
				errs = append(errs, err)
			}
		}
		count := func(i int, field string) int {
			n, err := parseCount(field, get(i))
			if err != nil {
				fail(&fieldError{field, header(idx, i) + " " + err.(*fieldError).reason})
			}
			return n
		}
		if v := get(id); v != "" {
			inc.ExternalID = "ucdp:" + v
		}
		var err error
		inc.DateStart, err = parseDayField("date", "date_start", get(dateStart))
		fail(err)
		inc.DateEnd, err = parseDayField("date_end", "date_end", get(dateEnd))
		fail(err)
		if inc.DateEnd.IsZero() {
			inc.DateEnd = inc.DateStart
		}
		inc.DatePrecision = scale(get(datePrec), "date_prec", geo.DateExact, geo.DateLonger, fail)
		inc.Location[0], err = parseCoordinate("longitude", get(lon))
		fail(err)
		inc.Location[1], err = parseCoordinate("latitude", get(lat))
		fail(err)
		inc.GeoPrecision = scale(get(wherePrec), "where_prec", geo.GeoExact, geo.GeoAbroad, fail)
		inc.LocationName = get(whereCoords)
		inc.SourceAdmin1, inc.SourceAdmin2 = get(adm1), get(adm2)
		inc.SourceGovernorate = pcodes.lookup(inc.SourceAdmin1)

		violence, verr := strconv.Atoi(get(tov))
		switch {
		case verr == nil && (violence == 1 || violence == 2):
			inc.EventType, inc.SubEventType = "Battles", "Armed clash"
		case verr == nil && violence == 3:
			inc.EventType, inc.SubEventType = "Violence against civilians", "Attack"
		default:
			fail(&fieldError{"type_of_violence", fmt.Sprintf("%q is not 1, 2 or 3", clip(get(tov)))})
		}
		inc.Perpetrator, inc.Target = get(sideA), get(sideB)

		ucdpSideGroup(inc.Perpetrator).add(&inc.Casualties, count(deathsA, "deaths_a"))
		ucdpSideGroup(inc.Target).add(&inc.Casualties, count(deathsB, "deaths_b"))
		inc.Casualties.Civilians += count(civ, "civilians")
		inc.Casualties.Unknown += count(unknown, "unknown")
		rangeNote := ""
		if get(best) != "" {
			d := &geo.DeathEstimate{Best: count(best, "deaths")}
			d.Low, d.High = d.Best, d.Best
			if get(low) != "" {
				d.Low = count(low, "deaths")
			}
			if get(high) != "" {
				d.High = count(high, "deaths")
			}
			inc.Deaths = d
			if d.Low > d.Best || d.Best > d.High {
				// UCDP left low/high unrevised when best changed in about 100
				// events; widen the range to include best and say so.
				rangeNote = fmt.Sprintf(" UCDP gives low %d, best %d, high %d; the range here is widened to include best.", d.Low, d.Best, d.High)
				d.Low, d.High = min(d.Low, d.Best), max(d.High, d.Best)
			}
		}
		var srcErr error
		inc.Sources, srcErr = ucdpSources(get(office), get(srcDate), get(headline))
		fail(srcErr)
		inc.Notes = ucdpNotes(violence, get(dyad), get(conflict), get(clarity), get(orig)) + rangeNote
		return errs
	}
}

// scale reads a precision code that must lie in [lo, hi].
func scale(s, column string, lo, hi int, fail func(error)) int {
	if s == "" {
		fail(&fieldError{column, "missing"})
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		fail(&fieldError{column, fmt.Sprintf("%q is not a code from %d to %d", clip(s), lo, hi)})
		return 0
	}
	return n
}

// ucdpSources pairs UCDP's parallel ';'-separated source lists: part i of
// source_office, source_date and source_headline make source i. Offices and
// dates never hold a ';' of their own, so they give the number of sources;
// headlines sometimes do ("... countryside; 206 were killed ..."), see
// splitHeadlines.
func ucdpSources(offices, dates, headlines string) ([]geo.Source, error) {
	o, d := splitSources(offices, false), splitSources(dates, false)
	n := max(len(o), len(d))
	if n == 0 && headlines == "" {
		return nil, nil
	}
	h := splitHeadlines(headlines, max(n, 1))
	n = max(n, len(h))
	at := func(list []string, i int) string {
		if i < len(list) {
			return list[i]
		}
		return ""
	}
	out := make([]geo.Source, n)
	for i := range out {
		out[i] = geo.Source{Name: html.UnescapeString(at(o, i)), Headline: html.UnescapeString(at(h, i))}
		if ds := at(d, i); ds != "" {
			t, ok := parseDay(ds)
			if !ok {
				return nil, &fieldError{"source_date", fmt.Sprintf("%q is not a date", clip(ds))}
			}
			out[i].Date = t
		}
	}
	return out, nil
}

// splitHeadlines splits s into n headlines. A ';' closing an HTML entity
// never separates. If every other ';' gives n parts, those; else the ';' not
// followed by a space (UCDP joins with a bare ';'; headlines use "; "); if
// that still does not give n, the extra parts are joined back into the last
// headline and missing ones are left empty.
func splitHeadlines(s string, n int) []string {
	if s == "" {
		return nil
	}
	if all := splitSources(s, false); len(all) == n {
		return all
	}
	parts := splitSources(s, true)
	if len(parts) > n {
		parts = append(parts[:n-1], strings.Join(parts[n-1:], ";"))
	}
	return parts
}

// splitSources splits on ';', except a ';' closing an HTML entity (&#8217;
// &amp;), which UCDP leaves undecoded in headlines; with bareOnly, also
// except a ';' followed by a space.
func splitSources(s string, bareOnly bool) []string {
	if s == "" {
		return nil
	}
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] != ';' || endsEntity(s[start:i]) || bareOnly && i+1 < len(s) && s[i+1] == ' ' {
			continue
		}
		parts = append(parts, strings.TrimSpace(s[start:i]))
		start = i + 1
	}
	return append(parts, strings.TrimSpace(s[start:]))
}

// endsEntity reports whether s ends with the body of an HTML entity: &#123,
// &#x1F or &name (the ';' that would close it comes next).
func endsEntity(s string) bool {
	amp := strings.LastIndexByte(s, '&')
	if amp < 0 || len(s)-amp > 10 || len(s)-amp < 2 {
		return false
	}
	body := s[amp+1:]
	if body[0] == '#' {
		body = strings.TrimPrefix(strings.TrimPrefix(body[1:], "x"), "X")
	}
	if body == "" {
		return false
	}
	for _, r := range body {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func ucdpNotes(violence int, dyad, conflict, clarity, original string) string {
	var b strings.Builder
	b.WriteString("UCDP")
	if v, ok := ucdpViolence[violence]; ok {
		b.WriteString(" " + v)
	}
	if dyad != "" {
		b.WriteString(": " + dyad)
	}
	if conflict != "" && conflict != dyad {
		b.WriteString(" (conflict " + conflict + ")")
	}
	b.WriteString(".")
	if clarity == "2" {
		b.WriteString(" Several incidents reported together (event_clarity 2).")
	}
	if original != "" {
		b.WriteString(" Original source: " + original + ".")
	}
	return b.String()
}

// header is the name of column i of a header index.
func header(idx map[string]int, i int) string {
	for name, j := range idx {
		if j == i {
			return name
		}
	}
	return "column"
}
