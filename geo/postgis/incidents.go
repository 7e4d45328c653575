package postgis

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// Incident returns one incident by id, or geo.ErrNotFound.
func (s *Store) Incident(ctx context.Context, id int64) (geo.Incident, error) {
	rows, err := s.query(ctx, sqlIncidentByID, id)
	if err != nil {
		return geo.Incident{}, fmt.Errorf("read incident %d: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return geo.Incident{}, fmt.Errorf("read incident %d: %w", id, err)
		}
		return geo.Incident{}, fmt.Errorf("incident %d: %w", id, geo.ErrNotFound)
	}
	var inc geo.Incident
	if err := scanIncident(rows, &inc); err != nil {
		return geo.Incident{}, fmt.Errorf("read incident %d: %w", id, err)
	}
	return inc, rows.Close()
}

// ScanIncidents streams the incidents f matches in id order: rows are read
// from the connection one at a time as fn consumes them.
func (s *Store) ScanIncidents(ctx context.Context, f geo.IncidentFilter, page geo.Page, fn func(*geo.Incident) error) error {
	var rows *sql.Rows
	if page.Limit > 0 {
		q, args, err := bind(sqlPageIncidents, f, page.After, int64(page.Limit))
		if err != nil {
			return fmt.Errorf("scan incidents: %w", err)
		}
		// A page runs in a read-only transaction (its own, or the
		// request's snapshot), for its settings (sql/page_settings.sql).
		tx, _, release, err := s.readTx(ctx)
		if err != nil {
			return fmt.Errorf("scan incidents: %w", err)
		}
		defer release(false)
		if _, err := tx.ExecContext(ctx, sqlPageSettings); err != nil {
			return fmt.Errorf("scan incidents: %w", err)
		}
		if rows, err = tx.QueryContext(ctx, q, args...); err != nil {
			return fmt.Errorf("scan incidents: %w", err)
		}
	} else {
		q, args, err := bind(sqlScanIncidents, f, page.After)
		if err != nil {
			return fmt.Errorf("scan incidents: %w", err)
		}
		if rows, err = s.query(ctx, q, args...); err != nil {
			return fmt.Errorf("scan incidents: %w", err)
		}
	}
	defer rows.Close()
	for rows.Next() {
		inc := new(geo.Incident)
		if err := scanIncident(rows, inc); err != nil {
			return fmt.Errorf("scan incidents: %w", err)
		}
		if err := fn(inc); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scan incidents: %w", err)
	}
	return nil
}

// CountIncidents is how many incidents f matches.
func (s *Store) CountIncidents(ctx context.Context, f geo.IncidentFilter) (int, error) {
	var n int
	q, args, err := bind(sqlCountIncidents, f)
	if err != nil {
		return 0, fmt.Errorf("count incidents: %w", err)
	}
	if err := s.scanOne(ctx, []any{&n}, q, args...); err != nil {
		return 0, fmt.Errorf("count incidents: %w", err)
	}
	return n, nil
}

// sourceJSON is one element of the sources jsonb column.
type sourceJSON struct {
	Name     string `json:"name"`
	URL      string `json:"url,omitempty"`
	Date     string `json:"date,omitempty"` // YYYY-MM-DD
	Headline string `json:"headline,omitempty"`
}

func decodeSources(text string) ([]geo.Source, error) {
	var list []sourceJSON
	if err := json.Unmarshal([]byte(text), &list); err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	if len(list) == 0 {
		return nil, nil
	}
	out := make([]geo.Source, len(list))
	for i, s := range list {
		out[i] = geo.Source{Name: s.Name, URL: s.URL, Headline: s.Headline}
		if s.Date != "" {
			d, err := time.Parse(geo.DateLayout, s.Date)
			if err != nil {
				return nil, fmt.Errorf("source date %q: %w", s.Date, err)
			}
			out[i].Date = d
		}
	}
	return out, nil
}

// scanIncident reads the columns of sql/incident_columns.sql.
func scanIncident(rows *sql.Rows, inc *geo.Incident) error { return scanIncidentAnd(rows, inc) }

// versionMeta are the columns that say how a version came to be.
type versionMeta struct {
	action, author, comment string
	at                      time.Time
}

// scanVersion reads the columns of sql/version_columns.sql into inc and v.
func scanVersion(rows *sql.Rows, inc *geo.Incident, v *versionMeta) error {
	return scanVersionAnd(rows, inc, v)
}

// scanVersionAnd is scanVersion of a row with more columns after those of
// sql/version_columns.sql, read into more.
func scanVersionAnd(rows *sql.Rows, inc *geo.Incident, v *versionMeta, more ...any) error {
	err := scanIncidentAnd(rows, inc, append([]any{&v.action, &v.author, &v.at, &v.comment}, more...)...)
	v.at = v.at.UTC()
	return err
}

// scanIncidentAnd reads the columns of sql/incident_columns.sql into inc,
// and the columns after them into more.
func scanIncidentAnd(rows *sql.Rows, inc *geo.Incident, more ...any) error {
	var (
		lon, lat           float64
		low, best, high    sql.NullInt64
		sources            string
		dateStart, dateEnd time.Time
		c                  = &inc.Casualties
		status             string
	)
	dest := append([]any{&inc.ID, &inc.ExternalID, &dateStart, &dateEnd, &inc.DatePrecision, &lon, &lat, &inc.GeoPrecision,
		&inc.LocationName, &inc.SourceAdmin1, &inc.SourceAdmin2, &inc.SourceGovernorate, &inc.Governorate, &inc.Region,
		&inc.EventType, &inc.SubEventType, &inc.Perpetrator, &inc.Target}, casualtyDest(c)...)
	var basis string
	dest = append(dest, &low, &best, &high, &sources, &inc.Notes, &inc.CreatedAt, &inc.UpdatedAt,
		&basis, &inc.Illustrative, &status, &inc.Version)
	err := rows.Scan(append(dest, more...)...)
	inc.JoinBasis, inc.Status = geo.JoinBasis(basis), geo.Status(status)
	if err != nil {
		return err
	}
	inc.DateStart, inc.DateEnd = calendarDay(dateStart), calendarDay(dateEnd)
	inc.Location[0], inc.Location[1] = lon, lat
	if low.Valid || best.Valid || high.Valid {
		inc.Deaths = &geo.DeathEstimate{Low: int(low.Int64), Best: int(best.Int64), High: int(high.Int64)}
	}
	if inc.Sources, err = decodeSources(sources); err != nil {
		return err
	}
	inc.CreatedAt, inc.UpdatedAt = inc.CreatedAt.UTC(), inc.UpdatedAt.UTC()
	return nil
}

// calendarDay is the day t names as a UTC midnight, whatever zone the driver
// attached to it.
func calendarDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// casualtyDest are the scan targets of c's counts: the SQL lists the
// killed_* and other count columns in geo.CasualtyGroups order.
func casualtyDest(c *geo.Casualties) []any {
	out := make([]any, len(geo.CasualtyGroups))
	for i, g := range geo.CasualtyGroups {
		out[i] = g.Field(c)
	}
	return out
}
