package cql2

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// reserved words are keywords wherever they stand; a property with such a
// name must be "double quoted". Function names (DATE, S_INTERSECTS, ...) are
// keywords only before "(", so a property may be called date.
var reserved = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "LIKE": true, "BETWEEN": true, "IN": true,
	"IS": true, "NULL": true, "TRUE": true, "FALSE": true, "DIV": true,
}

// ParseText parses a cql2-text filter.
func ParseText(src string) (Expr, error) {
	e, err := parseText(src)
	if err != nil {
		return nil, err.locate(src)
	}
	return e, nil
}

func parseText(src string) (Expr, *Error) {
	if len(src) > MaxInputBytes {
		return nil, errorf(Pos{}, "filter is longer than %d bytes", MaxInputBytes)
	}
	if !utf8.ValidString(src) {
		return nil, errorf(Pos{Offset: invalidUTF8(src)}, "filter is not valid UTF-8")
	}
	p := &textParser{lex: lexer{src: src}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, errorf(Pos{}, "empty filter").hint("write a condition such as killed > 0")
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected("AND, OR or the end of the filter")
	}
	return e, nil
}

func invalidUTF8(s string) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return 0
}

type textParser struct {
	lex   lexer
	tok   token
	ahead *token // one token of lookahead beyond tok
	depth int
	nodes int
	geom  geomBudget
}

func (p *textParser) advance() *Error {
	if p.ahead != nil {
		p.tok, p.ahead = *p.ahead, nil
		return nil
	}
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

// peek returns the token after the current one.
func (p *textParser) peek() (token, *Error) {
	if p.ahead == nil {
		t, err := p.lex.next()
		if err != nil {
			return token{}, err
		}
		p.ahead = &t
	}
	return *p.ahead, nil
}

func (p *textParser) pos() Pos { return Pos{Offset: p.tok.off} }

func (p *textParser) enter() *Error {
	p.depth++
	if p.depth > MaxDepth {
		return errorf(p.pos(), "filter nests deeper than %d levels", MaxDepth).hint("flatten it, for example with IN (...)")
	}
	return nil
}

func (p *textParser) leave() { p.depth-- }

// count is called once per node built.
func (p *textParser) count(pos Pos) *Error {
	p.nodes++
	if p.nodes > MaxNodes {
		return errorf(pos, "filter has more than %d terms", MaxNodes).hint("split it into simpler filters")
	}
	return nil
}

func (p *textParser) keyword(kw string) bool {
	return p.tok.kind == tIdent && strings.EqualFold(p.tok.text, kw)
}

func (p *textParser) punct(s string) bool {
	return p.tok.kind == tPunct && p.tok.text == s
}

func (p *textParser) describe() string {
	switch p.tok.kind {
	case tEOF:
		return "the end of the filter"
	case tString:
		return "string '" + strings.ReplaceAll(p.tok.text, "'", "''") + "'"
	case tQIdent:
		return `"` + p.tok.text + `"`
	}
	return "'" + p.tok.text + "'"
}

func (p *textParser) unexpected(want string) *Error {
	return errorf(p.pos(), "expected %s, found %s", want, p.describe())
}

func (p *textParser) expect(s string) *Error {
	if !p.punct(s) {
		return p.unexpected("'" + s + "'")
	}
	return p.advance()
}

func (p *textParser) parseOr() (Expr, *Error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	pos := p.pos()
	args, err := p.joined("OR", p.parseAnd)
	if err != nil || len(args) == 1 {
		return first(args), err
	}
	return &Or{Pos: pos, Args: args}, p.count(pos)
}

func (p *textParser) parseAnd() (Expr, *Error) {
	pos := p.pos()
	args, err := p.joined("AND", p.parseNot)
	if err != nil || len(args) == 1 {
		return first(args), err
	}
	return &And{Pos: pos, Args: args}, p.count(pos)
}

// joined parses operand {keyword operand}.
func (p *textParser) joined(keyword string, operand func() (Expr, *Error)) ([]Expr, *Error) {
	var args []Expr
	for {
		e, err := operand()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
		if !p.keyword(keyword) {
			return args, nil
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
}

func first(args []Expr) Expr {
	if len(args) == 0 {
		return nil
	}
	return args[0]
}

func (p *textParser) parseNot() (Expr, *Error) {
	if !p.keyword("NOT") {
		return p.parsePredicate()
	}
	pos := p.pos()
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if err := p.advance(); err != nil {
		return nil, err
	}
	arg, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	return &Not{Pos: pos, Arg: arg}, p.count(pos)
}

var compareOps = map[string]CompareOp{"=": Eq, "<>": Ne, "<": Lt, ">": Gt, "<=": Le, ">=": Ge}

func (p *textParser) parsePredicate() (Expr, *Error) {
	pos := p.pos()
	left, err := p.parseAdditive()
	if err != nil {
		return nil, err
	}
	var e Expr
	switch {
	case p.tok.kind == tPunct && compareOps[p.tok.text] != "":
		op := compareOps[p.tok.text]
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.parseAdditive()
		if err != nil {
			return nil, err
		}
		e = &Compare{Pos: pos, Op: op, Left: left, Right: right}
	case p.keyword("IS"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		not := p.keyword("NOT")
		if not {
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if !p.keyword("NULL") {
			return nil, p.unexpected("NULL")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		e = &IsNull{Pos: pos, Expr: left}
		if not {
			if err := p.count(pos); err != nil {
				return nil, err
			}
			e = &Not{Pos: pos, Arg: e}
		}
	case p.keyword("NOT") || p.keyword("LIKE") || p.keyword("BETWEEN") || p.keyword("IN"):
		not := p.keyword("NOT")
		if not {
			if err := p.advance(); err != nil {
				return nil, err
			}
			if !p.keyword("LIKE") && !p.keyword("BETWEEN") && !p.keyword("IN") {
				return nil, p.unexpected("LIKE, BETWEEN or IN after NOT")
			}
		}
		if e, err = p.parseAdvanced(pos, left); err != nil {
			return nil, err
		}
		if not {
			if err := p.count(pos); err != nil {
				return nil, err
			}
			e = &Not{Pos: pos, Arg: e}
		}
	default:
		return left, nil
	}
	if err := p.count(pos); err != nil {
		return nil, err
	}
	if p.tok.kind == tPunct && compareOps[p.tok.text] != "" {
		return nil, errorf(p.pos(), "comparisons cannot be chained").hint("join them with AND, or put the first in parentheses")
	}
	return e, nil
}

// parseAdvanced parses LIKE, BETWEEN or IN after its left operand.
func (p *textParser) parseAdvanced(pos Pos, left Expr) (Expr, *Error) {
	switch {
	case p.keyword("LIKE"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		pat, err := p.parseAdditive()
		if err != nil {
			return nil, err
		}
		if err := checkPattern(pat); err != nil {
			return nil, err
		}
		return &Like{Pos: pos, Expr: left, Pattern: pat}, nil
	case p.keyword("BETWEEN"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		low, err := p.parseAdditive()
		if err != nil {
			return nil, err
		}
		if !p.keyword("AND") {
			return nil, p.unexpected("AND of BETWEEN ... AND ...")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		high, err := p.parseAdditive()
		if err != nil {
			return nil, err
		}
		return &Between{Pos: pos, Expr: left, Low: low, High: high}, nil
	default: // IN
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !p.punct("(") {
			return nil, p.unexpected("'(' opening the IN list")
		}
		list, err := p.parseArgs(MaxListLen, "IN list")
		if err != nil {
			return nil, err
		}
		return &In{Pos: pos, Expr: left, List: list}, nil
	}
}

// parseArgs parses ( expr {, expr} ) with at most max items.
func (p *textParser) parseArgs(max int, what string) ([]Expr, *Error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var list []Expr
	for {
		if len(list) == max {
			return nil, errorf(p.pos(), "%s has more than %d items", what, max)
		}
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		list = append(list, e)
		if !p.punct(",") {
			break
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	return list, p.expect(")")
}

// checkPattern requires a LIKE pattern to be a string, or CASEI of one, and
// to end with no lone escape character (PostgreSQL rejects such patterns).
func checkPattern(pat Expr) *Error {
	if c, ok := pat.(*CaseI); ok {
		return checkPattern(c.Expr)
	}
	s, ok := pat.(*String)
	if !ok {
		return errorf(pat.Position(), "a LIKE pattern must be a string literal, or CASEI of one")
	}
	escaped := false
	for _, r := range s.Value {
		escaped = !escaped && r == '\\'
	}
	if escaped {
		return errorf(s.Pos, "LIKE pattern ends with the escape character \\").hint(`write \\ for a backslash`)
	}
	return nil
}

var arithOps = map[string]ArithOp{"+": Add, "-": Sub, "*": Mul, "/": Div, "%": Mod, "^": Pow}

func (p *textParser) parseAdditive() (Expr, *Error) {
	return p.leftAssoc(p.parseMul, func() ArithOp {
		if p.punct("+") || p.punct("-") {
			return arithOps[p.tok.text]
		}
		return ""
	})
}

func (p *textParser) parseMul() (Expr, *Error) {
	return p.leftAssoc(p.parsePow, func() ArithOp {
		switch {
		case p.keyword("DIV"):
			return IntDiv
		case p.punct("*") || p.punct("/") || p.punct("%"):
			return arithOps[p.tok.text]
		}
		return ""
	})
}

// leftAssoc parses operand {op operand} into left-nested Arith nodes; op
// names the operator at the current token, or "" where there is none.
func (p *textParser) leftAssoc(operand func() (Expr, *Error), op func() ArithOp) (Expr, *Error) {
	pos := p.pos()
	left, err := operand()
	if err != nil {
		return nil, err
	}
	for o := op(); o != ""; o = op() {
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := operand()
		if err != nil {
			return nil, err
		}
		left = &Arith{Pos: pos, Op: o, Left: left, Right: right}
		if err := p.count(pos); err != nil {
			return nil, err
		}
	}
	return left, nil
}

func (p *textParser) parsePow() (Expr, *Error) {
	pos := p.pos()
	left, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	if !p.punct("^") {
		return left, nil
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if err := p.advance(); err != nil {
		return nil, err
	}
	right, err := p.parsePow()
	if err != nil {
		return nil, err
	}
	return &Arith{Pos: pos, Op: Pow, Left: left, Right: right}, p.count(pos)
}

// parseUnary takes a sign only before a number: CQL2 has signed numeric
// literals but no negation of expressions.
func (p *textParser) parseUnary() (Expr, *Error) {
	if !p.punct("-") && !p.punct("+") {
		return p.parsePrimary()
	}
	pos := p.pos()
	neg := p.tok.text == "-"
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tNumber {
		return nil, errorf(pos, "a sign can stand only before a number").hint("write 0 - x to negate x")
	}
	n, err := p.number(pos)
	if err != nil {
		return nil, err
	}
	if neg {
		n.Value = -n.Value
	}
	return n, nil
}

func (p *textParser) number(pos Pos) (*Number, *Error) {
	v, err := strconv.ParseFloat(p.tok.text, 64)
	if err != nil || math.IsInf(v, 0) {
		return nil, errorf(p.pos(), "number %s is out of range", p.tok.text)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	return &Number{Pos: pos, Value: v}, p.count(pos)
}

func (p *textParser) parsePrimary() (Expr, *Error) {
	pos := p.pos()
	switch p.tok.kind {
	case tNumber:
		return p.number(pos)
	case tString:
		s := &String{Pos: pos, Value: p.tok.text}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return s, p.count(pos)
	case tQIdent:
		prop := &Property{Pos: pos, Name: p.tok.text}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return prop, p.count(pos)
	case tPunct:
		if p.tok.text != "(" {
			return nil, p.unexpected("a property, a literal or '('")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if !p.punct(")") {
			return nil, p.unexpected("')'")
		}
		return e, p.advance()
	case tEOF:
		return nil, p.unexpected("a property, a literal or '('")
	}
	word := strings.ToUpper(p.tok.text)
	switch word {
	case "TRUE", "FALSE":
		b := &Bool{Pos: pos, Value: word == "TRUE"}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return b, p.count(pos)
	}
	if reserved[word] {
		return nil, p.unexpected("a property, a literal or '('").hint("a property named %s must be written \"%s\"", p.tok.text, p.tok.text)
	}
	next, err := p.peek()
	if err != nil {
		return nil, err
	}
	if next.kind == tPunct && next.text == "(" {
		return p.parseCall(pos, word)
	}
	if geometryKinds[word] && next.kind == tIdent {
		switch strings.ToUpper(next.text) {
		case "EMPTY":
			return nil, errorf(pos, "empty geometries are not supported")
		case "Z", "M", "ZM":
			return nil, errorf(pos, "3D and measured geometries are not supported").hint("give lon lat only")
		}
	}
	prop := &Property{Pos: pos, Name: p.tok.text}
	if err := p.advance(); err != nil {
		return nil, err
	}
	return prop, p.count(pos)
}

var geometryKinds = map[string]bool{
	"POINT": true, "LINESTRING": true, "POLYGON": true, "MULTIPOINT": true,
	"MULTILINESTRING": true, "MULTIPOLYGON": true, "GEOMETRYCOLLECTION": true,
}

// parseCall parses NAME( ... ) with tok at NAME.
func (p *textParser) parseCall(pos Pos, name string) (Expr, *Error) {
	if err := p.count(pos); err != nil {
		return nil, err
	}
	if geometryKinds[name] {
		g, err := p.parseGeometry(name, true)
		if err != nil {
			return nil, err
		}
		return &Geometry{Pos: pos, Geom: g}, nil
	}
	fname := p.tok.text
	if err := p.advance(); err != nil { // the name; tok is now "("
		return nil, err
	}
	switch {
	case name == "DATE" || name == "TIMESTAMP":
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind != tString {
			return nil, p.unexpected("a quoted " + strings.ToLower(name) + " such as '2024-01-31'")
		}
		s, spos := p.tok.text, p.pos()
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		// A format error points into the string; the node starts at DATE.
		if name == "DATE" {
			d, err := parseDate(s, spos)
			if err != nil {
				return nil, err
			}
			d.Pos = pos
			return d, nil
		}
		ts, err := parseTimestamp(s, spos)
		if err != nil {
			return nil, err
		}
		ts.Pos = pos
		return ts, nil
	case name == "INTERVAL":
		if err := p.advance(); err != nil {
			return nil, err
		}
		start, err := p.intervalEnd()
		if err != nil {
			return nil, err
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		end, err := p.intervalEnd()
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		return newInterval(pos, start, end)
	case name == "BBOX":
		if err := p.advance(); err != nil {
			return nil, err
		}
		var v []float64
		for {
			x, err := p.signedNumber()
			if err != nil {
				return nil, err
			}
			v = append(v, x)
			if !p.punct(",") || len(v) == 6 {
				break
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		return newBBox(pos, v)
	case name == "CASEI":
		args, err := p.parseArgs(1, "CASEI")
		if err != nil {
			return nil, err
		}
		return &CaseI{Pos: pos, Expr: args[0]}, nil
	case strings.HasPrefix(name, "S_") && isSpatialOp(SpatialOp(name)):
		args, err := p.parseArgs(2, name)
		if err != nil {
			return nil, err
		}
		if len(args) != 2 {
			return nil, errorf(pos, "%s takes two arguments", name)
		}
		return &Spatial{Pos: pos, Op: SpatialOp(name), Left: args[0], Right: args[1]}, nil
	case strings.HasPrefix(name, "T_") && temporalOps[TemporalOp(name)] != "":
		args, err := p.parseArgs(2, name)
		if err != nil {
			return nil, err
		}
		if len(args) != 2 {
			return nil, errorf(pos, "%s takes two arguments", name)
		}
		return &Temporal{Pos: pos, Op: TemporalOp(name), Left: args[0], Right: args[1]}, nil
	}
	return nil, unsupportedFunction(pos, fname)
}

func isSpatialOp(op SpatialOp) bool {
	for _, o := range spatialOps {
		if o == op {
			return true
		}
	}
	return false
}

func unsupportedFunction(pos Pos, name string) *Error {
	switch up := strings.ToUpper(name); {
	case up == "ACCENTI":
		return errorf(pos, "ACCENTI is not supported").hint("accent-insensitive comparison is not offered; CASEI is")
	case strings.HasPrefix(up, "A_"):
		return errorf(pos, "array function %s is not supported", name)
	case up == "ENVELOPE":
		return errorf(pos, "ENVELOPE is not supported").hint("write BBOX(minlon,minlat,maxlon,maxlat)")
	}
	return errorf(pos, "unknown function '%s'", name).hint("the functions are CASEI, DATE, TIMESTAMP, INTERVAL, BBOX, the WKT geometries, S_INTERSECTS and the other S_ and T_ functions")
}

func newBBox(pos Pos, v []float64) (*BBox, *Error) {
	switch len(v) {
	case 4:
	case 6:
		return nil, errorf(pos, "3D bounding boxes are not supported").hint("give four numbers: minlon,minlat,maxlon,maxlat")
	default:
		return nil, errorf(pos, "BBOX takes four numbers, not %d", len(v)).hint("give minlon,minlat,maxlon,maxlat")
	}
	b := orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}
	var budget geomBudget // corners are checked for range, not counted
	if err := budget.point(b.Min, pos); err != nil {
		return nil, err
	}
	if err := budget.point(b.Max, pos); err != nil {
		return nil, err
	}
	if err := checkBBox(b, pos); err != nil {
		return nil, err
	}
	return &BBox{Pos: pos, Bound: b}, nil
}

func (p *textParser) intervalEnd() (Expr, *Error) {
	pos := p.pos()
	switch p.tok.kind {
	case tString:
		s := p.tok.text
		if err := p.advance(); err != nil {
			return nil, err
		}
		return intervalEnd(s, pos)
	case tIdent, tQIdent:
		if p.tok.kind == tIdent && reserved[strings.ToUpper(p.tok.text)] {
			break
		}
		next, err := p.peek()
		if err != nil {
			return nil, err
		}
		if next.kind == tPunct && next.text == "(" {
			return nil, errorf(pos, "an interval end is a quoted date or timestamp, '..' or a property").hint("write INTERVAL('2024-01-01','2024-04-21')")
		}
		prop := &Property{Pos: pos, Name: p.tok.text}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return prop, p.count(pos)
	}
	return nil, p.unexpected("a quoted date or timestamp, '..' or a property")
}

func (p *textParser) signedNumber() (float64, *Error) {
	neg := false
	if p.punct("-") || p.punct("+") {
		neg = p.tok.text == "-"
		if err := p.advance(); err != nil {
			return 0, err
		}
	}
	if p.tok.kind != tNumber {
		return 0, p.unexpected("a number")
	}
	v, err := strconv.ParseFloat(p.tok.text, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, errorf(p.pos(), "number %s is out of range", p.tok.text)
	}
	if neg {
		v = -v
	}
	return v, p.advance()
}

// parseGeometry parses WKT with tok at the geometry keyword.
func (p *textParser) parseGeometry(kind string, top bool) (orb.Geometry, *Error) {
	pos := p.pos()
	if err := p.advance(); err != nil {
		return nil, err
	}
	switch kind {
	case "POINT":
		if err := p.expect("("); err != nil {
			return nil, err
		}
		pt, err := p.coord()
		if err != nil {
			return nil, err
		}
		return pt, p.expect(")")
	case "LINESTRING":
		return p.lineString()
	case "POLYGON":
		return p.polygon()
	case "MULTIPOINT":
		var mp orb.MultiPoint
		err := p.list(func() *Error {
			paren := p.punct("(")
			if paren {
				if err := p.advance(); err != nil {
					return err
				}
			}
			pt, err := p.coord()
			if err != nil {
				return err
			}
			mp = append(mp, pt)
			if paren {
				return p.expect(")")
			}
			return nil
		})
		return mp, err
	case "MULTILINESTRING":
		var ml orb.MultiLineString
		err := p.list(func() *Error {
			ls, err := p.lineString()
			ml = append(ml, ls)
			return err
		})
		return ml, err
	case "MULTIPOLYGON":
		var mp orb.MultiPolygon
		err := p.list(func() *Error {
			pg, err := p.polygon()
			mp = append(mp, pg)
			return err
		})
		return mp, err
	}
	// GEOMETRYCOLLECTION
	if !top {
		return nil, errorf(pos, "geometry collections cannot nest")
	}
	var gc orb.Collection
	err := p.list(func() *Error {
		word := strings.ToUpper(p.tok.text)
		if p.tok.kind != tIdent || !geometryKinds[word] {
			return p.unexpected("a WKT geometry")
		}
		g, err := p.parseGeometry(word, false)
		gc = append(gc, g)
		return err
	})
	return gc, err
}

// list parses ( item {, item} ).
func (p *textParser) list(item func() *Error) *Error {
	if err := p.expect("("); err != nil {
		return err
	}
	for {
		if err := item(); err != nil {
			return err
		}
		if !p.punct(",") {
			break
		}
		if err := p.advance(); err != nil {
			return err
		}
	}
	return p.expect(")")
}

func (p *textParser) coord() (orb.Point, *Error) {
	pos := p.pos()
	x, err := p.signedNumber()
	if err != nil {
		return orb.Point{}, err
	}
	y, err := p.signedNumber()
	if err != nil {
		return orb.Point{}, err
	}
	if p.tok.kind == tNumber || p.punct("-") {
		return orb.Point{}, errorf(p.pos(), "3D coordinates are not supported").hint("give lon lat only")
	}
	pt := orb.Point{x, y}
	return pt, p.geom.point(pt, pos)
}

func (p *textParser) lineString() (orb.LineString, *Error) {
	pos := p.pos()
	var ls orb.LineString
	err := p.list(func() *Error {
		pt, err := p.coord()
		ls = append(ls, pt)
		return err
	})
	if err != nil {
		return nil, err
	}
	return ls, checkLine(ls, pos)
}

func (p *textParser) polygon() (orb.Polygon, *Error) {
	var pg orb.Polygon
	err := p.list(func() *Error {
		pos := p.pos()
		ls, err := p.lineString()
		if err != nil {
			return err
		}
		pg = append(pg, orb.Ring(ls))
		return checkRing(orb.Ring(ls), pos)
	})
	return pg, err
}
