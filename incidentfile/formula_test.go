package incidentfile

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/geo"
)

func TestEscapeFormula(t *testing.T) {
	for in, want := range map[string]string{
		`=HYPERLINK("http://x","y")`: `'=HYPERLINK("http://x","y")`,
		"+cmd|' /C calc'!A0":         "'+cmd|' /C calc'!A0",
		"-2+3":                       "'-2+3",
		"@SUM(1+1)":                  "'@SUM(1+1)",
		"\tx":                        "'\tx",
		"\rx":                        "'\rx",
		"'=x":                        "''=x", // would read back as =x without the extra quote
		"''+x":                       "'''+x",
		"'quoted'":                   "'quoted'",
		"'":                          "'",
		"":                           "",
		"Palmyra":                    "Palmyra",
		"a=b":                        "a=b",
		"تدمر":                       "تدمر",
	} {
		if got := EscapeFormula(in); got != want {
			t.Errorf("EscapeFormula(%q) = %q, want %q", in, got, want)
		}
		if back := UnescapeFormula(EscapeFormula(in)); back != in {
			t.Errorf("UnescapeFormula(EscapeFormula(%q)) = %q", in, back)
		}
	}
}

// TestCSVFormulaCellsRoundTrip writes incidents whose text starts a
// formula: the CSV cells are escaped, the numbers are not, and reading the
// CSV back gives the text as it was.
func TestCSVFormulaCellsRoundTrip(t *testing.T) {
	base := handBuilt()[0]
	var incs []geo.Incident
	for i, text := range []string{`=HYPERLINK("http://x","y")`, "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\tx", "'=x", "''-x", "'"} {
		inc := base
		inc.ExternalID = base.ExternalID + "-" + string(rune('a'+i))
		inc.LocationName, inc.Perpetrator, inc.Notes = text, text, text
		incs = append(incs, inc)
	}
	var buf bytes.Buffer
	writeAll(t, incs, NewCSVWriter(&buf, false))
	rows, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for r, row := range rows[1:] {
		for i, c := range columns {
			v := row[i]
			switch {
			case c.textual() && v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])):
				t.Errorf("row %d column %s: %q starts a formula", r, c.name, v)
			case !c.textual() && v != c.format(&incs[r]):
				t.Errorf("row %d number column %s: %q, want %q as it is", r, c.name, v, c.format(&incs[r]))
			}
		}
	}
	checkRoundTrip(t, buf.Bytes(), incs, FormatCSV)
}
