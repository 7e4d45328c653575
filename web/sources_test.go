package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/web"
)

// sourcesAnswer is the body of /api/sources.
type sourcesAnswer struct {
	Sources []struct {
		Name       string `json:"name"`
		Operations int    `json:"operations"`
	} `json:"sources"`
	NumberMatched int  `json:"numberMatched"`
	Truncated     bool `json:"truncated"`
}

// TestSourcesAreWhatTheSourceFilterMatches: each name /api/sources lists,
// under a filter, counts the incidents /api/incidents matches with that
// filter and source=NAME, most cited first; a source an incident cites
// twice, in two cases, counts once, under one name.
func TestSourcesAreWhatTheSourceFilterMatches(t *testing.T) {
	incs := readUCDP(t, 3000)
	twice := incs[0]
	twice.ExternalID = "test:cites-twice"
	twice.Sources = []geo.Source{{Name: "Desk Watch"}, {Name: "desk watch", URL: "https://example.org/2"}}
	incs = append(incs, twice)
	eachStore(t, incs, func(t *testing.T, store geo.Store) {
		ts := serve(t, store, web.Config{})
		for _, q := range []string{"", "governorate=SY09&from=2017-01-01", "source=Desk+Watch"} {
			var got sourcesAnswer
			resp, body := get(t, ts.URL+"/api/sources?"+q)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("/api/sources?%s: %d %s", q, resp.StatusCode, body)
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if want := countOf(t, ts.URL+"/api/incidents?limit=1&"+q); got.NumberMatched != want || got.Truncated {
				t.Errorf("%q: numberMatched %d (truncated %v), /api/incidents %d", q, got.NumberMatched, got.Truncated, want)
			}
			if len(got.Sources) == 0 {
				t.Fatalf("%q: no source listed", q)
			}
			desk := 0
			for i, s := range got.Sources {
				if i > 0 && s.Operations > got.Sources[i-1].Operations {
					t.Errorf("%q: %s (%d) after %s (%d): not most cited first", q, s.Name, s.Operations, got.Sources[i-1].Name, got.Sources[i-1].Operations)
				}
				if s.Name == "Desk Watch" || s.Name == "desk watch" {
					desk++
					if s.Operations != 1 {
						t.Errorf("%q: %s counted %d times, cited by one incident", q, s.Name, s.Operations)
					}
				}
				if i < 3 || s.Name == "Desk Watch" {
					want := countOf(t, ts.URL+"/api/incidents?limit=1&"+q+"&source="+url.QueryEscape(s.Name))
					if s.Operations != want {
						t.Errorf("%q: %s cited by %d, source=%s matches %d", q, s.Name, s.Operations, s.Name, want)
					}
				}
			}
			if q != "governorate=SY09&from=2017-01-01" && desk != 1 {
				t.Errorf("%q: Desk Watch listed %d times, want once", q, desk)
			}
		}
	})
}

// countOf is the numberMatched of a collection URL.
func countOf(t *testing.T, u string) int {
	t.Helper()
	resp, body := get(t, u)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", u, resp.StatusCode, body)
	}
	var fc struct {
		NumberMatched int `json:"numberMatched"`
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatal(err)
	}
	return fc.NumberMatched
}
