package geo

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// ReportStore is what a Store that also holds published reports offers. It
// is separate from Store so a store can do without it; web and the importer
// find it with a type assertion.
type ReportStore interface {
	// UpsertReports validates every report (ValidateReport against the
	// store's Badia regions) and stores all of them or none. Upserts match on
	// ExternalID: an existing report keeps its ID and has its fields and
	// claims replaced; a new one gets the next ID. With a, it appends
	// ReportsAudit of a with the write.
	UpsertReports(ctx context.Context, reports []Report, a *AuditEntry) (ReportImportResult, error)
	// Reports returns the reports f matches with their claims, ordered by
	// ID.
	Reports(ctx context.Context, f ReportFilter) ([]Report, error)
	// Report returns one report with its claims, or an error wrapping
	// ErrNotFound.
	Report(ctx context.Context, id int64) (Report, error)
}

// ReportImportResult says what a committed UpsertReports did.
type ReportImportResult struct {
	Inserted int
	Updated  int
	IDs      []int64 // the stored id of each report, in the order given
}

// ReportFilter selects reports. A zero field does not restrict.
type ReportFilter struct {
	Publisher   string    // case-insensitive exact publisher
	PeriodStart time.Time // the running total starts on this day
	// From and To keep the reports whose period [PeriodStart, AsOf]
	// overlaps [From, To] (whole days, inclusive).
	From, To time.Time
	Region   string // reports with a claim for this scope (BADIA-SY04, or "total")
}

// AsOf is the day a report's figures stand at: its period end, or else its
// publication date; zero when neither is known.
func (r *Report) AsOf() time.Time {
	if !r.PeriodEnd.IsZero() {
		return r.PeriodEnd
	}
	return r.PublishedOn
}

// Match reports whether r passes f: the reference semantics every
// ReportStore follows.
func (f *ReportFilter) Match(r *Report) bool {
	if f.Publisher != "" && !equalFold(f.Publisher, r.Publisher) {
		return false
	}
	if !f.PeriodStart.IsZero() && !r.PeriodStart.Equal(f.PeriodStart) {
		return false
	}
	if !f.To.IsZero() && r.PeriodStart.After(f.To) {
		return false
	}
	if !f.From.IsZero() {
		end := r.AsOf()
		if end.IsZero() {
			end = r.PeriodStart
		}
		if end.Before(f.From) {
			return false
		}
	}
	if f.Region != "" {
		found := false
		for _, c := range r.Claims {
			if c.Scope == f.Region {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// KnownMetric reports whether m is one of Metrics.
func KnownMetric(m Metric) bool {
	for _, k := range Metrics {
		if k == m {
			return true
		}
	}
	return false
}

// IsBadiaCode reports whether s has the form of a Badia region code,
// BadiaCodePattern.
func IsBadiaCode(s string) bool { return badiaCode.MatchString(s) }

// BadiaCodePattern is the form of a Badia region code: the Badia part of one
// of Syria's 14 governorates, BADIA-SY01 to BADIA-SY14.
const BadiaCodePattern = `^BADIA-SY(0[1-9]|1[0-4])$`

var badiaCode = regexp.MustCompile(BadiaCodePattern)

// ValidateReport returns every reason r cannot be stored as given, or nil.
// badia holds the codes of the Badia regions a claim's scope may name; a
// claim for any other region is refused. Figures that contradict each other
// are not errors: they are stored as published and flagged by the checks.
func ValidateReport(r *Report, badia map[string]bool) []error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, &ValidationError{Field: field, Reason: fmt.Sprintf(format, a...)})
	}
	if strings.TrimSpace(r.ExternalID) == "" {
		bad("external_id", "missing")
	}
	if strings.TrimSpace(r.Publisher) == "" {
		bad("publisher", "missing")
	}
	if r.PeriodStart.IsZero() {
		bad("period_start", "missing: a running total needs the day it counts from")
	}
	if !r.PeriodEnd.IsZero() && !r.PeriodStart.IsZero() && r.PeriodEnd.Before(r.PeriodStart) {
		bad("period_end", "%s is before the period start %s", r.PeriodEnd.Format(DateLayout), r.PeriodStart.Format(DateLayout))
	}
	if !r.PublishedOn.IsZero() && !r.PeriodStart.IsZero() && r.PublishedOn.Before(r.PeriodStart) {
		bad("published_on", "%s is before the period start %s", r.PublishedOn.Format(DateLayout), r.PeriodStart.Format(DateLayout))
	}
	for _, t := range []time.Time{r.PublishedOn, r.PeriodStart, r.PeriodEnd} {
		if !t.IsZero() && (t.Year() < 1900 || t.Year() > 9999) {
			bad("date", "%s is out of range", t.Format(DateLayout))
		}
	}
	for i, c := range r.Claims {
		field := fmt.Sprintf("claim %d (%s %s)", i+1, c.Scope, c.Metric)
		if !KnownMetric(c.Metric) {
			bad(field, "unknown metric %q (want one of %v)", c.Metric, Metrics)
		}
		switch {
		case c.Scope == ReportScopeTotal:
		case !IsBadiaCode(c.Scope):
			bad(field, "scope %q is neither %q nor a Badia region code like BADIA-SY04", c.Scope, ReportScopeTotal)
		case !badia[c.Scope]:
			bad(field, "unknown region %s: no Badia region with that code is loaded", c.Scope)
		}
		if c.Value < 0 {
			bad(field, "negative figure %d", c.Value)
		}
	}
	return errs
}

// ValidateReportBatch checks a batch of reports to upsert together: every
// report valid (ValidateReport) and no external id twice. The error lists
// every problem, numbered by the report's place in the batch.
func ValidateReportBatch(reports []Report, badia map[string]bool) error {
	var errs []error
	seen := map[string]bool{}
	for i := range reports {
		r := &reports[i]
		for _, e := range ValidateReport(r, badia) {
			errs = append(errs, fmt.Errorf("report %d (%s): %w", i+1, r.ExternalID, e))
		}
		if seen[r.ExternalID] {
			errs = append(errs, fmt.Errorf("report %d (%s): appears twice in one import", i+1, r.ExternalID))
		}
		seen[r.ExternalID] = true
	}
	if len(errs) > 0 {
		return fmt.Errorf("no report was stored: %w", errors.Join(errs...))
	}
	return nil
}
