package incidentfile

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// roundTripSet is a slice of real UCDP incidents (given store fields as a
// store would) plus the hand-built ones that use every field.
func roundTripSet(t testing.TB, n int) []geo.Incident {
	t.Helper()
	f, err := os.Open(sharedData(t, ucdpFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := Open(f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []geo.Incident
	stamp := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	for len(out) < n {
		inc, rowErr, err := rd.Next()
		if err != nil || rowErr != nil {
			t.Fatal(err, rowErr)
		}
		inc.ID = int64(1000 + len(out))
		inc.Governorate = inc.SourceGovernorate
		if inc.Governorate == "SY04" {
			inc.Region = geo.BadiaCode("SY04")
		}
		inc.CreatedAt, inc.UpdatedAt = stamp, stamp
		out = append(out, inc)
	}
	return append(out, handBuilt()...)
}

func writeAll(t *testing.T, incs []geo.Incident, w interface {
	Write(*geo.Incident) error
	Close() error
}) {
	t.Helper()
	for i := range incs {
		if err := w.Write(&incs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func checkRoundTrip(t *testing.T, data []byte, want []geo.Incident, format Format) {
	t.Helper()
	for _, keep := range []bool{true, false} {
		rd, err := Open(bytes.NewReader(data), Options{KeepStoreFields: keep})
		if err != nil {
			t.Fatal(err)
		}
		if rd.Format() != format {
			t.Fatalf("format %s, want %s", rd.Format(), format)
		}
		got, bad := readAll(t, rd)
		if len(bad) > 0 || len(got) != len(want) {
			t.Fatalf("read %d of %d, rejected %v", len(got), len(want), bad)
		}
		for i := range want {
			w := want[i]
			if !keep { // the store assigns these; import leaves them zero
				w.ID, w.Governorate, w.Region = 0, "", ""
			}
			if !reflect.DeepEqual(got[i], w) {
				t.Errorf("keep=%v incident %d differs:\n got %+v\nwant %+v", keep, i, got[i], w)
			}
		}
	}
}

func TestCSVRoundTrip(t *testing.T) {
	incs := roundTripSet(t, 300)
	// CSV readers (encoding/csv, RFC 4180) turn a CRLF inside a quoted
	// field into LF: the one change our CSV makes to text.
	want := append([]geo.Incident(nil), incs...)
	for i := range want {
		want[i].Notes = strings.ReplaceAll(want[i].Notes, "\r\n", "\n")
	}
	for _, hxl := range []bool{false, true} {
		var buf bytes.Buffer
		writeAll(t, incs, NewCSVWriter(&buf, hxl))
		checkRoundTrip(t, buf.Bytes(), want, FormatCSV)
		if hxl != strings.Contains(buf.String(), "#event+id") {
			t.Errorf("hxl=%v but the HXL row presence disagrees", hxl)
		}
	}
}

func TestGeoJSONRoundTrip(t *testing.T) {
	incs := roundTripSet(t, 300)
	var buf bytes.Buffer
	w := NewGeoJSONWriter(&buf, map[string]any{"attribution": "UCDP GED (CC BY 4.0)", "filter": map[string]any{"governorate": []string{"SY04"}}})
	for i := range incs {
		if err := w.Write(&incs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.CloseWithMembers(map[string]any{"numberReturned": w.Count(), "links": []map[string]string{{"rel": "next", "href": "/api/incidents?cursor=x"}}}); err != nil {
		t.Fatal(err)
	}
	// Valid JSON with the foreign members where they were asked for.
	var doc struct {
		Type           string            `json:"type"`
		Attribution    string            `json:"attribution"`
		NumberReturned int               `json:"numberReturned"`
		Features       []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc.Type != "FeatureCollection" || doc.NumberReturned != len(incs) || len(doc.Features) != len(incs) || doc.Attribution == "" {
		t.Errorf("type %q, numberReturned %d, %d features for %d incidents", doc.Type, doc.NumberReturned, len(doc.Features), len(incs))
	}
	if a, f := bytes.Index(buf.Bytes(), []byte(`"attribution"`)), bytes.Index(buf.Bytes(), []byte(`"features"`)); a > f {
		t.Errorf("foreign member written after the features")
	}
	checkRoundTrip(t, buf.Bytes(), incs, FormatGeoJSON)
}

func TestGeoJSONReservedMember(t *testing.T) {
	var buf bytes.Buffer
	w := NewGeoJSONWriter(&buf, map[string]any{"features": 1})
	inc := handBuilt()[0]
	if err := w.Write(&inc); err == nil {
		t.Error("a foreign member named features was accepted")
	}
}

func TestKMLIsWellFormed(t *testing.T) {
	incs := roundTripSet(t, 50)
	var buf bytes.Buffer
	writeAll(t, incs, NewKMLWriter(&buf, "badiamap incidents"))
	var doc struct {
		XMLName  xml.Name `xml:"http://www.opengis.net/kml/2.2 kml"`
		Document struct {
			Placemarks []struct {
				Name string `xml:"name"`
				Data []struct {
					Name  string `xml:"name,attr"`
					Value string `xml:"value"`
				} `xml:"ExtendedData>Data"`
				Coordinates string `xml:"Point>coordinates"`
			} `xml:"Placemark"`
		} `xml:"Document"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not KML: %v", err)
	}
	if len(doc.Document.Placemarks) != len(incs) {
		t.Fatalf("%d placemarks for %d incidents", len(doc.Document.Placemarks), len(incs))
	}
	for i, pm := range doc.Document.Placemarks {
		want := formatFloat(incs[i].Location[0]) + "," + formatFloat(incs[i].Location[1])
		if strings.TrimSpace(pm.Coordinates) != want {
			t.Errorf("placemark %d at %q, want %q", i, pm.Coordinates, want)
		}
		data := map[string]string{}
		for _, d := range pm.Data {
			data[d.Name] = d.Value
		}
		if data["external_id"] != incs[i].ExternalID || data["killed"] != strconv.Itoa(incs[i].Casualties.Killed()) {
			t.Errorf("placemark %d data %v", i, data)
		}
	}
}

// TestOGRInfoOpensWhatWeWrite: GDAL, the analyst's tool, opens our GeoJSON,
// CSV and KML with no options and counts the same features, each with its
// point (the CSV's from its CSVGeometryColumn); the GeoJSON and CSV layers
// say they hold points (GDAL's KML driver declares no type for any file).
func TestOGRInfoOpensWhatWeWrite(t *testing.T) {
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Fatal("ogrinfo (gdal-bin) is not installed")
	}
	incs := roundTripSet(t, 500)
	dir := t.TempDir()
	files := map[string]func(*bytes.Buffer){
		"incidents.geojson": func(b *bytes.Buffer) { writeAll(t, incs, NewGeoJSONWriter(b, map[string]any{"name": "incidents"})) },
		"incidents.csv":     func(b *bytes.Buffer) { writeAll(t, incs, NewCSVWriter(b, false)) },
		"incidents.kml":     func(b *bytes.Buffer) { writeAll(t, incs, NewKMLWriter(b, "incidents")) },
	}
	count := regexp.MustCompile(`Feature Count: (\d+)`)
	pointLayer := regexp.MustCompile(`(?m)^Geometry: Point$`)
	pointLine := regexp.MustCompile(`(?m)^  POINT : `) // a feature's geometry, not a field's text
	for name, write := range files {
		var buf bytes.Buffer
		write(&buf)
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("ogrinfo", "-ro", "-al", "-geom=SUMMARY", path).CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo %s: %v\n%s", name, err, out)
		}
		m := count.FindSubmatch(out)
		if m == nil {
			t.Fatalf("ogrinfo %s printed no feature count:\n%s", name, out)
		}
		if n, _ := strconv.Atoi(string(m[1])); n != len(incs) {
			t.Errorf("ogrinfo counts %d features in %s, we wrote %d", n, name, len(incs))
		}
		if name != "incidents.kml" && !pointLayer.Match(out) {
			t.Errorf("ogrinfo does not open %s as a Point layer:\n%s", name, out[:min(len(out), 400)])
		}
		if points := len(pointLine.FindAll(out, -1)); points != len(incs) {
			t.Errorf("ogrinfo reads %d point geometries in %s, we wrote %d", points, name, len(incs))
		}
	}
}
