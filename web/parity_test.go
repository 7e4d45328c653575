package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"github.com/badiamap/badiamap/boundaries"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/request"
	"github.com/badiamap/badiamap/web"
)

// parityQueries are filters the formats must agree on. They are built from
// the data where a value must exist (a source name).
func parityQueries(t testing.TB, incs []geo.Incident) []string {
	source := ""
	for _, inc := range incs {
		if len(inc.Sources) > 0 && inc.Sources[0].Name != "" {
			source = inc.Sources[0].Name
			break
		}
	}
	qs := []string{
		"",
		"governorate=SY04",
		"governorate=Homs,Deir-ez-Zor&from=2017-01-01&to=2017-12-31",
		"region=BADIA-SY04&victim=civilians",
		"governorate=" + url.QueryEscape("حمص") + "&min_killed=5",
		"event_type=Battles&bbox=37,33,41,36",
		"q=palmyra",
		"perpetrator=IS&victim=military&victim=isis",
		"precision=2",
		"precision=3&governorate=SY05",
		"illustrative=0&region=BADIA-SY05",
	}
	if source != "" {
		qs = append(qs, "source="+url.QueryEscape(source)+"&to=2016-06-30")
	}
	return qs
}

type featureCollection struct {
	Features []struct {
		ID         any            `json:"id"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
	NumberMatched  *int            `json:"numberMatched"`
	NumberReturned *int            `json:"numberReturned"`
	Next           *string         `json:"next"`
	Links          []linkJSON      `json:"links"`
	Filter         map[string]any  `json:"filter"`
	Credits        json.RawMessage `json:"credits"`
}

type linkJSON struct {
	Href string `json:"href"`
	Rel  string `json:"rel"`
}

func (fc *featureCollection) next() string {
	for _, l := range fc.Links {
		if l.Rel == "next" {
			return l.Href
		}
	}
	return ""
}

func decodeFC(t testing.TB, body []byte) featureCollection {
	t.Helper()
	var fc featureCollection
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatalf("not a FeatureCollection: %v\n%s", err, clipBody(body))
	}
	return fc
}

// numericID is an incident feature's id, a JSON number.
func numericID(t testing.TB, id any) int64 {
	t.Helper()
	n, ok := id.(float64)
	if !ok || n != float64(int64(n)) {
		t.Fatalf("feature id %v is not a whole number", id)
	}
	return int64(n)
}

func clipBody(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "..."
	}
	return string(b)
}

func mustOK(t testing.TB, resp *http.Response, body []byte) {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d: %s", resp.Request.URL, resp.StatusCode, clipBody(body))
	}
}

// idSet records ids, failing on a duplicate.
func idSet(t testing.TB, what string, ids []int64) map[int64]bool {
	t.Helper()
	set := make(map[int64]bool, len(ids))
	for _, id := range ids {
		if set[id] {
			t.Fatalf("%s: id %d returned twice", what, id)
		}
		set[id] = true
	}
	return set
}

func geojsonIDs(t testing.TB, base, q string) (ids []int64, inGovernorate int) {
	resp, body := get(t, base+"/api/incidents.geojson?"+q)
	mustOK(t, resp, body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/geo+json") {
		t.Errorf("GeoJSON download Content-Type %q", ct)
	}
	fc := decodeFC(t, body)
	for _, f := range fc.Features {
		ids = append(ids, numericID(t, f.ID))
		if g, _ := f.Properties["governorate"].(string); g != "" {
			inGovernorate++
		}
	}
	if fc.NumberReturned == nil || *fc.NumberReturned != len(ids) {
		t.Errorf("GeoJSON download numberReturned %v, features %d", fc.NumberReturned, len(ids))
	}
	return ids, inGovernorate
}

func csvIDs(t testing.TB, base, q string, hxl bool) []int64 {
	u := base + "/api/incidents.csv?" + q
	if hxl {
		u += "&hxl=1"
	}
	resp, body := get(t, u)
	mustOK(t, resp, body)
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "badiamap-incidents") || !strings.Contains(cd, ".csv") {
		t.Errorf("CSV Content-Disposition %q", cd)
	}
	r := csv.NewReader(bytes.NewReader(body))
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range header {
		if h == "id" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("CSV has no id column: %v", header)
	}
	if hxl {
		tags, err := r.Read()
		if err != nil || !strings.HasPrefix(tags[col], "#") {
			t.Fatalf("hxl=1: second row is not HXL hashtags: %v %v", tags, err)
		}
	}
	var ids []int64
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		id, err := strconv.ParseInt(rec[col], 10, 64)
		if err != nil {
			t.Fatalf("CSV id %q: %v", rec[col], err)
		}
		ids = append(ids, id)
	}
	return ids
}

func kmlIDs(t testing.TB, base, q string) []int64 {
	resp, body := get(t, base+"/api/incidents.kml?"+q)
	mustOK(t, resp, body)
	var doc struct {
		Placemarks []struct {
			Data []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value"`
			} `xml:"ExtendedData>Data"`
		} `xml:"Document>Placemark"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("KML: %v", err)
	}
	var ids []int64
	for _, pm := range doc.Placemarks {
		found := false
		for _, d := range pm.Data {
			if d.Name == "id" {
				id, err := strconv.ParseInt(d.Value, 10, 64)
				if err != nil {
					t.Fatalf("KML id %q", d.Value)
				}
				ids = append(ids, id)
				found = true
			}
		}
		if !found {
			t.Fatal("KML Placemark without id")
		}
	}
	return ids
}

// pagedIDs follows next links from first, checking numberMatched stays put
// wherever it is given (every page when counted is set) and each page holds
// at most limit features; matched is -1 when no page gave it.
func pagedIDs(t testing.TB, first string, limit int, counted bool) (ids []int64, matched int) {
	matched = -1
	for u, pages := first, 0; u != ""; pages++ {
		if pages > 100000 {
			t.Fatal("paging does not end")
		}
		resp, body := get(t, u)
		mustOK(t, resp, body)
		fc := decodeFC(t, body)
		if fc.NumberReturned == nil || counted && fc.NumberMatched == nil {
			t.Fatalf("%s: numberMatched or numberReturned missing", u)
		}
		if fc.NumberMatched != nil {
			if matched >= 0 && *fc.NumberMatched != matched {
				t.Fatalf("numberMatched changed between pages: %d then %d", matched, *fc.NumberMatched)
			}
			matched = *fc.NumberMatched
		}
		if len(fc.Features) > limit || *fc.NumberReturned != len(fc.Features) {
			t.Fatalf("%s: %d features, numberReturned %d, limit %d", u, len(fc.Features), *fc.NumberReturned, limit)
		}
		for _, f := range fc.Features {
			ids = append(ids, numericID(t, f.ID))
		}
		u = fc.next()
	}
	return ids, matched
}

func statsSum(t testing.TB, base, q, group string) (operations int) {
	resp, body := get(t, base+"/api/stats?group="+group+"&"+q)
	mustOK(t, resp, body)
	var out struct {
		Groups []struct {
			Key        string `json:"key"`
			Operations int    `json:"operations"`
		} `json:"groups"`
		Total struct {
			Operations int `json:"operations"`
		} `json:"total"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	for _, g := range out.Groups {
		operations += g.Operations
	}
	if operations != out.Total.Operations {
		t.Errorf("stats %s: groups add up to %d, total says %d", group, operations, out.Total.Operations)
	}
	return operations
}

func statsCSVSum(t testing.TB, base, q string) int {
	resp, body := get(t, base+"/api/stats?group=event_type&"+q, "Accept", "text/csv")
	mustOK(t, resp, body)
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range recs[0] {
		if h == "operations" {
			col = i
		}
	}
	sum := 0
	for _, r := range recs[1:] {
		n, err := strconv.Atoi(r[col])
		if err != nil {
			t.Fatal(err)
		}
		sum += n
	}
	return sum
}

// regionsSum adds up the operations of /api/regions' features (in) and,
// with its lines of what no region holds, everything (all), which must be
// numberMatched.
func regionsSum(t testing.TB, base, q, kind string) (in, all int) {
	resp, body := get(t, base+"/api/regions?kind="+kind+"&"+q)
	mustOK(t, resp, body)
	fc := decodeFC(t, body)
	for _, f := range fc.Features {
		n, _ := f.Properties["operations"].(float64)
		in += int(n)
	}
	var rest struct {
		Lines []struct {
			Operations int `json:"operations"`
		} `json:"lines"`
		NumberMatched int `json:"numberMatched"`
	}
	if err := json.Unmarshal(body, &rest); err != nil {
		t.Fatal(err)
	}
	all = in
	for _, l := range rest.Lines {
		all += l.Operations
	}
	if all != rest.NumberMatched {
		t.Errorf("/api/regions?kind=%s&%s: regions and lines add up to %d, numberMatched says %d", kind, q, all, rest.NumberMatched)
	}
	return in, all
}

func sortedKeys(set map[int64]bool) []int64 {
	out := make([]int64, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func sameSet(a, b map[int64]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for id := range a {
		if !b[id] {
			return false
		}
	}
	return true
}

// checkParity asserts every format and endpoint selects the same incidents
// for each filter, and as many as the store counts.
func checkParity(t *testing.T, store geo.Store, incs []geo.Incident) {
	ts := serve(t, store, web.Config{})
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	nonEmpty := 0
	for _, q := range parityQueries(t, incs) {
		t.Run("q="+q, func(t *testing.T) {
			values, _ := url.ParseQuery(q)
			f, err := request.Filter(values, regions)
			if err != nil {
				t.Fatal(err)
			}
			want, err := store.CountIncidents(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			gj, inGov := geojsonIDs(t, ts.URL, q)
			ref := idSet(t, "geojson", gj)
			if len(ref) != want {
				t.Fatalf("GeoJSON download has %d incidents, the store counts %d", len(ref), want)
			}
			if want > 0 {
				nonEmpty++
			}
			sets := map[string]map[int64]bool{
				"csv":     idSet(t, "csv", csvIDs(t, ts.URL, q, false)),
				"csv+hxl": idSet(t, "csv+hxl", csvIDs(t, ts.URL, q, true)),
				"kml":     idSet(t, "kml", kmlIDs(t, ts.URL, q)),
			}
			ogc, matched := pagedIDs(t, ts.URL+"/ogc/collections/incidents/items?limit=1000&"+q, 1000, false)
			sets["ogc"] = idSet(t, "ogc", ogc)
			// OGC pages give numberMatched only when it costs no count:
			// when one page holds every match.
			if (matched >= 0 || want <= 1000) && matched != want {
				t.Errorf("OGC numberMatched %d, store %d", matched, want)
			}
			for name, set := range sets {
				if !sameSet(ref, set) {
					t.Errorf("%s selects %d incidents, GeoJSON %d (or different ones)", name, len(set), len(ref))
				}
			}
			for _, g := range []string{"month", "week", "event_type", "governorate", "region"} {
				if got := statsSum(t, ts.URL, q, g); got != want {
					t.Errorf("stats group=%s adds up to %d operations, store counts %d", g, got, want)
				}
			}
			if got := statsCSVSum(t, ts.URL, q); got != want {
				t.Errorf("stats CSV adds up to %d operations, store counts %d", got, want)
			}
			if got, _ := regionsSum(t, ts.URL, q, "governorate"); got != inGov {
				t.Errorf("/api/regions adds up to %d, GeoJSON has %d incidents in a governorate", got, inGov)
			}
			for _, kind := range []string{"governorate", "badia"} {
				if _, lines := regionsSum(t, ts.URL, q, kind); lines != want {
					t.Errorf("/api/regions?kind=%s: its regions and lines add up to %d, the filter matches %d", kind, lines, want)
				}
			}
		})
	}
	if nonEmpty < 5 {
		t.Errorf("only %d parity filters matched anything: the test would prove little", nonEmpty)
	}
}

func TestParityMemStore(t *testing.T) {
	incs := allUCDP(t)
	checkParity(t, memStore(t, incs), incs)
}

func TestParityPostGIS(t *testing.T) {
	incs := allUCDP(t)
	checkParity(t, pgStore(t, incs), incs)
}

// checkPaging asserts /api/incidents with limit=100 visits every matching
// incident once.
func checkPaging(t *testing.T, store geo.Store) {
	ts := serve(t, store, web.Config{})
	for _, q := range []string{"governorate=SY09", "from=2018-01-01&to=2018-06-30"} {
		ids, matched := pagedIDs(t, ts.URL+"/api/incidents?limit=100&"+q, 100, true)
		set := idSet(t, "paging", ids)
		dl, _ := geojsonIDs(t, ts.URL, q)
		if len(set) != matched || !sameSet(set, idSet(t, "download", dl)) {
			t.Errorf("%s: paging visited %d incidents, numberMatched %d, download %d", q, len(set), matched, len(dl))
		}
		if matched <= 100 {
			t.Errorf("%s: only %d incidents, paging not exercised", q, matched)
		}
		if s := sortedKeys(set); len(s) > 0 && s[0] != ids[0] {
			t.Errorf("pages are not in ascending id order")
		}
	}
}

func TestPagingMemStore(t *testing.T) {
	checkPaging(t, memStore(t, allUCDP(t)))
}

func TestPagingPostGIS(t *testing.T) {
	checkPaging(t, pgStore(t, allUCDP(t)))
}
