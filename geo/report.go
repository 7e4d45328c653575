package geo

import "time"

// Report is a published document of running totals (a SOHR snapshot, say):
// its own kind of record, separate from incidents, holding its figures
// exactly as published even where they contradict each other.
type Report struct {
	ID          int64
	ExternalID  string // stable key for upserts, e.g. "sohr:2024-04-21-badia"
	Publisher   string
	Title       string
	URL         string
	Language    string    // BCP 47: ar, en
	PublishedOn time.Time // zero when unknown
	// PublishedEstimated is true when PublishedOn is inferred (from the
	// figures or another outlet), not printed on the report.
	PublishedEstimated bool
	PeriodStart        time.Time // the running total counts from here
	PeriodEnd          time.Time // to here (often the publication date)
	// RegionsIncomplete is true when the regional lines are known to be cut
	// short (only an excerpt was read), so their sums prove nothing.
	RegionsIncomplete bool
	Notes             string
	Claims            []Claim
}

// ReportScopeTotal is the scope of a report's headline figures.
const ReportScopeTotal = "total"

// Metric names what a claim counts.
type Metric string

const (
	MetricOperations       Metric = "operations"
	MetricKilled           Metric = "killed"
	MetricMilitary         Metric = "military"
	MetricMilitia          Metric = "militia" // of which Iran-backed militia
	MetricISIS             Metric = "isis"
	MetricOtherArmed       Metric = "other_armed" // other combatants listed apart (an NDF member, say)
	MetricCivilians        Metric = "civilians"
	MetricTruffleGatherers Metric = "truffle_gatherers" // of which truffle gatherers
	MetricChildren         Metric = "children"
	MetricWomen            Metric = "women"
)

// Metrics lists every metric a claim may have.
var Metrics = []Metric{MetricOperations, MetricKilled, MetricMilitary, MetricMilitia, MetricISIS,
	MetricOtherArmed, MetricCivilians, MetricTruffleGatherers, MetricChildren, MetricWomen}

// Claim is one figure a report states: scope x metric = value. A figure the
// report does not state has no claim. The same scope and metric may be
// claimed more than once with different values (in different paragraphs).
type Claim struct {
	Scope  string // ReportScopeTotal or a Badia region code (BADIA-SY04)
	Metric Metric
	Value  int
	Where  string // where in the report it is stated: "headline", "regional line", a quote
}
