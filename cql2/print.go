package cql2

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// Binding strength of each node in cql2-text, weakest first; a child that
// binds more weakly than its place requires is put in parentheses.
const (
	precOr = iota + 1
	precAnd
	precNot
	precPredicate
	precAdditive
	precMultiplicative
	precPower
	precPrimary
)

func precedence(e Expr) int {
	switch n := e.(type) {
	case *Or:
		return precOr
	case *And:
		return precAnd
	case *Not:
		switch n.Arg.(type) {
		case *IsNull, *Like, *Between, *In:
			return precPredicate
		}
		return precNot
	case *Compare, *Like, *Between, *In, *IsNull:
		return precPredicate
	case *Arith:
		switch n.Op {
		case Add, Sub:
			return precAdditive
		case Pow:
			return precPower
		}
		return precMultiplicative
	}
	return precPrimary
}

type printer struct{ strings.Builder }

// child prints e, in parentheses if it binds more weakly than min.
func (p *printer) child(e Expr, min int) {
	if precedence(e) < min {
		p.WriteByte('(')
		p.expr(e)
		p.WriteByte(')')
		return
	}
	p.expr(e)
}

func (p *printer) call(name string, args ...Expr) {
	p.WriteString(name)
	p.list(len(args), func(i int) { p.expr(args[i]) })
}

func (p *printer) expr(e Expr) {
	switch n := e.(type) {
	case *Or:
		for i, a := range n.Args {
			if i > 0 {
				p.WriteString(" OR ")
			}
			p.child(a, precAnd)
		}
	case *And:
		for i, a := range n.Args {
			if i > 0 {
				p.WriteString(" AND ")
			}
			p.child(a, precNot)
		}
	case *Not:
		switch a := n.Arg.(type) {
		case *IsNull:
			p.child(a.Expr, precAdditive)
			p.WriteString(" IS NOT NULL")
			return
		case *Like, *Between, *In:
			p.predicate(a, true)
			return
		}
		p.WriteString("NOT ")
		p.child(n.Arg, precNot)
	case *Compare:
		p.child(n.Left, precAdditive)
		p.WriteString(" " + string(n.Op) + " ")
		p.child(n.Right, precAdditive)
	case *Like, *Between, *In:
		p.predicate(n, false)
	case *IsNull:
		p.child(n.Expr, precAdditive)
		p.WriteString(" IS NULL")
	case *Arith:
		prec := precedence(n)
		left, right := prec, prec+1 // left-associative
		if n.Op == Pow {
			left, right = precPrimary, precPower // right-associative
		}
		p.child(n.Left, left)
		op := string(n.Op)
		if n.Op == IntDiv {
			op = "DIV"
		}
		p.WriteString(" " + op + " ")
		p.child(n.Right, right)
	case *CaseI:
		p.call("CASEI", n.Expr)
	case *Spatial:
		p.call(string(n.Op), n.Left, n.Right)
	case *Temporal:
		p.call(string(n.Op), n.Left, n.Right)
	case *Property:
		p.WriteString(quoteName(n.Name))
	case *String:
		p.WriteString(quoteString(n.Value))
	case *Number:
		p.WriteString(formatNumber(n.Value))
	case *Bool:
		if n.Value {
			p.WriteString("TRUE")
		} else {
			p.WriteString("FALSE")
		}
	case *Date:
		p.WriteString("DATE('" + n.Value.Format(dateLayout) + "')")
	case *Timestamp:
		p.WriteString("TIMESTAMP('" + formatTimestamp(n.Value) + "')")
	case *Interval:
		p.WriteString("INTERVAL(")
		p.intervalEnd(n.Start)
		p.WriteString(", ")
		p.intervalEnd(n.End)
		p.WriteByte(')')
	case *OpenEnd:
		p.WriteString("'..'")
	case *Geometry:
		p.wkt(n.Geom)
	case *BBox:
		p.WriteString("BBOX(" + formatNumber(n.Bound.Min[0]) + ", " + formatNumber(n.Bound.Min[1]) + ", " +
			formatNumber(n.Bound.Max[0]) + ", " + formatNumber(n.Bound.Max[1]) + ")")
	case nil:
		p.WriteString("<nil>")
	}
}

func (p *printer) predicate(e Expr, not bool) {
	neg := ""
	if not {
		neg = "NOT "
	}
	switch n := e.(type) {
	case *Like:
		p.child(n.Expr, precAdditive)
		p.WriteString(" " + neg + "LIKE ")
		p.child(n.Pattern, precAdditive)
	case *Between:
		p.child(n.Expr, precAdditive)
		p.WriteString(" " + neg + "BETWEEN ")
		p.child(n.Low, precAdditive)
		p.WriteString(" AND ")
		p.child(n.High, precAdditive)
	case *In:
		p.child(n.Expr, precAdditive)
		p.WriteString(" " + neg + "IN ")
		p.call("", n.List...)
	}
}

func (p *printer) intervalEnd(e Expr) {
	switch n := e.(type) {
	case *Date:
		p.WriteString("'" + n.Value.Format(dateLayout) + "'")
	case *Timestamp:
		p.WriteString("'" + formatTimestamp(n.Value) + "'")
	default:
		p.expr(e)
	}
}

// list writes (item, item, ...).
func (p *printer) list(n int, item func(i int)) {
	p.WriteByte('(')
	for i := range n {
		if i > 0 {
			p.WriteString(", ")
		}
		item(i)
	}
	p.WriteByte(')')
}

func (p *printer) coords(pts []orb.Point) {
	p.list(len(pts), func(i int) { p.WriteString(formatNumber(pts[i][0]) + " " + formatNumber(pts[i][1])) })
}

func (p *printer) polygonText(pg orb.Polygon) {
	p.list(len(pg), func(i int) { p.coords(pg[i]) })
}

func (p *printer) wkt(g orb.Geometry) {
	switch g := g.(type) {
	case orb.Point:
		p.WriteString("POINT")
		p.coords([]orb.Point{g})
	case orb.MultiPoint:
		p.WriteString("MULTIPOINT")
		p.list(len(g), func(i int) { p.coords([]orb.Point{g[i]}) })
	case orb.LineString:
		p.WriteString("LINESTRING")
		p.coords(g)
	case orb.MultiLineString:
		p.WriteString("MULTILINESTRING")
		p.list(len(g), func(i int) { p.coords(g[i]) })
	case orb.Polygon:
		p.WriteString("POLYGON")
		p.polygonText(g)
	case orb.MultiPolygon:
		p.WriteString("MULTIPOLYGON")
		p.list(len(g), func(i int) { p.polygonText(g[i]) })
	case orb.Collection:
		p.WriteString("GEOMETRYCOLLECTION")
		p.list(len(g), func(i int) { p.wkt(g[i]) })
	}
}

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// quoteName writes a property name bare when it lexes back as the same
// identifier, and in double quotes otherwise.
func quoteName(name string) string {
	bare := name != "" && !reserved[strings.ToUpper(name)]
	for i, r := range name {
		if !bare {
			break
		}
		if i == 0 {
			bare = isIdentStart(r)
		} else {
			bare = isIdentPart(r)
		}
	}
	if bare && utf8.ValidString(name) {
		return name
	}
	return `"` + name + `"`
}

func (n *And) String() string       { return show(n) }
func (n *Or) String() string        { return show(n) }
func (n *Not) String() string       { return show(n) }
func (n *Compare) String() string   { return show(n) }
func (n *Like) String() string      { return show(n) }
func (n *Between) String() string   { return show(n) }
func (n *In) String() string        { return show(n) }
func (n *IsNull) String() string    { return show(n) }
func (n *Spatial) String() string   { return show(n) }
func (n *Temporal) String() string  { return show(n) }
func (n *Arith) String() string     { return show(n) }
func (n *CaseI) String() string     { return show(n) }
func (n *Property) String() string  { return show(n) }
func (n *String) String() string    { return show(n) }
func (n *Number) String() string    { return show(n) }
func (n *Bool) String() string      { return show(n) }
func (n *Date) String() string      { return show(n) }
func (n *Timestamp) String() string { return show(n) }
func (n *Interval) String() string  { return show(n) }
func (n *OpenEnd) String() string   { return show(n) }
func (n *Geometry) String() string  { return show(n) }
func (n *BBox) String() string      { return show(n) }

func show(e Expr) string {
	var p printer
	p.expr(e)
	return p.String()
}
