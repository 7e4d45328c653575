package postgis

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/lib/pq"
)

var _ geo.ReportStore = (*Store)(nil)

var (
	sqlReportUpsert       = query("report_upsert")
	sqlReportClaimsDelete = query("report_claims_delete")
	sqlReportClaimsInsert = query("report_claims_insert")
	sqlReportBadiaCodes   = query("report_badia_codes")
	sqlReportsSelect      = query("reports_select")
	sqlReportClaimsSelect = query("report_claims_select")
)

// UpsertReports validates every report against the Badia regions in the
// database and stores all of them, with their claims, in one transaction.
func (s *Store) UpsertReports(ctx context.Context, reports []geo.Report, a *geo.AuditEntry) (geo.ReportImportResult, error) {
	var res geo.ReportImportResult
	tx, err := s.primary.db.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	badia, err := reportBadiaCodes(ctx, tx)
	if err != nil {
		return res, err
	}
	if err := geo.ValidateReportBatch(reports, badia); err != nil {
		return res, err
	}
	for i := range reports {
		r := &reports[i]
		var id int64
		var inserted bool
		err := tx.QueryRowContext(ctx, sqlReportUpsert, r.ExternalID, r.Publisher, r.Title, r.URL, r.Language,
			reportNullDay(r.PublishedOn), r.PublishedEstimated, r.PeriodStart, reportNullDay(r.PeriodEnd), r.RegionsIncomplete, r.Notes,
		).Scan(&id, &inserted)
		if err != nil {
			return geo.ReportImportResult{}, fmt.Errorf("report %s: %w", r.ExternalID, err)
		}
		if _, err := tx.ExecContext(ctx, sqlReportClaimsDelete, id); err != nil {
			return geo.ReportImportResult{}, err
		}
		n := len(r.Claims)
		ords, values := make([]int64, n), make([]int64, n)
		scopes, metrics, wheres := make([]string, n), make([]string, n), make([]string, n)
		for j, c := range r.Claims {
			ords[j], scopes[j], metrics[j], values[j], wheres[j] = int64(j+1), c.Scope, string(c.Metric), int64(c.Value), c.Where
		}
		if n > 0 {
			if _, err := tx.ExecContext(ctx, sqlReportClaimsInsert, id, pq.Array(ords), pq.Array(scopes),
				pq.Array(metrics), pq.Array(values), pq.Array(wheres)); err != nil {
				return geo.ReportImportResult{}, fmt.Errorf("report %s claims: %w", r.ExternalID, err)
			}
		}
		if inserted {
			res.Inserted++
		} else {
			res.Updated++
		}
		res.IDs = append(res.IDs, id)
	}
	if err := auditWrite(ctx, tx, a, func(a geo.AuditEntry) (geo.AuditEntry, error) { return geo.ReportsAudit(a, res) }); err != nil {
		return geo.ReportImportResult{}, err
	}
	if err := tx.Commit(); err != nil {
		return geo.ReportImportResult{}, err
	}
	return res, nil
}

func reportBadiaCodes(ctx context.Context, tx *sql.Tx) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, sqlReportBadiaCodes)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return nil, err
		}
		out[code] = true
	}
	return out, rows.Err()
}

func reportNullDay(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(geo.DateLayout)
}

func reportDayArg(t time.Time) any { return reportNullDay(t) }

// Reports returns the reports f matches, by id, with their claims.
func (s *Store) Reports(ctx context.Context, f geo.ReportFilter) ([]geo.Report, error) {
	return s.selectReports(ctx, f, nil)
}

// Report returns the report with id, or an error wrapping geo.ErrNotFound.
func (s *Store) Report(ctx context.Context, id int64) (geo.Report, error) {
	reps, err := s.selectReports(ctx, geo.ReportFilter{}, &id)
	if err != nil {
		return geo.Report{}, err
	}
	if len(reps) == 0 {
		return geo.Report{}, fmt.Errorf("report %d: %w", id, geo.ErrNotFound)
	}
	return reps[0], nil
}

func (s *Store) selectReports(ctx context.Context, f geo.ReportFilter, id *int64) ([]geo.Report, error) {
	ctx, end := s.oneSnapshot(ctx) // the reports and their claims
	defer end()
	var idArg any
	if id != nil {
		idArg = *id
	}
	rows, err := s.query(ctx, sqlReportsSelect, f.Publisher, reportDayArg(f.PeriodStart), reportDayArg(f.From), reportDayArg(f.To), f.Region, idArg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []geo.Report{}
	at := map[int64]int{}
	var ids []int64
	for rows.Next() {
		var r geo.Report
		var pub, end sql.NullTime
		if err := rows.Scan(&r.ID, &r.ExternalID, &r.Publisher, &r.Title, &r.URL, &r.Language, &pub, &r.PublishedEstimated,
			&r.PeriodStart, &end, &r.RegionsIncomplete, &r.Notes); err != nil {
			return nil, err
		}
		r.PeriodStart = reportUTCDay(r.PeriodStart)
		if pub.Valid {
			r.PublishedOn = reportUTCDay(pub.Time)
		}
		if end.Valid {
			r.PeriodEnd = reportUTCDay(end.Time)
		}
		at[r.ID] = len(out)
		ids = append(ids, r.ID)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return out, nil
	}
	crows, err := s.query(ctx, sqlReportClaimsSelect, pq.Array(ids))
	if err != nil {
		return nil, err
	}
	defer crows.Close()
	for crows.Next() {
		var rid int64
		var c geo.Claim
		var m string
		if err := crows.Scan(&rid, &c.Scope, &m, &c.Value, &c.Where); err != nil {
			return nil, err
		}
		c.Metric = geo.Metric(m)
		out[at[rid]].Claims = append(out[at[rid]].Claims, c)
	}
	return out, crows.Err()
}

// utcDay is the calendar day of t as UTC midnight (lib/pq returns dates in
// the session's zone).
func reportUTCDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
