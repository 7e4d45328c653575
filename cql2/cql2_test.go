package cql2_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/badiamap/badiamap/cql2"
	"github.com/paulmach/orb"
)

func ptr[T any](v T) *T { return &v }

func float(v float64) *float64 { return &v }

// queryables are those of badiamap's incidents collection.
var queryables = []cql2.Queryable{
	{Name: "external_id", Type: cql2.TypeString},
	{Name: "event_type", Type: cql2.TypeString, Enum: []string{"Battles", "Explosions/Remote violence", "Violence against civilians", "Strategic developments"}},
	{Name: "sub_event_type", Type: cql2.TypeString},
	{Name: "governorate", Type: cql2.TypeString},
	{Name: "region", Type: cql2.TypeString},
	{Name: "location_name", Type: cql2.TypeString},
	{Name: "perpetrator", Type: cql2.TypeString},
	{Name: "killed", Type: cql2.TypeInteger},
	{Name: "civilians", Type: cql2.TypeInteger},
	{Name: "injured", Type: cql2.TypeInteger},
	{Name: "geo_precision", Type: cql2.TypeInteger, Minimum: float(1), Maximum: float(7)},
	{Name: "date_start", Type: cql2.TypeDate},
	{Name: "date_end", Type: cql2.TypeDate},
	{Name: "geometry", Type: cql2.TypeGeometry},
	{Name: "period", Type: cql2.TypeInterval, Start: "date_start", End: "date_end"},
}

// incident is a test row; a nil field is NULL.
type incident struct {
	ExternalID, EventType, SubEventType, Governorate, Region, LocationName, Perpetrator *string
	Killed, Civilians, Injured, GeoPrecision                                            *int
	DateStart, DateEnd                                                                  *time.Time
	Geom                                                                                *orb.Point
}

func (r incident) row() cql2.Values {
	v := cql2.Values{}
	put := func(name string, isNil bool, val func() any) {
		if !isNil {
			v[name] = val()
		}
	}
	put("external_id", r.ExternalID == nil, func() any { return *r.ExternalID })
	put("event_type", r.EventType == nil, func() any { return *r.EventType })
	put("sub_event_type", r.SubEventType == nil, func() any { return *r.SubEventType })
	put("governorate", r.Governorate == nil, func() any { return *r.Governorate })
	put("region", r.Region == nil, func() any { return *r.Region })
	put("location_name", r.LocationName == nil, func() any { return *r.LocationName })
	put("perpetrator", r.Perpetrator == nil, func() any { return *r.Perpetrator })
	put("killed", r.Killed == nil, func() any { return int64(*r.Killed) })
	put("civilians", r.Civilians == nil, func() any { return *r.Civilians })
	put("injured", r.Injured == nil, func() any { return int32(*r.Injured) })
	put("geo_precision", r.GeoPrecision == nil, func() any { return *r.GeoPrecision })
	put("date_start", r.DateStart == nil, func() any { return *r.DateStart })
	put("date_end", r.DateEnd == nil, func() any { return *r.DateEnd })
	put("geometry", r.Geom == nil, func() any { return *r.Geom })
	return v
}

func day(s string) *time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return &t
}

var incidents = []incident{
	{ExternalID: ptr("ucdp:214797"), EventType: ptr("Battles"), SubEventType: ptr("Armed clash"), Governorate: ptr("Homs"),
		Region: ptr("BADIA-SY04"), LocationName: ptr("Al-Sukhnah"), Perpetrator: ptr("IS"),
		Killed: ptr(12), Civilians: ptr(0), Injured: ptr(3), GeoPrecision: ptr(1),
		DateStart: day("2024-01-10"), DateEnd: day("2024-01-10"), Geom: &orb.Point{38.87, 34.88}},
	{ExternalID: ptr("sohr-demo:17"), EventType: ptr("Explosions/Remote violence"), SubEventType: ptr("Remote explosive/landmine/IED"),
		Governorate: ptr("Deir ez-Zor"), Region: ptr("BADIA-SY09"), LocationName: ptr("Kabajab"), Perpetrator: ptr("unknown"),
		Killed: ptr(5), Civilians: ptr(5), GeoPrecision: ptr(2),
		DateStart: day("2024-02-20"), DateEnd: day("2024-02-21"), Geom: &orb.Point{39.9, 34.9}},
	{ExternalID: ptr("acled:SYR1234"), EventType: ptr("Violence against civilians"), SubEventType: ptr("Attack"),
		Governorate: ptr("Hama"), LocationName: ptr("Itriya"), Perpetrator: ptr("Iran-backed militia"),
		Killed: ptr(0), Civilians: ptr(0), Injured: ptr(0), GeoPrecision: ptr(3),
		DateStart: day("2024-03-01"), DateEnd: day("2024-03-15"), Geom: &orb.Point{37.9, 35.4}},
	{ExternalID: ptr("ucdp:1"), EventType: ptr("Battles"), SubEventType: ptr("Armed clash"), Governorate: ptr("Ar-Raqqa"),
		Region: ptr("BADIA-SY11"), LocationName: ptr("Ma'dan"),
		Civilians: ptr(2), Injured: ptr(7), GeoPrecision: ptr(7),
		DateStart: day("2023-12-31"), DateEnd: day("2024-01-02"), Geom: &orb.Point{39, 35}},
	{ExternalID: ptr("sohr-demo:99"), EventType: ptr("Strategic developments"), SubEventType: ptr("Looting/property destruction"),
		Governorate: ptr("Homs"), Region: ptr("BADIA-SY04"), LocationName: ptr("Palmyra (Tadmur)"), Perpetrator: ptr("Government forces"),
		Killed: ptr(1), Civilians: ptr(1), Injured: ptr(1), GeoPrecision: ptr(4),
		DateStart: day("2024-04-21"), DateEnd: day("2024-04-21"), Geom: &orb.Point{38, 34.5}},
	{ExternalID: ptr("sohr-demo:100"), EventType: ptr("Battles"), Governorate: ptr("Homs"), LocationName: ptr("50%_x"),
		DateStart: day("2024-04-01")},
}

// Plain helpers for the oracles: a NULL makes each comparison false here,
// which the oracles then combine by SQL's rules by hand.
func is(p *string, v string) bool { return p != nil && *p == v }

func num(p *int, f func(int) bool) bool { return p != nil && f(*p) }

func both(a, b *int, f func(a, b int) bool) bool { return a != nil && b != nil && f(*a, *b) }

func period(r incident, f func(s, e time.Time) bool) bool {
	return r.DateStart != nil && r.DateEnd != nil && f(*r.DateStart, *r.DateEnd)
}

func at(r incident, f func(x, y float64) bool) bool { return r.Geom != nil && f(r.Geom[0], r.Geom[1]) }

func inRect(x, y, x0, y0, x1, y1 float64) bool { return x >= x0 && x <= x1 && y >= y0 && y <= y1 }

func inRectStrict(x, y, x0, y0, x1, y1 float64) bool { return x > x0 && x < x1 && y > y0 && y < y1 }

// triangle (38 34, 40 34, 38 36): x >= 38, y >= 34, x + y <= 74.
func inTriangle(x, y float64) bool { return x >= 38 && y >= 34 && x+y <= 74 }

func inTriangleStrict(x, y float64) bool { return x > 38 && y > 34 && x+y < 74 }

const triangle = "POLYGON((38 34, 40 34, 38 36, 38 34))"
const triangleJSON = `{"type":"Polygon","coordinates":[[[38,34],[40,34],[38,36],[38,34]]]}`

type filterCase struct {
	text, json string
	want       func(incident) bool
}

var cases = []filterCase{
	// Basic CQL2: comparisons, logic, NULL.
	{"killed > 3", `{"op":">","args":[{"property":"killed"},3]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return k > 3 }) }},
	{"killed >= 5", `{"op":">=","args":[{"property":"killed"},5]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return k >= 5 }) }},
	{"killed < 1", `{"op":"<","args":[{"property":"killed"},1]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return k < 1 }) }},
	{"killed <= 0", `{"op":"<=","args":[{"property":"killed"},0]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return k <= 0 }) }},
	{"killed = 12", `{"op":"=","args":[{"property":"killed"},12]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return k == 12 }) }},
	{"killed <> 12", `{"op":"<>","args":[{"property":"killed"},12]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return k != 12 }) }},
	{"3 < killed", `{"op":"<","args":[3,{"property":"killed"}]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return 3 < k }) }},
	{"killed > 4.5", `{"op":">","args":[{"property":"killed"},4.5]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return k >= 5 }) }},
	{"killed > -1", `{"op":">","args":[{"property":"killed"},-1]}`,
		func(r incident) bool { return r.Killed != nil }},
	{"event_type = 'Battles'", `{"op":"=","args":[{"property":"event_type"},"Battles"]}`,
		func(r incident) bool { return is(r.EventType, "Battles") }},
	{"event_type <> 'Battles'", `{"op":"<>","args":[{"property":"event_type"},"Battles"]}`,
		func(r incident) bool { return r.EventType != nil && *r.EventType != "Battles" }},
	{"location_name = 'Ma''dan'", `{"op":"=","args":[{"property":"location_name"},"Ma'dan"]}`,
		func(r incident) bool { return is(r.LocationName, "Ma'dan") }},
	{"governorate > 'Hama'", `{"op":">","args":[{"property":"governorate"},"Hama"]}`,
		func(r incident) bool { return r.Governorate != nil && *r.Governorate > "Hama" }},
	{"governorate = 'Homs' AND killed > 0", `{"op":"and","args":[{"op":"=","args":[{"property":"governorate"},"Homs"]},{"op":">","args":[{"property":"killed"},0]}]}`,
		func(r incident) bool {
			return is(r.Governorate, "Homs") && num(r.Killed, func(k int) bool { return k > 0 })
		}},
	{"governorate = 'Homs' OR governorate = 'Hama'", `{"op":"or","args":[{"op":"=","args":[{"property":"governorate"},"Homs"]},{"op":"=","args":[{"property":"governorate"},"Hama"]}]}`,
		func(r incident) bool { return is(r.Governorate, "Homs") || is(r.Governorate, "Hama") }},
	{"NOT governorate = 'Homs'", `{"op":"not","args":[{"op":"=","args":[{"property":"governorate"},"Homs"]}]}`,
		func(r incident) bool { return r.Governorate != nil && *r.Governorate != "Homs" }},
	// NOT (a AND b) is true only where a or b is FALSE (not NULL).
	{"NOT (killed > 3 AND civilians > 0)", `{"op":"not","args":[{"op":"and","args":[{"op":">","args":[{"property":"killed"},3]},{"op":">","args":[{"property":"civilians"},0]}]}]}`,
		func(r incident) bool {
			return num(r.Killed, func(k int) bool { return k <= 3 }) || num(r.Civilians, func(c int) bool { return c <= 0 })
		}},
	{"(governorate = 'Homs' OR governorate = 'Deir ez-Zor') AND killed >= 1", `{"op":"and","args":[{"op":"or","args":[{"op":"=","args":[{"property":"governorate"},"Homs"]},{"op":"=","args":[{"property":"governorate"},"Deir ez-Zor"]}]},{"op":">=","args":[{"property":"killed"},1]}]}`,
		func(r incident) bool {
			return (is(r.Governorate, "Homs") || is(r.Governorate, "Deir ez-Zor")) && num(r.Killed, func(k int) bool { return k >= 1 })
		}},
	{"governorate = 'Homs' AND killed > 0 OR civilians > 1", `{"op":"or","args":[{"op":"and","args":[{"op":"=","args":[{"property":"governorate"},"Homs"]},{"op":">","args":[{"property":"killed"},0]}]},{"op":">","args":[{"property":"civilians"},1]}]}`,
		func(r incident) bool {
			return is(r.Governorate, "Homs") && num(r.Killed, func(k int) bool { return k > 0 }) || num(r.Civilians, func(c int) bool { return c > 1 })
		}},
	{"killed IS NULL", `{"op":"isNull","args":[{"property":"killed"}]}`,
		func(r incident) bool { return r.Killed == nil }},
	{"killed IS NOT NULL", `{"op":"not","args":[{"op":"isNull","args":[{"property":"killed"}]}]}`,
		func(r incident) bool { return r.Killed != nil }},
	{"perpetrator IS NULL OR perpetrator = 'IS'", `{"op":"or","args":[{"op":"isNull","args":[{"property":"perpetrator"}]},{"op":"=","args":[{"property":"perpetrator"},"IS"]}]}`,
		func(r incident) bool { return r.Perpetrator == nil || *r.Perpetrator == "IS" }},
	{"NOT (perpetrator = 'IS')", `{"op":"not","args":[{"op":"=","args":[{"property":"perpetrator"},"IS"]}]}`,
		func(r incident) bool { return r.Perpetrator != nil && *r.Perpetrator != "IS" }},
	{"geometry IS NULL", `{"op":"isNull","args":[{"property":"geometry"}]}`,
		func(r incident) bool { return r.Geom == nil }},
	{"period IS NULL", `{"op":"isNull","args":[{"property":"period"}]}`,
		func(r incident) bool { return r.DateStart == nil || r.DateEnd == nil }},
	{"TRUE", `true`, func(incident) bool { return true }},
	{"FALSE", `false`, func(incident) bool { return false }},
	{"NOT FALSE AND killed > 0", `{"op":"and","args":[{"op":"not","args":[false]},{"op":">","args":[{"property":"killed"},0]}]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return k > 0 }) }},
	{`"killed" > 10`, `{"op":">","args":[{"property":"killed"},10]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return k > 10 }) }},
	{"(killed > 3) = TRUE", `{"op":"=","args":[{"op":">","args":[{"property":"killed"},3]},true]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return k > 3 }) }},
	{"date_start = DATE('2024-01-10')", `{"op":"=","args":[{"property":"date_start"},{"date":"2024-01-10"}]}`,
		func(r incident) bool { return r.DateStart != nil && r.DateStart.Equal(*day("2024-01-10")) }},
	{"date_start >= DATE('2024-02-01')", `{"op":">=","args":[{"property":"date_start"},{"date":"2024-02-01"}]}`,
		func(r incident) bool { return r.DateStart != nil && !r.DateStart.Before(*day("2024-02-01")) }},
	{"date_end < DATE('2024-01-05')", `{"op":"<","args":[{"property":"date_end"},{"date":"2024-01-05"}]}`,
		func(r incident) bool { return r.DateEnd != nil && r.DateEnd.Before(*day("2024-01-05")) }},
	{"date_start <> DATE('2024-04-01')", `{"op":"<>","args":[{"property":"date_start"},{"date":"2024-04-01"}]}`,
		func(r incident) bool { return r.DateStart != nil && !r.DateStart.Equal(*day("2024-04-01")) }},
	{"date_end >= date_start", `{"op":">=","args":[{"property":"date_end"},{"property":"date_start"}]}`,
		func(r incident) bool { return period(r, func(s, e time.Time) bool { return !e.Before(s) }) }},
	{"region = 'BADIA-SY04' OR region IS NULL", `{"op":"or","args":[{"op":"=","args":[{"property":"region"},"BADIA-SY04"]},{"op":"isNull","args":[{"property":"region"}]}]}`,
		func(r incident) bool { return r.Region == nil || *r.Region == "BADIA-SY04" }},

	// Arithmetic.
	{"killed + civilians > 10", `{"op":">","args":[{"op":"+","args":[{"property":"killed"},{"property":"civilians"}]},10]}`,
		func(r incident) bool { return both(r.Killed, r.Civilians, func(k, c int) bool { return k+c > 10 }) }},
	{"killed * 2 >= civilians + 10", `{"op":">=","args":[{"op":"*","args":[{"property":"killed"},2]},{"op":"+","args":[{"property":"civilians"},10]}]}`,
		func(r incident) bool { return both(r.Killed, r.Civilians, func(k, c int) bool { return k*2 >= c+10 }) }},
	{"killed / 4 > 2.5", `{"op":">","args":[{"op":"/","args":[{"property":"killed"},4]},2.5]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return float64(k)/4 > 2.5 }) }},
	{"killed % 5 = 2", `{"op":"=","args":[{"op":"%","args":[{"property":"killed"},5]},2]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return k%5 == 2 }) }},
	{"killed DIV 5 = 1", `{"op":"=","args":[{"op":"div","args":[{"property":"killed"},5]},1]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return k/5 == 1 }) }},
	{"killed ^ 2 > 100", `{"op":">","args":[{"op":"^","args":[{"property":"killed"},2]},100]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return k*k > 100 }) }},
	{"2 ^ 3 ^ 2 = 512", `{"op":"=","args":[{"op":"^","args":[2,{"op":"^","args":[3,2]}]},512]}`,
		func(incident) bool { return true }},
	{"10 - 4 - 3 = killed", `{"op":"=","args":[{"op":"-","args":[{"op":"-","args":[10,4]},3]},{"property":"killed"}]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return k == 3 }) }},
	// Division by zero is NULL, so IS NULL holds everywhere.
	{"killed / (civilians - civilians) IS NULL", `{"op":"isNull","args":[{"op":"/","args":[{"property":"killed"},{"op":"-","args":[{"property":"civilians"},{"property":"civilians"}]}]}]}`,
		func(incident) bool { return true }},
	{"(killed - civilians) * 2 < 0", `{"op":"<","args":[{"op":"*","args":[{"op":"-","args":[{"property":"killed"},{"property":"civilians"}]},2]},0]}`,
		func(r incident) bool { return both(r.Killed, r.Civilians, func(k, c int) bool { return (k-c)*2 < 0 }) }},
	{"injured >= killed", `{"op":">=","args":[{"property":"injured"},{"property":"killed"}]}`,
		func(r incident) bool { return both(r.Injured, r.Killed, func(i, k int) bool { return i >= k }) }},
	{"killed = civilians", `{"op":"=","args":[{"property":"killed"},{"property":"civilians"}]}`,
		func(r incident) bool { return both(r.Killed, r.Civilians, func(k, c int) bool { return k == c }) }},
	{"civilians > killed OR injured > killed", `{"op":"or","args":[{"op":">","args":[{"property":"civilians"},{"property":"killed"}]},{"op":">","args":[{"property":"injured"},{"property":"killed"}]}]}`,
		func(r incident) bool {
			return both(r.Civilians, r.Killed, func(c, k int) bool { return c > k }) || both(r.Injured, r.Killed, func(i, k int) bool { return i > k })
		}},

	// Advanced comparison operators.
	{"location_name LIKE 'Al-%'", `{"op":"like","args":[{"property":"location_name"},"Al-%"]}`,
		func(r incident) bool { return is(r.LocationName, "Al-Sukhnah") }},
	{"location_name LIKE '%(%)'", `{"op":"like","args":[{"property":"location_name"},"%(%)"]}`,
		func(r incident) bool { return is(r.LocationName, "Palmyra (Tadmur)") }},
	{"location_name LIKE 'Ma_dan'", `{"op":"like","args":[{"property":"location_name"},"Ma_dan"]}`,
		func(r incident) bool { return is(r.LocationName, "Ma'dan") }},
	{"location_name NOT LIKE '%a%'", `{"op":"not","args":[{"op":"like","args":[{"property":"location_name"},"%a%"]}]}`,
		func(r incident) bool { return is(r.LocationName, "50%_x") }},
	{"external_id LIKE 'sohr-demo:%'", `{"op":"like","args":[{"property":"external_id"},"sohr-demo:%"]}`,
		func(r incident) bool {
			return r.ExternalID != nil && len(*r.ExternalID) > 10 && (*r.ExternalID)[:10] == "sohr-demo:"
		}},
	{"external_id LIKE 'ucdp:_'", `{"op":"like","args":[{"property":"external_id"},"ucdp:_"]}`,
		func(r incident) bool { return is(r.ExternalID, "ucdp:1") }},
	{"sub_event_type LIKE '%/%/%'", `{"op":"like","args":[{"property":"sub_event_type"},"%/%/%"]}`,
		func(r incident) bool { return is(r.SubEventType, "Remote explosive/landmine/IED") }},
	{`location_name LIKE '50\%\_x'`, `{"op":"like","args":[{"property":"location_name"},"50\\%\\_x"]}`,
		func(r incident) bool { return is(r.LocationName, "50%_x") }},
	{`location_name LIKE '5_\%%'`, `{"op":"like","args":[{"property":"location_name"},"5_\\%%"]}`,
		func(r incident) bool { return is(r.LocationName, "50%_x") }},
	{`location_name LIKE '%\%'`, `{"op":"like","args":[{"property":"location_name"},"%\\%"]}`,
		func(incident) bool { return false }},
	{"location_name LIKE '%'", `{"op":"like","args":[{"property":"location_name"},"%"]}`,
		func(r incident) bool { return r.LocationName != nil }},
	{"killed BETWEEN 1 AND 5", `{"op":"between","args":[{"property":"killed"},1,5]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return k >= 1 && k <= 5 }) }},
	{"killed NOT BETWEEN 1 AND 5", `{"op":"not","args":[{"op":"between","args":[{"property":"killed"},1,5]}]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return k < 1 || k > 5 }) }},
	{"date_start BETWEEN DATE('2024-01-01') AND DATE('2024-02-29')", `{"op":"between","args":[{"property":"date_start"},{"date":"2024-01-01"},{"date":"2024-02-29"}]}`,
		func(r incident) bool {
			return r.DateStart != nil && !r.DateStart.Before(*day("2024-01-01")) && !r.DateStart.After(*day("2024-02-29"))
		}},
	{"geo_precision BETWEEN 1 AND 2", `{"op":"between","args":[{"property":"geo_precision"},1,2]}`,
		func(r incident) bool { return num(r.GeoPrecision, func(g int) bool { return g <= 2 }) }},
	// NULL bounds follow SQL: killed BETWEEN injured AND 20 is killed >= injured AND killed <= 20.
	{"killed BETWEEN injured AND 20", `{"op":"between","args":[{"property":"killed"},{"property":"injured"},20]}`,
		func(r incident) bool {
			return both(r.Killed, r.Injured, func(k, i int) bool { return k >= i && k <= 20 })
		}},
	{"event_type IN ('Battles', 'Strategic developments')", `{"op":"in","args":[{"property":"event_type"},["Battles","Strategic developments"]]}`,
		func(r incident) bool { return is(r.EventType, "Battles") || is(r.EventType, "Strategic developments") }},
	{"event_type NOT IN ('Battles')", `{"op":"not","args":[{"op":"in","args":[{"property":"event_type"},["Battles"]]}]}`,
		func(r incident) bool { return r.EventType != nil && *r.EventType != "Battles" }},
	{"killed IN (0, 1, 5)", `{"op":"in","args":[{"property":"killed"},[0,1,5]]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return k == 0 || k == 1 || k == 5 }) }},
	{"killed NOT IN (0, 1)", `{"op":"not","args":[{"op":"in","args":[{"property":"killed"},[0,1]]}]}`,
		func(r incident) bool { return num(r.Killed, func(k int) bool { return k != 0 && k != 1 }) }},
	// x NOT IN (a, NULL) is never true in SQL.
	{"civilians NOT IN (0, killed)", `{"op":"not","args":[{"op":"in","args":[{"property":"civilians"},[0,{"property":"killed"}]]}]}`,
		func(r incident) bool {
			return both(r.Civilians, r.Killed, func(c, k int) bool { return c != 0 && c != k })
		}},
	{"governorate IN ('Homs') AND killed NOT IN (12)", `{"op":"and","args":[{"op":"in","args":[{"property":"governorate"},["Homs"]]},{"op":"not","args":[{"op":"in","args":[{"property":"killed"},[12]]}]}]}`,
		func(r incident) bool {
			return is(r.Governorate, "Homs") && num(r.Killed, func(k int) bool { return k != 12 })
		}},
	{"geo_precision IN (1, 2) OR geo_precision IS NULL", `{"op":"or","args":[{"op":"in","args":[{"property":"geo_precision"},[1,2]]},{"op":"isNull","args":[{"property":"geo_precision"}]}]}`,
		func(r incident) bool { return r.GeoPrecision == nil || *r.GeoPrecision <= 2 }},

	// Case-insensitive comparison.
	{"CASEI(governorate) = CASEI('hOMS')", `{"op":"=","args":[{"op":"casei","args":[{"property":"governorate"}]},{"op":"casei","args":["hOMS"]}]}`,
		func(r incident) bool { return is(r.Governorate, "Homs") }},
	{"CASEI(location_name) LIKE CASEI('al-%')", `{"op":"like","args":[{"op":"casei","args":[{"property":"location_name"}]},{"op":"casei","args":["al-%"]}]}`,
		func(r incident) bool { return is(r.LocationName, "Al-Sukhnah") }},
	{"CASEI(event_type) IN (CASEI('battles'), CASEI('STRATEGIC developments'))", `{"op":"in","args":[{"op":"casei","args":[{"property":"event_type"}]},[{"op":"casei","args":["battles"]},{"op":"casei","args":["STRATEGIC developments"]}]]}`,
		func(r incident) bool { return is(r.EventType, "Battles") || is(r.EventType, "Strategic developments") }},
	{"CASEI(perpetrator) <> CASEI('is')", `{"op":"<>","args":[{"op":"casei","args":[{"property":"perpetrator"}]},{"op":"casei","args":["is"]}]}`,
		func(r incident) bool { return r.Perpetrator != nil && *r.Perpetrator != "IS" }},
	{"governorate = 'homs'", `{"op":"=","args":[{"property":"governorate"},"homs"]}`,
		func(incident) bool { return false }},

	// Spatial functions on the point geometry.
	{"S_INTERSECTS(geometry, BBOX(38, 34, 39.5, 35.5))", `{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[38,34,39.5,35.5]}]}`,
		func(r incident) bool {
			return at(r, func(x, y float64) bool { return inRect(x, y, 38, 34, 39.5, 35.5) })
		}},
	{"S_INTERSECTS(geometry, POLYGON((38 34, 39.5 34, 39.5 35.5, 38 35.5, 38 34)))", `{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[38,34],[39.5,34],[39.5,35.5],[38,35.5],[38,34]]]}]}`,
		func(r incident) bool {
			return at(r, func(x, y float64) bool { return inRect(x, y, 38, 34, 39.5, 35.5) })
		}},
	{"S_INTERSECTS(geometry, POINT(38.87 34.88))", `{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[38.87,34.88]}]}`,
		func(r incident) bool { return at(r, func(x, y float64) bool { return x == 38.87 && y == 34.88 }) }},
	{"S_INTERSECTS(POINT(39.9 34.9), geometry)", `{"op":"s_intersects","args":[{"type":"Point","coordinates":[39.9,34.9]},{"property":"geometry"}]}`,
		func(r incident) bool { return at(r, func(x, y float64) bool { return x == 39.9 && y == 34.9 }) }},
	{"S_INTERSECTS(geometry, " + triangle + ")", `{"op":"s_intersects","args":[{"property":"geometry"},` + triangleJSON + `]}`,
		func(r incident) bool { return at(r, inTriangle) }},
	{"S_WITHIN(geometry, " + triangle + ")", `{"op":"s_within","args":[{"property":"geometry"},` + triangleJSON + `]}`,
		func(r incident) bool { return at(r, inTriangleStrict) }},
	{"S_TOUCHES(geometry, " + triangle + ")", `{"op":"s_touches","args":[{"property":"geometry"},` + triangleJSON + `]}`,
		func(r incident) bool {
			return at(r, func(x, y float64) bool { return inTriangle(x, y) && !inTriangleStrict(x, y) })
		}},
	{"S_CONTAINS(" + triangle + ", geometry)", `{"op":"s_contains","args":[` + triangleJSON + `,{"property":"geometry"}]}`,
		func(r incident) bool { return at(r, inTriangleStrict) }},
	{"S_DISJOINT(geometry, BBOX(38, 34, 39.5, 35.5))", `{"op":"s_disjoint","args":[{"property":"geometry"},{"bbox":[38,34,39.5,35.5]}]}`,
		func(r incident) bool {
			return at(r, func(x, y float64) bool { return !inRect(x, y, 38, 34, 39.5, 35.5) })
		}},
	{"NOT S_INTERSECTS(geometry, BBOX(38, 34, 39.5, 35.5))", `{"op":"not","args":[{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[38,34,39.5,35.5]}]}]}`,
		func(r incident) bool {
			return at(r, func(x, y float64) bool { return !inRect(x, y, 38, 34, 39.5, 35.5) })
		}},
	{"S_INTERSECTS(geometry, MULTIPOLYGON(((38 34, 38.5 34, 38.5 34.5, 38 34.5, 38 34)), ((39.8 34.8, 40 34.8, 40 35, 39.8 35, 39.8 34.8))))",
		`{"op":"s_intersects","args":[{"property":"geometry"},{"type":"MultiPolygon","coordinates":[[[[38,34],[38.5,34],[38.5,34.5],[38,34.5],[38,34]]],[[[39.8,34.8],[40,34.8],[40,35],[39.8,35],[39.8,34.8]]]]}]}`,
		func(r incident) bool {
			return at(r, func(x, y float64) bool { return inRect(x, y, 38, 34, 38.5, 34.5) || inRect(x, y, 39.8, 34.8, 40, 35) })
		}},
	// A point on the hole's ring is on the polygon's boundary, so it intersects.
	{"S_INTERSECTS(geometry, POLYGON((37 33, 41 33, 41 37, 37 37, 37 33), (38.5 34.5, 39 34.5, 39 35.5, 38.5 35.5, 38.5 34.5)))",
		`{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[37,33],[41,33],[41,37],[37,37],[37,33]],[[38.5,34.5],[39,34.5],[39,35.5],[38.5,35.5],[38.5,34.5]]]}]}`,
		func(r incident) bool {
			return at(r, func(x, y float64) bool {
				return inRect(x, y, 37, 33, 41, 37) && !inRectStrict(x, y, 38.5, 34.5, 39, 35.5)
			})
		}},
	{"S_WITHIN(geometry, POLYGON((37 33, 41 33, 41 37, 37 37, 37 33), (38.5 34.5, 39 34.5, 39 35.5, 38.5 35.5, 38.5 34.5)))",
		`{"op":"s_within","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[37,33],[41,33],[41,37],[37,37],[37,33]],[[38.5,34.5],[39,34.5],[39,35.5],[38.5,35.5],[38.5,34.5]]]}]}`,
		func(r incident) bool {
			return at(r, func(x, y float64) bool {
				return inRectStrict(x, y, 37, 33, 41, 37) && !inRect(x, y, 38.5, 34.5, 39, 35.5)
			})
		}},
	{"S_INTERSECTS(geometry, LINESTRING(38 34, 38 36))", `{"op":"s_intersects","args":[{"property":"geometry"},{"type":"LineString","coordinates":[[38,34],[38,36]]}]}`,
		func(r incident) bool { return at(r, func(x, y float64) bool { return x == 38 && y >= 34 && y <= 36 }) }},
	{"S_WITHIN(geometry, LINESTRING(38 34, 38 36))", `{"op":"s_within","args":[{"property":"geometry"},{"type":"LineString","coordinates":[[38,34],[38,36]]}]}`,
		func(r incident) bool { return at(r, func(x, y float64) bool { return x == 38 && y > 34 && y < 36 }) }},
	{"S_TOUCHES(geometry, LINESTRING(38 34.5, 38 36))", `{"op":"s_touches","args":[{"property":"geometry"},{"type":"LineString","coordinates":[[38,34.5],[38,36]]}]}`,
		func(r incident) bool {
			return at(r, func(x, y float64) bool { return x == 38 && (y == 34.5 || y == 36) })
		}},
	// By the mod-2 rule an end point shared by two lines is interior.
	{"S_WITHIN(geometry, MULTILINESTRING((38 34, 38 34.5), (38 34.5, 38 35)))", `{"op":"s_within","args":[{"property":"geometry"},{"type":"MultiLineString","coordinates":[[[38,34],[38,34.5]],[[38,34.5],[38,35]]]}]}`,
		func(r incident) bool { return at(r, func(x, y float64) bool { return x == 38 && y > 34 && y < 35 }) }},
	{"S_TOUCHES(geometry, MULTILINESTRING((38 34, 38 34.5), (38 34.5, 38 35)))", `{"op":"s_touches","args":[{"property":"geometry"},{"type":"MultiLineString","coordinates":[[[38,34],[38,34.5]],[[38,34.5],[38,35]]]}]}`,
		func(r incident) bool {
			return at(r, func(x, y float64) bool { return x == 38 && (y == 34 || y == 35) })
		}},
	// The diagonal edge from (40 34) to (38 36) passes exactly through (39 35).
	{"S_INTERSECTS(geometry, MULTILINESTRING((40 34, 38 36), (37 30, 37.5 30)))", `{"op":"s_intersects","args":[{"property":"geometry"},{"type":"MultiLineString","coordinates":[[[40,34],[38,36]],[[37,30],[37.5,30]]]}]}`,
		func(r incident) bool {
			return at(r, func(x, y float64) bool { return x+y == 74 && x >= 38 && x <= 40 })
		}},
	{"S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(39.9 34.9), LINESTRING(38 34, 38 36)))", `{"op":"s_intersects","args":[{"property":"geometry"},{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[39.9,34.9]},{"type":"LineString","coordinates":[[38,34],[38,36]]}]}]}`,
		func(r incident) bool {
			return at(r, func(x, y float64) bool { return x == 39.9 && y == 34.9 || x == 38 && y >= 34 && y <= 36 })
		}},
	{"S_EQUALS(geometry, POINT(38.87 34.88))", `{"op":"s_equals","args":[{"property":"geometry"},{"type":"Point","coordinates":[38.87,34.88]}]}`,
		func(r incident) bool { return at(r, func(x, y float64) bool { return x == 38.87 && y == 34.88 }) }},
	{"S_CROSSES(geometry, BBOX(38, 34, 39.5, 35.5))", `{"op":"s_crosses","args":[{"property":"geometry"},{"bbox":[38,34,39.5,35.5]}]}`,
		func(incident) bool { return false }},
	{"S_INTERSECTS(geometry, MULTIPOINT((38.87 34.88), (39.9 34.9)))", `{"op":"s_intersects","args":[{"property":"geometry"},{"type":"MultiPoint","coordinates":[[38.87,34.88],[39.9,34.9]]}]}`,
		func(r incident) bool {
			return at(r, func(x, y float64) bool { return x == 38.87 && y == 34.88 || x == 39.9 && y == 34.9 })
		}},

	// Temporal functions on the incident's period of whole days.
	{"T_INTERSECTS(period, INTERVAL('2024-01-01', '2024-01-31'))", `{"op":"t_intersects","args":[{"property":"period"},{"interval":["2024-01-01","2024-01-31"]}]}`,
		func(r incident) bool {
			return period(r, func(s, e time.Time) bool { return !s.After(*day("2024-01-31")) && !e.Before(*day("2024-01-01")) })
		}},
	{"T_DURING(period, INTERVAL('2024-01-01', '2024-03-31'))", `{"op":"t_during","args":[{"property":"period"},{"interval":["2024-01-01","2024-03-31"]}]}`,
		func(r incident) bool {
			return period(r, func(s, e time.Time) bool { return s.After(*day("2024-01-01")) && e.Before(*day("2024-03-31")) })
		}},
	{"T_BEFORE(period, DATE('2024-02-01'))", `{"op":"t_before","args":[{"property":"period"},{"date":"2024-02-01"}]}`,
		func(r incident) bool {
			return period(r, func(s, e time.Time) bool { return e.Before(*day("2024-02-01")) })
		}},
	{"T_AFTER(period, DATE('2024-01-05'))", `{"op":"t_after","args":[{"property":"period"},{"date":"2024-01-05"}]}`,
		func(r incident) bool {
			return period(r, func(s, e time.Time) bool { return s.After(*day("2024-01-05")) })
		}},
	{"T_INTERSECTS(period, DATE('2024-01-01'))", `{"op":"t_intersects","args":[{"property":"period"},{"date":"2024-01-01"}]}`,
		func(r incident) bool {
			return period(r, func(s, e time.Time) bool { return !s.After(*day("2024-01-01")) && !e.Before(*day("2024-01-01")) })
		}},
	{"T_INTERSECTS(date_start, INTERVAL('2024-03-01', '..'))", `{"op":"t_intersects","args":[{"property":"date_start"},{"interval":["2024-03-01",".."]}]}`,
		func(r incident) bool { return r.DateStart != nil && !r.DateStart.Before(*day("2024-03-01")) }},
	{"T_INTERSECTS(INTERVAL(date_start, date_end), INTERVAL('..', '2024-01-01'))", `{"op":"t_intersects","args":[{"interval":[{"property":"date_start"},{"property":"date_end"}]},{"interval":["..","2024-01-01"]}]}`,
		func(r incident) bool {
			return period(r, func(s, e time.Time) bool { return !s.After(*day("2024-01-01")) })
		}},
	{"T_INTERSECTS(period, TIMESTAMP('2024-02-21T23:59:59Z'))", `{"op":"t_intersects","args":[{"property":"period"},{"timestamp":"2024-02-21T23:59:59Z"}]}`,
		func(r incident) bool {
			return period(r, func(s, e time.Time) bool { return !s.After(*day("2024-02-21")) && !e.Before(*day("2024-02-21")) })
		}},
	{"T_BEFORE(period, TIMESTAMP('2024-01-10T00:00:00Z'))", `{"op":"t_before","args":[{"property":"period"},{"timestamp":"2024-01-10T00:00:00Z"}]}`,
		func(r incident) bool {
			return period(r, func(s, e time.Time) bool { return e.Before(*day("2024-01-10")) })
		}},
	{"T_AFTER(date_start, TIMESTAMP('2024-03-01T12:00:00Z'))", `{"op":"t_after","args":[{"property":"date_start"},{"timestamp":"2024-03-01T12:00:00Z"}]}`,
		func(r incident) bool { return r.DateStart != nil && r.DateStart.After(*day("2024-03-01")) }},
	{"T_EQUALS(period, INTERVAL('2024-01-10', '2024-01-10'))", `{"op":"t_equals","args":[{"property":"period"},{"interval":["2024-01-10","2024-01-10"]}]}`,
		func(r incident) bool {
			return period(r, func(s, e time.Time) bool { return s.Equal(*day("2024-01-10")) && e.Equal(*day("2024-01-10")) })
		}},
	{"T_EQUALS(date_start, DATE('2024-04-21'))", `{"op":"t_equals","args":[{"property":"date_start"},{"date":"2024-04-21"}]}`,
		func(r incident) bool { return r.DateStart != nil && r.DateStart.Equal(*day("2024-04-21")) }},
	{"T_MEETS(period, INTERVAL('2024-01-02', '2024-01-09'))", `{"op":"t_meets","args":[{"property":"period"},{"interval":["2024-01-02","2024-01-09"]}]}`,
		func(r incident) bool {
			return period(r, func(s, e time.Time) bool { return e.Equal(*day("2024-01-02")) })
		}},
	{"T_METBY(period, INTERVAL('2024-01-01', '2024-02-20'))", `{"op":"t_metBy","args":[{"property":"period"},{"interval":["2024-01-01","2024-02-20"]}]}`,
		func(r incident) bool {
			return period(r, func(s, e time.Time) bool { return s.Equal(*day("2024-02-20")) })
		}},
	{"T_OVERLAPS(period, INTERVAL('2024-01-01', '2024-03-10'))", `{"op":"t_overlaps","args":[{"property":"period"},{"interval":["2024-01-01","2024-03-10"]}]}`,
		func(r incident) bool {
			a, b := *day("2024-01-01"), *day("2024-03-10")
			return period(r, func(s, e time.Time) bool { return s.Before(a) && a.Before(e) && e.Before(b) })
		}},
	{"T_OVERLAPPEDBY(period, INTERVAL('2024-02-25', '2024-03-05'))", `{"op":"t_overlappedBy","args":[{"property":"period"},{"interval":["2024-02-25","2024-03-05"]}]}`,
		func(r incident) bool {
			a, b := *day("2024-02-25"), *day("2024-03-05")
			return period(r, func(s, e time.Time) bool { return a.Before(s) && s.Before(b) && b.Before(e) })
		}},
	{"T_STARTS(period, INTERVAL('2024-03-01', '2024-03-31'))", `{"op":"t_starts","args":[{"property":"period"},{"interval":["2024-03-01","2024-03-31"]}]}`,
		func(r incident) bool {
			return period(r, func(s, e time.Time) bool { return s.Equal(*day("2024-03-01")) && e.Before(*day("2024-03-31")) })
		}},
	{"T_STARTEDBY(period, INTERVAL('2024-03-01', '2024-03-02'))", `{"op":"t_startedBy","args":[{"property":"period"},{"interval":["2024-03-01","2024-03-02"]}]}`,
		func(r incident) bool {
			return period(r, func(s, e time.Time) bool { return s.Equal(*day("2024-03-01")) && e.After(*day("2024-03-02")) })
		}},
	{"T_FINISHES(period, INTERVAL('2024-02-01', '2024-02-21'))", `{"op":"t_finishes","args":[{"property":"period"},{"interval":["2024-02-01","2024-02-21"]}]}`,
		func(r incident) bool {
			return period(r, func(s, e time.Time) bool { return s.After(*day("2024-02-01")) && e.Equal(*day("2024-02-21")) })
		}},
	{"T_FINISHEDBY(period, INTERVAL('2024-03-10', '2024-03-15'))", `{"op":"t_finishedBy","args":[{"property":"period"},{"interval":["2024-03-10","2024-03-15"]}]}`,
		func(r incident) bool {
			return period(r, func(s, e time.Time) bool { return s.Before(*day("2024-03-10")) && e.Equal(*day("2024-03-15")) })
		}},
	{"T_CONTAINS(period, INTERVAL('2024-03-05', '2024-03-06'))", `{"op":"t_contains","args":[{"property":"period"},{"interval":["2024-03-05","2024-03-06"]}]}`,
		func(r incident) bool {
			return period(r, func(s, e time.Time) bool { return s.Before(*day("2024-03-05")) && e.After(*day("2024-03-06")) })
		}},
	{"T_DISJOINT(period, INTERVAL('2024-01-01', '2024-01-31'))", `{"op":"t_disjoint","args":[{"property":"period"},{"interval":["2024-01-01","2024-01-31"]}]}`,
		func(r incident) bool {
			return period(r, func(s, e time.Time) bool { return s.After(*day("2024-01-31")) || e.Before(*day("2024-01-01")) })
		}},
	{"T_INTERSECTS(period, INTERVAL('..', '..'))", `{"op":"t_intersects","args":[{"property":"period"},{"interval":["..",".."]}]}`,
		func(r incident) bool { return period(r, func(time.Time, time.Time) bool { return true }) }},
	{"T_DURING(period, INTERVAL('2024-01-01T00:00:00Z', '2024-01-10T23:59:59.999999Z'))", `{"op":"t_during","args":[{"property":"period"},{"interval":["2024-01-01T00:00:00Z","2024-01-10T23:59:59.999999Z"]}]}`,
		func(incident) bool { return false }},

	// Combined.
	{"governorate = 'Homs' AND S_INTERSECTS(geometry, BBOX(38, 34, 39.5, 35.5)) AND T_INTERSECTS(period, INTERVAL('2024-01-01', '2024-04-21'))",
		`{"op":"and","args":[{"op":"=","args":[{"property":"governorate"},"Homs"]},{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[38,34,39.5,35.5]}]},{"op":"t_intersects","args":[{"property":"period"},{"interval":["2024-01-01","2024-04-21"]}]}]}`,
		func(r incident) bool {
			return is(r.Governorate, "Homs") && at(r, func(x, y float64) bool { return inRect(x, y, 38, 34, 39.5, 35.5) }) &&
				period(r, func(s, e time.Time) bool { return !s.After(*day("2024-04-21")) && !e.Before(*day("2024-01-01")) })
		}},
	{"(killed > 10 OR civilians > 3) AND NOT event_type IN ('Strategic developments')", `{"op":"and","args":[{"op":"or","args":[{"op":">","args":[{"property":"killed"},10]},{"op":">","args":[{"property":"civilians"},3]}]},{"op":"not","args":[{"op":"in","args":[{"property":"event_type"},["Strategic developments"]]}]}]}`,
		func(r incident) bool {
			return (num(r.Killed, func(k int) bool { return k > 10 }) || num(r.Civilians, func(c int) bool { return c > 3 })) &&
				r.EventType != nil && *r.EventType != "Strategic developments"
		}},
	{"NOT (killed IS NULL OR geometry IS NULL) AND geo_precision <= 2", `{"op":"and","args":[{"op":"not","args":[{"op":"or","args":[{"op":"isNull","args":[{"property":"killed"}]},{"op":"isNull","args":[{"property":"geometry"}]}]}]},{"op":"<=","args":[{"property":"geo_precision"},2]}]}`,
		func(r incident) bool {
			return r.Killed != nil && r.Geom != nil && num(r.GeoPrecision, func(g int) bool { return g <= 2 })
		}},
}

// stripPos zeroes every position so trees from the two encodings compare.
func stripPos(e cql2.Expr) cql2.Expr {
	cql2.Walk(e, func(n cql2.Expr) bool {
		reflect.ValueOf(n).Elem().FieldByName("Pos").Set(reflect.ValueOf(cql2.Pos{}))
		return true
	})
	return e
}

func TestFilters(t *testing.T) {
	if len(cases) < 80 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			e, err := cql2.ParseText(c.text)
			if err != nil {
				t.Fatalf("ParseText: %v", err)
			}
			again, err := cql2.ParseText(e.String())
			if err != nil {
				t.Fatalf("printed form %q does not parse: %v", e.String(), err)
			}
			if !reflect.DeepEqual(stripPos(again), stripPos(e)) {
				t.Fatalf("round trip changed the tree: %q", e.String())
			}
			forms := []cql2.Expr{e}
			if c.json != "" {
				j, err := cql2.ParseJSON([]byte(c.json))
				if err != nil {
					t.Fatalf("ParseJSON: %v", err)
				}
				if !reflect.DeepEqual(stripPos(j), stripPos(e)) {
					t.Fatalf("JSON form differs: text %s, JSON %s", e, j)
				}
				forms = append(forms, j)
			}
			matched := 0
			for _, f := range forms {
				checked, err := cql2.Check(f, queryables)
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				for i, r := range incidents {
					got, err := cql2.Eval(checked, r.row())
					if err != nil {
						t.Fatalf("Eval row %d: %v", i, err)
					}
					if want := c.want(r); got != want {
						t.Errorf("row %d (%s): got %v, want %v", i, *r.ExternalID, got, want)
					}
					if got {
						matched++
					}
				}
			}
		})
	}
}

// TestCasesDiscriminate guards the table itself: most filters keep some rows
// and leave others, so a broken evaluator cannot pass by chance.
func TestCasesDiscriminate(t *testing.T) {
	mixed := 0
	for _, c := range cases {
		kept := 0
		for _, r := range incidents {
			if c.want(r) {
				kept++
			}
		}
		if kept > 0 && kept < len(incidents) {
			mixed++
		}
	}
	if mixed < len(cases)*3/4 {
		t.Fatalf("only %d of %d cases keep some rows and not others", mixed, len(cases))
	}
}
