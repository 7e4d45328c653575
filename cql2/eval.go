package cql2

import (
	"cmp"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// Row gives the values of one feature's properties.
type Row interface {
	// Value returns the property's value, or nil for NULL: a string, an int
	// or float of any size, a bool, a time.Time (for a date, its calendar
	// date in its own location counts), or an orb.Point.
	Value(name string) any
}

// Values is a Row held in a map; a missing name is NULL.
type Values map[string]any

// Value implements Row.
func (v Values) Value(name string) any { return v[name] }

// truth is a value of SQL's three-valued logic.
type truth int8

const (
	tFalse truth = iota
	tUnknown
	tTrue
)

func truthOf(b bool) truth {
	if b {
		return tTrue
	}
	return tFalse
}

func (t truth) not() truth { return tTrue - t }

// Eval evaluates a filter returned by Check against a row. It returns true
// only where the filter is TRUE: FALSE and unknown (NULL) both leave the row
// out, as a SQL WHERE clause does. An error means the row holds a value of a
// type its queryable does not have.
func Eval(e Expr, row Row) (bool, error) {
	t, err := evalTruth(e, row)
	return t == tTrue, err
}

// value is a scalar during evaluation; null marks SQL NULL.
type value struct {
	k    kind
	null bool
	s    string
	n    float64
	b    bool
	g    orb.Geometry
	iv   span // a date, timestamp or interval as a closed span
}

// span is a closed temporal extent [lo, hi] in days (date granularity) or
// microseconds (timestamps); an open end is math.MinInt64 or math.MaxInt64.
type span struct {
	lo, hi int64
	days   bool
}

const microsPerDay = 86400 * 1000000

// micros converts a day-granular span to microseconds: a day runs from its
// first to its last microsecond.
func (s span) micros() span {
	if !s.days {
		return s
	}
	out := span{lo: s.lo, hi: s.hi}
	if s.lo != math.MinInt64 && s.lo != math.MaxInt64 {
		out.lo = s.lo * microsPerDay
	}
	if s.hi != math.MinInt64 && s.hi != math.MaxInt64 {
		out.hi = (s.hi+1)*microsPerDay - 1
	}
	return out
}

func dayNumber(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// combine folds the truths of args with min (AND) or max (OR).
func combine(args []Expr, row Row, start truth, fold func(a, b truth) truth) (truth, error) {
	out := start
	for _, a := range args {
		t, err := evalTruth(a, row)
		if err != nil {
			return 0, err
		}
		out = fold(out, t)
	}
	return out, nil
}

// pair evaluates the two operands of a predicate, left to right.
func pair(row Row, left, right Expr) (value, value, error) {
	l, err := evalValue(left, row)
	if err != nil {
		return value{}, value{}, err
	}
	r, err := evalValue(right, row)
	return l, r, err
}

func evalTruth(e Expr, row Row) (truth, error) {
	switch n := e.(type) {
	case *And:
		return combine(n.Args, row, tTrue, func(a, b truth) truth { return min(a, b) })
	case *Or:
		return combine(n.Args, row, tFalse, func(a, b truth) truth { return max(a, b) })
	case *Not:
		t, err := evalTruth(n.Arg, row)
		return t.not(), err
	case *Compare:
		l, r, err := pair(row, n.Left, n.Right)
		return compare(n.Op, l, r), err
	case *Between:
		x, lo, err := pair(row, n.Expr, n.Low)
		if err != nil {
			return 0, err
		}
		hi, err := evalValue(n.High, row)
		return min(compare(Ge, x, lo), compare(Le, x, hi)), err
	case *In:
		x, err := evalValue(n.Expr, row)
		out := tFalse
		for _, item := range n.List {
			if err != nil {
				return 0, err
			}
			var v value
			v, err = evalValue(item, row)
			out = max(out, compare(Eq, x, v))
		}
		return out, err
	case *Like:
		x, pat, err := pair(row, n.Expr, n.Pattern)
		if err != nil || x.null || pat.null {
			return tUnknown, err
		}
		return truthOf(like(x.s, pat.s)), nil
	case *IsNull:
		x, err := evalValue(n.Expr, row)
		return truthOf(x.null), err
	case *Spatial:
		l, r, err := pair(row, n.Left, n.Right)
		if err != nil || l.null || r.null {
			return tUnknown, err
		}
		if p, ok := l.g.(orb.Point); ok {
			return truthOf(relatePoint(n.Op, p, r.g)), nil
		}
		if p, ok := r.g.(orb.Point); ok {
			return truthOf(relatePoint(converse(n.Op), p, l.g)), nil
		}
		return 0, fmt.Errorf("cql2: %s needs a point on one side (was the filter checked?)", n.Op)
	case *Temporal:
		l, r, err := pair(row, n.Left, n.Right)
		if err != nil || l.null || r.null {
			return tUnknown, err
		}
		return truthOf(allen(n.Op, l.iv, r.iv)), nil
	}
	// A boolean-valued scalar: a boolean property or literal.
	v, err := evalValue(e, row)
	if err != nil || v.null {
		return tUnknown, err
	}
	return truthOf(v.b), nil
}

// compare applies a comparison to two values of one type; NULL makes it unknown.
func compare(op CompareOp, l, r value) truth {
	if l.null || r.null {
		return tUnknown
	}
	var c int
	switch l.k {
	case kDate, kTimestamp:
		a, b := l.iv, r.iv
		if !a.days || !b.days {
			a, b = a.micros(), b.micros()
		}
		c = cmp.Compare(a.lo, b.lo)
	case kString:
		c = strings.Compare(l.s, r.s)
	case kNumber:
		c = cmp.Compare(l.n, r.n)
	case kBool:
		if l.b != r.b {
			c = 1
		}
	default:
		return tUnknown
	}
	switch op {
	case Eq:
		return truthOf(c == 0)
	case Ne:
		return truthOf(c != 0)
	case Lt:
		return truthOf(c < 0)
	case Gt:
		return truthOf(c > 0)
	case Le:
		return truthOf(c <= 0)
	}
	return truthOf(c >= 0)
}

// like matches s against a LIKE pattern rune by rune. On a mismatch after a
// %, it retries one character further along: O(len(s)*len(pattern)) at worst.
func like(s, pattern string) bool {
	type tok struct {
		r   rune
		any bool // %
		one bool // _
	}
	var pat []tok
	esc := false
	for _, r := range pattern {
		switch {
		case esc:
			pat = append(pat, tok{r: r})
			esc = false
		case r == '\\':
			esc = true
		case r == '%':
			pat = append(pat, tok{any: true})
		case r == '_':
			pat = append(pat, tok{one: true})
		default:
			pat = append(pat, tok{r: r})
		}
	}
	str := []rune(s)
	si, pi := 0, 0
	starP, starS := -1, 0
	for si < len(str) {
		switch {
		case pi < len(pat) && pat[pi].any:
			starP, starS = pi, si
			pi++
		case pi < len(pat) && (pat[pi].one || pat[pi].r == str[si]):
			si++
			pi++
		case starP >= 0:
			starS++
			si, pi = starS, starP+1
		default:
			return false
		}
	}
	for pi < len(pat) && pat[pi].any {
		pi++
	}
	return pi == len(pat)
}

// allen applies a temporal function to two closed spans (see the package doc).
func allen(op TemporalOp, a, b span) bool {
	if !a.days || !b.days {
		a, b = a.micros(), b.micros()
	}
	s1, e1, s2, e2 := a.lo, a.hi, b.lo, b.hi
	switch op {
	case TBefore:
		return e1 < s2
	case TAfter:
		return s1 > e2
	case TDisjoint:
		return e1 < s2 || s1 > e2
	case TIntersects:
		return s1 <= e2 && s2 <= e1
	case TEquals:
		return s1 == s2 && e1 == e2
	case TMeets:
		return e1 == s2
	case TMetBy:
		return s1 == e2
	case TOverlaps:
		return s1 < s2 && s2 < e1 && e1 < e2
	case TOverlappedBy:
		return s2 < s1 && s1 < e2 && e2 < e1
	case TStarts:
		return s1 == s2 && e1 < e2
	case TStartedBy:
		return s1 == s2 && e2 < e1
	case TDuring:
		return s2 < s1 && e1 < e2
	case TContains:
		return s1 < s2 && e2 < e1
	case TFinishes:
		return s2 < s1 && e1 == e2
	case TFinishedBy:
		return s1 < s2 && e1 == e2
	}
	return false
}

func evalValue(e Expr, row Row) (value, error) {
	switch n := e.(type) {
	case *Property:
		return rowValue(n, row)
	case *String:
		return value{k: kString, s: n.Value}, nil
	case *Number:
		return value{k: kNumber, n: n.Value}, nil
	case *Bool:
		return value{k: kBool, b: n.Value}, nil
	case *Date:
		d := dayNumber(n.Value)
		return value{k: kDate, iv: span{lo: d, hi: d, days: true}}, nil
	case *Timestamp:
		t := n.Value.UnixMicro()
		return value{k: kTimestamp, iv: span{lo: t, hi: t}}, nil
	case *Interval:
		return evalInterval(n, row)
	case *Geometry:
		return value{k: kGeometry, g: n.Geom}, nil
	case *BBox:
		return value{k: kGeometry, g: n.Bound}, nil
	case *CaseI:
		v, err := evalValue(n.Expr, row)
		v.s = strings.ToLower(v.s)
		return v, err
	case *Arith:
		return evalArith(n, row)
	case *OpenEnd:
		return value{}, fmt.Errorf("cql2: '..' outside an interval")
	}
	// A predicate used as a boolean value.
	t, err := evalTruth(e, row)
	if t == tUnknown {
		return value{null: true}, err
	}
	return value{k: kBool, b: t == tTrue}, err
}

func evalInterval(n *Interval, row Row) (value, error) {
	out := span{days: true}
	for i, end := range []Expr{n.Start, n.End} {
		var v int64
		switch end.(type) {
		case *OpenEnd:
			v = math.MinInt64
			if i == 1 {
				v = math.MaxInt64
			}
		default:
			x, err := evalValue(end, row)
			if err != nil || x.null {
				return value{null: true}, err
			}
			v = x.iv.lo
			out.days = out.days && x.iv.days
		}
		if i == 0 {
			out.lo = v
		} else {
			out.hi = v
		}
	}
	return value{k: kInterval, iv: out}, nil
}

func evalArith(n *Arith, row Row) (value, error) {
	l, err := evalValue(n.Left, row)
	if err != nil || l.null {
		return value{null: true}, err
	}
	r, err := evalValue(n.Right, row)
	if err != nil || r.null {
		return value{null: true}, err
	}
	a, b := l.n, r.n
	var v float64
	switch n.Op {
	case Add:
		v = a + b
	case Sub:
		v = a - b
	case Mul:
		v = a * b
	case Div:
		v = a / b
	case IntDiv:
		v = math.Trunc(a / b)
	case Mod:
		v = math.Mod(a, b)
	case Pow:
		v = math.Pow(a, b)
	}
	// Division by zero, overflow and powers without a real result are NULL.
	if b == 0 && (n.Op == Div || n.Op == IntDiv || n.Op == Mod) || math.IsNaN(v) || math.IsInf(v, 0) {
		return value{null: true}, nil
	}
	return value{k: kNumber, n: v}, nil
}

func rowValue(p *Property, row Row) (value, error) {
	raw := row.Value(p.Name)
	if raw == nil {
		return value{null: true}, nil
	}
	bad := func() (value, error) {
		return value{}, fmt.Errorf("cql2: property %s holds a %T, but its type is %s", p.Name, raw, p.Type)
	}
	switch p.Type {
	case TypeString:
		s, ok := raw.(string)
		if !ok || !utf8.ValidString(s) {
			return bad()
		}
		return value{k: kString, s: s}, nil
	case TypeInteger, TypeNumber:
		f, ok := toFloat(raw)
		if !ok {
			return bad()
		}
		return value{k: kNumber, n: f}, nil
	case TypeBoolean:
		b, ok := raw.(bool)
		if !ok {
			return bad()
		}
		return value{k: kBool, b: b}, nil
	case TypeDate:
		t, ok := raw.(time.Time)
		if !ok {
			return bad()
		}
		d := dayNumber(t)
		return value{k: kDate, iv: span{lo: d, hi: d, days: true}}, nil
	case TypeTimestamp:
		t, ok := raw.(time.Time)
		if !ok {
			return bad()
		}
		m := t.UnixMicro()
		return value{k: kTimestamp, iv: span{lo: m, hi: m}}, nil
	case TypeGeometry:
		pt, ok := raw.(orb.Point)
		if !ok {
			return bad()
		}
		return value{k: kGeometry, g: pt}, nil
	}
	return value{}, fmt.Errorf("cql2: property %s has type %q; evaluate a checked filter", p.Name, p.Type)
}

// toFloat takes a number of any Go numeric kind.
func toFloat(v any) (float64, bool) {
	r := reflect.ValueOf(v)
	switch {
	case r.CanInt():
		return float64(r.Int()), true
	case r.CanUint():
		return float64(r.Uint()), true
	case r.CanFloat():
		return r.Float(), !math.IsNaN(r.Float())
	}
	return 0, false
}
