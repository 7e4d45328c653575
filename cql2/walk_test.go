package cql2_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/cql2"
)

// everyKind uses each node type at least once.
const everyKind = "killed + 1 > 2 AND (NOT civilians IS NULL OR location_name LIKE CASEI('a%')) " +
	"AND injured BETWEEN 1 AND 2 AND geo_precision IN (1, 2) AND flag = TRUE " +
	"AND S_INTERSECTS(geometry, BBOX(38, 34, 39, 35)) AND S_INTERSECTS(geometry, POINT(38 34)) " +
	"AND T_INTERSECTS(date_start, INTERVAL('2024-01-01', '..')) AND date_end > DATE('2024-01-01') " +
	"AND ts < TIMESTAMP('2024-01-01T00:00:00Z')"

func TestWalkReachesEveryKind(t *testing.T) {
	e, err := cql2.ParseText(everyKind)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	cql2.Walk(e, func(n cql2.Expr) bool {
		seen[reflect.TypeOf(n).Elem().Name()] = true
		return true
	})
	var kinds []string
	for k := range seen {
		kinds = append(kinds, k)
	}
	want := []string{"And", "Or", "Not", "Compare", "Like", "Between", "In", "IsNull", "Spatial", "Temporal",
		"Arith", "CaseI", "Property", "String", "Number", "Bool", "Date", "Timestamp", "Interval", "OpenEnd", "Geometry", "BBox"}
	for _, k := range want {
		if !seen[k] {
			t.Errorf("Walk never reached a %s; reached %v", k, kinds)
		}
	}
	got := strings.Join(cql2.Properties(e), ",")
	if got != "killed,civilians,location_name,injured,geo_precision,flag,geometry,date_start,date_end,ts" {
		t.Fatalf("Properties: %s", got)
	}
	// Returning false skips a node's children.
	n := 0
	cql2.Walk(e, func(cql2.Expr) bool { n++; return false })
	if n != 1 {
		t.Fatalf("Walk visited %d nodes after false", n)
	}
}

// TestCheckLeavesInputAlone: Check returns a new tree with types and the
// interval queryable expanded, and does not touch the parsed one, which still
// prints as the client wrote it (for next links).
func TestCheckLeavesInputAlone(t *testing.T) {
	e, err := cql2.ParseText("T_DURING(period, INTERVAL('2024-01-01', '2024-03-31')) AND killed > 1")
	if err != nil {
		t.Fatal(err)
	}
	before := e.String()
	checked, err := cql2.Check(e, queryables)
	if err != nil {
		t.Fatal(err)
	}
	if e.String() != before {
		t.Fatalf("Check changed its input to %s", e)
	}
	if got := checked.String(); got != "T_DURING(INTERVAL(date_start, date_end), INTERVAL('2024-01-01', '2024-03-31')) AND killed > 1" {
		t.Fatalf("checked: %s", got)
	}
	var types []string
	cql2.Walk(checked, func(n cql2.Expr) bool {
		if p, ok := n.(*cql2.Property); ok {
			types = append(types, p.Name+":"+string(p.Type))
		}
		return true
	})
	if strings.Join(types, " ") != "date_start:date date_end:date killed:integer" {
		t.Fatalf("types: %v", types)
	}
}

func TestEvalRowErrors(t *testing.T) {
	e, err := cql2.CheckText("killed > 1 AND S_INTERSECTS(geometry, BBOX(38, 34, 39, 35))", queryables)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cql2.Eval(e, cql2.Values{"killed": "3"}); err == nil || !strings.Contains(err.Error(), "killed holds a string, but its type is integer") {
		t.Fatalf("string for an integer: %v", err)
	}
	if _, err := cql2.Eval(e, cql2.Values{"killed": 3, "geometry": "POINT(38 34)"}); err == nil {
		t.Fatal("a string for a geometry evaluated")
	}
	unchecked, _ := cql2.ParseText("killed > 1")
	if _, err := cql2.Eval(unchecked, cql2.Values{"killed": 3}); err == nil || !strings.Contains(err.Error(), "evaluate a checked filter") {
		t.Fatalf("unchecked filter: %v", err)
	}
}

func ExampleCheckText() {
	_, err := cql2.CheckText("kiled > 3", []cql2.Queryable{{Name: "killed", Type: cql2.TypeInteger}})
	fmt.Println(err)
	// Output:
	// unknown property 'kiled' at 1:1; did you mean 'killed'? queryables are killed
	//   kiled > 3
	//   ^
}

func ExampleEval() {
	qs := []cql2.Queryable{{Name: "killed", Type: cql2.TypeInteger}, {Name: "governorate", Type: cql2.TypeString}}
	e, _ := cql2.Parse(`{"op":"and","args":[{"op":">","args":[{"property":"killed"},3]},{"op":"=","args":[{"property":"governorate"},"Homs"]}]}`, "cql2-json")
	fmt.Println(e)
	checked, _ := cql2.Check(e, qs)
	for _, row := range []cql2.Values{
		{"killed": 12, "governorate": "Homs"},
		{"killed": 12, "governorate": "Hama"},
		{"governorate": "Homs"}, // killed is NULL: unknown, so left out
	} {
		keep, _ := cql2.Eval(checked, row)
		fmt.Println(keep)
	}
	// Output:
	// killed > 3 AND governorate = 'Homs'
	// true
	// false
	// false
}
