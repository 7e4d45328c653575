package reportfile

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// ReadClaimsCSV reads a claims CSV: one claim a row, the rows of one report
// sharing its report_id (the report's external id). A report's own fields
// may be given on its first row only, or repeated; a row that gives another
// value is an error. An empty value is a figure the report does not state:
// the row names the report and adds no claim. Every problem of every line
// is returned (as Errors), and then no report.
func ReadClaimsCSV(r io.Reader) ([]geo.Report, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("claims CSV: no header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\xef\xbb\xbf")))] = i
	}
	for _, c := range CSVColumns {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("claims CSV: header lacks column %q (want %s)", c, strings.Join(CSVColumns, ","))
		}
	}
	var errs Errors
	var out []geo.Report
	byID := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				errs = append(errs, fmt.Errorf("line %d: %v", pe.Line, pe.Err))
				continue
			}
			return nil, err
		}
		get := func(name string) string {
			i, ok := col[name]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		bad := func(format string, a ...any) {
			errs = append(errs, fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, a...)))
		}
		id := get("report_id")
		if id == "" {
			bad("report_id is empty")
			continue
		}
		// The report's own fields, from this row.
		row := geo.Report{ExternalID: id, Publisher: get("publisher"), Title: get("title"), URL: get("url"),
			Language: get("language"), Notes: get("notes")}
		dates := []struct {
			name string
			t    *time.Time
		}{{"published_on", &row.PublishedOn}, {"period_start", &row.PeriodStart}, {"period_end", &row.PeriodEnd}}
		for _, d := range dates {
			v := get(d.name)
			if v == "" {
				continue
			}
			t, err := time.Parse(geo.DateLayout, v)
			if err != nil {
				bad("%s %q is not a date like 2024-04-21", d.name, v)
				continue
			}
			*d.t = t
		}
		for _, b := range []struct {
			name string
			v    *bool
		}{{"published_estimated", &row.PublishedEstimated}, {"regions_incomplete", &row.RegionsIncomplete}} {
			v := strings.ToLower(get(b.name))
			switch v {
			case "":
			case "true", "yes", "1":
				*b.v = true
			case "false", "no", "0":
			default:
				bad("%s %q is not true or false", b.name, v)
			}
		}
		idx, seen := byID[id]
		if !seen {
			byID[id] = len(out)
			idx = len(out)
			out = append(out, row)
		} else if problems := merge(&out[idx], &row); len(problems) > 0 {
			for _, p := range problems {
				bad("report %s: %s", id, p)
			}
		}
		// The claim, if the row states a figure.
		scope, metric, value := get("scope"), get("metric"), get("value")
		if value == "" {
			continue
		}
		if scope == "" || metric == "" {
			bad("a value needs a scope and a metric")
			continue
		}
		code := geo.ReportScopeTotal
		if !strings.EqualFold(scope, geo.ReportScopeTotal) {
			c, ok := RegionCode(scope)
			if !ok {
				bad("unknown region %q (want %q, a Badia region code like BADIA-SY04, or one of %s)", scope, geo.ReportScopeTotal, strings.Join(RegionNames(), ", "))
				continue
			}
			code = c
		}
		m := geo.Metric(strings.ToLower(metric))
		if !geo.KnownMetric(m) {
			bad("unknown metric %q (want one of %v)", metric, geo.Metrics)
			continue
		}
		n, err := strconv.Atoi(value)
		if err != nil {
			bad("value %q is not a whole number", value)
			continue
		}
		if n < 0 {
			bad("%s %s: negative figure %d", code, m, n)
			continue
		}
		out[idx].Claims = append(out[idx].Claims, geo.Claim{Scope: code, Metric: m, Value: n, Where: get("where")})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// merge fills the empty fields of r from row and names every field the two
// give different values for.
func merge(r, row *geo.Report) []string {
	var problems []string
	str := func(name string, dst *string, v string) {
		switch {
		case v == "":
		case *dst == "":
			*dst = v
		case *dst != v:
			problems = append(problems, fmt.Sprintf("%s %q differs from %q on an earlier row", name, v, *dst))
		}
	}
	str("publisher", &r.Publisher, row.Publisher)
	str("title", &r.Title, row.Title)
	str("url", &r.URL, row.URL)
	str("language", &r.Language, row.Language)
	str("notes", &r.Notes, row.Notes)
	day := func(name string, dst *time.Time, v time.Time) {
		switch {
		case v.IsZero():
		case dst.IsZero():
			*dst = v
		case !dst.Equal(v):
			problems = append(problems, fmt.Sprintf("%s %s differs from %s on an earlier row", name, v.Format(geo.DateLayout), dst.Format(geo.DateLayout)))
		}
	}
	day("published_on", &r.PublishedOn, row.PublishedOn)
	day("period_start", &r.PeriodStart, row.PeriodStart)
	day("period_end", &r.PeriodEnd, row.PeriodEnd)
	r.PublishedEstimated = r.PublishedEstimated || row.PublishedEstimated
	r.RegionsIncomplete = r.RegionsIncomplete || row.RegionsIncomplete
	return problems
}
