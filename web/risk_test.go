package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/demo"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/web"
	"github.com/paulmach/orb/encoding/mvt"
)

// riskServer serves the demo incidents on the embedded store with the risk
// endpoints enabled.
func riskServer(t *testing.T) (*httptest.Server, geo.Store) {
	t.Helper()
	incs, err := demo.Incidents()
	if err != nil {
		t.Fatal(err)
	}
	store := memStore(t, incs)
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ts := httptest.NewServer(newServer(t, store, web.Config{}, logger))
	t.Cleanup(ts.Close)
	return ts, store
}

type zonesDoc struct {
	Date     string         `json:"date"`
	Cells    int            `json:"cells"`
	Levels   map[string]int `json:"levels"`
	Features []struct {
		ID         string `json:"id"`
		Properties struct {
			Cell      string    `json:"cell"`
			Level     string    `json:"level"`
			Score     float64   `json:"score"`
			Centre    []float64 `json:"centre"`
			Incidents int       `json:"incidents"`
		} `json:"properties"`
	} `json:"features"`
}

func TestRiskZonesAndPointCheckAgree(t *testing.T) {
	ts, _ := riskServer(t)
	resp, body := get(t, ts.URL+"/api/risk/zones?date=2024-04-21")
	if resp.StatusCode != 200 {
		t.Fatalf("zones: %d %s", resp.StatusCode, body)
	}
	var z zonesDoc
	if err := json.Unmarshal(body, &z); err != nil {
		t.Fatal(err)
	}
	if len(z.Features) != z.Cells || z.Cells == 0 {
		t.Fatalf("%d features for %d cells", len(z.Features), z.Cells)
	}
	checked := map[string]bool{}
	for k, f := range z.Features {
		// Every cell at high or above and every 50th other one.
		if f.Properties.Level != "high" && f.Properties.Level != "severe" && k%50 != 0 {
			continue
		}
		c := f.Properties.Centre
		_, body := get(t, fmt.Sprintf("%s/api/risk/check?lon=%g&lat=%g&date=2024-04-21", ts.URL, c[0], c[1]))
		var chk struct {
			Level        string  `json:"level"`
			Score        float64 `json:"score"`
			Cell         struct{ Cell string }
			Contributors []struct {
				Date       string  `json:"date"`
				DistanceKM float64 `json:"distance_km"`
				Share      float64 `json:"share"`
			} `json:"contributors"`
			Counts []struct {
				WithinKM  int `json:"within_km"`
				Days      int `json:"days"`
				Incidents int `json:"incidents"`
			} `json:"counts"`
			TruffleSeason bool `json:"truffle_season"`
		}
		if err := json.Unmarshal(body, &chk); err != nil {
			t.Fatalf("%s: %s", err, body)
		}
		if chk.Cell.Cell != f.Properties.Cell || chk.Level != f.Properties.Level ||
			abs(chk.Score-f.Properties.Score) > 1e-5*max(1, f.Properties.Score) {
			t.Errorf("cell %s: zones say %s %g, the check at its centre %s %s %g", f.Properties.Cell,
				f.Properties.Level, f.Properties.Score, chk.Cell.Cell, chk.Level, chk.Score)
		}
		if !chk.TruffleSeason {
			t.Error("2024-04-21 is in the truffle season")
		}
		if f.Properties.Incidents > 0 && len(chk.Contributors) == 0 {
			t.Errorf("cell %s: %d incidents but no contributor listed", f.Properties.Cell, f.Properties.Incidents)
		}
		for k := 1; k < len(chk.Contributors); k++ {
			if chk.Contributors[k].Share > chk.Contributors[k-1].Share {
				t.Errorf("contributors out of order: %+v", chk.Contributors)
			}
		}
		// Counts grow with the radius and the span.
		byKey := map[[2]int]int{}
		for _, n := range chk.Counts {
			byKey[[2]int{n.WithinKM, n.Days}] = n.Incidents
		}
		if len(byKey) != 9 || byKey[[2]int{10, 30}] > byKey[[2]int{50, 30}] || byKey[[2]int{25, 30}] > byKey[[2]int{25, 365}] {
			t.Errorf("counts %v", chk.Counts)
		}
		checked[f.Properties.Level] = true
	}
	if !checked["high"] || len(checked) < 3 {
		t.Errorf("checked levels %v: the demo should give high cells and two other levels", checked)
	}
}

func post(t *testing.T, url, body string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/geo+json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestRiskAreaCheck(t *testing.T) {
	ts, _ := riskServer(t)
	u := ts.URL + "/api/risk/check?date=2024-04-21"
	for _, c := range []struct{ name, body, want string }{
		{"self-intersecting", `{"type":"Polygon","coordinates":[[[38,34],[38.3,34.3],[38.3,34],[38,34.3],[38,34]]]}`, "self-intersecting"},
		{"outside Syria", `{"type":"Polygon","coordinates":[[[2,48],[2.1,48],[2.1,48.1],[2,48]]]}`, "outside Syria"},
		{"too large", `{"type":"Polygon","coordinates":[[[37,33],[41,33],[41,36],[37,36],[37,33]]]}`, "too large"},
		{"not closed", `{"type":"Polygon","coordinates":[[[38,34],[38.1,34],[38.1,34.1],[38,34.1]]]}`, "not closed"},
		{"a point", `{"type":"Point","coordinates":[38,34]}`, "Polygon"},
		{"not JSON", `hello`, "not JSON"},
	} {
		resp, body := post(t, u, c.body)
		if resp.StatusCode != 400 || !bytes.Contains(body, []byte(c.want)) {
			t.Errorf("%s: %d %s; want 400 saying %q", c.name, resp.StatusCode, body, c.want)
		}
	}
	// A square of about 20 x 20 km around Palmyra, as a Feature.
	resp, body := post(t, u, `{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[38.15,34.48],[38.37,34.48],[38.37,34.66],[38.15,34.66],[38.15,34.48]]]}}`)
	if resp.StatusCode != 200 {
		t.Fatalf("area check: %d %s", resp.StatusCode, body)
	}
	var a struct {
		AreaKM2 float64 `json:"area_km2"`
		Cells   []struct {
			Cell  string  `json:"cell"`
			Score float64 `json:"score"`
			Share float64 `json:"share"`
			Level string  `json:"level"`
		} `json:"cells"`
		Highest struct {
			Level, Cell string
			Score       float64
		} `json:"highest"`
		AreaWeighted struct {
			Level string
			Score float64
		} `json:"area_weighted"`
		Contributors []struct {
			DistanceKM float64 `json:"distance_km"`
		} `json:"contributors"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	if a.AreaKM2 < 300 || a.AreaKM2 > 500 || len(a.Cells) < 4 {
		t.Fatalf("area %g km² over %d cells", a.AreaKM2, len(a.Cells))
	}
	share, weighted, highest := 0.0, 0.0, 0.0
	for _, c := range a.Cells {
		share += c.Share
		weighted += c.Share * c.Score
		highest = max(highest, c.Score)
	}
	if abs(share-1) > 1e-4 || abs(weighted-a.AreaWeighted.Score) > 1e-4*max(1, weighted) || highest != a.Highest.Score {
		t.Errorf("shares add to %g; weighted %g vs %g; highest %g vs %+v", share, weighted, a.AreaWeighted.Score, highest, a.Highest)
	}
	if a.AreaWeighted.Score > a.Highest.Score {
		t.Error("the area-weighted score is above the highest")
	}
}

func TestRiskDownloadsAndTiles(t *testing.T) {
	ts, _ := riskServer(t)
	resp, body := get(t, ts.URL+"/api/risk/zones.kml?date=2024-04-21&min_level=high")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), ".kml") ||
		!bytes.Contains(body, []byte("<Placemark>")) || bytes.Contains(body, []byte("#low</styleUrl>")) {
		t.Errorf("kml: %d %s %.300s", resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
	}
	resp, body = get(t, ts.URL+"/api/risk/zones?date=2024-04-21&victim=nobody")
	if resp.StatusCode != 400 {
		t.Errorf("bad victim: %d", resp.StatusCode)
	}
	// Tile 7/77/51 holds Palmyra.
	resp, body = get(t, ts.URL+"/tiles/risk/7/77/51.mvt?date=2024-04-21")
	if resp.StatusCode != 200 {
		t.Fatalf("tile: %d %s", resp.StatusCode, body)
	}
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 || layers[0].Name != "risk" || len(layers[0].Features) == 0 {
		t.Fatalf("tile layers %v", layers)
	}
	if _, ok := layers[0].Features[0].Properties["level"]; !ok {
		t.Errorf("tile feature without level: %v", layers[0].Features[0].Properties)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestRiskAnswersForThePeriodThatHasData: with no date the demo store is
// checked on its latest incident's day (not today, when every answer would
// read "low"); Palmyra is above low, Damascus is not assessed, and a day far
// past the data is stale.
func TestRiskAnswersForThePeriodThatHasData(t *testing.T) {
	ts, _ := riskServer(t)
	type answer struct {
		Date       string `json:"date"`
		DateSource string `json:"date_source"`
		Stale      bool   `json:"stale"`
		Message    string `json:"message"`
		Level      string `json:"level"`
		LevelRank  int    `json:"level_rank"`
		Meaning    string `json:"meaning"`
		Reason     string `json:"reason"`
		LeftOut    struct {
			Incidents *int `json:"incidents"`
		} `json:"left_out"`
		Contributors []struct {
			Reason string `json:"reason"`
		} `json:"contributors"`
	}
	check := func(q string) answer {
		resp, body := get(t, ts.URL+"/api/risk/check?"+q)
		mustOK(t, resp, body)
		var a answer
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	palmyra := check("lon=38.27&lat=34.56")
	if palmyra.Date != "2024-04-21" || palmyra.DateSource != "latest incident" || palmyra.Stale {
		t.Errorf("Palmyra with no date: date %s (%s), stale %v; want 2024-04-21, the latest incident, not stale",
			palmyra.Date, palmyra.DateSource, palmyra.Stale)
	}
	if palmyra.LevelRank <= 0 || palmyra.Meaning == "" || palmyra.LeftOut.Incidents == nil {
		t.Errorf("Palmyra: level %s (rank %d), meaning %q, left_out %v; want above low, explained, with the coarse incidents counted",
			palmyra.Level, palmyra.LevelRank, palmyra.Meaning, palmyra.LeftOut.Incidents)
	}
	if len(palmyra.Contributors) == 0 || palmyra.Contributors[0].Reason == "" {
		t.Errorf("Palmyra: contributors without reasons: %+v", palmyra.Contributors)
	}
	damascus := check("lon=36.29&lat=33.51")
	if damascus.Level != "not_assessed" || damascus.Reason == "" {
		t.Errorf("Damascus: level %s, reason %q; want not_assessed with the reason", damascus.Level, damascus.Reason)
	}
	late := check("lon=38.27&lat=34.56&date=2026-12-01")
	if !late.Stale || late.DateSource != "requested" || !strings.Contains(late.Message, "2024-04-21") {
		t.Errorf("a date long after the data: stale %v, source %s, message %q", late.Stale, late.DateSource, late.Message)
	}
}
