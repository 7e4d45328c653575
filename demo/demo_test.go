package demo

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb/planar"
)

// sharedData is ../shared/data relative to the repo root.
var sharedData = filepath.Join("..", "..", "shared", "data")

// reconstructed are the metrics the demo incidents carry per region.
var reconstructed = []geo.Metric{geo.MetricOperations, geo.MetricMilitary, geo.MetricMilitia, geo.MetricISIS,
	geo.MetricCivilians, geo.MetricTruffleGatherers, geo.MetricWomen, geo.MetricChildren}

// compareWithRegionalLines checks sums per region and metric against the
// seed report's regional lines, read from seed_report.json; a figure a line
// does not state must sum to zero.
func compareWithRegionalLines(t *testing.T, got map[string]map[geo.Metric]int) {
	t.Helper()
	rep, err := Report()
	if err != nil {
		t.Fatal(err)
	}
	lines, err := RegionalLines(rep)
	if err != nil {
		t.Fatal(err)
	}
	for code := range got {
		if _, ok := lines[code]; !ok {
			t.Errorf("demo incidents in %s, which the report has no line for", code)
		}
	}
	for code, line := range lines {
		for _, m := range reconstructed {
			if got[code][m] != line[m] {
				t.Errorf("%s %s: incidents sum to %d, the regional line says %d", code, m, got[code][m], line[m])
			}
		}
	}
}

// badiaRegion joins p to the one Badia region containing it ("" for none)
// and fails when it lies in more than one.
func badiaRegion(t *testing.T, regions []geo.Region, id string, inc *geo.Incident) string {
	t.Helper()
	found := ""
	for _, r := range regions {
		if planar.MultiPolygonContains(r.Geom, inc.Location) {
			if found != "" {
				t.Errorf("%s at %v lies in both %s and %s", id, inc.Location, found, r.Code)
			}
			found = r.Code
		}
	}
	return found
}

func TestSumsPerRegionEqualRegionalLines(t *testing.T) {
	incs, err := Incidents()
	if err != nil {
		t.Fatal(err)
	}
	regions, err := boundaries.BadiaRegions()
	if err != nil {
		t.Fatal(err)
	}
	parent := make(map[string]string)
	for _, r := range regions {
		parent[r.Code] = r.Parent
	}
	got := make(map[string]map[geo.Metric]int)
	for i := range incs {
		inc := &incs[i]
		code := badiaRegion(t, regions, inc.ExternalID, inc)
		if code == "" {
			t.Errorf("%s at %v lies in no Badia region", inc.ExternalID, inc.Location)
			continue
		}
		if inc.SourceGovernorate != parent[code] {
			t.Errorf("%s lies in %s but names governorate %q (%s)", inc.ExternalID, code, inc.SourceGovernorate, inc.SourceAdmin1)
		}
		if got[code] == nil {
			got[code] = make(map[geo.Metric]int)
		}
		got[code][geo.MetricOperations]++
		for _, m := range reconstructed[1:] {
			got[code][m] += inc.Casualties.Count(geo.VictimGroup(m))
		}
	}
	compareWithRegionalLines(t, got)

	// The regional operations add up to the headline's (the one total
	// figure the report states consistently), so the demo has exactly as
	// many incidents as the report counts operations.
	rep, _ := Report()
	for _, c := range rep.Claims {
		if c.Scope == geo.ReportScopeTotal && c.Metric == geo.MetricOperations && c.Value != len(incs) {
			t.Errorf("%d demo incidents, the report's %s counts %d operations", len(incs), WherePart(c), c.Value)
		}
	}
}

func TestIncidentsAreValidDatedReconstructions(t *testing.T) {
	incs, err := Incidents()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Report()
	if err != nil {
		t.Fatal(err)
	}
	if len(incs) == 0 {
		t.Fatal("no demo incidents")
	}
	note := ReconstructionNote(rep)
	if !strings.Contains(note, "about 21 April 2024") || !strings.Contains(note, "illustrative") {
		t.Errorf("reconstruction note %q does not give the report's estimated date and say it is illustrative", note)
	}
	seen := make(map[string]bool)
	inSeason, truffleIncidents := 0, 0
	for i := range incs {
		inc := &incs[i]
		if errs := inc.Validate(geo.ValidateOptions{}); len(errs) > 0 {
			t.Errorf("%s does not validate: %v", inc.ExternalID, errs)
		}
		if !strings.HasPrefix(inc.ExternalID, "sohr-demo:") || seen[inc.ExternalID] {
			t.Errorf("external id %q is not a unique sohr-demo:N", inc.ExternalID)
		}
		seen[inc.ExternalID] = true
		if inc.DateStart.Before(rep.PeriodStart) || inc.DateStart.After(rep.PeriodEnd) || !inc.DateEnd.Equal(inc.DateStart) {
			t.Errorf("%s dated %s-%s, outside the report's period %s-%s", inc.ExternalID,
				inc.DateStart.Format(geo.DateLayout), inc.DateEnd.Format(geo.DateLayout),
				rep.PeriodStart.Format(geo.DateLayout), rep.PeriodEnd.Format(geo.DateLayout))
		}
		if !strings.HasPrefix(inc.Notes, note) {
			t.Errorf("%s notes %q do not start with %q", inc.ExternalID, inc.Notes, note)
		}
		if len(inc.Sources) != 1 || inc.Sources[0].Name != rep.Publisher || inc.Sources[0].Headline != rep.Title ||
			inc.Sources[0].URL != rep.URL || !inc.Sources[0].Date.Equal(rep.PublishedOn) {
			t.Errorf("%s sources %+v do not name the report", inc.ExternalID, inc.Sources)
		}
		if inc.EventType == "" || inc.SubEventType == "" || inc.Perpetrator == "" || inc.Target == "" || inc.LocationName == "" {
			t.Errorf("%s lacks an event type, actors or a place name: %+v", inc.ExternalID, inc)
		}
		if inc.Casualties.TruffleGatherers > 0 {
			truffleIncidents++
			if m := inc.DateStart.Month(); m >= time.February && m <= time.April {
				inSeason++
			}
		}
	}
	if truffleIncidents == 0 || inSeason*2 <= truffleIncidents {
		t.Errorf("%d of %d truffle-gatherer incidents fall in the season (February-April); want most", inSeason, truffleIncidents)
	}
}

// TestGeneratorIsDeterministic regenerates the dataset from its inputs and
// compares it with the committed file byte for byte.
func TestGeneratorIsDeterministic(t *testing.T) {
	in := generateInput(t, DefaultSeed)
	var a, b bytes.Buffer
	if err := GenerateGeoJSON(&a, in); err != nil {
		t.Fatal(err)
	}
	if err := GenerateGeoJSON(&b, in); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two runs with the same seed give different files")
	}
	if !bytes.Equal(a.Bytes(), incidentsGeoJSON) {
		t.Error("demo/incidents.geojson is not what the generator makes from seed_report.json and the boundaries: run `go run ./demo/generate`")
	}
	var other bytes.Buffer
	if err := GenerateGeoJSON(&other, generateInput(t, DefaultSeed+1)); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Bytes(), other.Bytes()) {
		t.Error("another seed gives the same file: the seed is not used")
	}
}

func generateInput(t *testing.T, seed uint64) GenerateInput {
	t.Helper()
	rep, err := Report()
	if err != nil {
		t.Fatal(err)
	}
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(sharedData, "badia", "badia_anchor_places.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	anchors, err := ReadAnchors(f)
	if err != nil {
		t.Fatal(err)
	}
	return GenerateInput{Report: rep, Regions: regions, Anchors: anchors, Seed: seed}
}

// TestClaimsQuoteTheText checks the transcription: each claim's quote is in
// the Arabic report, and states the claim's value (as digits, or as the
// word the text uses).
func TestClaimsQuoteTheText(t *testing.T) {
	text, err := os.ReadFile(filepath.Join(sharedData, "reports", "seed_sohr_badia_2024_ar.txt"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Report()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(text), rep.Title) {
		t.Errorf("title %q is not the text's first line", rep.Title)
	}
	quote := regexp.MustCompile(`«(.+)»`)
	words := map[int][]string{1: {"طفل", "سيدة"}, 2: {"اثنين"}}
	for _, c := range rep.Claims {
		m := quote.FindStringSubmatch(c.Where)
		if m == nil {
			t.Errorf("claim %s %s = %d has no «quote» in %q", c.Scope, c.Metric, c.Value, c.Where)
			continue
		}
		if !strings.Contains(string(text), m[1]) {
			t.Errorf("claim %s %s quotes %q, which is not in the report", c.Scope, c.Metric, m[1])
		}
		states := regexp.MustCompile(`(^|[^0-9])` + strconv.Itoa(c.Value) + `($|[^0-9])`).MatchString(m[1])
		for _, w := range words[c.Value] {
			states = states || strings.Contains(m[1], w)
		}
		if !states {
			t.Errorf("claim %s %s = %d: the quote %q does not state %d", c.Scope, c.Metric, c.Value, m[1], c.Value)
		}
	}
}

func TestParseReportRejectsBadClaims(t *testing.T) {
	base := `{"externalId":"x","publisher":"SOHR","title":"t","periodStart":"2024-01-01","claims":[%s]}`
	for _, tc := range []struct{ claim, want string }{
		{`{"scope":"BADIA-SY04","metric":"tanks","value":1,"where":"regional line"}`, `unknown metric "tanks"`},
		{`{"scope":"Homs","metric":"military","value":1,"where":"regional line"}`, `scope "Homs"`},
		{`{"scope":"total","metric":"military","value":-3,"where":"title"}`, "negative value -3"},
		{`{"scope":"total","metric":"military","where":"title"}`, "no value"},
		{`{"scope":"total","metric":"military","value":3,"where":"somewhere"}`, "does not start with a part"},
	} {
		_, err := ParseReport([]byte(strings.Replace(base, "%s", tc.claim, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("claim %s: error %v, want one saying %q", tc.claim, err, tc.want)
		}
	}
	_, err := ParseReport([]byte(`{"externalId":"x","publisher":"SOHR","title":"t","periodStart":"21/04/2024"}`))
	if err == nil || !strings.Contains(err.Error(), `periodStart "21/04/2024"`) {
		t.Errorf("bad date: error %v", err)
	}
}
