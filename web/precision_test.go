package web_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/web"
	"github.com/paulmach/orb"
)

// regionsDoc is /api/regions as the precision checks read it.
type regionsDoc struct {
	Features []struct {
		ID         string `json:"id"`
		Properties struct {
			Operations int                       `json:"operations"`
			Killed     int                       `json:"killed"`
			Lines      map[string]map[string]any `json:"lines"`
		} `json:"properties"`
	} `json:"features"`
	Lines []struct {
		Line       string `json:"line"`
		Operations int    `json:"operations"`
		Killed     int    `json:"killed"`
	} `json:"lines"`
	NumberMatched int `json:"numberMatched"`
}

func readRegions(t *testing.T, base, q string) regionsDoc {
	t.Helper()
	resp, body := get(t, base+"/api/regions?"+q)
	mustOK(t, resp, body)
	var doc regionsDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func (d regionsDoc) line(name string) (ops, killed int) {
	for _, l := range d.Lines {
		if l.Line == name {
			return l.Operations, l.Killed
		}
	}
	return 0, 0
}

// TestUCDPCountryLevelEventsLeaveTheBadia: the 254 UCDP events located to
// "Syria" only (where_prec 6) sit on one point in the Badia of Hama; they
// are counted in the country-level line and in no region, on both stores.
func TestUCDPCountryLevelEventsLeaveTheBadia(t *testing.T) {
	incs := allUCDP(t)
	countryOps, countryKilled := 0, 0
	for _, inc := range incs {
		if inc.GeoPrecision >= geo.GeoCountry {
			countryOps++
			countryKilled += inc.Casualties.Killed()
		}
	}
	if countryOps < 200 {
		t.Fatalf("the UCDP file has %d country-level events; the test expects the 254 the issue names", countryOps)
	}
	for name, store := range map[string]geo.Store{"memstore": memStore(t, incs), "postgis": pgStore(t, incs)} {
		t.Run(name, func(t *testing.T) {
			ts := serve(t, store, web.Config{})
			for _, kind := range []string{"badia", "governorate"} {
				doc := readRegions(t, ts.URL, "kind="+kind)
				if ops, killed := doc.line("country"); ops != countryOps || killed != countryKilled {
					t.Errorf("kind=%s: country-level line %d incidents, %d killed; the file has %d, %d", kind, ops, killed, countryOps, countryKilled)
				}
			}
			// No incident counted in the Badia of Hama is located more
			// coarsely than about 25 km.
			resp, body := get(t, ts.URL+"/api/incidents.geojson?region=BADIA-SY05")
			mustOK(t, resp, body)
			var fc struct {
				Features []struct {
					Properties struct {
						GeoPrecision int    `json:"geo_precision"`
						JoinBasis    string `json:"join_basis"`
					} `json:"properties"`
				} `json:"features"`
			}
			if err := json.Unmarshal(body, &fc); err != nil {
				t.Fatal(err)
			}
			for _, f := range fc.Features {
				if f.Properties.GeoPrecision > geo.GeoNear || f.Properties.JoinBasis != "point" {
					t.Fatalf("the Badia of Hama holds an incident of precision %d, joined by %q", f.Properties.GeoPrecision, f.Properties.JoinBasis)
				}
			}
			// precision=2 selects as many incidents through every path.
			n := func(path string) int {
				resp, body := get(t, ts.URL+path)
				mustOK(t, resp, body)
				var page struct {
					NumberMatched int `json:"numberMatched"`
				}
				json.Unmarshal(body, &page)
				return page.NumberMatched
			}
			want := 0
			for _, inc := range incs {
				if inc.GeoPrecision <= 2 {
					want++
				}
			}
			if got := n("/api/incidents?limit=1&precision=2"); got != want {
				t.Errorf("precision=2: %d incidents, the file has %d", got, want)
			}
			// OGC pages leave numberMatched out when it would cost a count.
			if ids, _ := pagedIDs(t, ts.URL+"/ogc/collections/incidents/items?limit=10000&precision=2", 10000, false); len(ids) != want {
				t.Errorf("OGC precision=2: %d incidents, the file has %d", len(ids), want)
			}
		})
	}
}

// TestDistrictCentroidInTheBadia: a precision-3 incident inside a Badia
// region joins its governorate and no region, and is counted in the
// governorate's district line and the region's left-out line.
func TestDistrictCentroidInTheBadia(t *testing.T) {
	d := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	inc := geo.Incident{ExternalID: "test:district", DateStart: d, DateEnd: d, DatePrecision: 1, GeoPrecision: geo.GeoAdmin2,
		Location: orb.Point{38.3, 34.6}, Casualties: geo.Casualties{Civilians: 4}, LocationName: "Tadmur district"}
	for name, store := range map[string]geo.Store{"memstore": memStore(t, []geo.Incident{inc}), "postgis": pgStore(t, []geo.Incident{inc})} {
		t.Run(name, func(t *testing.T) {
			ts := serve(t, store, web.Config{})
			resp, body := get(t, ts.URL+"/api/incidents/1")
			mustOK(t, resp, body)
			var f struct {
				Properties struct {
					Governorate, Region string
					JoinBasis           string `json:"join_basis"`
				} `json:"properties"`
			}
			json.Unmarshal(body, &f)
			if f.Properties.Governorate != "SY04" || f.Properties.Region != "" || f.Properties.JoinBasis != "point" {
				t.Errorf("joined to %q / %q by %q, want SY04, no region, by its point", f.Properties.Governorate, f.Properties.Region, f.Properties.JoinBasis)
			}
			gov := readRegions(t, ts.URL, "kind=governorate")
			for _, ft := range gov.Features {
				if ft.ID == "SY04" {
					if ops, _ := ft.Properties.Lines["district"]["operations"].(float64); ops != 1 || ft.Properties.Operations != 1 {
						t.Errorf("Homs: %d incidents, district line %v; want 1 and 1", ft.Properties.Operations, ft.Properties.Lines)
					}
				}
			}
			badia := readRegions(t, ts.URL, "kind=badia")
			for _, ft := range badia.Features {
				if ft.ID == "BADIA-SY04" {
					if ops, _ := ft.Properties.Lines["left_out"]["operations"].(float64); ops != 1 || ft.Properties.Operations != 0 {
						t.Errorf("Badia of Homs: %d incidents, left-out line %v; want 0 and 1", ft.Properties.Operations, ft.Properties.Lines)
					}
				}
			}
			if ops, _ := badia.line("left_out"); ops != 1 || badia.NumberMatched != 1 {
				t.Errorf("left-out line %d, numberMatched %d; want 1 and 1", ops, badia.NumberMatched)
			}
		})
	}
}
