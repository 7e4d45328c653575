package demo

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// Parts of the seed report a claim can come from; every claim's Where starts
// with one of them, followed by ": «quote»".
const (
	WhereTitle    = "title"
	WhereSummary  = "summary paragraph"
	WhereRegional = "regional line"
	WhereTruffle  = "truffle paragraph"
)

// reportFile is seed_report.json: a geo.Report with calendar-day dates and
// the notes that explain how it was transcribed.
type reportFile struct {
	ExternalID            string      `json:"externalId"`
	Publisher             string      `json:"publisher"`
	Title                 string      `json:"title"`
	URL                   string      `json:"url"`
	Language              string      `json:"language"`
	PublishedOn           string      `json:"publishedOn"`
	PublishedEstimated    bool        `json:"publishedEstimated"`
	PublishedEstimateNote string      `json:"publishedEstimateNote"`
	PeriodStart           string      `json:"periodStart"`
	PeriodEnd             string      `json:"periodEnd"`
	PeriodEndNote         string      `json:"periodEndNote"`
	Notes                 string      `json:"notes"`
	Claims                []claimFile `json:"claims"`
}

type claimFile struct {
	Scope  string `json:"scope"`
	Metric string `json:"metric"`
	Value  *int   `json:"value"`
	Where  string `json:"where"`
}

// ParseReport reads a report file in seed_report.json's format and checks
// it: known metrics, scopes that are "total" or a Badia region code,
// non-negative figures, calendar-day dates, and a part of the report named in
// every Where.
func ParseReport(data []byte) (geo.Report, error) {
	var f reportFile
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return geo.Report{}, fmt.Errorf("report file: %w", err)
	}
	r := geo.Report{
		ExternalID: f.ExternalID, Publisher: f.Publisher, Title: f.Title, URL: f.URL,
		Language: f.Language, PublishedEstimated: f.PublishedEstimated,
	}
	if r.ExternalID == "" || r.Publisher == "" || r.Title == "" {
		return geo.Report{}, fmt.Errorf("report file: externalId, publisher and title are required")
	}
	var err error
	for _, d := range []struct {
		name string
		s    string
		t    *time.Time
	}{{"publishedOn", f.PublishedOn, &r.PublishedOn}, {"periodStart", f.PeriodStart, &r.PeriodStart}, {"periodEnd", f.PeriodEnd, &r.PeriodEnd}} {
		if d.s == "" {
			continue
		}
		if *d.t, err = time.Parse(geo.DateLayout, d.s); err != nil {
			return geo.Report{}, fmt.Errorf("report file: %s %q is not a date like 2024-04-21", d.name, d.s)
		}
	}
	if r.PeriodStart.IsZero() {
		return geo.Report{}, fmt.Errorf("report file: periodStart is required")
	}
	if !r.PeriodEnd.IsZero() && r.PeriodEnd.Before(r.PeriodStart) {
		return geo.Report{}, fmt.Errorf("report file: periodEnd %s is before periodStart %s", f.PeriodEnd, f.PeriodStart)
	}
	for i, c := range f.Claims {
		where := fmt.Sprintf("report file: claim %d (%s %s)", i+1, c.Scope, c.Metric)
		if !knownMetric(geo.Metric(c.Metric)) {
			return geo.Report{}, fmt.Errorf("%s: unknown metric %q", where, c.Metric)
		}
		if c.Scope != geo.ReportScopeTotal && !isBadiaCode(c.Scope) {
			return geo.Report{}, fmt.Errorf("%s: scope %q is neither %q nor a Badia region code like BADIA-SY04", where, c.Scope, geo.ReportScopeTotal)
		}
		if c.Value == nil {
			return geo.Report{}, fmt.Errorf("%s: no value (leave out a figure the report does not state)", where)
		}
		if *c.Value < 0 {
			return geo.Report{}, fmt.Errorf("%s: negative value %d", where, *c.Value)
		}
		if wherePart(c.Where) == "" {
			return geo.Report{}, fmt.Errorf("%s: where %q does not start with a part of the report (%s, %s, %s, %s)",
				where, c.Where, WhereTitle, WhereSummary, WhereRegional, WhereTruffle)
		}
		r.Claims = append(r.Claims, geo.Claim{Scope: c.Scope, Metric: geo.Metric(c.Metric), Value: *c.Value, Where: c.Where})
	}
	return r, nil
}

// WherePart is the part of the report a claim comes from (WhereRegional,
// ...), or "" when its Where names none.
func WherePart(c geo.Claim) string { return wherePart(c.Where) }

func wherePart(where string) string {
	for _, p := range []string{WhereTitle, WhereSummary, WhereRegional, WhereTruffle} {
		if where == p || strings.HasPrefix(where, p+":") {
			return p
		}
	}
	return ""
}

func knownMetric(m geo.Metric) bool {
	for _, k := range geo.Metrics {
		if k == m {
			return true
		}
	}
	return false
}

func isBadiaCode(s string) bool {
	p, ok := strings.CutPrefix(s, geo.BadiaPrefix)
	return ok && len(p) == 4 && strings.HasPrefix(p, "SY") && p[2] >= '0' && p[2] <= '9' && p[3] >= '0' && p[3] <= '9'
}

// RegionalLines are the figures of a report's regional lines, by Badia
// region code and metric: the targets the demo reconstructs. A metric a line
// does not state is absent (and reconstructed as zero).
func RegionalLines(r geo.Report) (map[string]map[geo.Metric]int, error) {
	lines := make(map[string]map[geo.Metric]int)
	for _, c := range r.Claims {
		if WherePart(c) != WhereRegional {
			continue
		}
		if c.Scope == geo.ReportScopeTotal {
			return nil, fmt.Errorf("regional line claim %s has scope %q, not a region", c.Metric, c.Scope)
		}
		m := lines[c.Scope]
		if m == nil {
			m = make(map[geo.Metric]int)
			lines[c.Scope] = m
		}
		if old, dup := m[c.Metric]; dup && old != c.Value {
			return nil, fmt.Errorf("regional lines claim %s %s twice: %d and %d", c.Scope, c.Metric, old, c.Value)
		}
		m[c.Metric] = c.Value
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("report %s has no regional line claims", r.ExternalID)
	}
	return lines, nil
}
