package cql2

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/paulmach/orb"
)

// Type is the type of a queryable.
type Type string

// The queryable types.
const (
	TypeString    Type = "string"
	TypeInteger   Type = "integer"
	TypeNumber    Type = "number"
	TypeBoolean   Type = "boolean"
	TypeDate      Type = "date"
	TypeTimestamp Type = "timestamp"
	TypeGeometry  Type = "geometry" // a point
	TypeInterval  Type = "interval" // made of two date or timestamp queryables
)

// Queryable is a property a filter may use.
type Queryable struct {
	Name string
	Type Type
	// Enum lists the values of a string queryable; a filter that tests
	// equality with any other value is rejected as a mistake.
	Enum []string
	// Minimum and Maximum bound an integer or number queryable the same way.
	Minimum, Maximum *float64
	// Start and End name the date or timestamp queryables an interval
	// queryable is made of. Check replaces the interval queryable with
	// INTERVAL(Start, End).
	Start, End string
}

// kind is the type of an expression as Check infers it.
type kind int

const (
	kBool kind = iota
	kString
	kNumber
	kDate
	kTimestamp
	kGeometry
	kInterval
)

var kindNames = map[kind]string{
	kBool: "boolean", kString: "string", kNumber: "number", kDate: "date",
	kTimestamp: "timestamp", kGeometry: "geometry", kInterval: "interval",
}

type checker struct {
	byName map[string]Queryable
	names  []string
}

// Check resolves every property of e against the queryables and checks that
// every operator gets operands of the types it takes. It returns the
// expression to evaluate or compile: a copy of e in which each Property
// carries its Type and each interval queryable is replaced by INTERVAL(start,
// end) of its two properties. Errors are *Error.
func Check(e Expr, queryables []Queryable) (Expr, error) {
	c, err := newChecker(queryables)
	if err != nil {
		return nil, err
	}
	out, k, cerr := c.expr(e)
	if cerr != nil {
		return nil, cerr
	}
	if k != kBool {
		return nil, errorf(e.Position(), "a filter must be a condition, but %s", isA(out, k)).
			hint("compare it, as in %s = ...", e.String())
	}
	return out, nil
}

// CheckText parses cql2-text and checks it, and locates check errors in src.
func CheckText(src string, queryables []Queryable) (Expr, error) {
	e, err := ParseText(src)
	if err != nil {
		return nil, err
	}
	out, err := Check(e, queryables)
	if ce, ok := err.(*Error); ok {
		return nil, ce.locate(src)
	}
	return out, err
}

func newChecker(qs []Queryable) (*checker, error) {
	c := &checker{byName: map[string]Queryable{}}
	for _, q := range qs {
		if _, dup := c.byName[q.Name]; dup || q.Name == "" {
			return nil, fmt.Errorf("cql2: queryable %q is empty or listed twice", q.Name)
		}
		c.byName[q.Name] = q
		c.names = append(c.names, q.Name)
	}
	for _, q := range qs {
		switch q.Type {
		case TypeString, TypeInteger, TypeNumber, TypeBoolean, TypeDate, TypeTimestamp, TypeGeometry:
		case TypeInterval:
			s, e := c.byName[q.Start], c.byName[q.End]
			if s.Type != e.Type || (s.Type != TypeDate && s.Type != TypeTimestamp) {
				return nil, fmt.Errorf("cql2: interval queryable %q needs Start and End naming two date or two timestamp queryables", q.Name)
			}
		default:
			return nil, fmt.Errorf("cql2: queryable %q has unknown type %q", q.Name, q.Type)
		}
	}
	sort.Strings(c.names)
	return c, nil
}

// isA says what an operand is: "killed is an integer", "'x' is a string".
func isA(e Expr, k kind) string {
	t := kindNames[k]
	s := e.String()
	if p, ok := e.(*Property); ok && p.Type != "" {
		t, s = string(p.Type), quoteName(p.Name)
	}
	s = clip(s)
	if strings.IndexByte("aeiou", t[0]) >= 0 {
		return s + " is an " + t
	}
	return s + " is a " + t
}

// describe names an operand in an error: a property with its type, or a
// literal as written.
func describe(e Expr, k kind) string {
	if p, ok := e.(*Property); ok && p.Type != "" {
		return fmt.Sprintf("%s (%s)", quoteName(p.Name), p.Type)
	}
	return fmt.Sprintf("%s (%s)", clip(e.String()), kindNames[k])
}

// clip shortens an operand's text for an error message.
func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return s
}

func (c *checker) property(p *Property) (Expr, kind, *Error) {
	q, ok := c.byName[p.Name]
	if !ok {
		err := errorf(p.Pos, "unknown property '%s'", p.Name)
		if near := c.nearest(p.Name); near != "" {
			return nil, 0, err.hint("did you mean '%s'? queryables are %s", near, strings.Join(c.names, ", "))
		}
		return nil, 0, err.hint("queryables are %s", strings.Join(c.names, ", "))
	}
	out := &Property{Pos: p.Pos, Name: p.Name, Type: q.Type}
	switch q.Type {
	case TypeString:
		return out, kString, nil
	case TypeInteger, TypeNumber:
		return out, kNumber, nil
	case TypeBoolean:
		return out, kBool, nil
	case TypeDate:
		return out, kDate, nil
	case TypeTimestamp:
		return out, kTimestamp, nil
	case TypeGeometry:
		return out, kGeometry, nil
	}
	start, end := c.byName[q.Start], c.byName[q.End]
	return &Interval{Pos: p.Pos,
		Start: &Property{Pos: p.Pos, Name: start.Name, Type: start.Type},
		End:   &Property{Pos: p.Pos, Name: end.Name, Type: end.Type},
	}, kInterval, nil
}

// nearest is the queryable within two edits of name, if one is.
func (c *checker) nearest(name string) string {
	best, bestD := "", 3
	for _, n := range c.names {
		if d := editDistance(strings.ToLower(name), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 99
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func (c *checker) bools(args []Expr, what string) ([]Expr, *Error) {
	out := make([]Expr, len(args))
	for i, a := range args {
		e, k, err := c.expr(a)
		if err != nil {
			return nil, err
		}
		if k != kBool {
			return nil, errorf(a.Position(), "%s takes conditions, but %s", what, isA(e, k))
		}
		out[i] = e
	}
	return out, nil
}

func (c *checker) expr(e Expr) (Expr, kind, *Error) {
	switch n := e.(type) {
	case *And:
		args, err := c.bools(n.Args, "AND")
		return &And{Pos: n.Pos, Args: args}, kBool, err
	case *Or:
		args, err := c.bools(n.Args, "OR")
		return &Or{Pos: n.Pos, Args: args}, kBool, err
	case *Not:
		args, err := c.bools([]Expr{n.Arg}, "NOT")
		if err != nil {
			return nil, 0, err
		}
		return &Not{Pos: n.Pos, Arg: args[0]}, kBool, nil
	case *Compare:
		return c.compare(n)
	case *Like:
		return c.like(n)
	case *Between:
		return c.between(n)
	case *In:
		return c.in(n)
	case *IsNull:
		x, _, err := c.expr(n.Expr)
		return &IsNull{Pos: n.Pos, Expr: x}, kBool, err
	case *Spatial:
		return c.spatial(n)
	case *Temporal:
		return c.temporal(n)
	case *Arith:
		l, lk, r, rk, err := c.pair(n.Left, n.Right)
		if err != nil {
			return nil, 0, err
		}
		for _, o := range []struct {
			e Expr
			k kind
		}{{l, lk}, {r, rk}} {
			if o.k != kNumber {
				return nil, 0, errorf(o.e.Position(), "arithmetic takes numbers, but %s", isA(o.e, o.k))
			}
		}
		return &Arith{Pos: n.Pos, Op: n.Op, Left: l, Right: r}, kNumber, nil
	case *CaseI:
		x, k, err := c.expr(n.Expr)
		if err != nil {
			return nil, 0, err
		}
		if k != kString {
			return nil, 0, errorf(n.Pos, "CASEI takes a string, but %s", isA(x, k))
		}
		return &CaseI{Pos: n.Pos, Expr: x}, kString, nil
	case *Property:
		return c.property(n)
	case *String:
		return n, kString, nil
	case *Number:
		return n, kNumber, nil
	case *Bool:
		return n, kBool, nil
	case *Date:
		return n, kDate, nil
	case *Timestamp:
		return n, kTimestamp, nil
	case *Interval:
		return c.interval(n)
	case *OpenEnd:
		return nil, 0, errorf(n.Pos, "'..' stands only as an end of INTERVAL")
	case *Geometry:
		return n, kGeometry, nil
	case *BBox:
		return n, kGeometry, nil
	}
	return nil, 0, errorf(Pos{}, "unknown expression %T", e)
}

func (c *checker) interval(n *Interval) (Expr, kind, *Error) {
	out := &Interval{Pos: n.Pos}
	var grain kind = -1
	for i, end := range []Expr{n.Start, n.End} {
		var x Expr
		switch end := end.(type) {
		case *Property:
			px, k, err := c.property(end)
			if err != nil {
				return nil, 0, err
			}
			if k != kDate && k != kTimestamp {
				return nil, 0, errorf(end.Pos, "an interval end must be a date or a timestamp, but %s", isA(px, k))
			}
			if grain >= 0 && grain != k {
				return nil, 0, errorf(end.Pos, "interval mixes a date and a timestamp").hint("give both ends as dates or both as timestamps")
			}
			grain, x = k, px
		case *Date, *Timestamp:
			k := kDate
			if _, ok := end.(*Timestamp); ok {
				k = kTimestamp
			}
			if grain >= 0 && grain != k {
				return nil, 0, errorf(end.Position(), "interval mixes a date and a timestamp").hint("give both ends as dates or both as timestamps")
			}
			grain, x = k, end
		case *OpenEnd:
			x = end
		default:
			return nil, 0, errorf(end.Position(), "an interval end is a date, a timestamp, '..' or a property")
		}
		if i == 0 {
			out.Start = x
		} else {
			out.End = x
		}
	}
	return out, kInterval, nil
}

// enumCheck rejects an equality test of a queryable with a value it never
// holds: a value outside its Enum, or a number outside its range.
func (c *checker) enumCheck(prop, lit Expr) *Error {
	fold := false
	if ci, ok := prop.(*CaseI); ok {
		prop, fold = ci.Expr, true
	}
	if ci, ok := lit.(*CaseI); ok {
		lit, fold = ci.Expr, true
	}
	p, ok := prop.(*Property)
	if !ok {
		return nil
	}
	q := c.byName[p.Name]
	switch l := lit.(type) {
	case *String:
		if len(q.Enum) == 0 {
			return nil
		}
		for _, v := range q.Enum {
			if v == l.Value || fold && strings.ToLower(v) == strings.ToLower(l.Value) {
				return nil
			}
		}
		return errorf(l.Pos, "%s is not a value of %s", quoteString(l.Value), quoteName(p.Name)).
			hint("its values are %s", strings.Join(quoteAll(q.Enum), ", "))
	case *Number:
		if q.Minimum != nil && l.Value < *q.Minimum || q.Maximum != nil && l.Value > *q.Maximum {
			lo, hi := math.Inf(-1), math.Inf(1)
			if q.Minimum != nil {
				lo = *q.Minimum
			}
			if q.Maximum != nil {
				hi = *q.Maximum
			}
			return errorf(l.Pos, "%s is outside the range of %s", formatNumber(l.Value), quoteName(p.Name)).
				hint("its values are from %s to %s", formatNumber(lo), formatNumber(hi))
		}
	}
	return nil
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = quoteString(v)
	}
	return out
}

// comparable checks that two operands of a comparison have one type.
func comparable(what string, l Expr, lk kind, r Expr, rk kind) *Error {
	if lk == rk {
		switch lk {
		case kGeometry:
			return errorf(l.Position(), "%s cannot compare geometries", what).hint("use S_EQUALS or S_INTERSECTS")
		case kInterval:
			return errorf(l.Position(), "%s cannot compare intervals", what).hint("use T_EQUALS or another T_ function")
		}
		return nil
	}
	err := errorf(r.Position(), "%s cannot compare %s with %s", what, describe(l, lk), describe(r, rk))
	switch {
	case lk == kDate && rk == kTimestamp || lk == kTimestamp && rk == kDate:
		return err.hint("compare a date with DATE('2024-01-31') and a timestamp with TIMESTAMP('2024-01-31T10:00:00Z')")
	case lk == kString && rk == kNumber || lk == kNumber && rk == kString:
		return err.hint("write numbers without quotes and strings in single quotes")
	case lk == kString && (rk == kDate || rk == kTimestamp) || rk == kString && (lk == kDate || lk == kTimestamp):
		return err.hint("write a date as DATE('2024-01-31')")
	}
	return err
}

// pair checks the two operands of a binary node.
func (c *checker) pair(left, right Expr) (Expr, kind, Expr, kind, *Error) {
	l, lk, err := c.expr(left)
	if err != nil {
		return nil, 0, nil, 0, err
	}
	r, rk, err := c.expr(right)
	return l, lk, r, rk, err
}

func (c *checker) compare(n *Compare) (Expr, kind, *Error) {
	l, lk, r, rk, err := c.pair(n.Left, n.Right)
	if err != nil {
		return nil, 0, err
	}
	if err := comparable(string(n.Op), l, lk, r, rk); err != nil {
		return nil, 0, err
	}
	if lk == kBool && n.Op != Eq && n.Op != Ne {
		return nil, 0, errorf(n.Pos, "booleans compare only with = and <>")
	}
	if n.Op == Eq || n.Op == Ne {
		if err := c.enumCheck(l, r); err != nil {
			return nil, 0, err
		}
		if err := c.enumCheck(r, l); err != nil {
			return nil, 0, err
		}
	}
	return &Compare{Pos: n.Pos, Op: n.Op, Left: l, Right: r}, kBool, nil
}

func (c *checker) like(n *Like) (Expr, kind, *Error) {
	x, k, err := c.expr(n.Expr)
	if err != nil {
		return nil, 0, err
	}
	if k != kString {
		return nil, 0, errorf(n.Expr.Position(), "LIKE matches strings, but %s", isA(x, k)).
			hint("use = or BETWEEN for a %s", kindNames[k])
	}
	pat, _, err := c.expr(n.Pattern)
	if err != nil {
		return nil, 0, err
	}
	return &Like{Pos: n.Pos, Expr: x, Pattern: pat}, kBool, nil
}

func (c *checker) between(n *Between) (Expr, kind, *Error) {
	out := &Between{Pos: n.Pos}
	var k0 kind
	for i, e := range []Expr{n.Expr, n.Low, n.High} {
		x, k, err := c.expr(e)
		if err != nil {
			return nil, 0, err
		}
		if i == 0 {
			if k != kNumber && k != kDate && k != kTimestamp {
				return nil, 0, errorf(e.Position(), "BETWEEN takes numbers, dates or timestamps, but %s", isA(x, k))
			}
			k0 = k
			out.Expr = x
			continue
		}
		if err := comparable("BETWEEN", out.Expr, k0, x, k); err != nil {
			return nil, 0, err
		}
		if i == 1 {
			out.Low = x
		} else {
			out.High = x
		}
	}
	return out, kBool, nil
}

func (c *checker) in(n *In) (Expr, kind, *Error) {
	x, k, err := c.expr(n.Expr)
	if err != nil {
		return nil, 0, err
	}
	out := &In{Pos: n.Pos, Expr: x, List: make([]Expr, len(n.List))}
	for i, item := range n.List {
		y, yk, err := c.expr(item)
		if err != nil {
			return nil, 0, err
		}
		if err := comparable("IN", x, k, y, yk); err != nil {
			return nil, 0, err
		}
		if err := c.enumCheck(x, y); err != nil {
			return nil, 0, err
		}
		out.List[i] = y
	}
	return out, kBool, nil
}

// pointSide reports whether e is a single point: the geometry property (a
// point, see TypeGeometry) or a POINT literal.
func pointSide(e Expr) bool {
	switch n := e.(type) {
	case *Property:
		return true
	case *Geometry:
		_, ok := n.Geom.(orb.Point)
		return ok
	}
	return false
}

func (c *checker) spatial(n *Spatial) (Expr, kind, *Error) {
	out := &Spatial{Pos: n.Pos, Op: n.Op}
	for i, e := range []Expr{n.Left, n.Right} {
		x, k, err := c.expr(e)
		if err != nil {
			return nil, 0, err
		}
		if k != kGeometry {
			return nil, 0, errorf(e.Position(), "%s takes geometries, but %s", n.Op, isA(x, k)).
				hint("give the geometry property and a WKT geometry or BBOX(...)")
		}
		if g, ok := x.(*Geometry); ok && n.Op != SIntersects && n.Op != SDisjoint {
			if _, gc := g.Geom.(orb.Collection); gc {
				return nil, 0, errorf(e.Position(), "%s does not take a GEOMETRYCOLLECTION", n.Op).
					hint("only S_INTERSECTS and S_DISJOINT do; test each geometry on its own")
			}
		}
		if i == 0 {
			out.Left = x
		} else {
			out.Right = x
		}
	}
	if !pointSide(out.Left) && !pointSide(out.Right) {
		return nil, 0, errorf(n.Pos, "%s compares two geometry literals", n.Op).
			hint("one argument must be a geometry property or a POINT")
	}
	return out, kBool, nil
}

func (c *checker) temporal(n *Temporal) (Expr, kind, *Error) {
	out := &Temporal{Pos: n.Pos, Op: n.Op}
	for i, e := range []Expr{n.Left, n.Right} {
		x, k, err := c.expr(e)
		if err != nil {
			return nil, 0, err
		}
		if !slices.Contains([]kind{kDate, kTimestamp, kInterval}, k) {
			return nil, 0, errorf(e.Position(), "%s takes dates, timestamps or intervals, but %s", n.Op, isA(x, k)).
				hint("write a date as DATE('2024-01-31') and an interval as INTERVAL('2024-01-01','2024-04-21')")
		}
		if k != kInterval && n.Op.IntervalOnly() {
			return nil, 0, errorf(e.Position(), "%s compares intervals, but %s", n.Op, isA(x, k)).
				hint("use an interval such as INTERVAL('2024-01-31','2024-01-31'), or T_INTERSECTS, T_BEFORE, T_AFTER, T_EQUALS or T_DISJOINT")
		}
		if i == 0 {
			out.Left = x
		} else {
			out.Right = x
		}
	}
	return out, kBool, nil
}
