package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/reportcheck"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/badiamap/badiamap/request"
	"github.com/labstack/echo/v5"
)

func (s *Server) reportStore() (geo.ReportStore, error) {
	rs, ok := s.store.(geo.ReportStore)
	if !ok {
		return nil, newProblem(http.StatusNotImplemented, "This store does not hold published reports.")
	}
	return rs, nil
}

// reportJSON is a report on the wire.
type reportJSON struct {
	ID                 int64                 `json:"id"`
	ExternalID         string                `json:"external_id"`
	Publisher          string                `json:"publisher"`
	Title              string                `json:"title"`
	URL                string                `json:"url,omitempty"`
	Language           string                `json:"language"`
	PublishedOn        *string               `json:"published_on"`
	PublishedEstimated bool                  `json:"published_estimated"`
	PeriodStart        string                `json:"period_start"`
	PeriodEnd          *string               `json:"period_end"`
	RegionsIncomplete  bool                  `json:"regions_incomplete"`
	Notes              string                `json:"notes,omitempty"`
	ClaimCount         int                   `json:"claim_count"`
	Claims             []claimJSON           `json:"claims,omitempty"`
	FailedCheckCount   int                   `json:"failed_check_count"`
	FailedChecks       []reportcheck.Finding `json:"failed_checks,omitempty"`
}

type claimJSON struct {
	Scope  string     `json:"scope"`
	Metric geo.Metric `json:"metric"`
	Value  int        `json:"value"`
	Where  string     `json:"where,omitempty"`
}

func optDay(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.Format(geo.DateLayout)
	return &s
}

func toReportJSON(r *geo.Report, checks []reportcheck.Finding, withClaims bool) reportJSON {
	out := reportJSON{ID: r.ID, ExternalID: r.ExternalID, Publisher: r.Publisher, Title: r.Title, URL: r.URL,
		Language: r.Language, PublishedOn: optDay(r.PublishedOn), PublishedEstimated: r.PublishedEstimated,
		PeriodStart: r.PeriodStart.Format(geo.DateLayout), PeriodEnd: optDay(r.PeriodEnd),
		RegionsIncomplete: r.RegionsIncomplete, Notes: r.Notes, ClaimCount: len(r.Claims), FailedCheckCount: len(checks)}
	if withClaims {
		out.Claims = make([]claimJSON, len(r.Claims))
		for i, c := range r.Claims {
			out.Claims[i] = claimJSON{Scope: c.Scope, Metric: c.Metric, Value: c.Value, Where: c.Where}
		}
		out.FailedChecks = checks
		if out.FailedChecks == nil {
			out.FailedChecks = []reportcheck.Finding{}
		}
	}
	return out
}

func (s *Server) listReports(c *echo.Context) error {
	rs, err := s.reportStore()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f, err := request.ReportFilter(c.QueryParams(), geo.CodesOf(s.knownRegions(ctx), geo.KindBadia))
	if err != nil {
		return err
	}
	reports, err := rs.Reports(ctx, f)
	if err != nil {
		return s.storeError(err)
	}
	checks, err := reportcheck.Failed(ctx, rs, reports)
	if err != nil {
		return s.storeError(err)
	}
	out := make([]reportJSON, len(reports))
	for i := range reports {
		out[i] = toReportJSON(&reports[i], checks[reports[i].ID], false)
	}
	return writeJSON(c, http.StatusOK, mimeJSON, map[string]any{"reports": out, "count": len(out)})
}

func (s *Server) reportByParam(c *echo.Context) (geo.ReportStore, geo.Report, error) {
	rs, err := s.reportStore()
	if err != nil {
		return nil, geo.Report{}, err
	}
	raw := c.Param("id")
	id, perr := strconv.ParseInt(raw, 10, 64)
	if perr != nil || id < 1 {
		return nil, geo.Report{}, badRequest(fmt.Sprintf("report id %q is not a positive whole number", request.Clip(raw, 40)))
	}
	r, err := rs.Report(c.Request().Context(), id)
	if err != nil {
		return nil, geo.Report{}, s.storeError(err)
	}
	return rs, r, nil
}

func (s *Server) getReport(c *echo.Context) error {
	rs, r, err := s.reportByParam(c)
	if err != nil {
		return err
	}
	checks, err := reportcheck.Failed(c.Request().Context(), rs, []geo.Report{r})
	if err != nil {
		return s.storeError(err)
	}
	return writeJSON(c, http.StatusOK, mimeJSON, toReportJSON(&r, checks[r.ID], true))
}

func (s *Server) reportReconciliation(c *echo.Context) error {
	_, r, err := s.reportByParam(c)
	if err != nil {
		return err
	}
	rec, err := reportcheck.Reconcile(c.Request().Context(), s.store, &r)
	if err != nil {
		return s.storeError(err)
	}
	matched := 0
	for _, row := range rec.Rows {
		if row.Match {
			matched++
		}
	}
	return writeJSON(c, http.StatusOK, mimeJSON, map[string]any{
		"report_id": r.ID, "from": optDay(rec.From), "to": optDay(rec.To),
		"basis":   "incidents whose start date falls in the report's period, summed per Badia region (total: every Badia region)",
		"matched": matched, "mismatched": len(rec.Rows) - matched, "rows": rec.Rows,
	})
}

type seriesPointJSON struct {
	ReportID   int64  `json:"report_id"`
	Date       string `json:"date"`
	DateSource string `json:"date_source"`
	Published  *int   `json:"published"`
	Cumulative *int   `json:"cumulative"`
	Drop       bool   `json:"drop"`
}

type seriesSnapshotJSON struct {
	ReportID   int64  `json:"report_id"`
	Date       string `json:"date"`
	DateSource string `json:"date_source"`
	Title      string `json:"title"`
	URL        string `json:"url,omitempty"`
}

func (s *Server) reportSeries(c *echo.Context) error {
	rs, err := s.reportStore()
	if err != nil {
		return err
	}
	sq, err := request.ReportSeries(c.QueryParams())
	if err != nil {
		return err
	}
	publisher, start, m, format := sq.Publisher, sq.PeriodStart, sq.Metric, sq.Format
	if format == "" && strings.Contains(c.Request().Header.Get("Accept"), "text/csv") {
		format = "csv"
	}
	reports, err := rs.Reports(c.Request().Context(), geo.ReportFilter{Publisher: publisher, PeriodStart: start})
	if err != nil {
		return s.storeError(err)
	}
	ser := reportcheck.BuildSeries(reports, m)
	if format == "csv" {
		return writeSeriesCSV(c, publisher, start, ser)
	}
	snaps := make([]seriesSnapshotJSON, len(ser.Snapshots))
	for i, sn := range ser.Snapshots {
		snaps[i] = seriesSnapshotJSON{ReportID: sn.Report.ID, Date: sn.Date.Format(geo.DateLayout), DateSource: sn.DateSource,
			Title: sn.Report.Title, URL: sn.Report.URL}
	}
	type lineJSON struct {
		Scope  string            `json:"scope"`
		Points []seriesPointJSON `json:"points"`
	}
	lines := make([]lineJSON, len(ser.Lines))
	for i, l := range ser.Lines {
		lines[i] = lineJSON{Scope: l.Scope, Points: seriesPoints(l)}
	}
	return writeJSON(c, http.StatusOK, mimeJSON, map[string]any{
		"publisher": publisher, "period_start": start.Format(geo.DateLayout), "metric": m,
		"snapshots": snaps, "lines": lines,
	})
}

func seriesPoints(l reportcheck.Line) []seriesPointJSON {
	out := make([]seriesPointJSON, len(l.Points))
	for i, p := range l.Points {
		out[i] = seriesPointJSON{ReportID: p.ReportID, Date: p.Date.Format(geo.DateLayout), DateSource: p.DateSource,
			Published: p.Published, Cumulative: p.Cumulative, Drop: p.Drop}
	}
	return out
}

func writeSeriesCSV(c *echo.Context, publisher string, start time.Time, ser reportcheck.Series) error {
	name := "badiamap-series_" + strings.Trim(unsafeFileChars.ReplaceAllString(publisher, "-"), "-") + "_" +
		start.Format(geo.DateLayout) + "_" + string(ser.Metric) + ".csv"
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	w := csv.NewWriter(c.Response())
	w.Write([]string{"scope", "metric", "report_id", "date", "date_source", "published", "cumulative", "drop"})
	num := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	lines := append([]reportcheck.Line(nil), ser.Lines...)
	sort.SliceStable(lines, func(i, j int) bool {
		return lines[i].Scope == geo.ReportScopeTotal && lines[j].Scope != geo.ReportScopeTotal
	})
	for _, l := range lines {
		for _, p := range l.Points {
			w.Write([]string{incidentfile.EscapeFormula(l.Scope), incidentfile.EscapeFormula(string(ser.Metric)), strconv.FormatInt(p.ReportID, 10),
				p.Date.Format(geo.DateLayout), incidentfile.EscapeFormula(p.DateSource), num(p.Published), num(p.Cumulative), strconv.FormatBool(p.Drop)})
		}
	}
	w.Flush()
	return w.Error()
}
