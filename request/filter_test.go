package request_test

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/request"
)

// FuzzFilter: any query either parses into a filter whose canonical query
// parses back to the same filter, or is an *request.Error naming a
// parameter; never a panic.
func FuzzFilter(f *testing.F) {
	for _, q := range []string{
		"governorate=SY04&from=2024-01-01&to=2024-04-21",
		"region=BADIA-SY09,BADIA-SY04&victim=civilians,truffle_gatherers&min_killed=3",
		"bbox=36.5,33.5,41.5,36&q=Palmyra&source=SOHR&event_type=Battles&sub_event_type=Armed+clash",
		"governorate=" + url.QueryEscape("دير الزور") + "&perpetrator=IS",
		"bbox=1,2,3&from=2024-13-01&victim=truffle",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		err = request.Only(q, request.FilterParams)
		var flt geo.IncidentFilter
		if err == nil {
			flt, err = request.Filter(q, nil)
		}
		if err != nil {
			pe, ok := err.(*request.Error)
			if !ok || pe.Param == "" || pe.Reason == "" {
				t.Fatalf("error is not a request.Error naming a parameter: %#v", err)
			}
			return
		}
		again, err := request.Filter(request.FilterQuery(flt), nil)
		if err != nil {
			t.Fatalf("canonical query %q of %q does not parse: %v", request.FilterQuery(flt).Encode(), raw, err)
		}
		if !sameFilter(flt, again) {
			t.Fatalf("round trip changed the filter:\n%#v\n%#v", flt, again)
		}
	})
}

// sameFilter compares filters as sets: the canonical query sorts lists.
func sameFilter(a, b geo.IncidentFilter) bool {
	return request.FilterQuery(a).Encode() == request.FilterQuery(b).Encode() &&
		a.From.Equal(b.From) && a.To.Equal(b.To) && a.MinKilled == b.MinKilled && a.Text == b.Text &&
		reflect.DeepEqual(a.BBox, b.BBox) && len(a.Governorates) == len(b.Governorates) &&
		len(a.Victims) == len(b.Victims) && len(a.Sources) == len(b.Sources)
}

// TestRegionCodesAreTheFourteenGovernorates: the filter and the report
// store agree on what a Badia region code is (geo.IsBadiaCode once took any
// two digits while the filter took SY01-SY14).
func TestRegionCodesAreTheFourteenGovernorates(t *testing.T) {
	for code, want := range map[string]bool{"BADIA-SY01": true, "BADIA-SY14": true, "BADIA-SY00": false,
		"BADIA-SY15": false, "BADIA-SY99": false, "BADIA-SY4": false, "SY04": false} {
		if got := geo.IsBadiaCode(code); got != want {
			t.Errorf("geo.IsBadiaCode(%q) = %v, want %v", code, got, want)
		}
		_, err := request.Filter(url.Values{"region": {code}}, nil)
		if (err == nil) != want {
			t.Errorf("region=%s: error %v, want accepted %v", code, err, want)
		}
		_, err = request.ReportFilter(url.Values{"region": {code}}, []string{"BADIA-SY01", "BADIA-SY14"})
		if (err == nil) != want {
			t.Errorf("reports region=%s: error %v, want accepted %v", code, err, want)
		}
	}
}

// TestOnly refuses what a route does not take and asks for what it needs.
func TestOnly(t *testing.T) {
	point := []request.Param{request.Lon, request.Lat, request.RiskDate}
	for raw, param := range map[string]string{
		"lon=38&lat=34":            "",
		"lon=38&lat=34&bogus=1":    "bogus",
		"lat=34":                   "lon",
		"lon=38&lat=34&=x":         "(empty name)",
		"lon=38&lat=34&date=2024-": "",
	} {
		q, _ := url.ParseQuery(raw)
		err := request.Only(q, point)
		got := ""
		if pe, ok := err.(*request.Error); ok {
			got = pe.Param
		} else if err != nil {
			t.Fatalf("%s: %T %v", raw, err, err)
		}
		if got != param {
			t.Errorf("%s: refused %q, want %q", raw, got, param)
		}
	}
}

// TestErrorNamesTheFlag: the command line says which flag is wrong in its
// own words, from the same error.
func TestErrorNamesTheFlag(t *testing.T) {
	_, err := request.Filter(url.Values{"event_type": {"a\x01b"}}, nil)
	pe, ok := err.(*request.Error)
	if !ok {
		t.Fatalf("want a request.Error, got %v", err)
	}
	if msg := pe.Describe("flag --event-type"); !strings.HasPrefix(msg, "flag --event-type: ") || !strings.Contains(msg, "printable") {
		t.Errorf("message %q", msg)
	}
}

// TestExamplesParse: every parameter's documented example is a value its
// parser takes (the API description shows them).
func TestExamplesParse(t *testing.T) {
	for _, p := range request.FilterParams {
		q := url.Values{p.Name: {p.Example}}
		if _, err := request.Filter(q, nil); err != nil {
			t.Errorf("%s=%s: %v", p.Name, p.Example, err)
		}
	}
}
