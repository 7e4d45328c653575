package reportcheck

import (
	"context"
	"fmt"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// Row is one claim next to the figure the incidents give for its scope and
// metric over the report's period.
type Row struct {
	Scope    string     `json:"scope"`
	Metric   geo.Metric `json:"metric"`
	Where    string     `json:"where"`
	Claimed  int        `json:"claimed"`
	Computed int        `json:"computed"`
	// Difference is Claimed - Computed: positive when the report counts
	// more than the incidents hold.
	Difference int  `json:"difference"`
	Match      bool `json:"match"`
}

// Reconciliation is a report's claims against the incident data.
type Reconciliation struct {
	ReportID int64 `json:"report_id"`
	// From and To are the days the incidents were counted over: the
	// report's period (To is zero, open, when the report has no date).
	From time.Time `json:"-"`
	To   time.Time `json:"-"`
	Rows []Row     `json:"rows"`
}

// Computed is what incidents totalling t give for metric m: a metric other
// than operations and killed is the casualty group of its name.
func Computed(t geo.Totals, m geo.Metric) (int, error) {
	switch m {
	case geo.MetricOperations:
		return t.Operations, nil
	case geo.MetricKilled:
		return t.Killed, nil
	}
	if g, ok := geo.CasualtyGroupNamed(string(m)); ok && geo.KnownMetric(m) {
		return g.Of(t.Casualties), nil
	}
	return 0, fmt.Errorf("unknown metric %q", m)
}

// Reconcile counts the incidents of r's period per Badia region with
// store.Stats (ByRegion) and sets each claim beside its figure: a region's
// own totals for a regional claim, the sum over every Badia region for the
// total scope.
func Reconcile(ctx context.Context, store geo.Store, r *geo.Report) (Reconciliation, error) {
	rec := Reconciliation{ReportID: r.ID, From: r.PeriodStart, To: r.AsOf(), Rows: []Row{}}
	f := geo.IncidentFilter{From: rec.From, To: rec.To}
	groups, err := store.Stats(ctx, f, geo.ByRegion)
	if err != nil {
		return rec, err
	}
	byRegion := map[string]geo.Totals{}
	var all geo.Totals
	for _, g := range groups {
		byRegion[g.Key] = g.Totals
		all.Operations += g.Operations
		all.Killed += g.Killed
		all.Casualties = all.Casualties.Add(g.Casualties)
	}
	for _, c := range r.Claims {
		t := byRegion[c.Scope]
		if c.Scope == geo.ReportScopeTotal {
			t = all
		}
		v, err := Computed(t, c.Metric)
		if err != nil {
			return rec, err
		}
		rec.Rows = append(rec.Rows, Row{Scope: c.Scope, Metric: c.Metric, Where: c.Where, Claimed: c.Value,
			Computed: v, Difference: c.Value - v, Match: c.Value == v})
	}
	return rec, nil
}
