package postgis

import (
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/lib/pq"
)

// filterParams is how many parameters sql/filter.sql takes: a query's own
// parameters are numbered after them ($+1 is $filterParams+1).
const filterParams = 18

// filterArgs binds f to the parameters $1-$18 of sql/filter.sql, NULL for
// each field that does not restrict ($18, the statuses kept, is never NULL:
// published only, unless f names others).
func filterArgs(f geo.IncidentFilter) []any {
	args := make([]any, filterParams, filterParams+4)
	args[0] = textArray(f.Governorates)
	args[1] = textArray(f.Regions)
	if !f.From.IsZero() {
		args[2] = firstDayFrom(f.From)
	}
	if !f.To.IsZero() {
		args[3] = lastDayUntil(f.To)
	}
	args[4] = textArray(f.EventTypes)
	args[5] = textArray(f.SubEventTypes)
	if len(f.Perpetrators) > 0 {
		ps := make([]string, len(f.Perpetrators))
		for i, p := range f.Perpetrators {
			ps[i] = containsPattern(p)
		}
		args[6] = pq.StringArray(ps)
	}
	if len(f.Victims) > 0 {
		vs := make([]string, len(f.Victims))
		for i, v := range f.Victims {
			vs[i] = string(v)
		}
		args[7] = pq.StringArray(vs)
	}
	if f.MinKilled > 0 {
		args[8] = int64(f.MinKilled)
	}
	if b := f.BBox; b != nil {
		args[9], args[10], args[11], args[12] = b.Min[0], b.Min[1], b.Max[0], b.Max[1]
	}
	if f.Text != "" {
		args[13] = containsPattern(f.Text)
	}
	args[14] = textArray(f.Sources)
	if f.MaxPrecision > 0 {
		args[15] = int64(f.MaxPrecision)
	}
	if f.Illustrative != nil {
		args[16] = *f.Illustrative
	}
	statuses := []string{string(geo.StatusPublished)}
	if f.Statuses != nil {
		statuses = make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			statuses[i] = string(st)
		}
	}
	args[17] = pq.StringArray(statuses)
	return args
}

// containsPattern is the LIKE pattern of the rows that contain s: LIKE,
// not strpos, so the trigram indexes serve it (migrations/0014).
func containsPattern(s string) string { return "%" + likeEscaper.Replace(s) + "%" }

// likeEscaper escapes LIKE's wildcards and its escape character, backslash.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func textArray(list []string) any {
	if len(list) == 0 {
		return nil
	}
	return pq.StringArray(list)
}

// firstDayFrom is the first calendar day whose UTC midnight is not before t:
// Match keeps DateStart >= From, with DateStart a UTC midnight.
func firstDayFrom(t time.Time) string {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if d.Before(t) {
		d = d.AddDate(0, 0, 1)
	}
	return d.Format(geo.DateLayout)
}

// lastDayUntil is the last calendar day whose UTC midnight is not after t.
func lastDayUntil(t time.Time) string {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Format(geo.DateLayout)
}
