package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/demo"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/badiamap/badiamap/geo/reportcheck"
	"github.com/badiamap/badiamap/geo/storetest"
	"github.com/badiamap/badiamap/web"
)

// reportServer serves store loaded with the boundaries, the demo incidents,
// the 2023 snapshots and the seed report; it returns the base URL and the
// seed report's id.
func reportServer(t *testing.T, store geo.Store) (string, int64) {
	t.Helper()
	ctx := context.Background()
	storetest.WithBoundaries(t, store)
	if err := demo.Load(ctx, store, nil); err != nil {
		t.Fatal(err)
	}
	seed, err := demo.Report()
	if err != nil {
		t.Fatal(err)
	}
	res, err := storetest.ReportStoreOf(t, store).UpsertReports(ctx, append(storetest.SnapshotReports(t), seed), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, store, web.Config{}, nil)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL, res.IDs[len(res.IDs)-1]
}

func reportStores(t *testing.T) map[string]geo.Store {
	mem, err := memstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mem.Close() })
	return map[string]geo.Store{"memstore": mem, "postgis": pooledPostGIS(t, postgis.Options{})}
}

func getBody(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	code, _, b := getBody(t, url)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, code, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

type seriesBody struct {
	Metric string `json:"metric"`
	Lines  []struct {
		Scope  string `json:"scope"`
		Points []struct {
			ReportID   int64 `json:"report_id"`
			Published  *int  `json:"published"`
			Cumulative *int  `json:"cumulative"`
			Drop       bool  `json:"drop"`
		} `json:"points"`
	} `json:"lines"`
}

func TestReportsAPI(t *testing.T) {
	bodies := map[string]map[string]string{}
	for name, store := range reportStores(t) {
		t.Run(name, func(t *testing.T) {
			base, seedID := reportServer(t, store)
			bodies[name] = map[string]string{}

			var list struct {
				Count   int `json:"count"`
				Reports []struct {
					ID               int64  `json:"id"`
					PeriodStart      string `json:"period_start"`
					FailedCheckCount int    `json:"failed_check_count"`
				} `json:"reports"`
			}
			getJSON(t, base+"/api/reports?publisher=sohr&period_start=2023-01-01", &list)
			all := storetest.SnapshotReports(t)
			want2023 := 0
			for _, r := range all {
				if r.PeriodStart.Year() == 2023 {
					want2023++
				}
			}
			if list.Count != want2023 || len(list.Reports) != want2023 {
				t.Errorf("2023 SOHR reports: %d, want %d", list.Count, want2023)
			}

			// The seed's failed checks are its own contradictions.
			var rep struct {
				ID           int64                 `json:"id"`
				Claims       []json.RawMessage     `json:"claims"`
				FailedChecks []reportcheck.Finding `json:"failed_checks"`
			}
			getJSON(t, fmt.Sprintf("%s/api/reports/%d", base, seedID), &rep)
			seed, _ := demo.Report()
			want := reportcheck.Check(&seed)
			if len(rep.Claims) != len(seed.Claims) || len(rep.FailedChecks) != len(want) {
				t.Errorf("seed report: %d claims, %d failed checks; want %d and %d", len(rep.Claims), len(rep.FailedChecks), len(seed.Claims), len(want))
			}
			for i := range want {
				if i < len(rep.FailedChecks) && (rep.FailedChecks[i].Rule != want[i].Rule || rep.FailedChecks[i].Message != want[i].Message) {
					t.Errorf("failed check %d = %s %q, want %s %q", i, rep.FailedChecks[i].Rule, rep.FailedChecks[i].Message, want[i].Rule, want[i].Message)
				}
			}

			// Reconciliation against the demo incidents: every regional line matches.
			var rec struct {
				Rows []reportcheck.Row `json:"rows"`
			}
			getJSON(t, fmt.Sprintf("%s/api/reports/%d/reconciliation", base, seedID), &rec)
			regional := 0
			for _, row := range rec.Rows {
				if demo.WherePart(geo.Claim{Where: row.Where}) != demo.WhereRegional {
					continue
				}
				regional++
				if !row.Match || row.Difference != 0 {
					t.Errorf("regional claim %s %s = %d, incidents give %d", row.Scope, row.Metric, row.Claimed, row.Computed)
				}
			}
			if regional == 0 || len(rec.Rows) != len(seed.Claims) {
				t.Errorf("reconciliation: %d rows (%d regional), want one per claim (%d)", len(rec.Rows), regional, len(seed.Claims))
			}

			// Series: lines never go down where figures are published.
			for _, m := range geo.Metrics {
				var ser seriesBody
				url := base + "/api/reports/series?publisher=SOHR&period_start=2023-01-01&metric=" + string(m)
				getJSON(t, url, &ser)
				_, _, raw := getBody(t, url)
				bodies[name]["series "+string(m)] = string(raw)
				for _, l := range ser.Lines {
					prev, high := -1, -1
					for _, p := range l.Points {
						if p.Cumulative != nil {
							if *p.Cumulative < prev {
								t.Errorf("series %s %s goes down to %d at report %d", m, l.Scope, *p.Cumulative, p.ReportID)
							}
							prev = *p.Cumulative
						}
						if p.Published != nil {
							if !p.Drop && *p.Cumulative != *p.Published {
								t.Errorf("series %s %s report %d: line %d, published %d", m, l.Scope, p.ReportID, *p.Cumulative, *p.Published)
							}
							if p.Drop != (*p.Published < high) {
								t.Errorf("series %s %s report %d: drop flag %v", m, l.Scope, p.ReportID, p.Drop)
							}
							high = max(high, *p.Published)
						}
					}
				}
			}
			code, h, csvBody := getBody(t, base+"/api/reports/series?publisher=SOHR&period_start=2023-01-01&metric=civilians&format=csv")
			rows, err := csv.NewReader(strings.NewReader(string(csvBody))).ReadAll()
			if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || err != nil || len(rows) < 2 || rows[0][0] != "scope" {
				t.Errorf("series CSV: %d %s %v, %d rows", code, h.Get("Content-Type"), err, len(rows))
			}

			for _, u := range []string{"/api/reports", "/api/reports?region=BADIA-SY13", "/api/reports?from=2023-11-01&to=2023-12-31",
				fmt.Sprintf("/api/reports/%d", seedID), fmt.Sprintf("/api/reports/%d/reconciliation", seedID)} {
				code, _, b := getBody(t, base+u)
				if code != 200 {
					t.Errorf("GET %s: %d %s", u, code, b)
				}
				bodies[name][u] = string(b)
			}

			// Bad parameters are 400 problems naming the parameter; unknown ids 404.
			for u, wantCode := range map[string]int{
				"/api/reports?period_start=2023-13-01":                                      400,
				"/api/reports?region=Homs":                                                  400,
				"/api/reports?region=BADIA-SY99":                                            400,
				"/api/reports?from=2024-01-02&to=2024-01-01":                                400,
				"/api/reports?colour=red":                                                   400,
				"/api/reports/abc":                                                          400,
				"/api/reports/0/reconciliation":                                             400,
				"/api/reports/99999":                                                        404,
				"/api/reports/series?period_start=2023-01-01":                               400,
				"/api/reports/series?publisher=SOHR":                                        400,
				"/api/reports/series?publisher=SOHR&period_start=2023-01-01&metric=wounded": 400,
				"/api/reports/series?publisher=SOHR&period_start=2023-01-01&format=xml":     400,
			} {
				code, h, b := getBody(t, base+u)
				if code != wantCode || h.Get("Content-Type") != web.MIMEProblem {
					t.Errorf("GET %s: %d %s %s, want %d problem+json", u, code, h.Get("Content-Type"), b, wantCode)
				}
			}
		})
	}
	// Both stores give the same answers.
	if len(bodies) == 2 {
		for u, b := range bodies["memstore"] {
			if bodies["postgis"][u] != b {
				t.Errorf("%s differs between the stores:\nmemstore %s\npostgis  %s", u, b, bodies["postgis"][u])
			}
		}
	}
}
