package web_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/web"
)

// regionTableDoc is what the OGC region collections and /api/regions both
// say of a region table: each region's totals and lines, and the lines of
// what no region holds.
type regionTableDoc struct {
	Features []struct {
		ID         string `json:"id"`
		Properties struct {
			Operations int `json:"operations"`
			Killed     int `json:"killed"`
			Lines      any `json:"lines"`
		} `json:"properties"`
	} `json:"features"`
	Lines            any        `json:"lines"`
	NumberMatched    int        `json:"numberMatched"`
	IncidentsMatched *int       `json:"incidentsMatched"`
	Links            []linkJSON `json:"links"`
}

// TestOGCRegionsMatchAPIRegions: the governorates and Badia regions
// collections give every region the totals and lines /api/regions gives it,
// page after page, and the lines of what no region holds; regions and lines
// add up to every incident the filter matches. Before, the collections kept
// one location class per region and undercounted (SY02: 2,964 of 3,313).
func TestOGCRegionsMatchAPIRegions(t *testing.T) {
	filters := []string{
		"",
		"from=2017-01-01&to=2017-12-31",
		"precision=3",
		"governorate=SY05&victim=civilians",
		"region=BADIA-SY04,BADIA-SY09&min_killed=3",
	}
	collections := map[string]string{"governorates": "governorate", "badia_regions": "badia"}
	eachStore(t, allUCDP(t), func(t *testing.T, store geo.Store) {
		ts := serve(t, store, web.Config{})
		for _, q := range filters {
			for collection, kind := range collections {
				want := readRegionTable(t, ts.URL+"/api/regions?kind="+kind+"&"+q)
				wantByCode := map[string]int{}
				for i, f := range want.Features {
					wantByCode[f.ID] = i
				}
				seen := 0
				sum := 0
				for u := ts.URL + "/ogc/collections/" + collection + "/items?limit=5&" + q; u != ""; {
					page := readRegionTable(t, u)
					if page.NumberMatched != len(want.Features) {
						t.Errorf("%s?%s: numberMatched %d, there are %d regions", collection, q, page.NumberMatched, len(want.Features))
					}
					if page.IncidentsMatched == nil || *page.IncidentsMatched != want.NumberMatched {
						t.Errorf("%s?%s: incidentsMatched %v, /api/regions matches %d", collection, q, page.IncidentsMatched, want.NumberMatched)
					}
					if !reflect.DeepEqual(page.Lines, want.Lines) {
						t.Errorf("%s?%s: the lines no region holds are %v, /api/regions says %v", collection, q, page.Lines, want.Lines)
					}
					for _, f := range page.Features {
						i, ok := wantByCode[f.ID]
						if !ok {
							t.Fatalf("%s?%s: feature %q is not in /api/regions", collection, q, f.ID)
						}
						w := want.Features[i].Properties
						if f.Properties.Operations != w.Operations || f.Properties.Killed != w.Killed {
							t.Errorf("%s?%s: %s has %d incidents, %d killed; /api/regions says %d, %d",
								collection, q, f.ID, f.Properties.Operations, f.Properties.Killed, w.Operations, w.Killed)
						}
						if !reflect.DeepEqual(f.Properties.Lines, w.Lines) {
							t.Errorf("%s?%s: %s's lines are %v, /api/regions says %v", collection, q, f.ID, f.Properties.Lines, w.Lines)
						}
						seen++
						sum += f.Properties.Operations
					}
					u = ""
					for _, l := range page.Links {
						if l.Rel == "next" {
							u = l.Href
						}
					}
					if seen > len(want.Features) {
						t.Fatalf("%s?%s: paging gave more than the %d regions", collection, q, len(want.Features))
					}
				}
				if seen != len(want.Features) {
					t.Errorf("%s?%s: paging gave %d regions of %d", collection, q, seen, len(want.Features))
				}
				rest, _ := want.Lines.([]any)
				for _, l := range rest {
					n, _ := l.(map[string]any)["operations"].(float64)
					sum += int(n)
				}
				if sum != want.NumberMatched {
					t.Errorf("%s?%s: regions and lines add up to %d incidents, the filter matches %d", collection, q, sum, want.NumberMatched)
				}
			}
		}
	})
}

func readRegionTable(t *testing.T, u string) regionTableDoc {
	t.Helper()
	resp, body := get(t, u)
	mustOK(t, resp, body)
	var doc regionTableDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	return doc
}
