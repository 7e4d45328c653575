package incidentfile

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/badiamap/badiamap/geo"
)

// acledColumns is ACLED's current export order (reference/PROVENANCE.md).
var acledColumns = []string{"event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
	"sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
	"civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
	"geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp"}

func acledRow(fields map[string]string) []string {
	rec := make([]string, len(acledColumns))
	for i, c := range acledColumns {
		rec[i] = fields[c]
	}
	return rec
}

func TestACLED(t *testing.T) {
	base := map[string]string{"country": "Syria", "iso": "760", "region": "Middle East", "latitude": "34.5534", "longitude": "38.2806",
		"admin1": "Homs", "admin2": "Tadmor", "location": "Tadmor", "geo_precision": "1", "time_precision": "1",
		"source": "SOHR; Syrian Observer", "notes": "On 15 January 2024, IS fighters attacked a checkpoint."}
	with := func(kv ...string) []string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return acledRow(m)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(acledColumns)
	hxl := make([]string, len(acledColumns)) // HDX exports carry an HXL row
	for i := range hxl {
		hxl[i] = "#x+" + acledColumns[i]
	}
	w.Write(hxl)
	w.Write(with("event_id_cnty", "SYR1", "event_date", "2024-01-15", "event_type", "Battles", "sub_event_type", "Armed clash",
		"actor1", "Military Forces of Syria (2000-2024)", "actor2", "Islamic State (Syria)", "fatalities", "6"))
	w.Write(with("event_id_cnty", "SYR2", "event_date", "16 January 2024", "time_precision", "2", "geo_precision", "3",
		"event_type", "Explosions/Remote violence", "sub_event_type", "Remote explosive/landmine/IED",
		"actor1", "Islamic State (Syria)", "actor2", "Military Forces of Syria (2000-2024)", "fatalities", "4", "admin1", "Deir-ez-Zor"))
	w.Write(with("event_id_cnty", "SYR3", "event_date", "17-01-2024", "time_precision", "3",
		"event_type", "Explosions/Remote violence", "sub_event_type", "Remote explosive/landmine/IED",
		"actor1", "Unidentified Armed Group (Syria)", "actor2", "Civilians (Syria)", "civilian_targeting", "Civilian targeting",
		"fatalities", "3", "admin1", "Rural Damascus"))
	w.Write(with("event_id_cnty", "SYR4", "event_date", "2024-01-18", "event_type", "Explosions/Remote violence",
		"sub_event_type", "Remote explosive/landmine/IED", "actor1", "Islamic State (Syria)", "actor2", "NDF: National Defence Forces", "fatalities", "2"))
	w.Write(with("event_id_cnty", "SYR5", "event_date", "2024-01-31", "event_type", "Explosions/Remote violence",
		"sub_event_type", "Air/drone strike", "actor1", "Military Forces of Russia (2000-)", "actor2", "Islamic State (Syria)", "fatalities", "9"))
	w.Write(with("event_id_cnty", "SYR6", "event_date", "31/31/2024", "event_type", "Battles", "actor1", "x", "fatalities", "1"))
	w.Flush()

	rd, err := Open(bytes.NewReader(buf.Bytes()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rd.Format() != FormatACLED {
		t.Fatalf("format %s", rd.Format())
	}
	incs, bad := readAll(t, rd)
	if len(incs) != 5 || len(bad) != 1 || bad[0].ExternalID != "acled:SYR6" || bad[0].Line != 8 {
		t.Fatalf("read %d, rejected %v", len(incs), bad)
	}
	byID := map[string]geo.Incident{}
	for _, inc := range incs {
		byID[inc.ExternalID] = inc
	}
	check := func(id string, ok bool, what string) {
		t.Helper()
		if !ok {
			t.Errorf("%s: %s: %+v", id, what, byID["acled:"+id])
		}
	}
	i1, i2, i3, i4, i5 := byID["acled:SYR1"], byID["acled:SYR2"], byID["acled:SYR3"], byID["acled:SYR4"], byID["acled:SYR5"]
	check("SYR1", i1.DateStart.Format(geo.DateLayout) == "2024-01-15" && i1.DateEnd.Equal(i1.DateStart), "ISO date")
	check("SYR1", i1.Casualties == geo.Casualties{Unknown: 6}, "a battle between groups: unknown")
	check("SYR1", i1.SourceGovernorate == "SY04" && i1.LocationName == "Tadmor" && i1.SourceAdmin2 == "Tadmor", "admin names")
	check("SYR1", len(i1.Sources) == 2 && i1.Sources[1].Name == "Syrian Observer", "sources split on ;")
	check("SYR1", i1.Perpetrator == "Military Forces of Syria (2000-2024)" && i1.Target == "Islamic State (Syria)", "actors")
	check("SYR1", i1.DatePrecision == geo.DateExact && i1.GeoPrecision == geo.GeoExact && i1.Deaths == nil, "precision")
	check("SYR2", i2.DateStart.Format(geo.DateLayout) == "2024-01-16", "\"16 January 2024\"")
	check("SYR2", i2.DatePrecision == geo.DateWeek && i2.GeoPrecision == geo.GeoAdmin2, "time/geo precision 2/3")
	check("SYR2", i2.Casualties == geo.Casualties{Military: 4}, "an IED on the army: military")
	check("SYR2", i2.SourceGovernorate == "SY09", "Deir-ez-Zor")
	check("SYR3", i3.DateStart.Format(geo.DateLayout) == "2024-01-17" && i3.DatePrecision == geo.DateMonth, "dd-mm-yyyy, month precision")
	check("SYR3", i3.Casualties == geo.Casualties{Civilians: 3}, "civilian targeting: civilians")
	check("SYR3", i3.SourceGovernorate == "SY03", "Rural Damascus")
	check("SYR4", i4.Casualties == geo.Casualties{Military: 2, Militia: 2}, "an IED on the NDF: military, militia")
	check("SYR5", i5.Casualties == geo.Casualties{ISIS: 9}, "an air strike on IS: ISIS")
}
