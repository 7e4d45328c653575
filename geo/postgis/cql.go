package postgis

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/badiamap/badiamap/cql2"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/incidentcql"
	"github.com/paulmach/orb/encoding/wkb"
)

// whereMarker is where sql/filter.sql takes the CQL2 condition.
const whereMarker = "/*WHERE*/"

// cqlProperties maps each queryable to its column expression, from
// sql/cql_properties.sql: the whitelist of identifiers a compiled filter
// may name.
var cqlProperties = func() map[string]string {
	m := map[string]string{}
	for name, line := range namedExpressions("cql_properties") {
		m[name] = strings.TrimSpace(line[:strings.LastIndex(line, " AS ")])
	}
	for _, p := range incidentcql.Properties {
		if _, ok := m[p.Name]; !ok && p.Type != cql2.TypeInterval {
			panic("postgis: sql/cql_properties.sql has no line for queryable " + p.Name) // a build defect, caught by every test
		}
	}
	return m
}()

// nullableProperties are the queryables whose column may hold NULL.
var nullableProperties = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range incidentcql.Properties {
		m[p.Name] = p.Nullable
	}
	return m
}()

// bind is q with f's CQL2 condition compiled into its WHERE and the
// arguments to run it with: f's parameters ($1-$18), then own (the query's
// $+1, $+2, ...), then the condition's.
func bind(q string, f geo.IncidentFilter, own ...any) (string, []any, error) {
	args := append(filterArgs(f), own...)
	if f.Where == nil {
		return strings.ReplaceAll(q, whereMarker, "TRUE"), args, nil
	}
	frag, cargs, err := compileCondition(f.Where, len(args))
	if err != nil {
		return "", nil, err
	}
	return strings.ReplaceAll(q, whereMarker, frag), append(args, cargs...), nil
}

// withoutWhere is q for a filter with no CQL2 condition (prepared statements).
func withoutWhere(q string) string { return strings.ReplaceAll(q, whereMarker, "TRUE") }

// compileCondition compiles c into a SQL condition whose parameters are
// numbered after the first base.
func compileCondition(c geo.Condition, base int) (string, []any, error) {
	f, ok := c.(*incidentcql.Filter)
	if !ok {
		return "", nil, fmt.Errorf("postgis: a filter condition of type %T cannot be compiled to SQL", c)
	}
	cc := &cqlCompiler{base: base}
	s, err := cc.cond(f.Expr())
	if err != nil {
		return "", nil, err
	}
	return s, cc.args, nil
}

// cqlCompiler writes a checked CQL2 expression as SQL with the semantics
// cql2.Eval gives it (see the cql2 package doc): every value a bound
// parameter, every identifier from cqlProperties, every function and
// operator a constant of this file.
type cqlCompiler struct {
	base int
	args []any
}

func (c *cqlCompiler) param(v any, cast string) string {
	c.args = append(c.args, v)
	return "$" + strconv.Itoa(c.base+len(c.args)) + "::" + cast
}

func (c *cqlCompiler) column(p *cql2.Property) (string, error) {
	col, ok := cqlProperties[p.Name]
	if !ok {
		return "", fmt.Errorf("postgis: no column for queryable %q", p.Name)
	}
	return col, nil
}

// cond writes a boolean expression (NULL where it is unknown).
func (c *cqlCompiler) cond(e cql2.Expr) (string, error) {
	switch n := e.(type) {
	case *cql2.And:
		return c.join(n.Args, " AND ")
	case *cql2.Or:
		return c.join(n.Args, " OR ")
	case *cql2.Not:
		s, err := c.cond(n.Arg)
		return "(NOT " + s + ")", err
	case *cql2.Compare:
		return c.compare(n.Op, n.Left, n.Right)
	case *cql2.Between:
		lo, err := c.compare(cql2.Ge, n.Expr, n.Low)
		if err != nil {
			return "", err
		}
		hi, err := c.compare(cql2.Le, n.Expr, n.High)
		return "(" + lo + " AND " + hi + ")", err
	case *cql2.In:
		x, _, err := c.value(n.Expr)
		if err != nil {
			return "", err
		}
		items := make([]string, len(n.List))
		for i, item := range n.List {
			if items[i], _, err = c.value(item); err != nil {
				return "", err
			}
		}
		return "(" + x + " IN (" + strings.Join(items, ", ") + "))", nil
	case *cql2.Like:
		x, _, err := c.value(n.Expr)
		if err != nil {
			return "", err
		}
		p, _, err := c.value(n.Pattern)
		// Backslash is LIKE's escape character in both languages.
		return "(" + x + " LIKE " + p + ")", err
	case *cql2.IsNull:
		if iv, ok := n.Expr.(*cql2.Interval); ok {
			var ends []string
			for _, end := range []cql2.Expr{iv.Start, iv.End} {
				if _, open := end.(*cql2.OpenEnd); open {
					continue
				}
				s, _, err := c.value(end)
				if err != nil {
					return "", err
				}
				ends = append(ends, s+" IS NULL")
			}
			if len(ends) == 0 {
				return "FALSE", nil
			}
			return "(" + strings.Join(ends, " OR ") + ")", nil
		}
		x, _, err := c.value(n.Expr)
		return "(" + x + " IS NULL)", err
	case *cql2.Spatial:
		return c.spatial(n)
	case *cql2.Temporal:
		return c.temporal(n)
	}
	// A boolean property or literal.
	s, _, err := c.value(e)
	return s, err
}

func (c *cqlCompiler) join(args []cql2.Expr, op string) (string, error) {
	parts := make([]string, len(args))
	for i, a := range args {
		s, err := c.cond(a)
		if err != nil {
			return "", err
		}
		parts[i] = s
	}
	return "(" + strings.Join(parts, op) + ")", nil
}

// ordering marks the comparisons that order strings: they compare by code
// point, as cql2.Eval does, under COLLATE "C" (equality is the same under
// every deterministic collation and keeps the indexes usable).
func ordering(op cql2.CompareOp) bool { return op != cql2.Eq && op != cql2.Ne }

func (c *cqlCompiler) compare(op cql2.CompareOp, left, right cql2.Expr) (string, error) {
	if s, ok, err := c.integerCompare(op, left, right); ok || err != nil {
		return s, err
	}
	l, lk, err := c.value(left)
	if err != nil {
		return "", err
	}
	r, _, err := c.value(right)
	if err != nil {
		return "", err
	}
	if lk == cql2.TypeString && ordering(op) {
		l, r = "("+l+` COLLATE "C")`, "("+r+` COLLATE "C")`
	}
	return "(" + l + " " + string(op) + " " + r + ")", nil
}

// mirrored is op with its operands swapped: a < b is b > a.
var mirrored = map[cql2.CompareOp]cql2.CompareOp{cql2.Lt: cql2.Gt, cql2.Gt: cql2.Lt, cql2.Le: cql2.Ge, cql2.Ge: cql2.Le,
	cql2.Eq: cql2.Eq, cql2.Ne: cql2.Ne}

// integerCompare writes an integer column against a number as the column
// against a whole number (killed > 4.5 is killed > 4), so the planner
// reads the column's statistics and indexes, which a cast to float8 hides.
// It is exact: cql2.Eval compares the column's float64, and an int4 is one
// exactly. ok is false for any other comparison.
func (c *cqlCompiler) integerCompare(op cql2.CompareOp, left, right cql2.Expr) (string, bool, error) {
	p, pok := left.(*cql2.Property)
	n, nok := right.(*cql2.Number)
	if !pok || !nok {
		p, pok = right.(*cql2.Property)
		n, nok = left.(*cql2.Number)
		op = mirrored[op]
	}
	if !pok || !nok || p.Type != cql2.TypeInteger || math.Abs(n.Value) > 1<<52 {
		return "", false, nil
	}
	v := n.Value
	var bound float64
	switch op {
	case cql2.Gt, cql2.Le:
		bound = math.Floor(v)
	case cql2.Ge, cql2.Lt:
		bound = math.Ceil(v)
	default: // = and <> only for whole numbers
		if v != math.Trunc(v) {
			return "", false, nil
		}
		bound = v
	}
	col, err := c.column(p)
	if err != nil {
		return "", true, err
	}
	return "(" + col + " " + string(op) + " " + c.param(int64(bound), "bigint") + ")", true, nil
}

// value writes a scalar expression and says its type: numbers are float8,
// dates date, timestamps timestamptz, geometries geometry(4326).
func (c *cqlCompiler) value(e cql2.Expr) (string, cql2.Type, error) {
	switch n := e.(type) {
	case *cql2.Property:
		col, err := c.column(n)
		switch n.Type {
		case cql2.TypeInteger, cql2.TypeNumber:
			return "(" + col + ")::float8", cql2.TypeNumber, err
		}
		return col, n.Type, err
	case *cql2.String:
		return c.param(n.Value, "text"), cql2.TypeString, nil
	case *cql2.Number:
		return c.param(n.Value, "float8"), cql2.TypeNumber, nil
	case *cql2.Bool:
		if n.Value {
			return "TRUE", cql2.TypeBoolean, nil
		}
		return "FALSE", cql2.TypeBoolean, nil
	case *cql2.Date:
		return c.param(n.Value.Format(geo.DateLayout), "date"), cql2.TypeDate, nil
	case *cql2.Timestamp:
		return c.param(n.Value.UTC(), "timestamptz"), cql2.TypeTimestamp, nil
	case *cql2.CaseI:
		x, _, err := c.value(n.Expr)
		return "lower(" + x + ")", cql2.TypeString, err
	case *cql2.Arith:
		l, _, err := c.value(n.Left)
		if err != nil {
			return "", "", err
		}
		r, _, err := c.value(n.Right)
		// cql2_arith (migration 0010) makes overflow and division by zero
		// NULL, as cql2.Eval does; the operator is this package's constant.
		return "cql2_arith('" + arithOps[n.Op] + "', " + l + ", " + r + ")", cql2.TypeNumber, err
	case *cql2.Geometry:
		b, err := wkb.Marshal(n.Geom)
		if err != nil {
			return "", "", fmt.Errorf("postgis: geometry literal: %w", err)
		}
		return "ST_GeomFromWKB(" + c.param(b, "bytea") + ", 4326)", cql2.TypeGeometry, nil
	case *cql2.BBox:
		b := n.Bound
		return "ST_MakeEnvelope(" + c.param(b.Min[0], "float8") + ", " + c.param(b.Min[1], "float8") + ", " +
			c.param(b.Max[0], "float8") + ", " + c.param(b.Max[1], "float8") + ", 4326)", cql2.TypeGeometry, nil
	case *cql2.Interval, *cql2.OpenEnd:
		return "", "", fmt.Errorf("postgis: %s is not a scalar (was the filter checked?)", e)
	}
	// A predicate used as a boolean value.
	s, err := c.cond(e)
	return s, cql2.TypeBoolean, err
}

var arithOps = map[cql2.ArithOp]string{
	cql2.Add: "+", cql2.Sub: "-", cql2.Mul: "*", cql2.Div: "/", cql2.IntDiv: "div", cql2.Mod: "%", cql2.Pow: "^",
}

// pointSide reports whether e is the geometry property or a POINT literal.
func pointSide(e cql2.Expr) bool {
	switch n := e.(type) {
	case *cql2.Property:
		return true
	case *cql2.Geometry:
		return n.Geom.GeoJSONType() == "Point"
	}
	return false
}

// spatial writes a spatial function with the point first, in the forms the
// cql2 package's PostGIS test holds to cql2.Eval: S_DISJOINT as NOT
// ST_Intersects and S_TOUCHES as ST_Intersects AND NOT ST_Within.
func (c *cqlCompiler) spatial(n *cql2.Spatial) (string, error) {
	op, p, g := n.Op, n.Left, n.Right
	if !pointSide(p) {
		p, g = g, p
		switch op { // op(g, p) is converse(op)(p, g)
		case cql2.SWithin:
			op = cql2.SContains
		case cql2.SContains:
			op = cql2.SWithin
		}
	}
	ps, _, err := c.value(p)
	if err != nil {
		return "", err
	}
	gs, _, err := c.value(g)
	if err != nil {
		return "", err
	}
	args := "(" + ps + ", " + gs + ")"
	switch op {
	case cql2.SIntersects:
		return "ST_Intersects" + args, nil
	case cql2.SDisjoint:
		return "(NOT ST_Intersects" + args + ")", nil
	case cql2.SWithin:
		return "ST_Within" + args, nil
	case cql2.STouches:
		return "(ST_Intersects" + args + " AND NOT ST_Within" + args + ")", nil
	case cql2.SContains:
		return "ST_Contains" + args, nil
	case cql2.SEquals:
		return "ST_Equals" + args, nil
	case cql2.SCrosses:
		return "ST_Crosses" + args, nil
	case cql2.SOverlaps:
		return "ST_Overlaps" + args, nil
	}
	return "", fmt.Errorf("postgis: unknown spatial function %s", op)
}

// span is a temporal operand as a closed extent [lo, hi]: an instant is
// the extent from it to itself. Its ends are compiled when a function uses
// them, so no parameter is bound that the SQL does not read.
type span struct {
	c         *cqlCompiler
	ends      [2]cql2.Expr // nil for an open end ('..')
	days      bool         // every end is a date
	asDays    bool         // the function compares whole days
	nullables []string     // property ends: the function is NULL when one is
	raw       [2]string    // compiled ends, "" until used
	err       error
}

func (c *cqlCompiler) span(e cql2.Expr) (*span, error) {
	s := &span{c: c, days: true}
	if iv, ok := e.(*cql2.Interval); ok {
		s.ends = [2]cql2.Expr{iv.Start, iv.End}
	} else {
		s.ends = [2]cql2.Expr{e, e}
	}
	for i, end := range s.ends {
		switch end := end.(type) {
		case *cql2.OpenEnd:
			s.ends[i] = nil
		case *cql2.Property:
			// A column that can hold NULL makes the function NULL; the
			// dates are NOT NULL, and leaving their guard out keeps the
			// comparisons where the planner can use the date index.
			if (i == 0 || s.ends[1] != s.ends[0]) && nullableProperties[end.Name] {
				col, err := c.column(end)
				if err != nil {
					return nil, err
				}
				s.nullables = append(s.nullables, col)
			}
			s.days = s.days && end.Type == cql2.TypeDate
		case *cql2.Timestamp:
			s.days = false
		}
	}
	return s, nil
}

// end writes end i (0 the start, 1 the end) as a date, or as a timestamp
// when the function compares instants: a day then runs from its first to
// its last microsecond, in UTC.
func (s *span) end(i int) string {
	if s.ends[i] == nil {
		if s.asDays {
			return [2]string{"'-infinity'::date", "'infinity'::date"}[i]
		}
		return [2]string{"'-infinity'::timestamptz", "'infinity'::timestamptz"}[i]
	}
	j := i
	if s.ends[1] == s.ends[0] {
		j = 0 // an instant: one expression, one parameter
	}
	if s.raw[j] == "" {
		v, _, err := s.c.value(s.ends[j])
		if err != nil && s.err == nil {
			s.err = err
		}
		s.raw[j] = v
	}
	v := s.raw[j]
	switch {
	case s.asDays || !s.days:
		return v
	case i == 0:
		return "((" + v + ")::timestamp AT TIME ZONE 'UTC')"
	}
	return "(((" + v + ") + 1)::timestamp AT TIME ZONE 'UTC' - interval '1 microsecond')"
}

// temporal writes a temporal function by the table of the cql2 package doc.
func (c *cqlCompiler) temporal(n *cql2.Temporal) (string, error) {
	a, err := c.span(n.Left)
	if err != nil {
		return "", err
	}
	b, err := c.span(n.Right)
	if err != nil {
		return "", err
	}
	a.asDays = a.days && b.days
	b.asDays = a.asDays
	lo1, hi1 := func() string { return a.end(0) }, func() string { return a.end(1) }
	lo2, hi2 := func() string { return b.end(0) }, func() string { return b.end(1) }
	lt := func(x, y func() string) string { return x() + " < " + y() }
	le := func(x, y func() string) string { return x() + " <= " + y() }
	eq := func(x, y func() string) string { return x() + " = " + y() }
	and := func(parts ...string) string { return "(" + strings.Join(parts, " AND ") + ")" }
	s1, e1, s2, e2 := lo1, hi1, lo2, hi2
	var cond string
	switch n.Op {
	case cql2.TBefore:
		cond = lt(e1, s2)
	case cql2.TAfter:
		cond = lt(e2, s1)
	case cql2.TDisjoint:
		cond = "(" + lt(e1, s2) + " OR " + lt(e2, s1) + ")"
	case cql2.TIntersects:
		cond = and(le(s1, e2), le(s2, e1))
	case cql2.TEquals:
		cond = and(eq(s1, s2), eq(e1, e2))
	case cql2.TMeets:
		cond = eq(e1, s2)
	case cql2.TMetBy:
		cond = eq(s1, e2)
	case cql2.TOverlaps:
		cond = and(lt(s1, s2), lt(s2, e1), lt(e1, e2))
	case cql2.TOverlappedBy:
		cond = and(lt(s2, s1), lt(s1, e2), lt(e2, e1))
	case cql2.TStarts:
		cond = and(eq(s1, s2), lt(e1, e2))
	case cql2.TStartedBy:
		cond = and(eq(s1, s2), lt(e2, e1))
	case cql2.TDuring:
		cond = and(lt(s2, s1), lt(e1, e2))
	case cql2.TContains:
		cond = and(lt(s1, s2), lt(e2, e1))
	case cql2.TFinishes:
		cond = and(lt(s2, s1), eq(e1, e2))
	case cql2.TFinishedBy:
		cond = and(lt(s1, s2), eq(e1, e2))
	default:
		return "", fmt.Errorf("postgis: unknown temporal function %s", n.Op)
	}
	if a.err != nil || b.err != nil {
		return "", errors.Join(a.err, b.err)
	}
	// An operand with a NULL end is NULL as a whole, as cql2.Eval has it,
	// not FALSE as some branches of the condition would make it.
	if nulls := append(a.nullables, b.nullables...); len(nulls) > 0 {
		return "(CASE WHEN " + strings.Join(nulls, " IS NULL OR ") + " IS NULL THEN NULL ELSE " + cond + " END)", nil
	}
	return "(" + cond + ")", nil
}
