package reportcheck_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/demo"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/reportcheck"
	"github.com/badiamap/badiamap/geo/storetest"
	"github.com/badiamap/badiamap/reportfile"
)

// brief is a finding as rule, scope, metric and its first two figures.
func brief(f reportcheck.Finding) string {
	s := fmt.Sprintf("%s %s %s", f.Rule, f.Scope, f.Metric)
	for i, fig := range f.Figures {
		if i == 2 && f.Rule != reportcheck.RuleConflict {
			break
		}
		s += " " + strconv.Itoa(fig.Value)
	}
	return s
}

// TestSeedReport: the rules find the seed's own contradictions, and only
// them: the headline against the regional sums (killed 335 against 334,
// military 333 against 272), the civilians (37 against the regional 38), the
// headline's parts (333 + 24 + 37 = 394 against 335), and Ar-Raqqa's truffle
// gatherers (3 in its regional line, 2 in the truffle paragraph).
func TestSeedReport(t *testing.T) {
	r, err := demo.Report()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range reportcheck.Check(&r) {
		got = append(got, brief(f))
		t.Logf("%s: %s", f.Rule, f.Message)
	}
	want := []string{
		"regional_sum total killed 335 334",
		"regional_sum total military 333 272",
		"regional_sum total civilians 37 38",
		"parts total killed 335 333", // killed, then military: the sum 394 is the last figure
		"conflict BADIA-SY11 truffle_gatherers 3 2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings on the seed report:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range reportcheck.Check(&r) {
		if f.Rule == reportcheck.RuleParts {
			if last := f.Figures[len(f.Figures)-1]; last.Value != 394 {
				t.Errorf("seed parts sum = %d, want 333 + 24 + 37 = 394", last.Value)
			}
		}
	}
}

// fileFinding is an inconsistency the snapshots file records, as the rule
// that must find it.
type fileFinding struct {
	rule        reportcheck.Rule
	scope       string
	metric      geo.Metric
	stated, sum int // the figure stated (headline, line total) and what its parts add up to
}

var (
	reRegionalSum = regexp.MustCompile(`^regional (operations|civilians|ISIS dead|combatants \(regime\+militia\)) sum to (\d+) but headline says (\d+)$`)
	reLineParts   = regexp.MustCompile(`^(\w+): combatants\+ISIS\+civilians = (\d+) but the line says (\d+) fatalities$`)
	reTotalParts  = regexp.MustCompile(`^ISIS (\d+) \+ regime (\d+) \+ civilians (\d+) = (\d+), but headline says (\d+)$`)
	reInAddition  = regexp.MustCompile(`^headline (\d+) equals ISIS \d+ \+ regime \d+ only; the \d+ civilians are reported in addition \(sum of all three = (\d+)\)$`)
)

var fileMetric = map[string]geo.Metric{"operations": geo.MetricOperations, "civilians": geo.MetricCivilians,
	"ISIS dead": geo.MetricISIS, "combatants (regime+militia)": geo.MetricMilitary}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// parseFileInconsistency reads one of the file's own inconsistency notes;
// false for a hand-noted oddity that states no arithmetic rule.
func parseFileInconsistency(s string) (fileFinding, bool) {
	if m := reRegionalSum.FindStringSubmatch(s); m != nil {
		return fileFinding{reportcheck.RuleRegionalSum, geo.ReportScopeTotal, fileMetric[m[1]], atoi(m[3]), atoi(m[2])}, true
	}
	if m := reLineParts.FindStringSubmatch(s); m != nil {
		code, ok := reportfile.RegionCode(m[1])
		return fileFinding{reportcheck.RuleParts, code, geo.MetricKilled, atoi(m[3]), atoi(m[2])}, ok
	}
	if m := reTotalParts.FindStringSubmatch(s); m != nil {
		return fileFinding{reportcheck.RuleParts, geo.ReportScopeTotal, geo.MetricKilled, atoi(m[5]), atoi(m[4])}, true
	}
	if m := reInAddition.FindStringSubmatch(s); m != nil {
		return fileFinding{reportcheck.RuleParts, geo.ReportScopeTotal, geo.MetricKilled, atoi(m[1]), atoi(m[2])}, true
	}
	return fileFinding{}, false
}

// found reports whether the checks have a finding for want with its figures.
func found(fs []reportcheck.Finding, want fileFinding) bool {
	for _, f := range fs {
		if f.Rule != want.rule || f.Scope != want.scope || f.Metric != want.metric || len(f.Figures) < 2 {
			continue
		}
		stated, sum := f.Figures[0].Value, f.Figures[1].Value
		if f.Rule == reportcheck.RuleParts {
			sum = f.Figures[len(f.Figures)-1].Value
		}
		if stated == want.stated && sum == want.sum {
			return true
		}
	}
	return false
}

// TestSnapshotsFileInconsistencies: for every complete entry (its regional
// list not cut off) of the 2023 series and the seed, each arithmetic gap the
// file itself records is found by the rules with the same figures.
func TestSnapshotsFileInconsistencies(t *testing.T) {
	data, err := storetest.SharedDataDir()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(data, "reports", "sohr_badia_snapshots.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, err := reportfile.ReadSnapshotEntries(f)
	if err != nil {
		t.Fatal(err)
	}
	complete, matched, handNoted := 0, 0, 0
	for i, e := range entries {
		if e.Report.RegionsIncomplete {
			continue
		}
		complete++
		fs := reportcheck.Check(&entries[i].Report)
		for _, note := range e.Inconsistencies {
			want, ok := parseFileInconsistency(note)
			if !ok {
				handNoted++
				t.Logf("entry %d: hand-noted, not a rule: %s", i+1, note)
				continue
			}
			if !found(fs, want) {
				t.Errorf("entry %d (%s): the file records %q; no %s finding for %s %s with %d against %d",
					i+1, e.Report.Title, note, want.rule, want.scope, want.metric, want.stated, want.sum)
				continue
			}
			matched++
		}
	}
	t.Logf("%d complete entries; %d recorded gaps found by the rules, %d hand-noted oddities", complete, matched, handNoted)
	if complete == 0 || matched == 0 {
		t.Fatalf("nothing compared: %d complete entries, %d gaps matched", complete, matched)
	}
}

// TestSeries2023: the 2023 snapshots form one series per metric whose lines
// never go down; each published figure is on the line unless it is below an
// earlier one, and then it is flagged and found by the series rule.
func TestSeries2023(t *testing.T) {
	var reps []geo.Report
	for i, r := range storetest.SnapshotReports(t) {
		r.ID = int64(i + 1)
		if r.PeriodStart.Year() == 2023 {
			reps = append(reps, r)
		}
	}
	order := reportcheck.Order(reps)
	if len(order) != len(reps) {
		t.Fatalf("Order placed %d of %d reports", len(order), len(reps))
	}
	for i := 1; i < len(order); i++ {
		if order[i].Date.Before(order[i-1].Date) {
			t.Errorf("snapshot %d (%s) dated %s comes after %s", order[i].Report.ID, order[i].DateSource,
				order[i].Date.Format(geo.DateLayout), order[i-1].Date.Format(geo.DateLayout))
		}
	}
	seriesDrops := map[string]bool{}
	for _, f := range reportcheck.CheckSeries(reps) {
		seriesDrops[fmt.Sprintf("%d %s %s", f.ReportID, f.Scope, f.Metric)] = true
	}
	drops := 0
	for _, m := range geo.Metrics {
		ser := reportcheck.BuildSeries(reps, m)
		for _, line := range ser.Lines {
			high := -1
			prev := -1
			for _, p := range line.Points {
				if p.Cumulative != nil {
					if *p.Cumulative < prev {
						t.Errorf("%s %s: the line goes down from %d to %d at report %d", m, line.Scope, prev, *p.Cumulative, p.ReportID)
					}
					prev = *p.Cumulative
				}
				if p.Published == nil {
					continue
				}
				below := *p.Published < high
				if below != p.Drop {
					t.Errorf("%s %s report %d: published %d after a high of %d, drop = %v", m, line.Scope, p.ReportID, *p.Published, high, p.Drop)
				}
				if below {
					drops++
					if !seriesDrops[fmt.Sprintf("%d %s %s", p.ReportID, line.Scope, m)] {
						t.Errorf("%s %s report %d drops to %d but the series rule does not say so", m, line.Scope, p.ReportID, *p.Published)
					}
				} else {
					high = *p.Published
					if *p.Cumulative != *p.Published {
						t.Errorf("%s %s report %d: line at %d, published %d", m, line.Scope, p.ReportID, *p.Cumulative, *p.Published)
					}
				}
			}
		}
	}
	if drops != len(seriesDrops) {
		t.Errorf("%d drops in the lines, %d series findings", drops, len(seriesDrops))
	}
	t.Logf("%d snapshots, %d figures below an earlier snapshot's", len(order), drops)
	var names []string
	for k := range seriesDrops {
		names = append(names, k)
	}
	sort.Strings(names)
	t.Logf("drops: %v", names)
}
