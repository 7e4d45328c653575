package incidentfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// ucdpFileWith writes the real UCDP header, two real rows, the row edit
// makes from a third, and a fourth real row; it returns the file and the
// line the edited row starts on (counted in the bytes written).
func ucdpFileWith(t *testing.T, edit func(rec []string, col map[string]int)) ([]byte, int) {
	t.Helper()
	header, recs := ucdpRecords(t)
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(header)
	w.Write(recs[0])
	w.Write(recs[1])
	w.Flush()
	line := bytes.Count(buf.Bytes(), []byte("\n")) + 1
	bad := append([]string(nil), recs[2]...)
	edit(bad, col)
	w.Write(bad)
	w.Write(recs[3])
	w.Flush()
	return buf.Bytes(), line
}

func expectOneRejected(t *testing.T, data []byte, opt Options, line int, reason string) *RowError {
	t.Helper()
	rd, err := Open(bytes.NewReader(data), opt)
	if err != nil {
		t.Fatal(err)
	}
	incs, bad := readAll(t, rd)
	if len(bad) != 1 {
		t.Fatalf("rejected %d rows, want 1: %v", len(bad), bad)
	}
	if bad[0].Line != line {
		t.Errorf("rejected line %d, want %d (%v)", bad[0].Line, line, bad[0])
	}
	if !strings.Contains(strings.Join(bad[0].Reasons, "; "), reason) {
		t.Errorf("reasons %q do not say %q", bad[0].Reasons, reason)
	}
	if len(incs) == 0 {
		t.Errorf("the good rows around the bad one were not read")
	}
	t.Logf("%v", bad[0])
	return bad[0]
}

func TestRejectUnparseableDate(t *testing.T) {
	data, line := ucdpFileWith(t, func(r []string, c map[string]int) { r[c["date_start"]] = "2016-13-45" })
	expectOneRejected(t, data, Options{}, line, `date_start "2016-13-45" is not a date`)
}

func TestRejectNaNCoordinates(t *testing.T) {
	data, line := ucdpFileWith(t, func(r []string, c map[string]int) { r[c["latitude"]] = "NaN" })
	expectOneRejected(t, data, Options{}, line, "coordinates: not a number")
}

func TestRejectUnparseableNumber(t *testing.T) {
	data, line := ucdpFileWith(t, func(r []string, c map[string]int) { r[c["longitude"]] = "36,7" })
	expectOneRejected(t, data, Options{}, line, `longitude "36,7" is not a number`)
	data, line = ucdpFileWith(t, func(r []string, c map[string]int) { r[c["deaths_civilians"]] = "three" })
	expectOneRejected(t, data, Options{}, line, `"three" is not a whole number`)
}

func TestRejectOutOfRangeCoordinates(t *testing.T) {
	data, line := ucdpFileWith(t, func(r []string, c map[string]int) { r[c["latitude"]] = "95.5" })
	expectOneRejected(t, data, Options{}, line, "out of range")
}

func TestRejectFarOutsideSyria(t *testing.T) {
	paris := func(r []string, c map[string]int) { r[c["longitude"]], r[c["latitude"]] = "2.35", "48.85" }
	data, line := ucdpFileWith(t, paris)
	expectOneRejected(t, data, Options{}, line, "far outside Syria")
	// Allowed on request.
	rd, err := Open(bytes.NewReader(data), Options{AllowOutsideSyria: true})
	if err != nil {
		t.Fatal(err)
	}
	if incs, bad := readAll(t, rd); len(bad) != 0 || len(incs) != 4 {
		t.Errorf("with AllowOutsideSyria: %d read, %v rejected", len(incs), bad)
	}
}

func TestRejectSwappedLatLon(t *testing.T) {
	// A real event in the east, where the swapped point leaves Syria's box.
	header, recs := ucdpRecords(t)
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	var east []string
	for _, r := range recs {
		if atof(t, r[col["longitude"]]) > 39 {
			east = r
			break
		}
	}
	data, line := ucdpFileWith(t, func(r []string, c map[string]int) {
		r[c["longitude"]], r[c["latitude"]] = east[c["latitude"]], east[c["longitude"]]
	})
	expectOneRejected(t, data, Options{}, line, "probably swapped")
}

func TestRejectNegativeCount(t *testing.T) {
	data, line := ucdpFileWith(t, func(r []string, c map[string]int) { r[c["deaths_civilians"]] = "-3" })
	expectOneRejected(t, data, Options{}, line, "civilians: negative count -3")
}

func TestRejectUnknownViolenceType(t *testing.T) {
	data, line := ucdpFileWith(t, func(r []string, c map[string]int) { r[c["type_of_violence"]] = "4" })
	expectOneRejected(t, data, Options{}, line, `type_of_violence: "4" is not 1, 2 or 3`)
}

func TestRejectDuplicateID(t *testing.T) {
	header, recs := ucdpRecords(t)
	var firstID string
	for i, h := range header {
		if h == "id" {
			firstID = recs[0][i]
		}
	}
	data, line := ucdpFileWith(t, func(r []string, c map[string]int) { r[c["id"]] = firstID })
	bad := expectOneRejected(t, data, Options{}, line, "duplicate external id ucdp:"+firstID+", first seen on line 2")
	if bad.ExternalID != "ucdp:"+firstID {
		t.Errorf("RowError.ExternalID %q", bad.ExternalID)
	}
}

// TestRejectSubsetLargerThanTotal uses our own CSV: UCDP has no subsets.
func TestRejectSubsetLargerThanTotal(t *testing.T) {
	good := handBuilt()[0]
	bad := good
	bad.ExternalID = "test:subset"
	bad.Casualties.Civilians, bad.Casualties.Children = 2, 5
	var buf bytes.Buffer
	w := NewCSVWriter(&buf, true)
	w.Write(&good)
	w.Flush()
	line := bytes.Count(buf.Bytes(), []byte("\n")) + 1
	w.Write(&bad)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	expectOneRejected(t, buf.Bytes(), Options{}, line, "children: 5 is more than the 2 civilians killed")
}

func TestRejectBadFeatureInGeoJSON(t *testing.T) {
	incs := handBuilt()
	bad := incs[1]
	bad.Location[0], bad.Location[1] = bad.Location[1], bad.Location[0]
	var buf bytes.Buffer
	w := NewGeoJSONWriter(&buf, map[string]any{"title": "test"})
	w.Write(&incs[0])
	w.Flush()
	line := bytes.Count(buf.Bytes(), []byte("\n")) + 2 // the writer starts each feature on a new line
	w.Write(&bad)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rowErr := expectOneRejected(t, buf.Bytes(), Options{}, line, "probably swapped")
	if rowErr.Feature != 1 {
		t.Errorf("feature index %d, want 1", rowErr.Feature)
	}
}

func TestUnknownFormat(t *testing.T) {
	for name, data := range map[string]string{
		"csv":          "name,when,where\nx,2024-01-01,Palmyra\n",
		"almost acled": "event_id_cnty,event_date,event_type,actor1,latitude\nSYR1,2024-01-01,Battles,x,34\n",
		"empty":        "",
		"geojson":      `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"name":"x"}}]}`,
		"not geojson":  `{"type":"Topology","objects":{}}`,
	} {
		_, err := Open(strings.NewReader(data), Options{})
		if !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("%s: error %v, want ErrUnknownFormat", name, err)
			continue
		}
		msg := err.Error()
		for _, f := range Formats {
			if !strings.Contains(msg, f.Title()) {
				t.Errorf("%s: %q does not name the accepted format %s", name, msg, f.Title())
			}
		}
		if !strings.Contains(msg, "event_id_cnty") || !strings.Contains(msg, "deaths_civilians") {
			t.Errorf("%s: %q does not list the expected columns", name, msg)
		}
		t.Logf("%s: %v", name, err)
	}
	_, err := Open(strings.NewReader("event_id_cnty,event_date,event_type,actor1,latitude\n"), Options{})
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Format != FormatACLED || strings.Join(fe.Missing, ",") != "longitude,fatalities" {
		t.Errorf("almost ACLED: %#v", err)
	}
}

// TestRaggedAndBrokenRows: a short row and a bare quote are row errors with
// their line, and reading goes on.
func TestRaggedAndBrokenRows(t *testing.T) {
	good := handBuilt()[0]
	var buf bytes.Buffer
	w := NewCSVWriter(&buf, false)
	w.Write(&good)
	w.Close()
	short := bytes.Count(buf.Bytes(), []byte("\n")) + 1
	buf.WriteString("only,three,fields\n")
	buf.WriteString(`x,"bad"quote,y` + "\n")
	rd, err := Open(bytes.NewReader(buf.Bytes()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	incs, bad := readAll(t, rd)
	if len(incs) != 1 || len(bad) != 2 || bad[0].Line != short || bad[1].Line != short+1 {
		t.Fatalf("read %d, rejected %v", len(incs), bad)
	}
	if !strings.Contains(bad[0].Reasons[0], "row has 3 fields") || !strings.Contains(bad[1].Reasons[0], "quote") {
		t.Errorf("reasons %v %v", bad[0].Reasons, bad[1].Reasons)
	}
}

// handBuilt are incidents that use every field, with Arabic text, quotes,
// commas, newlines and HTML-like text where a writer could trip.
func handBuilt() []geo.Incident {
	day := func(s string) time.Time { t, _ := time.Parse(geo.DateLayout, s); return t }
	created := time.Date(2024, 4, 22, 9, 30, 15, 123456789, time.UTC)
	return []geo.Incident{{
		ID: 17, ExternalID: "sohr-demo:17",
		DateStart: day("2024-02-11"), DateEnd: day("2024-02-12"), DatePrecision: geo.DateDays,
		Location: [2]float64{38.2681234567891, 34.5560001}, GeoPrecision: geo.GeoNear,
		LocationName: "بادية تدمر, \"T3\" station", SourceAdmin1: "حمص", SourceAdmin2: "Tadmor district", SourceGovernorate: "SY04",
		Governorate: "SY04", Region: "BADIA-SY04",
		EventType: "Explosions/Remote violence", SubEventType: "Remote explosive/landmine/IED",
		Perpetrator: "Islamic State (Syria)", Target: "Civilians (Syria); truffle gatherers",
		Casualties: geo.Casualties{Military: 5, Militia: 2, ISIS: 1, OtherArmed: 1, Civilians: 4, Children: 1, Women: 1,
			TruffleGatherers: 3, Unknown: 2, Injured: 7, Abducted: 1},
		Deaths: &geo.DeathEstimate{Low: 10, Best: 13, High: 15},
		Sources: []geo.Source{
			{Name: "SOHR", URL: "https://www.syriahr.com/en/?p=1&q=\"x\"", Date: day("2024-02-12"), Headline: "مقتل 4 مدنيين أثناء جمع الكمأة"},
			{Name: "Reconstruction, illustrative", Headline: "line one\nline two; <b>bold</b> & \"quoted\""},
		},
		Notes:     "Reconstruction: locations and dates illustrative.\nSecond line, with \"quotes\", commas; and a tab\there.\r\nملاحظة",
		CreatedAt: created, UpdatedAt: created.Add(36 * time.Hour),
	}, {
		ID: 18, ExternalID: "acled:SYR123456",
		DateStart: day("2024-01-01"), DateEnd: day("2024-01-01"), DatePrecision: geo.DateExact,
		Location: [2]float64{40.1, 35.3}, GeoPrecision: geo.GeoExact,
		EventType: "Battles", SubEventType: "Armed clash", Perpetrator: "Military Forces of Syria (2000-)",
		Casualties: geo.Casualties{Military: 3},
	}}
}
