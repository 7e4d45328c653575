package request

import (
	"net/url"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// The parameters of the published-report endpoints.
var (
	Publisher = Param{Name: "publisher", Doc: "Publisher, case-insensitive exact.",
		Accepts: "a publisher's name, such as SOHR", Schema: strSchema(), Example: "SOHR"}
	PeriodStart = Param{Name: "period_start", Doc: "The day the report's running total starts counting.",
		Accepts: dateAccepts, Schema: dateSchema(), Example: "2024-01-01"}
	ReportFrom = Param{Name: "from", Doc: "Reports whose period (from its start to the day its figures stand at) ends on or after this day.",
		Accepts: dateAccepts, Schema: dateSchema(), Example: "2023-01-01"}
	ReportTo = Param{Name: "to", Doc: "Reports whose period starts on or before this day.",
		Accepts: dateAccepts, Schema: dateSchema(), Example: "2024-12-31"}
	ReportRegion = Param{Name: "region", Doc: "Reports with a claim for this scope.",
		Accepts: "total or a Badia region code such as BADIA-SY04", Schema: strSchema(), Example: "BADIA-SY04"}
	SeriesPublisher   = withRequired(Publisher)
	SeriesPeriodStart = withRequired(Param{Name: "period_start", Doc: "The day the running total starts counting: a series is the snapshots of one running total.",
		Accepts: dateAccepts, Schema: dateSchema(), Example: "2024-01-01"})
	Metric = Param{Name: "metric", Doc: "Which figure.", Accepts: strings.Join(metricNames(), ", "),
		Schema: map[string]any{"type": "string", "enum": metricNames(), "default": string(geo.MetricKilled)}, Example: "killed"}
)

// ReportParams filter the list of reports; SeriesParams choose a series.
var (
	ReportParams = []Param{Publisher, PeriodStart, ReportFrom, ReportTo, ReportRegion}
	SeriesParams = []Param{SeriesPublisher, SeriesPeriodStart, Metric, Format}
)

func withRequired(p Param) Param {
	p.Required = true
	return p
}

func metricNames() []string {
	out := make([]string, len(geo.Metrics))
	for i, m := range geo.Metrics {
		out[i] = string(m)
	}
	return out
}

// ReportFilter reads the report list's filter. badia are the codes of the
// Badia regions the store holds.
func ReportFilter(q url.Values, badia []string) (geo.ReportFilter, error) {
	var f geo.ReportFilter
	var err error
	if f.Publisher, err = textParam(q, Publisher); err != nil {
		return f, err
	}
	if f.PeriodStart, err = Date(q, PeriodStart); err != nil {
		return f, err
	}
	if f.From, err = Date(q, ReportFrom); err != nil {
		return f, err
	}
	if f.To, err = Date(q, ReportTo); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return f, paramErr(ReportTo.Name, f.To.Format(geo.DateLayout), "is before from", "a date on or after from")
	}
	region, err := single(q, ReportRegion.Name, ReportRegion.Accepts)
	if err != nil || region == "" {
		return f, err
	}
	if strings.EqualFold(region, geo.ReportScopeTotal) {
		f.Region = geo.ReportScopeTotal
		return f, nil
	}
	code, ok := KnownBadiaCode(region, badia)
	if !ok || len(badia) == 0 {
		return f, paramErr(ReportRegion.Name, region, "is not a Badia region code this server holds", ReportRegion.Accepts)
	}
	f.Region = code
	return f, nil
}

// Series is what a report series asks for.
type Series struct {
	Publisher   string
	PeriodStart time.Time
	Metric      geo.Metric
	Format      string // json, csv or "" (the caller may read Accept)
}

// ReportSeries reads a series request.
func ReportSeries(q url.Values) (Series, error) {
	var s Series
	var err error
	if s.Publisher, err = textParam(q, SeriesPublisher); err != nil {
		return s, err
	}
	if s.Publisher == "" {
		return s, paramErr(SeriesPublisher.Name, "", "is required", SeriesPublisher.Accepts)
	}
	if s.PeriodStart, err = Date(q, SeriesPeriodStart); err != nil {
		return s, err
	}
	if s.PeriodStart.IsZero() {
		return s, paramErr(SeriesPeriodStart.Name, "", "is required: a series is the snapshots of one running total", SeriesPeriodStart.Accepts)
	}
	m, err := choice(q, Metric, string(geo.MetricKilled), metricNames()...)
	if err != nil {
		return s, err
	}
	s.Metric = geo.Metric(m)
	s.Format, err = OutputFormat(q)
	return s, err
}
