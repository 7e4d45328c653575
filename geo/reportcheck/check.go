// Package reportcheck finds where published reports contradict themselves,
// each other and the incident data: named consistency rules over a report's
// claims, the running-total series of one publisher and period, and the
// reconciliation of a report's claims with the figures the incidents give.
//
// Every finding carries the figures that break its rule, so a reader can
// check it against the report without trusting this package.
package reportcheck

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/badiamap/badiamap/geo"
)

// Rule names a consistency rule.
type Rule string

const (
	// RuleRegionalSum: the regional lines of a metric must add up to the
	// headline (scope total) figure of that metric.
	RuleRegionalSum Rule = "regional_sum"
	// RuleSubset: a part (militia, truffle gatherers, children, women) may
	// not exceed the whole it belongs to (military, civilians).
	RuleSubset Rule = "subset"
	// RuleParts: a scope's killed must equal its military + ISIS + other
	// armed + civilians.
	RuleParts Rule = "parts"
	// RuleConflict: one report states two values for one scope and metric.
	RuleConflict Rule = "conflict"
	// RuleSeriesDecrease: a running total of the same publisher and period
	// is lower than in an earlier snapshot.
	RuleSeriesDecrease Rule = "series_decrease"
)

// Rules lists every rule, in the order findings are reported.
var Rules = []Rule{RuleRegionalSum, RuleSubset, RuleParts, RuleConflict, RuleSeriesDecrease}

// Figure is one number behind a finding.
type Figure struct {
	Label string `json:"label"` // what the number is: "headline", "sum of 5 regional lines", a claim's where
	Value int    `json:"value"`
	// Scope and Metric say which claim (or sum) it is; ReportID is set for
	// figures from another report (a series).
	Scope    string     `json:"scope,omitempty"`
	Metric   geo.Metric `json:"metric,omitempty"`
	ReportID int64      `json:"report_id,omitempty"`
}

// Finding is one rule a report breaks, with the figures that break it.
type Finding struct {
	Rule     Rule       `json:"rule"`
	ReportID int64      `json:"report_id"`
	Scope    string     `json:"scope"`
	Metric   geo.Metric `json:"metric"`
	Message  string     `json:"message"`
	Figures  []Figure   `json:"figures"`
}

// subsets are the parts each whole holds.
var subsets = []struct{ part, whole geo.Metric }{
	{geo.MetricMilitia, geo.MetricMilitary},
	{geo.MetricTruffleGatherers, geo.MetricCivilians},
	{geo.MetricChildren, geo.MetricCivilians},
	{geo.MetricWomen, geo.MetricCivilians},
}

// killedParts partition the dead, as geo.Casualties.Killed has it.
var killedParts = []geo.Metric{geo.MetricMilitary, geo.MetricISIS, geo.MetricOtherArmed, geo.MetricCivilians}

// claimSet indexes a report's claims by scope and metric.
type claimSet struct {
	byKey  map[string]map[geo.Metric][]geo.Claim
	scopes []string // regional scopes, sorted
}

func index(r *geo.Report) claimSet {
	cs := claimSet{byKey: map[string]map[geo.Metric][]geo.Claim{}}
	for _, c := range r.Claims {
		m := cs.byKey[c.Scope]
		if m == nil {
			m = map[geo.Metric][]geo.Claim{}
			cs.byKey[c.Scope] = m
			if c.Scope != geo.ReportScopeTotal {
				cs.scopes = append(cs.scopes, c.Scope)
			}
		}
		m[c.Metric] = append(m[c.Metric], c)
	}
	sort.Strings(cs.scopes)
	return cs
}

// values are the distinct values claimed for scope and metric, ascending.
func (cs claimSet) values(scope string, m geo.Metric) []int {
	var out []int
	for _, c := range cs.byKey[scope][m] {
		if !slices.Contains(out, c.Value) {
			out = append(out, c.Value)
		}
	}
	sort.Ints(out)
	return out
}

// Check runs every rule that looks at one report alone and returns what
// fails, in rule order, then by scope and metric.
func Check(r *geo.Report) []Finding {
	cs := index(r)
	var out []Finding
	out = append(out, regionalSums(r, cs)...)
	out = append(out, subsetChecks(r, cs)...)
	out = append(out, partsChecks(r, cs)...)
	out = append(out, conflicts(r, cs)...)
	return out
}

// regionKilled is a region's killed: stated, or else the sum of the parts
// its line states (a line lists each group that has dead). derived is true
// when summed from parts.
func regionKilled(cs claimSet, scope string) (lo, hi int, derived, ok bool) {
	if v := cs.values(scope, geo.MetricKilled); len(v) > 0 {
		return v[0], v[len(v)-1], false, true
	}
	for _, p := range killedParts {
		if v := cs.values(scope, p); len(v) > 0 {
			lo += v[0]
			hi += v[len(v)-1]
			ok = true
		}
	}
	return lo, hi, true, ok
}

func regionalSums(r *geo.Report, cs claimSet) []Finding {
	if r.RegionsIncomplete || len(cs.scopes) == 0 {
		return nil
	}
	var out []Finding
	for _, m := range geo.Metrics {
		heads := cs.values(geo.ReportScopeTotal, m)
		if len(heads) == 0 {
			continue
		}
		lo, hi, stating, derived := 0, 0, 0, 0
		var missing []string
		for _, sc := range cs.scopes {
			if m == geo.MetricKilled {
				l, h, d, ok := regionKilled(cs, sc)
				if !ok {
					missing = append(missing, sc)
					continue
				}
				if d {
					derived++
				}
				lo, hi, stating = lo+l, hi+h, stating+1
				continue
			}
			v := cs.values(sc, m)
			if len(v) == 0 {
				missing = append(missing, sc)
				continue
			}
			lo, hi, stating = lo+v[0], hi+v[len(v)-1], stating+1
		}
		if stating == 0 {
			continue
		}
		for _, h := range heads {
			if h >= lo && h <= hi {
				continue
			}
			label := fmt.Sprintf("sum of %d regional lines", stating)
			if derived > 0 {
				label += fmt.Sprintf(" (%d of them military+isis+other_armed+civilians, killed not stated)", derived)
			}
			if len(missing) > 0 {
				label += fmt.Sprintf("; %s state no figure", strings.Join(missing, ", "))
			}
			sum := fmt.Sprint(lo)
			if lo != hi {
				sum = fmt.Sprintf("%d to %d (a region states two values)", lo, hi)
			}
			f := Finding{Rule: RuleRegionalSum, ReportID: r.ID, Scope: geo.ReportScopeTotal, Metric: m,
				Message: fmt.Sprintf("the headline says %d %s; the regional lines add up to %s", h, m, sum),
				Figures: []Figure{{Label: "headline", Value: h, Scope: geo.ReportScopeTotal, Metric: m}, {Label: label, Value: lo, Metric: m}}}
			if lo != hi {
				f.Figures = append(f.Figures, Figure{Label: "largest " + label, Value: hi, Metric: m})
			}
			out = append(out, f)
		}
	}
	return out
}

func allScopes(cs claimSet) []string {
	scopes := []string{}
	if _, ok := cs.byKey[geo.ReportScopeTotal]; ok {
		scopes = append(scopes, geo.ReportScopeTotal)
	}
	return append(scopes, cs.scopes...)
}

func subsetChecks(r *geo.Report, cs claimSet) []Finding {
	var out []Finding
	for _, sc := range allScopes(cs) {
		for _, s := range subsets {
			parts, wholes := cs.values(sc, s.part), cs.values(sc, s.whole)
			for _, p := range parts {
				for _, w := range wholes {
					if p <= w {
						continue
					}
					out = append(out, Finding{Rule: RuleSubset, ReportID: r.ID, Scope: sc, Metric: s.part,
						Message: fmt.Sprintf("%s: %d %s is more than the %d %s it is part of", sc, p, s.part, w, s.whole),
						Figures: []Figure{{Label: string(s.part), Value: p, Scope: sc, Metric: s.part}, {Label: string(s.whole), Value: w, Scope: sc, Metric: s.whole}}})
				}
			}
		}
	}
	return out
}

func partsChecks(r *geo.Report, cs claimSet) []Finding {
	var out []Finding
	for _, sc := range allScopes(cs) {
		totals := cs.values(sc, geo.MetricKilled)
		if len(totals) == 0 {
			continue
		}
		// Each part at its largest stated value: a sum above the total is
		// wrong whatever the others are.
		sum, stated := 0, 0
		var figs []Figure
		var names []string
		for _, p := range killedParts {
			v := cs.values(sc, p)
			if len(v) == 0 {
				continue
			}
			stated++
			sum += v[len(v)-1]
			figs = append(figs, Figure{Label: string(p), Value: v[len(v)-1], Scope: sc, Metric: p})
			names = append(names, fmt.Sprintf("%s %d", p, v[len(v)-1]))
		}
		if stated < 2 {
			continue // one part alone says nothing about the rest
		}
		// With military, ISIS and civilians all stated the parts are
		// complete (other armed is listed only when there are any).
		complete := len(cs.values(sc, geo.MetricMilitary)) > 0 && len(cs.values(sc, geo.MetricISIS)) > 0 && len(cs.values(sc, geo.MetricCivilians)) > 0
		for _, k := range totals {
			if sum == k || (!complete && sum < k) {
				continue
			}
			f := Finding{Rule: RuleParts, ReportID: r.ID, Scope: sc, Metric: geo.MetricKilled,
				Message: fmt.Sprintf("%s: %s add up to %d, but killed is %d", sc, strings.Join(names, " + "), sum, k),
				Figures: append([]Figure{{Label: "killed", Value: k, Scope: sc, Metric: geo.MetricKilled}}, figs...)}
			f.Figures = append(f.Figures, Figure{Label: "sum of the parts", Value: sum, Scope: sc})
			out = append(out, f)
		}
	}
	return out
}

func conflicts(r *geo.Report, cs claimSet) []Finding {
	var out []Finding
	for _, sc := range allScopes(cs) {
		for _, m := range geo.Metrics {
			if len(cs.values(sc, m)) < 2 {
				continue
			}
			var figs []Figure
			var vals []string
			for _, c := range cs.byKey[sc][m] {
				figs = append(figs, Figure{Label: c.Where, Value: c.Value, Scope: sc, Metric: m})
				vals = append(vals, fmt.Sprint(c.Value))
			}
			out = append(out, Finding{Rule: RuleConflict, ReportID: r.ID, Scope: sc, Metric: m,
				Message: fmt.Sprintf("%s %s is stated as %s in different places", sc, m, strings.Join(vals, ", ")),
				Figures: figs})
		}
	}
	return out
}
