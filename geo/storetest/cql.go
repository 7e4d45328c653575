package storetest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/incidentcql"
)

// cqlCase is one CQL2 filter of the contract: its cql2-text (and, for some,
// the same filter in cql2-json), and an oracle written here from the
// standard's definitions, apart from cql2.Eval, that says which incidents
// it keeps. Some says the oracle must keep at least one incident.
type cqlCase struct {
	text, json string
	want       func(inc *geo.Incident) bool
	some       bool
}

// The oracle's view of an incident's fields, written out from the
// GeoJSON properties each queryable names.
func killed(i *geo.Incident) int { return i.Casualties.Killed() }

func ymd(t time.Time) string { return t.Format(geo.DateLayout) }

func inBox(i *geo.Incident, x0, y0, x1, y1 float64) bool {
	x, y := i.Location[0], i.Location[1]
	return x >= x0 && x <= x1 && y >= y0 && y <= y1
}

func inBoxStrict(i *geo.Incident, x0, y0, x1, y1 float64) bool {
	x, y := i.Location[0], i.Location[1]
	return x > x0 && x < x1 && y > y0 && y < y1
}

// The Palmyra box and the box whose corners are fixture points.
const (
	palmyraBBox = "BBOX(37.9, 34.3, 38.7, 34.8)"
	edgeBBox    = "BBOX(38.25, 34.5, 38.75, 34.875)"
)

// cqlCases is the CQL2 table: the standard's examples adapted to the
// incidents' queryables, and our own, over every conformance class the
// server declares (Basic CQL2, Advanced Comparison, Case-insensitive
// Comparison, Basic Spatial Functions with their extra literals, Temporal
// Functions, Arithmetic).
func cqlCases() []cqlCase {
	palmyra := func(i *geo.Incident) bool { return inBox(i, 37.9, 34.3, 38.7, 34.8) }
	edges := func(i *geo.Incident) bool { return inBox(i, 38.25, 34.5, 38.75, 34.875) }
	return []cqlCase{
		// Basic CQL2: comparisons, logic, NULL, booleans.
		{"killed > 5", `{"op":">","args":[{"property":"killed"},5]}`, func(i *geo.Incident) bool { return killed(i) > 5 }, true},
		{"killed > 5 AND governorate = 'SY04'", `{"op":"and","args":[{"op":">","args":[{"property":"killed"},5]},{"op":"=","args":[{"property":"governorate"},"SY04"]}]}`,
			func(i *geo.Incident) bool { return killed(i) > 5 && i.Governorate == "SY04" }, true},
		{"killed = 0", "", func(i *geo.Incident) bool { return killed(i) == 0 }, true},
		{"killed <> 0", "", func(i *geo.Incident) bool { return killed(i) != 0 }, true},
		{"killed < 1", "", func(i *geo.Incident) bool { return killed(i) < 1 }, true},
		{"killed <= 2", "", func(i *geo.Incident) bool { return killed(i) <= 2 }, true},
		{"3 < killed", `{"op":"<","args":[3,{"property":"killed"}]}`, func(i *geo.Incident) bool { return 3 < killed(i) }, true},
		{"killed > 4.5", "", func(i *geo.Incident) bool { return killed(i) >= 5 }, true},
		{`"killed" >= 10`, "", func(i *geo.Incident) bool { return killed(i) >= 10 }, true},
		{"civilians > 0 OR children > 0", `{"op":"or","args":[{"op":">","args":[{"property":"civilians"},0]},{"op":">","args":[{"property":"children"},0]}]}`,
			func(i *geo.Incident) bool { return i.Casualties.Civilians > 0 || i.Casualties.Children > 0 }, true},
		{"NOT (killed > 3 AND civilians > 0)", "", func(i *geo.Incident) bool { return !(killed(i) > 3 && i.Casualties.Civilians > 0) }, true},
		{"governorate = 'SY09' OR region = 'BADIA-SY04'", "", func(i *geo.Incident) bool { return i.Governorate == "SY09" || i.Region == "BADIA-SY04" }, true},
		{"NOT governorate = 'SY09'", `{"op":"not","args":[{"op":"=","args":[{"property":"governorate"},"SY09"]}]}`,
			func(i *geo.Incident) bool { return i.Governorate != "SY09" }, true},
		{"governorate = ''", "", func(i *geo.Incident) bool { return i.Governorate == "" }, true},
		{"region <> ''", "", func(i *geo.Incident) bool { return i.Region != "" }, true},
		{"event_type = 'Battles'", "", func(i *geo.Incident) bool { return i.EventType == "Battles" }, true},
		{"event_type <> 'Battles'", "", func(i *geo.Incident) bool { return i.EventType != "Battles" }, true},
		{"sub_event_type = 'Attack' AND military > 0", "", func(i *geo.Incident) bool { return i.SubEventType == "Attack" && i.Casualties.Military > 0 }, true},
		{"location_name = 'Bir 100% _well_ (O''Brien''s)'", "", func(i *geo.Incident) bool { return i.LocationName == "Bir 100% _well_ (O'Brien's)" }, true},
		{"location_name = ''' OR 1=1 --'", "", func(i *geo.Incident) bool { return i.LocationName == "' OR 1=1 --" }, false},
		{"location_name = 'تدمر'", "", func(i *geo.Incident) bool { return i.LocationName == "تدمر" }, true},
		{"governorate > 'SY05'", "", func(i *geo.Incident) bool { return i.Governorate > "SY05" }, true},
		{"perpetrator < 'M' AND perpetrator >= 'A'", "", func(i *geo.Incident) bool { return i.Perpetrator < "M" && i.Perpetrator >= "A" }, true},
		{"location_name > 'تد'", "", func(i *geo.Incident) bool { return i.LocationName > "تد" }, true},
		{"illustrative", `{"property":"illustrative"}`, func(i *geo.Incident) bool { return i.Illustrative }, true},
		{"illustrative = FALSE", "", func(i *geo.Incident) bool { return !i.Illustrative }, true},
		{"NOT illustrative AND geo_precision = 6", "", func(i *geo.Incident) bool { return !i.Illustrative && i.GeoPrecision == 6 }, true},
		{"TRUE", "true", func(*geo.Incident) bool { return true }, true},
		{"FALSE OR killed = 12", "", func(i *geo.Incident) bool { return killed(i) == 12 }, true},
		{"(killed > 3) = TRUE", "", func(i *geo.Incident) bool { return killed(i) > 3 }, true},
		{"deaths_best IS NULL", `{"op":"isNull","args":[{"property":"deaths_best"}]}`, func(i *geo.Incident) bool { return i.Deaths == nil }, true},
		{"deaths_best IS NOT NULL", "", func(i *geo.Incident) bool { return i.Deaths != nil }, true},
		{"deaths_high > 3", "", func(i *geo.Incident) bool { return i.Deaths != nil && i.Deaths.High > 3 }, true},
		// NOT of unknown is unknown: incidents without an estimate stay out.
		{"NOT (deaths_high > 3)", "", func(i *geo.Incident) bool { return i.Deaths != nil && i.Deaths.High <= 3 }, true},
		{"deaths_low IS NULL OR deaths_low < 2", "", func(i *geo.Incident) bool { return i.Deaths == nil || i.Deaths.Low < 2 }, true},
		{"NOT (deaths_low < 2 OR killed > 1000)", "", func(i *geo.Incident) bool { return i.Deaths != nil && i.Deaths.Low >= 2 && killed(i) <= 1000 }, true},
		{"geometry IS NULL OR period IS NULL", "", func(*geo.Incident) bool { return false }, false},
		{"join_basis = 'source_admin1'", "", func(i *geo.Incident) bool { return i.JoinBasis == geo.BasisSourceAdmin1 }, true},

		// Advanced comparison: BETWEEN, IN, LIKE.
		{"killed BETWEEN 2 AND 5", `{"op":"between","args":[{"property":"killed"},2,5]}`,
			func(i *geo.Incident) bool { return killed(i) >= 2 && killed(i) <= 5 }, true},
		{"killed NOT BETWEEN 2 AND 5", "", func(i *geo.Incident) bool { return killed(i) < 2 || killed(i) > 5 }, true},
		{"date_start BETWEEN DATE('2017-01-01') AND DATE('2017-12-31')", "",
			func(i *geo.Incident) bool {
				return ymd(i.DateStart) >= "2017-01-01" && ymd(i.DateStart) <= "2017-12-31"
			}, true},
		{"governorate IN ('SY04', 'SY09')", `{"op":"in","args":[{"property":"governorate"},["SY04","SY09"]]}`,
			func(i *geo.Incident) bool { return i.Governorate == "SY04" || i.Governorate == "SY09" }, true},
		{"governorate NOT IN ('SY04', 'SY09')", "", func(i *geo.Incident) bool { return i.Governorate != "SY04" && i.Governorate != "SY09" }, true},
		{"geo_precision IN (1, 2)", "", func(i *geo.Incident) bool { return i.GeoPrecision == 1 || i.GeoPrecision == 2 }, true},
		{"event_type IN ('Battles', 'Violence against civilians') AND killed > 20", "",
			func(i *geo.Incident) bool {
				return (i.EventType == "Battles" || i.EventType == "Violence against civilians") && killed(i) > 20
			}, true},
		{"deaths_best IN (2, 3)", "", func(i *geo.Incident) bool { return i.Deaths != nil && (i.Deaths.Best == 2 || i.Deaths.Best == 3) }, true},
		{"location_name LIKE 'edge%'", `{"op":"like","args":[{"property":"location_name"},"edge%"]}`,
			func(i *geo.Incident) bool { return strings.HasPrefix(i.LocationName, "edge") }, true},
		{"location_name LIKE '%100\\%%'", "", func(i *geo.Incident) bool { return strings.Contains(i.LocationName, "100%") }, true},
		{"location_name LIKE '%\\_well\\_%'", "", func(i *geo.Incident) bool { return strings.Contains(i.LocationName, "_well_") }, true},
		{"location_name LIKE 'edge group-_____'", "", func(i *geo.Incident) bool {
			rest, ok := strings.CutPrefix(i.LocationName, "edge group-")
			return ok && len([]rune(rest)) == 5
		}, true},
		{"location_name NOT LIKE 'edge%'", "", func(i *geo.Incident) bool { return !strings.HasPrefix(i.LocationName, "edge") }, true},
		{"perpetrator LIKE '%''gunmen''%'", "", func(i *geo.Incident) bool { return strings.Contains(i.Perpetrator, "'gunmen'") }, true},
		{"notes LIKE '%\\\\ back%'", "", func(i *geo.Incident) bool { return strings.Contains(i.Notes, `\ back`) }, true},
		{"notes LIKE '%الكمأة%'", "", func(i *geo.Incident) bool { return strings.Contains(i.Notes, "الكمأة") }, true},
		{"perpetrator LIKE '%State%' AND NOT perpetrator LIKE '%state%'", "",
			func(i *geo.Incident) bool {
				return strings.Contains(i.Perpetrator, "State") && !strings.Contains(i.Perpetrator, "state")
			}, true},
		{"external_id LIKE 'storetest:%'", "", func(i *geo.Incident) bool { return strings.HasPrefix(i.ExternalID, "storetest:") }, true},

		// Case-insensitive comparison.
		{"CASEI(perpetrator) LIKE CASEI('%ISLAMIC state%')", `{"op":"like","args":[{"op":"casei","args":[{"property":"perpetrator"}]},{"op":"casei","args":["%ISLAMIC state%"]}]}`,
			func(i *geo.Incident) bool { return strings.Contains(strings.ToLower(i.Perpetrator), "islamic state") }, true},
		{"CASEI(location_name) = CASEI('EDGE GROUP-MILITARY')", "", func(i *geo.Incident) bool { return strings.EqualFold(i.LocationName, "edge group-military") }, true},
		{"CASEI(event_type) IN (CASEI('battles'))", "", func(i *geo.Incident) bool { return strings.ToLower(i.EventType) == "battles" }, true},

		// Basic spatial functions, with points, boxes, polygons, lines and
		// collections (basic-spatial-functions-plus).
		{"S_INTERSECTS(geometry, " + palmyraBBox + ")", `{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[37.9,34.3,38.7,34.8]}]}`, palmyra, true},
		{"S_INTERSECTS(geometry, " + edgeBBox + ")", "", edges, true},
		{"S_INTERSECTS(" + palmyraBBox + ", geometry) AND killed > 2", "", func(i *geo.Incident) bool { return palmyra(i) && killed(i) > 2 }, true},
		{"S_INTERSECTS(geometry, POLYGON((38 34, 40 34, 38 36, 38 34)))",
			`{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[38,34],[40,34],[38,36],[38,34]]]}]}`,
			func(i *geo.Incident) bool {
				x, y := i.Location[0], i.Location[1]
				return x >= 38 && y >= 34 && x+y <= 74
			}, true},
		{"S_DISJOINT(geometry, " + palmyraBBox + ")", "", func(i *geo.Incident) bool { return !palmyra(i) }, true},
		{"S_WITHIN(geometry, " + edgeBBox + ")", "", func(i *geo.Incident) bool { return inBoxStrict(i, 38.25, 34.5, 38.75, 34.875) }, true},
		{"S_TOUCHES(geometry, " + edgeBBox + ")", "", func(i *geo.Incident) bool {
			return edges(i) && !inBoxStrict(i, 38.25, 34.5, 38.75, 34.875)
		}, true},
		{"S_CONTAINS(BBOX(36, 33, 42, 37), geometry)", "", func(i *geo.Incident) bool { return inBoxStrict(i, 36, 33, 42, 37) }, true},
		{"S_INTERSECTS(geometry, POINT(39 35))", "", func(i *geo.Incident) bool { return i.Location[0] == 39 && i.Location[1] == 35 }, true},
		{"S_EQUALS(geometry, POINT(39 35))", "", func(i *geo.Incident) bool { return i.Location[0] == 39 && i.Location[1] == 35 }, true},
		{"S_INTERSECTS(geometry, MULTIPOINT((39 35), (38.25 34.5)))", "", func(i *geo.Incident) bool {
			return i.Location[0] == 39 && i.Location[1] == 35 || i.Location[0] == 38.25 && i.Location[1] == 34.5
		}, true},
		{"S_INTERSECTS(geometry, LINESTRING(38.25 34.5, 38.75 34.5))", "", func(i *geo.Incident) bool {
			return i.Location[1] == 34.5 && i.Location[0] >= 38.25 && i.Location[0] <= 38.75
		}, true},
		{"S_INTERSECTS(geometry, MULTIPOLYGON(((37 34, 38 34, 38 35, 37 35, 37 34)), ((40 35, 41 35, 41 36, 40 36, 40 35))))", "",
			func(i *geo.Incident) bool { return inBox(i, 37, 34, 38, 35) || inBox(i, 40, 35, 41, 36) }, true},
		{"S_INTERSECTS(geometry, POLYGON((36 32, 43 32, 43 38, 36 38, 36 32), (37 34, 38 34, 38 35, 37 35, 37 34)))", "",
			func(i *geo.Incident) bool { return inBox(i, 36, 32, 43, 38) && !inBoxStrict(i, 37, 34, 38, 35) }, true},
		{"S_DISJOINT(geometry, GEOMETRYCOLLECTION(POINT(39 35), POLYGON((37 34, 38 34, 38 35, 37 35, 37 34))))", "",
			func(i *geo.Incident) bool {
				return !(i.Location[0] == 39 && i.Location[1] == 35) && !inBox(i, 37, 34, 38, 35)
			}, true},

		// Temporal functions on the incident's days.
		{"T_INTERSECTS(period, INTERVAL('2017-01-01', '2017-06-30'))",
			`{"op":"t_intersects","args":[{"property":"period"},{"interval":["2017-01-01","2017-06-30"]}]}`,
			func(i *geo.Incident) bool { return ymd(i.DateStart) <= "2017-06-30" && ymd(i.DateEnd) >= "2017-01-01" }, true},
		{"T_DURING(period, INTERVAL('2017-01-01', '2017-12-31'))", "",
			func(i *geo.Incident) bool { return ymd(i.DateStart) > "2017-01-01" && ymd(i.DateEnd) < "2017-12-31" }, true},
		{"T_DURING(INTERVAL(date_start, date_end), INTERVAL('2024-01-01', '..'))", "",
			func(i *geo.Incident) bool { return ymd(i.DateStart) > "2024-01-01" }, true},
		{"T_BEFORE(period, DATE('2016-06-01'))", "", func(i *geo.Incident) bool { return ymd(i.DateEnd) < "2016-06-01" }, true},
		{"T_AFTER(date_start, DATE('2019-06-01'))", "", func(i *geo.Incident) bool { return ymd(i.DateStart) > "2019-06-01" }, true},
		{"T_INTERSECTS(period, INTERVAL('..', '2016-03-31'))", "", func(i *geo.Incident) bool { return ymd(i.DateStart) <= "2016-03-31" }, true},
		{"T_EQUALS(date_start, date_end)", "", func(i *geo.Incident) bool { return i.DateStart.Equal(i.DateEnd) }, true},
		{"T_CONTAINS(period, INTERVAL('2024-01-16', '2024-01-16'))", "",
			func(i *geo.Incident) bool { return ymd(i.DateStart) < "2024-01-16" && ymd(i.DateEnd) > "2024-01-16" }, true},
		{"T_METBY(period, INTERVAL('2024-01-01', '2024-01-15'))", "", func(i *geo.Incident) bool { return ymd(i.DateStart) == "2024-01-15" }, true},
		{"T_INTERSECTS(period, TIMESTAMP('2017-06-15T12:00:00Z'))", "",
			func(i *geo.Incident) bool { return ymd(i.DateStart) <= "2017-06-15" && ymd(i.DateEnd) >= "2017-06-15" }, true},
		{"T_AFTER(period, INTERVAL('..', '2018-12-31'))", "", func(i *geo.Incident) bool { return ymd(i.DateStart) > "2018-12-31" }, true},
		{"T_DISJOINT(period, INTERVAL('2017-01-01', '2019-06-30'))", "",
			func(i *geo.Incident) bool { return ymd(i.DateEnd) < "2017-01-01" || ymd(i.DateStart) > "2019-06-30" }, true},
		{"T_INTERSECTS(created_at, INTERVAL('2000-01-01T00:00:00Z', '..'))", "", func(*geo.Incident) bool { return true }, true},
		{"date_start >= DATE('2018-01-01') AND date_start < DATE('2018-02-01')", "",
			func(i *geo.Incident) bool { return ymd(i.DateStart) >= "2018-01-01" && ymd(i.DateStart) < "2018-02-01" }, true},
		{"updated_at < TIMESTAMP('2000-01-01T00:00:00Z')", "", func(*geo.Incident) bool { return false }, false},

		// Arithmetic: float8, real division, NULL on division by zero and
		// overflow.
		{"killed + injured > 10", `{"op":">","args":[{"op":"+","args":[{"property":"killed"},{"property":"injured"}]},10]}`,
			func(i *geo.Incident) bool { return killed(i)+i.Casualties.Injured > 10 }, true},
		{"civilians * 2 > killed", "", func(i *geo.Incident) bool { return i.Casualties.Civilians*2 > killed(i) }, true},
		{"killed / 4 >= 1.5", "", func(i *geo.Incident) bool { return killed(i) >= 6 }, true},
		{"killed % 2 = 1", "", func(i *geo.Incident) bool { return killed(i)%2 == 1 }, true},
		{"killed div 3 = 1", "", func(i *geo.Incident) bool { return killed(i) >= 3 && killed(i) <= 5 }, true},
		{"military - militia > 0 AND militia > 0", "", func(i *geo.Incident) bool {
			return i.Casualties.Military > i.Casualties.Militia && i.Casualties.Militia > 0
		}, true},
		{"2 ^ geo_precision > 3", "", func(i *geo.Incident) bool { return i.GeoPrecision >= 2 }, true},
		{"killed / (injured - injured) IS NULL", "", func(*geo.Incident) bool { return true }, true},
		{"NOT (killed / 0 > 1)", "", func(*geo.Incident) bool { return false }, false},
		{"killed * 1e308 * 10 IS NULL", "", func(i *geo.Incident) bool { return killed(i) > 0 }, true},
		{"(deaths_high - deaths_low) * 2 >= 6", "", func(i *geo.Incident) bool { return i.Deaths != nil && (i.Deaths.High-i.Deaths.Low)*2 >= 6 }, true},
	}
}

// parseCQL parses a case in both encodings.
func parseCQL(cc cqlCase) (text, json *incidentcql.Filter, err error) {
	if text, err = incidentcql.Parse(cc.text, "cql2-text"); err != nil {
		return nil, nil, fmt.Errorf("cql2-text %q: %w", cc.text, err)
	}
	if cc.json != "" {
		if json, err = incidentcql.Parse(cc.json, "cql2-json"); err != nil {
			return nil, nil, fmt.Errorf("cql2-json %s: %w", cc.json, err)
		}
	}
	return text, json, nil
}

// checkCQL: for every CQL2 filter of the table, in both encodings, the
// store's scan and count select exactly the incidents the oracle keeps, and
// so does geo.IncidentFilter.Match (the reference the stores are held to).
func checkCQL(ctx context.Context, c *Case) []string {
	// The oracle reads the incidents as the store holds them: the same as
	// c.Want (checkIncidents holds them to it) with the timestamps only the
	// store assigns, which two filters ask for.
	held, err := scanAll(ctx, c.Store, geo.IncidentFilter{}, geo.Page{})
	if err != nil {
		return []string{fmt.Sprintf("cql: ScanIncidents: %v", err)}
	}
	var diffs []string
	for _, cc := range cqlCases() {
		text, json, err := parseCQL(cc)
		if err != nil {
			diffs = append(diffs, err.Error())
			continue
		}
		var want []int64
		for i := range held {
			if cc.want(&held[i]) {
				want = append(want, held[i].ID)
			}
		}
		if cc.some && len(want) == 0 {
			diffs = append(diffs, fmt.Sprintf("cql %q: the oracle keeps nothing, so the fixtures do not exercise it", cc.text))
		}
		if !cc.some && len(want) > 0 {
			diffs = append(diffs, fmt.Sprintf("cql %q: the oracle keeps %d incidents, the table says none", cc.text, len(want)))
		}
		for _, f := range []*incidentcql.Filter{text, json} {
			if f == nil {
				continue
			}
			filter := geo.IncidentFilter{Where: f}
			what := fmt.Sprintf("cql %q", f.String())
			if f == json {
				what = fmt.Sprintf("cql2-json %s", cc.json)
			}
			if d := diffIDs(expectedIDs(held, filter), want); d != "" {
				diffs = append(diffs, fmt.Sprintf("%s: Match (cql2.Eval) against the oracle: %s", what, d))
			}
			got, err := scanAll(ctx, c.Store, filter, geo.Page{})
			if err != nil {
				diffs = append(diffs, fmt.Sprintf("%s: ScanIncidents: %v", what, err))
				continue
			}
			if d := diffIDs(ids(got), want); d != "" {
				diffs = append(diffs, fmt.Sprintf("%s: ScanIncidents against the oracle: %s", what, d))
			}
			if n, err := c.Store.CountIncidents(ctx, filter); err != nil || n != len(want) {
				diffs = append(diffs, fmt.Sprintf("%s: CountIncidents %d (error %v), want %d", what, n, err, len(want)))
			}
		}
	}
	return limit(diffs)
}

// cqlFilters are rows of the filter table with a CQL2 condition, alone and
// with the other fields, which the stats, paging and tiles checks also ask
// for (by these names).
func cqlFilters(gov string) []NamedFilter {
	var out []NamedFilter
	for _, r := range []struct {
		name, text string
		f          geo.IncidentFilter
	}{
		{"cql killed and governorate", "killed > 5 AND governorate = 'SY04'", geo.IncidentFilter{}},
		{"cql triangle", "S_INTERSECTS(geometry, POLYGON((38 34, 40 34, 38 36, 38 34)))", geo.IncidentFilter{}},
		{"cql period and governorate field", "T_INTERSECTS(period, INTERVAL('2017-01-01', '2018-06-30')) AND killed > 0",
			geo.IncidentFilter{Governorates: []string{gov}}},
		{"cql arithmetic", "killed + injured > 3 OR deaths_best IS NOT NULL", geo.IncidentFilter{}},
	} {
		w, err := incidentcql.Parse(r.text, "cql2-text")
		if err != nil {
			panic(fmt.Sprintf("storetest: %s: %v", r.text, err)) // a constant of this file
		}
		r.f.Where = w
		out = append(out, NamedFilter{r.name, r.f, true})
	}
	return out
}
