package reportfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/reportfile"
)

func snapshotsPath(t *testing.T) string {
	p := filepath.Join("..", "..", "shared", "data", "reports", "sohr_badia_snapshots.json")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shared data: %v", err)
	}
	return p
}

func TestSnapshotsImport(t *testing.T) {
	b, err := os.ReadFile(snapshotsPath(t))
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := reportfile.Detect(b[:1024]); !ok || f != reportfile.FormatSnapshots {
		t.Fatalf("Detect(snapshots) = %q, %v", f, ok)
	}
	reps, f, err := reportfile.Read(strings.NewReader(string(b)))
	if err != nil || f != reportfile.FormatSnapshots {
		t.Fatal(f, err)
	}
	// Every region line becomes claims under a Badia region code.
	for _, r := range reps {
		if r.Publisher != reportfile.Publisher || r.PeriodStart.IsZero() || r.ExternalID == "" {
			t.Errorf("report %s: publisher %q period %v", r.ExternalID, r.Publisher, r.PeriodStart)
		}
		for _, c := range r.Claims {
			if c.Scope != geo.ReportScopeTotal && !geo.IsBadiaCode(c.Scope) {
				t.Errorf("report %s: claim scope %q", r.ExternalID, c.Scope)
			}
		}
	}
	again, _, _ := reportfile.Read(strings.NewReader(string(b)))
	for i := range reps {
		if again[i].ExternalID != reps[i].ExternalID {
			t.Errorf("external id of entry %d is not stable: %s, %s", i, reps[i].ExternalID, again[i].ExternalID)
		}
	}
}

func TestSnapshotsBadInput(t *testing.T) {
	for name, tc := range map[string]struct{ json, want string }{
		"unknown region": {`[{"language":"en","period_start":"2023-01-01","regions":[{"region":"palmyra","operations":3}]}]`, `unknown region "palmyra"`},
		"negative":       {`[{"language":"en","period_start":"2023-01-01","civilians_killed":-4,"regions":[]}]`, "negative figure -4"},
		"malformed date": {`[{"language":"en","period_start":"2023-02-30","regions":[]}]`, `period_start "2023-02-30" is not a date`},
		"unknown field":  {`[{"language":"en","period_start":"2023-01-01","wounded":3}]`, `unknown field "wounded"`},
	} {
		reps, err := reportfile.ReadSnapshots(strings.NewReader(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.want) || reps != nil {
			t.Errorf("%s: %d reports, error %v; want none and an error naming %q", name, len(reps), err, tc.want)
		}
	}
}

const header = "report_id,publisher,title,url,language,published_on,period_start,period_end,scope,metric,value,where\n"

func TestClaimsCSV(t *testing.T) {
	data := header +
		"r1,SOHR,A report,https://example.org/r1,en,2024-04-21,2024-01-01,2024-04-21,total,killed,335,headline\n" +
		"r1,,,,,,,,homs,military,115,regional line\n" +
		"r1,,,,,,,,BADIA-SY09,civilians,,regional line\n" + // not stated: no claim
		"r2,SOHR,Another,,ar,,2023-01-01,,total,operations,46,headline\n"
	if f, ok := reportfile.Detect([]byte(data)); !ok || f != reportfile.FormatClaimsCSV {
		t.Fatalf("Detect(csv) = %q %v", f, ok)
	}
	reps, _, err := reportfile.Read(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 2 || len(reps[0].Claims) != 2 || len(reps[1].Claims) != 1 {
		t.Fatalf("got %d reports: %+v", len(reps), reps)
	}
	if c := reps[0].Claims[1]; c.Scope != "BADIA-SY04" || c.Metric != geo.MetricMilitary || c.Value != 115 {
		t.Errorf("homs claim = %+v", c)
	}
	if reps[0].PeriodEnd.Format(geo.DateLayout) != "2024-04-21" || reps[0].Title != "A report" {
		t.Errorf("report fields from the first row: %+v", reps[0])
	}
}

func TestClaimsCSVBadRows(t *testing.T) {
	data := header +
		"r1,SOHR,A,,en,,2024-01-01,,total,killed,335,headline\n" +
		"r1,,,,,,,,BADIA-SY99x,killed,3,x\n" + // line 3
		"r1,,,,,,,,homs,civilians,-2,x\n" + // line 4
		"r1,,,,,,2024-13-01,,homs,isis,2,x\n" + // line 5
		"r1,,,,,,,,homs,wounded,2,x\n" + // line 6
		"r1,OTHER,,,,,,,homs,isis,2,x\n" + // line 7
		"r1,,,,,,,,homs,isis,two,x\n" // line 8
	reps, err := reportfile.ReadClaimsCSV(strings.NewReader(data))
	var errs reportfile.Errors
	if reps != nil || !errors.As(err, &errs) {
		t.Fatalf("bad CSV read as %d reports, error %v", len(reps), err)
	}
	for _, want := range []string{`line 3: unknown region "BADIA-SY99x"`, "line 4: BADIA-SY04 civilians: negative figure -2",
		`line 5: period_start "2024-13-01" is not a date`, `line 6: unknown metric "wounded"`,
		`line 7: report r1: publisher "OTHER" differs`, `line 8: value "two" is not a whole number`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors lack %q:\n%v", want, err)
		}
	}
	if len(errs) != 6 {
		t.Errorf("%d errors, want 6: %v", len(errs), err)
	}
}

func TestDetectRefusesIncidentFiles(t *testing.T) {
	for _, s := range []string{`{"type":"FeatureCollection","features":[]}`, "id,date,latitude,longitude\n1,2024-01-01,34,38\n", `[{"type":"Feature"}]`} {
		if f, ok := reportfile.Detect([]byte(s)); ok {
			t.Errorf("Detect(%q) = %q, want not a report file", s, f)
		}
	}
}

func TestDateFromHint(t *testing.T) {
	for hint, want := range map[string]string{
		"URL path contains 2023/04/17":                          "2023-04-17",
		"16 April 2023 per wire reports":                        "2023-04-16",
		"store metadata shows 2023-11-21":                       "2023-11-21",
		"between (quoted 21 Nov 2023) and (quoted 20 Dec 2023)": "2023-12-05",
		"around September 2023":                                 "",
	} {
		d, ok := reportfile.DateFromHint(hint)
		got := ""
		if ok {
			got = d.Format(geo.DateLayout)
		}
		if got != want {
			t.Errorf("DateFromHint(%q) = %q, want %q", hint, got, want)
		}
	}
}
