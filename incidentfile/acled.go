package incidentfile

import (
	"fmt"
	"strings"

	"github.com/badiamap/badiamap/geo"
)

// acledRequired are the ACLED columns the mapping cannot do without.
var acledRequired = []string{"event_id_cnty", "event_date", "event_type", "actor1", "latitude", "longitude", "fatalities"}

// ACLED's event type for one-sided violence against civilians.
const acledViolenceAgainstCivilians = "Violence against civilians"

// acledMilitiaNames are fragments of ACLED actor names of the Iran-backed and
// pro-government militias that fight beside the Syrian army: SOHR counts
// them with the regime forces ("of which militia"), so they count in
// Military and in Militia.
var acledMilitiaNames = []string{"hezbollah", "hizbollah", "fatemiyoun", "fatemiyun", "fatimiyoun", "zainabiyoun",
	"zaynabiyoun", "zainebiyoun", "liwa al quds", "liwa al-quds", "military forces of iran", "islamic revolutionary guard",
	"irgc", "national defence forces", "national defense forces", "ndf:", "baqir brigade", "al-baqir", "popular mobilization"}

// acledActorGroup is the casualty group of an ACLED actor, by name: the
// state forces of Syria (army and police) -> military; the militias in
// acledMilitiaNames -> military and militia; the Islamic State -> ISIS;
// civilians -> civilians; any other actor -> other armed.
func acledActorGroup(actor string) casualtyGroup {
	a := strings.ToLower(strings.TrimSpace(actor))
	switch {
	case strings.HasPrefix(a, "military forces of syria"), strings.HasPrefix(a, "police forces of syria"):
		return groupMilitary
	case strings.HasPrefix(a, "islamic state"):
		return groupISIS
	case strings.HasPrefix(a, "civilians"):
		return groupCivilians
	}
	for _, m := range acledMilitiaNames {
		if strings.Contains(a, m) {
			return groupMilitia
		}
	}
	return groupOtherArmed
}

// acledFatalityGroup decides where ACLED's single fatality count goes, since
// ACLED does not split it by side:
//   - civilians when the event is "Violence against civilians" or
//     civilian_targeting is set;
//   - for "Battles" between actors of two different groups, unknown: the
//     dead may be on either side;
//   - otherwise the group of actor2 (the actor hit by a strike, an
//     explosion or an attack) when there is one, else of actor1.
func acledFatalityGroup(eventType, civilianTargeting, actor1, actor2 string) casualtyGroup {
	if eventType == acledViolenceAgainstCivilians || strings.TrimSpace(civilianTargeting) != "" {
		return groupCivilians
	}
	g1 := acledActorGroup(actor1)
	if strings.TrimSpace(actor2) == "" {
		return g1
	}
	g2 := acledActorGroup(actor2)
	if eventType == "Battles" && g1 != g2 {
		return groupUnknown
	}
	return g2
}

// newACLEDMapper maps an ACLED export row to an incident:
//
//   - ExternalID "acled:" + event_id_cnty
//   - DateStart = DateEnd = event_date (2024-01-15, 15 January 2024 or 15-01-2024)
//   - DatePrecision: time_precision 1/2/3 -> DateExact/DateWeek/DateMonth (empty -> DateExact)
//   - Location = longitude, latitude; GeoPrecision: geo_precision 1/2/3 -> GeoExact/GeoNear/GeoAdmin2 (empty -> GeoExact)
//   - SourceAdmin1, SourceAdmin2 = admin1, admin2; SourceGovernorate = Admin1PCode(admin1); LocationName = location
//   - EventType, SubEventType = event_type, sub_event_type
//   - Perpetrator = actor1, Target = actor2
//   - fatalities -> one casualty group, see acledFatalityGroup; Deaths stays nil
//   - Sources: source split on ';', one name each
//   - Notes = notes
func newACLEDMapper(idx map[string]int, _ Options) rowMapper {
	col := func(name string) int {
		if i, ok := idx[name]; ok {
			return i
		}
		return -1
	}
	var (
		id, date, timePrec, geoPrec  = col("event_id_cnty"), col("event_date"), col("time_precision"), col("geo_precision")
		eventType, subType           = col("event_type"), col("sub_event_type")
		actor1, actor2, civTargeting = col("actor1"), col("actor2"), col("civilian_targeting")
		admin1, admin2, location     = col("admin1"), col("admin2"), col("location")
		lat, lon, fatalities         = col("latitude"), col("longitude"), col("fatalities")
		source, notes                = col("source"), col("notes")
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
		if v := get(id); v != "" {
			inc.ExternalID = "acled:" + v
		}
		var err error
		inc.DateStart, err = parseDayField("date", "event_date", get(date))
		fail(err)
		inc.DateEnd = inc.DateStart
		inc.DatePrecision = mapCode(get(timePrec), "time_precision", []int{geo.DateExact, geo.DateWeek, geo.DateMonth}, fail)
		inc.Location[0], err = parseCoordinate("longitude", get(lon))
		fail(err)
		inc.Location[1], err = parseCoordinate("latitude", get(lat))
		fail(err)
		inc.GeoPrecision = mapCode(get(geoPrec), "geo_precision", []int{geo.GeoExact, geo.GeoNear, geo.GeoAdmin2}, fail)
		inc.SourceAdmin1, inc.SourceAdmin2 = get(admin1), get(admin2)
		inc.SourceGovernorate = pcodes.lookup(inc.SourceAdmin1)
		inc.LocationName = get(location)
		inc.EventType, inc.SubEventType = get(eventType), get(subType)
		inc.Perpetrator, inc.Target = get(actor1), get(actor2)
		n, err := parseCount("fatalities", get(fatalities))
		fail(err)
		acledFatalityGroup(inc.EventType, get(civTargeting), inc.Perpetrator, inc.Target).add(&inc.Casualties, n)
		for _, name := range strings.Split(get(source), ";") {
			if name = strings.TrimSpace(name); name != "" {
				inc.Sources = append(inc.Sources, geo.Source{Name: name})
			}
		}
		inc.Notes = get(notes)
		return errs
	}
}

// mapCode maps ACLED's 1-based precision code to ours; "" is code 1.
func mapCode(s, column string, to []int, fail func(error)) int {
	if s == "" {
		return to[0]
	}
	for i, v := range to {
		if s == fmt.Sprint(i+1) {
			return v
		}
	}
	fail(&fieldError{column, fmt.Sprintf("%q is not a code from 1 to %d", clip(s), len(to))})
	return 0
}
