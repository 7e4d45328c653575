package cql2_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/cql2"
)

func TestTextErrors(t *testing.T) {
	for _, c := range []struct {
		src       string
		line, col int
		msg       string
	}{
		{"kiled > 3", 1, 1, "unknown property 'kiled' at 1:1; did you mean 'killed'? queryables are civilians, date_end"},
		{"killed > 'ten'", 1, 10, "> cannot compare killed (integer) with 'ten' (string)"},
		{"killed LIKE 'x%'", 1, 1, "LIKE matches strings, but killed is an integer"},
		{"S_INTERSECTS(killed, BBOX(38, 34, 39, 35))", 1, 14, "S_INTERSECTS takes geometries, but killed is an integer"},
		{"event_type = 'Battle'", 1, 14, "'Battle' is not a value of event_type"},
		{"CASEI(event_type) = CASEI('battle')", 1, 27, "'battle' is not a value of event_type"},
		{"geo_precision = 9", 1, 17, "9 is outside the range of geo_precision at 1:17; its values are from 1 to 7"},
		{"geo_precision IN (1, 8)", 1, 22, "8 is outside the range of geo_precision"},
		{"killed > 3 AND\n  civilians >", 2, 14, "expected a property, a literal or '(', found the end of the filter"},
		{"killed = 1 = 2", 1, 12, "comparisons cannot be chained"},
		{"killed = 1 AND (civilians = 2", 1, 30, "expected ')', found the end of the filter"},
		{"killed !=3", 1, 8, "unknown operator '!='"},
		{"killed = 3 civilians", 1, 12, "expected AND, OR or the end of the filter, found 'civilians'"},
		{"date_start = DATE('2024-02-30')", 1, 19, `"2024-02-30" is not a date`},
		{"date_start > TIMESTAMP('2024-01-01T00:00:00Z')", 1, 14, "cannot compare date_start (date) with TIMESTAMP('2024-01-01T00:00:00Z') (timestamp)"},
		{"T_DURING(date_start, INTERVAL('2024-01-01', '2024-02-01'))", 1, 10, "T_DURING compares intervals, but date_start is a date"},
		{"T_INTERSECTS(period, INTERVAL('2024-02-01', '2024-01-01'))", 1, 22, "interval starts (2024-02-01) after it ends (2024-01-01)"},
		{"T_INTERSECTS(period, INTERVAL('2024-01-01', '2024-02-01T00:00:00Z'))", 1, 45, "interval mixes a date and a timestamp"},
		{"T_INTERSECTS(period, INTERVAL('2024-01-01', 'soon'))", 1, 45, `interval end "soon" is neither a date`},
		{"S_WITHIN(geometry, GEOMETRYCOLLECTION(POINT(38 34), POINT(39 35)))", 1, 20, "S_WITHIN does not take a GEOMETRYCOLLECTION"},
		{"S_INTERSECTS(BBOX(38, 34, 39, 35), POLYGON((38 34, 39 34, 39 35, 38 34)))", 1, 1, "S_INTERSECTS compares two geometry literals"},
		{"S_INTERSECTS(geometry, POINT(200 10))", 1, 30, "coordinate 200 10 is outside lon/lat (CRS84) range"},
		{"S_INTERSECTS(geometry, POINT(38 34 10))", 1, 36, "3D coordinates are not supported"},
		{"S_INTERSECTS(geometry, POLYGON((38 34, 39 34, 39 35, 38 34.5)))", 1, 32, "polygon ring is not closed"},
		{"S_INTERSECTS(geometry, BBOX(40, 34, 38, 36))", 1, 24, "bbox 40,34,38,36 is empty or crosses the antimeridian"},
		{"S_INTERSECTS(geometry, BBOX(38, 34, 0, 39, 35, 100))", 1, 24, "3D bounding boxes are not supported"},
		{"S_INTERSECTS(geometry, POINT EMPTY)", 1, 24, "empty geometries are not supported"},
		{"killed", 1, 1, "a filter must be a condition, but killed is an integer"},
		{"ACCENTI(location_name) = ACCENTI('x')", 1, 1, "ACCENTI is not supported"},
		{"A_CONTAINS(x, ('a'))", 1, 1, "array function A_CONTAINS is not supported"},
		{"buffer(geometry, 10) = 1", 1, 1, "unknown function 'buffer'"},
		{"location_name LIKE 'a\\'", 1, 20, "LIKE pattern ends with the escape character"},
		{"location_name LIKE location_name", 1, 20, "a LIKE pattern must be a string literal"},
		{"-killed > 3", 1, 1, "a sign can stand only before a number"},
		{"killed > 1e999", 1, 10, "number 1e999 is out of range"},
		{"killed > 12abc", 1, 10, `malformed number "12a"`},
		{"location_name = 'a", 1, 17, "unterminated string"},
		{"\"killed > 3", 1, 1, "unterminated quoted property name"},
		{"and = 3", 1, 1, "expected a property, a literal or '(', found 'and'"},
		{"killed > 3 AND NOT", 1, 19, "expected a property, a literal or '('"},
		{"killed = TRUE", 1, 10, "= cannot compare killed (integer) with TRUE (boolean)"},
		{"TRUE < FALSE", 1, 1, "booleans compare only with = and <>"},
		{"S_EQUALS(geometry, geometry) = TRUE AND geometry = geometry", 1, 41, "= cannot compare geometries"},
		{"killed + 'a' > 1", 1, 10, "arithmetic takes numbers, but 'a' is a string"},
		{"CASEI(killed) = 'a'", 1, 1, "CASEI takes a string, but killed is an integer"},
		{"killed IN (1, 'a')", 1, 15, "IN cannot compare killed (integer) with 'a' (string)"},
		{"location_name BETWEEN 'a' AND 'b'", 1, 1, "BETWEEN takes numbers, dates or timestamps"},
		{"T_INTERSECTS(killed, DATE('2024-01-01'))", 1, 14, "T_INTERSECTS takes dates, timestamps or intervals, but killed is an integer"},
		{"T_INTERSECTS(INTERVAL(killed, date_end), DATE('2024-01-01'))", 1, 23, "an interval end must be a date or a timestamp"},
		{"killed > 3 AND \x01", 1, 16, "unexpected character"},
		{"location_name = 'a\x00b'", 1, 17, "control character U+0000"},
		{"killed = 3 OR killed = 4 OR\xff", 1, 28, "filter is not valid UTF-8"},
	} {
		t.Run(c.src, func(t *testing.T) {
			_, err := cql2.CheckText(c.src, queryables)
			var e *cql2.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v (%T), want a *cql2.Error", err, err)
			}
			if e.Line != c.line || e.Col != c.col {
				t.Errorf("at %d:%d, want %d:%d: %v", e.Line, e.Col, c.line, c.col, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not say %q", err, c.msg)
			}
			// The caret stands under the offending character.
			lines := strings.Split(e.Excerpt, "\n")
			if len(lines) != 2 || !strings.HasSuffix(lines[1], "^") {
				t.Fatalf("excerpt %q", e.Excerpt)
			}
		})
	}
}

func TestErrorExcerpt(t *testing.T) {
	_, err := cql2.CheckText("killed > 3 AND kiled < 9", queryables)
	want := "unknown property 'kiled' at 1:16; did you mean 'killed'? queryables are civilians, date_end, date_start, " +
		"event_type, external_id, geo_precision, geometry, governorate, injured, killed, location_name, period, perpetrator, region, sub_event_type\n" +
		"  killed > 3 AND kiled < 9\n" +
		"                 ^"
	if err == nil || err.Error() != want {
		t.Fatalf("got\n%v\nwant\n%s", err, want)
	}
	long := strings.Repeat("killed > 1 AND ", 10) + "kiled < 9"
	_, err = cql2.CheckText(long, queryables)
	var e *cql2.Error
	if !errors.As(err, &e) || e.Excerpt != "  ...killed > 1 AND killed > 1 AND kiled < 9\n"+strings.Repeat(" ", 35)+"^" {
		t.Fatalf("excerpt of a long filter: %q", e.Excerpt)
	}
}

func TestJSONErrors(t *testing.T) {
	for _, c := range []struct {
		src   string
		check bool
		path  string // "" with offset >= 0 for a syntax error
		off   int
		msg   string
	}{
		{`{"op":"and","args":[{"op":"=","args":[{"property":"kiled"},1]},true]}`, true, "args[0].args[0]", -1, "unknown property 'kiled'"},
		{`{"op":"=","args":[{"property":"killed"}]}`, false, "args", -1, `"=" takes 2 arguments, not 1`},
		{`{"op":"in","args":[{"property":"event_type"},["Battles","Nope"]]}`, true, "args[1][1]", -1, "'Nope' is not a value of event_type"},
		{`{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[38,34],[39,34],[39,35]]]}]}`, false, "args[1].coordinates[0]", -1, "a polygon ring needs at least four points"},
		{`{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[38,34,3]}]}`, false, "args[1].coordinates", -1, "3D coordinates are not supported"},
		{`{"op":"t_during","args":[{"property":"period"},{"interval":["2024-01-01","later"]}]}`, false, "args[1].interval[1]", -1, `interval end "later"`},
		{`{"op":"and","args":[true]}`, false, "args", -1, `"and" takes at least 2 arguments, not 1`},
		{`{"op":"not","args":[{"op":"=","args":[{"property":"killed"},null]}]}`, false, "args[0].args[1]", -1, "null is not an expression"},
		{`{"op":"=","args":[{"property":"killed"},[1]]}`, false, "args[1]", -1, "expected an expression, found an array"},
		{`{"op":"=","args":[{"prop":"killed"},1]}`, false, "args[0]", -1, `found an object with "prop"`},
		{`{"op":"=","args":[{"property":"killed","x":1},1]}`, false, "args[0]", -1, `unexpected member "x"`},
		{`{"op":"between","args":[{"property":"killed"},1,"5"]}`, true, "args[2]", -1, "BETWEEN cannot compare killed (integer) with '5' (string)"},
		{`{"op":"accenti","args":["x"]}`, false, "", -1, "ACCENTI is not supported"},
		{`{"op":"buffer","args":[{"property":"geometry"},10]}`, false, "", -1, "unknown function 'buffer'"},
		{`{"op":"a_contains","args":[{"property":"x"},["a"]]}`, false, "", -1, "array function a_contains is not supported"},
		{`{"op":"=","args":[{"property":"killed"},1e999]}`, false, "args[1]", -1, "number 1e999 is out of range"},
		{`{"op":"=","args":[{"property":"killed"},`, false, "", 40, "malformed JSON"},
		{`{"op":"=","args":[{"property":"killed"},1]} {}`, false, "", 44, "more than one JSON value"},
		{`{"op":"like","args":[{"property":"location_name"},{"property":"location_name"}]}`, false, "args[1]", -1, "a LIKE pattern must be a string literal"},
		{`{"op":"=","args":[{"date":"2024-13-01"},{"property":"date_start"}]}`, false, "args[0]", -1, `"2024-13-01" is not a date`},
	} {
		t.Run(c.src, func(t *testing.T) {
			e, err := cql2.ParseJSON([]byte(c.src))
			if err == nil && c.check {
				_, err = cql2.Check(e, queryables)
			}
			var ce *cql2.Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %v (%T), want a *cql2.Error", err, err)
			}
			if c.off >= 0 {
				if ce.Pos.Offset != c.off {
					t.Errorf("at byte %d, want %d: %v", ce.Pos.Offset, c.off, err)
				}
			} else if !ce.Pos.JSON() || ce.Pos.Path != c.path {
				t.Errorf("at %q, want %q: %v", ce.Pos.Path, c.path, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not say %q", err, c.msg)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat("(", 40) + "killed > 1" + strings.Repeat(")", 40)
	var list []string
	for i := range cql2.MaxListLen + 1 {
		list = append(list, fmt.Sprint(i))
	}
	var ors []string
	for range cql2.MaxNodes/3 + 1 {
		ors = append(ors, "killed = 1")
	}
	var ring []string
	for i := range cql2.MaxVertices {
		ring = append(ring, fmt.Sprintf("%g 34", 38+float64(i)/1e5))
	}
	ring = append(ring, "38 35", "38 34")
	deepJSON := strings.Repeat(`{"op":"not","args":[`, 40) + "true" + strings.Repeat("]}", 40)
	for _, c := range []struct {
		name, src string
		json      bool
		msg       string
	}{
		{"depth", deep, false, "filter nests deeper than 32 levels"},
		{"not depth", strings.Repeat("NOT ", 40) + "TRUE", false, "filter nests deeper than 32 levels"},
		{"power depth", "killed " + strings.Repeat("^ 2 ", 40) + "> 1", false, "filter nests deeper than 32 levels"},
		{"json depth", deepJSON, true, "filter nests deeper than 32 levels"},
		{"json bracket depth", strings.Repeat("[", 100000), true, "filter nests deeper than 32 levels"},
		{"list", "killed IN (" + strings.Join(list, ", ") + ")", false, "IN list has more than 500 items"},
		{"nodes", strings.Join(ors, " OR "), false, "filter has more than 1000 terms"},
		{"vertices", "S_INTERSECTS(geometry, POLYGON((" + strings.Join(ring, ", ") + ")))", false, "geometries have more than 10000 coordinates in all"},
		{"input", "location_name = '" + strings.Repeat("a", cql2.MaxInputBytes) + "'", false, "filter is longer than 262144 bytes"},
		{"string", "location_name = '" + strings.Repeat("a", cql2.MaxStringBytes+1) + "'", false, "string longer than 1024 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.json {
				_, err = cql2.ParseJSON([]byte(c.src))
			} else {
				_, err = cql2.ParseText(c.src)
			}
			var e *cql2.Error
			if !errors.As(err, &e) || !strings.Contains(e.Msg, c.msg) {
				t.Fatalf("got %v, want %q", err, c.msg)
			}
		})
	}
	// Just inside the limits parses.
	ok := strings.Repeat("(", cql2.MaxDepth-1) + "killed > 1" + strings.Repeat(")", cql2.MaxDepth-1)
	if _, err := cql2.ParseText(ok); err != nil {
		t.Fatalf("%d levels: %v", cql2.MaxDepth-1, err)
	}
	if _, err := cql2.ParseText("killed IN (" + strings.Join(list[:cql2.MaxListLen], ", ") + ")"); err != nil {
		t.Fatalf("%d items: %v", cql2.MaxListLen, err)
	}
}

func TestParseLang(t *testing.T) {
	for lang, src := range map[string]string{"": "killed > 1", "cql2-text": "killed > 1", "cql2-json": `{"op":">","args":[{"property":"killed"},1]}`} {
		e, err := cql2.Parse(src, lang)
		if err != nil || e.String() != "killed > 1" {
			t.Fatalf("%q: %v %v", lang, e, err)
		}
	}
	_, err := cql2.Parse("killed > 1", "ecql")
	var e *cql2.Error
	if !errors.As(err, &e) || !strings.Contains(err.Error(), "unknown filter-lang 'ecql'") {
		t.Fatalf("got %v", err)
	}
}
