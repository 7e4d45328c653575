package cql2_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/badiamap/badiamap/cql2"
)

// seedErrors are inputs that must fail, to start the fuzzers near edges.
var seedErrors = []string{
	"", "(", "killed >", "killed = 1 = 2", "'unterminated", `"unterminated`,
	"POINT EMPTY", "BBOX(1,2,3)", "INTERVAL('2024-02-01','2024-01-01')", "killed != 3",
	"NOT", "a IN ()", "a LIKE 'x\\'", "DATE('2024-02-30')", "TIMESTAMP('2024-01-01T00:00:00.1234567Z')",
	"S_INTERSECTS(geometry, POLYGON((1 2, 3 4, 5 6)))", "1e999 > killed", "-killed > 3",
	`{"op":"and","args":[true]}`, `{"op":"in","args":[{"property":"a"},[]]}`, `[1,2]`, `{"op":"=","args":[1]}`,
}

// checkError requires every parse failure to be an *Error whose position
// lies inside the input.
func checkError(t *testing.T, err error, n int, json bool) {
	t.Helper()
	var e *cql2.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is a %T, not *cql2.Error", err, err)
	}
	if !e.Pos.JSON() && (e.Pos.Offset < 0 || e.Pos.Offset > n) {
		t.Fatalf("error position %d outside input of %d bytes: %v", e.Pos.Offset, n, err)
	}
	if e.Pos.JSON() && !json {
		t.Fatalf("text error with a JSON path: %v", err)
	}
	if e.Msg == "" {
		t.Fatal("error without a message")
	}
}

// exercise checks and evaluates a parsed filter; it must not panic, and an
// expression and its reparsed text form must agree on every row.
func exercise(t *testing.T, e, again cql2.Expr) {
	t.Helper()
	c1, err1 := cql2.Check(e, queryables)
	c2, err2 := cql2.Check(again, queryables)
	if (err1 == nil) != (err2 == nil) {
		t.Fatalf("Check disagrees after the round trip: %v / %v", err1, err2)
	}
	if err1 != nil {
		checkError(t, err1, 1<<30, true)
		return
	}
	for _, r := range incidents {
		g1, err1 := cql2.Eval(c1, r.row())
		g2, err2 := cql2.Eval(c2, r.row())
		if err1 != nil || err2 != nil {
			t.Fatalf("Eval: %v / %v", err1, err2)
		}
		if g1 != g2 {
			t.Fatalf("Eval disagrees after the round trip on %s", *r.ExternalID)
		}
	}
}

func FuzzParseText(f *testing.F) {
	for _, c := range cases {
		f.Add(c.text)
	}
	for _, s := range seedErrors {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := cql2.ParseText(src)
		if err != nil {
			checkError(t, err, len(src), false)
			return
		}
		printed := e.String()
		again, err := cql2.ParseText(printed)
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", src, printed, err)
		}
		exercise(t, e, again)
		if !reflect.DeepEqual(stripPos(again), stripPos(e)) {
			t.Fatalf("%q printed as %q parses to another tree", src, printed)
		}
	})
}

func FuzzParseJSON(f *testing.F) {
	for _, c := range cases {
		if c.json != "" {
			f.Add([]byte(c.json))
		}
	}
	for _, s := range seedErrors {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		e, err := cql2.ParseJSON(src)
		if err != nil {
			checkError(t, err, len(src), true)
			return
		}
		printed := e.String()
		again, err := cql2.ParseText(printed)
		if err != nil {
			t.Fatalf("%s printed as %q, which does not parse: %v", src, printed, err)
		}
		exercise(t, e, again)
		if !reflect.DeepEqual(stripPos(again), stripPos(e)) {
			t.Fatalf("%s printed as %q parses to another tree", src, printed)
		}
	})
}
