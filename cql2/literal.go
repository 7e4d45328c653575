package cql2

import (
	"math"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

const (
	dateLayout      = "2006-01-02"
	timestampLayout = "2006-01-02T15:04:05.999999999Z"
)

func parseDate(s string, pos Pos) (*Date, *Error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil || len(s) != len(dateLayout) || t.Year() < 1 {
		return nil, errorf(pos, "%q is not a date", s).hint("write a date as YYYY-MM-DD, as in '2024-01-31'")
	}
	return &Date{Pos: pos, Value: t}, nil
}

func parseTimestamp(s string, pos Pos) (*Timestamp, *Error) {
	bad := errorf(pos, "%q is not a timestamp", s).hint("write a timestamp in UTC as YYYY-MM-DDTHH:MM:SSZ, as in '2024-01-31T10:00:00Z'")
	if len(s) < 20 || s[10] != 'T' || !strings.HasSuffix(s, "Z") {
		return nil, bad
	}
	if frac := s[19 : len(s)-1]; frac != "" {
		if frac[0] != '.' || len(frac) == 1 || strings.Trim(frac[1:], "0123456789") != "" {
			return nil, bad
		}
		if len(frac) > 7 {
			return nil, errorf(pos, "timestamp %q is more precise than a microsecond", s).hint("give at most six digits after the seconds")
		}
	}
	t, err := time.Parse(timestampLayout, s)
	if err != nil || t.Year() < 1 {
		return nil, bad
	}
	return &Timestamp{Pos: pos, Value: t}, nil
}

// intervalEnd turns the string form of an interval end into its node.
func intervalEnd(s string, pos Pos) (Expr, *Error) {
	switch {
	case s == "..":
		return &OpenEnd{Pos: pos}, nil
	case len(s) == len(dateLayout):
		d, err := parseDate(s, pos)
		if err != nil {
			return nil, err
		}
		return d, nil
	default:
		t, err := parseTimestamp(s, pos)
		if err != nil && !strings.Contains(err.Msg, "precise") {
			return nil, errorf(pos, "interval end %q is neither a date, a timestamp nor '..'", s).
				hint("write '2024-01-31', '2024-01-31T10:00:00Z' or '..' for an open end")
		}
		if err != nil {
			return nil, err
		}
		return t, nil
	}
}

// newInterval checks what can be checked without queryables: both literal
// ends have one granularity and the start is not after the end.
func newInterval(pos Pos, start, end Expr) (*Interval, *Error) {
	switch s := start.(type) {
	case *Date:
		switch e := end.(type) {
		case *Timestamp:
			return nil, errorf(e.Pos, "interval mixes a date and a timestamp").hint("give both ends as dates or both as timestamps")
		case *Date:
			if s.Value.After(e.Value) {
				return nil, errorf(pos, "interval starts (%s) after it ends (%s)", s.Value.Format(dateLayout), e.Value.Format(dateLayout))
			}
		}
	case *Timestamp:
		switch e := end.(type) {
		case *Date:
			return nil, errorf(e.Pos, "interval mixes a timestamp and a date").hint("give both ends as dates or both as timestamps")
		case *Timestamp:
			if s.Value.After(e.Value) {
				return nil, errorf(pos, "interval starts (%s) after it ends (%s)", formatTimestamp(s.Value), formatTimestamp(e.Value))
			}
		}
	}
	return &Interval{Pos: pos, Start: start, End: end}, nil
}

func formatTimestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999999Z")
}

// geomBudget counts vertices across all geometry literals of one filter.
type geomBudget struct{ vertices int }

func (b *geomBudget) point(p orb.Point, pos Pos) *Error {
	b.vertices++
	if b.vertices > MaxVertices {
		return errorf(pos, "geometries have more than %d coordinates in all", MaxVertices).hint("simplify the geometry")
	}
	for i, v := range p {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errorf(pos, "coordinate is not a finite number")
		}
		if lim := [2]float64{180, 90}[i]; v < -lim || v > lim {
			return errorf(pos, "coordinate %g %g is outside lon/lat (CRS84) range", p[0], p[1]).hint("give longitude (-180..180) first, then latitude (-90..90)")
		}
	}
	return nil
}

// checkLine and checkRing reject lines and rings no store evaluates the same.
func checkLine(ls orb.LineString, pos Pos) *Error {
	if len(ls) < 2 {
		return errorf(pos, "a line string needs at least two points")
	}
	for _, p := range ls[1:] {
		if p != ls[0] {
			return nil
		}
	}
	return errorf(pos, "a line string needs two distinct points")
}

func checkRing(r orb.Ring, pos Pos) *Error {
	if len(r) < 4 {
		return errorf(pos, "a polygon ring needs at least four points (the last repeating the first)")
	}
	if r[0] != r[len(r)-1] {
		return errorf(pos, "polygon ring is not closed").hint("repeat the first point at the end")
	}
	return nil
}

func checkBBox(b orb.Bound, pos Pos) *Error {
	if b.Min[0] >= b.Max[0] || b.Min[1] >= b.Max[1] {
		return errorf(pos, "bbox %g,%g,%g,%g is empty or crosses the antimeridian", b.Min[0], b.Min[1], b.Max[0], b.Max[1]).
			hint("give minlon,minlat,maxlon,maxlat with min < max")
	}
	return nil
}
