package reportcheck

import (
	"fmt"
	"sort"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// Snapshot is one report placed in its series.
type Snapshot struct {
	Report *geo.Report
	// Date is the day its figures stand at: Report.AsOf(), or, for an
	// undated report, a day interpolated between its dated neighbours.
	Date time.Time
	// DateSource says where Date comes from: "published" (printed on the
	// report), "estimated" (the report's own estimate) or "interpolated"
	// (placed by its running totals between dated snapshots).
	DateSource string
}

// orderKeys are the running totals that place an undated snapshot among
// dated ones, the first both have deciding.
var orderKeys = []geo.Metric{geo.MetricKilled, geo.MetricOperations, geo.MetricMilitary, geo.MetricCivilians}

func headline(r *geo.Report, m geo.Metric) (int, bool) {
	best, ok := 0, false
	for _, c := range r.Claims {
		if c.Scope == geo.ReportScopeTotal && c.Metric == m && (!ok || c.Value > best) {
			best, ok = c.Value, true
		}
	}
	return best, ok
}

// before reports whether a's running totals put it before b, and whether
// they can tell.
func before(a, b *geo.Report) (less, known bool) {
	for _, m := range orderKeys {
		va, oka := headline(a, m)
		vb, okb := headline(b, m)
		if oka && okb && va != vb {
			return va < vb, true
		}
	}
	return false, false
}

// Order places reports of one series in time: dated reports by their day,
// undated ones where their headline totals fit among the dated ones (a
// running total only grows), with a day interpolated between their
// neighbours. Ties keep id order.
func Order(reports []geo.Report) []Snapshot {
	var dated, undated []*geo.Report
	for i := range reports {
		r := &reports[i]
		if r.AsOf().IsZero() {
			undated = append(undated, r)
		} else {
			dated = append(dated, r)
		}
	}
	sort.SliceStable(dated, func(i, j int) bool {
		a, b := dated[i].AsOf(), dated[j].AsOf()
		if !a.Equal(b) {
			return a.Before(b)
		}
		return dated[i].ID < dated[j].ID
	})
	// Each undated report, in id order, goes before the first report of
	// the list so far whose totals are above its own, and at the end when
	// there is none.
	merged := append([]*geo.Report(nil), dated...)
	for _, u := range undated {
		at := len(merged)
		for i, e := range merged {
			if less, known := before(u, e); known && less {
				at = i
				break
			}
		}
		merged = append(merged[:at], append([]*geo.Report{u}, merged[at:]...)...)
	}
	// Undated runs get days evenly spaced between their dated neighbours
	// (the period start before the first, the last day known after the
	// last).
	out := make([]Snapshot, 0, len(merged))
	prev := time.Time{}
	for i := 0; i < len(merged); {
		r := merged[i]
		if d := r.AsOf(); !d.IsZero() {
			src := "published"
			if r.PublishedEstimated || r.PublishedOn.IsZero() {
				src = "estimated"
			}
			out = append(out, Snapshot{Report: r, Date: d, DateSource: src})
			prev = d
			i++
			continue
		}
		j := i
		for j < len(merged) && merged[j].AsOf().IsZero() {
			j++
		}
		lo := prev
		if lo.IsZero() {
			lo = r.PeriodStart
		}
		hi := lo
		if j < len(merged) {
			hi = merged[j].AsOf()
		}
		n := j - i
		for k := 0; k < n; k++ {
			frac := float64(k+1) / float64(n+1)
			days := int(hi.Sub(lo).Hours() / 24 * frac)
			out = append(out, Snapshot{Report: merged[i+k], Date: lo.AddDate(0, 0, days), DateSource: "interpolated"})
		}
		i = j
	}
	return out
}

// Point is one snapshot's figure in a series line.
type Point struct {
	ReportID   int64     `json:"report_id"`
	Date       time.Time `json:"-"`
	DateSource string    `json:"date_source"`
	// Published is the figure as published (the largest when stated
	// twice); nil when this snapshot does not state it.
	Published *int `json:"published"`
	// Cumulative is the running total as it can be known at this point:
	// the highest figure published so far (a running total cannot go
	// down); nil before the first published figure.
	Cumulative *int `json:"cumulative"`
	// Drop is true when Published is below an earlier snapshot's figure.
	Drop bool `json:"drop"`
}

// Line is the series of one scope.
type Line struct {
	Scope  string  `json:"scope"`
	Points []Point `json:"points"`
}

// Series is the cumulative figures of one metric over a publisher's
// snapshots of one period, one line for the total and one per region.
type Series struct {
	Metric    geo.Metric `json:"metric"`
	Snapshots []Snapshot `json:"-"`
	Lines     []Line     `json:"lines"`
}

// BuildSeries orders reports (one publisher, one period) and draws the line
// of metric m for the total and every region any of them states it for.
func BuildSeries(reports []geo.Report, m geo.Metric) Series {
	snaps := Order(reports)
	scopes := map[string]bool{}
	for _, s := range snaps {
		for _, c := range s.Report.Claims {
			if c.Metric == m {
				scopes[c.Scope] = true
			}
		}
	}
	var names []string
	for sc := range scopes {
		if sc != geo.ReportScopeTotal {
			names = append(names, sc)
		}
	}
	sort.Strings(names)
	if scopes[geo.ReportScopeTotal] {
		names = append([]string{geo.ReportScopeTotal}, names...)
	}
	ser := Series{Metric: m, Snapshots: snaps}
	for _, sc := range names {
		line := Line{Scope: sc}
		var high *int
		for _, s := range snaps {
			p := Point{ReportID: s.Report.ID, Date: s.Date, DateSource: s.DateSource}
			if v, ok := largest(s.Report, sc, m); ok {
				p.Published = &v
				if high != nil && v < *high {
					p.Drop = true
				} else {
					high = &v
				}
			}
			if high != nil {
				h := *high
				p.Cumulative = &h
			}
			line.Points = append(line.Points, p)
		}
		ser.Lines = append(ser.Lines, line)
	}
	return ser
}

func largest(r *geo.Report, scope string, m geo.Metric) (int, bool) {
	best, ok := 0, false
	for _, c := range r.Claims {
		if c.Scope == scope && c.Metric == m && (!ok || c.Value > best) {
			best, ok = c.Value, true
		}
	}
	return best, ok
}

// CheckSeries finds every figure of every metric that falls below an
// earlier snapshot's figure in a publisher's series of one period. reports
// must share publisher and period start; the finding is on the later
// report.
func CheckSeries(reports []geo.Report) []Finding {
	var out []Finding
	for _, m := range geo.Metrics {
		ser := BuildSeries(reports, m)
		byID := map[int64]Snapshot{}
		for _, s := range ser.Snapshots {
			byID[s.Report.ID] = s
		}
		for _, line := range ser.Lines {
			var highID int64
			var high int
			for _, p := range line.Points {
				if p.Published == nil {
					continue
				}
				if p.Drop {
					earlier, later := byID[highID], byID[p.ReportID]
					out = append(out, Finding{Rule: RuleSeriesDecrease, ReportID: p.ReportID, Scope: line.Scope, Metric: m,
						Message: fmt.Sprintf("%s %s is %d here (as of %s, %s), below the %d of an earlier snapshot (report %d, as of %s, %s)",
							line.Scope, m, *p.Published, later.Date.Format(geo.DateLayout), later.DateSource,
							high, highID, earlier.Date.Format(geo.DateLayout), earlier.DateSource),
						Figures: []Figure{{Label: "this snapshot", Value: *p.Published, Scope: line.Scope, Metric: m, ReportID: p.ReportID},
							{Label: "earlier snapshot", Value: high, Scope: line.Scope, Metric: m, ReportID: highID}}})
					continue
				}
				high, highID = *p.Published, p.ReportID
			}
		}
	}
	return out
}
