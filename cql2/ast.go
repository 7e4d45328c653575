package cql2

import (
	"time"

	"github.com/paulmach/orb"
)

// Pos says where a node came from: a byte offset into cql2-text input, or a
// path such as args[1].args[0] into cql2-json input (Offset is then -1).
type Pos struct {
	Offset int
	Path   string
}

// JSON reports whether the position is a path into cql2-json input.
func (p Pos) JSON() bool { return p.Offset < 0 }

// Expr is a node of a parsed filter. The set of node types is closed (the
// types in this file); a compiler switches on the concrete type:
//
//	switch n := e.(type) {
//	case *cql2.And: ...
//	case *cql2.Compare: ...
//	}
type Expr interface {
	// Position is where the node starts in the input.
	Position() Pos
	// String is the node in canonical cql2-text.
	String() string
	node()
}

// And is true when every argument is true (two or more arguments).
type And struct {
	Pos  Pos
	Args []Expr
}

// Or is true when any argument is true (two or more arguments).
type Or struct {
	Pos  Pos
	Args []Expr
}

// Not negates its argument; NOT of unknown is unknown. The text forms
// a NOT LIKE b, a NOT BETWEEN b AND c, a NOT IN (...) and a IS NOT NULL
// parse to Not around the positive predicate, as in cql2-json.
type Not struct {
	Pos Pos
	Arg Expr
}

// CompareOp is a binary comparison operator, spelled as in cql2-text.
type CompareOp string

// The comparison operators.
const (
	Eq CompareOp = "="
	Ne CompareOp = "<>"
	Lt CompareOp = "<"
	Gt CompareOp = ">"
	Le CompareOp = "<="
	Ge CompareOp = ">="
)

// Compare compares two scalar expressions of the same type.
type Compare struct {
	Pos         Pos
	Op          CompareOp
	Left, Right Expr
}

// Like matches a string expression against a pattern: % matches any run of
// characters, _ exactly one character, and a backslash makes the next
// character literal. Pattern is a *String or a *CaseI around a *String.
type Like struct {
	Pos     Pos
	Expr    Expr
	Pattern Expr
}

// Between is Expr >= Low AND Expr <= High, with SQL's three-valued logic.
type Between struct {
	Pos             Pos
	Expr, Low, High Expr
}

// In is Expr = List[0] OR Expr = List[1] ..., with SQL's three-valued logic.
type In struct {
	Pos  Pos
	Expr Expr
	List []Expr
}

// IsNull is true when Expr is NULL (it is never unknown).
type IsNull struct {
	Pos  Pos
	Expr Expr
}

// SpatialOp is a spatial comparison function, spelled as in cql2-text.
type SpatialOp string

// The spatial comparison functions (DE-9IM relations of OGC 06-103r4).
const (
	SIntersects SpatialOp = "S_INTERSECTS"
	SDisjoint   SpatialOp = "S_DISJOINT"
	SContains   SpatialOp = "S_CONTAINS"
	SWithin     SpatialOp = "S_WITHIN"
	STouches    SpatialOp = "S_TOUCHES"
	SCrosses    SpatialOp = "S_CROSSES"
	SOverlaps   SpatialOp = "S_OVERLAPS"
	SEquals     SpatialOp = "S_EQUALS"
)

var spatialOps = []SpatialOp{SIntersects, SDisjoint, SContains, SWithin, STouches, SCrosses, SOverlaps, SEquals}

// Spatial applies a spatial comparison function to two geometries.
type Spatial struct {
	Pos         Pos
	Op          SpatialOp
	Left, Right Expr
}

// TemporalOp is a temporal comparison function, spelled as in cql2-text.
type TemporalOp string

// The temporal comparison functions (Allen's interval relations, as named by
// the W3C/OGC Time Ontology).
const (
	TAfter        TemporalOp = "T_AFTER"
	TBefore       TemporalOp = "T_BEFORE"
	TContains     TemporalOp = "T_CONTAINS"
	TDisjoint     TemporalOp = "T_DISJOINT"
	TDuring       TemporalOp = "T_DURING"
	TEquals       TemporalOp = "T_EQUALS"
	TFinishedBy   TemporalOp = "T_FINISHEDBY"
	TFinishes     TemporalOp = "T_FINISHES"
	TIntersects   TemporalOp = "T_INTERSECTS"
	TMeets        TemporalOp = "T_MEETS"
	TMetBy        TemporalOp = "T_METBY"
	TOverlappedBy TemporalOp = "T_OVERLAPPEDBY"
	TOverlaps     TemporalOp = "T_OVERLAPS"
	TStartedBy    TemporalOp = "T_STARTEDBY"
	TStarts       TemporalOp = "T_STARTS"
)

// temporalOps maps each function to its cql2-json name.
var temporalOps = map[TemporalOp]string{
	TAfter: "t_after", TBefore: "t_before", TContains: "t_contains",
	TDisjoint: "t_disjoint", TDuring: "t_during", TEquals: "t_equals",
	TFinishedBy: "t_finishedBy", TFinishes: "t_finishes", TIntersects: "t_intersects",
	TMeets: "t_meets", TMetBy: "t_metBy", TOverlappedBy: "t_overlappedBy",
	TOverlaps: "t_overlaps", TStartedBy: "t_startedBy", TStarts: "t_starts",
}

// IntervalOnly reports whether the function is defined for intervals only
// (CQL2 makes its use with instants a client error).
func (op TemporalOp) IntervalOnly() bool {
	switch op {
	case TAfter, TBefore, TDisjoint, TEquals, TIntersects:
		return false
	}
	return true
}

// Temporal applies a temporal comparison function to two instants or intervals.
type Temporal struct {
	Pos         Pos
	Op          TemporalOp
	Left, Right Expr
}

// ArithOp is an arithmetic operator, spelled as in cql2-text.
type ArithOp string

// The arithmetic operators.
const (
	Add    ArithOp = "+"
	Sub    ArithOp = "-"
	Mul    ArithOp = "*"
	Div    ArithOp = "/"
	Mod    ArithOp = "%"
	IntDiv ArithOp = "div"
	Pow    ArithOp = "^"
)

// Arith is an arithmetic expression on numbers.
type Arith struct {
	Pos         Pos
	Op          ArithOp
	Left, Right Expr
}

// CaseI is the case-insensitive form of a string expression.
type CaseI struct {
	Pos  Pos
	Expr Expr
}

// Property names a queryable. Type is empty in a parsed expression; Check
// sets it to the queryable's type.
type Property struct {
	Pos  Pos
	Name string
	Type Type
}

// String is a string literal.
type String struct {
	Pos   Pos
	Value string
}

// Number is a numeric literal.
type Number struct {
	Pos   Pos
	Value float64
}

// Bool is TRUE or FALSE.
type Bool struct {
	Pos   Pos
	Value bool
}

// Date is a calendar date, DATE('2024-01-31'); Value is its midnight in UTC.
type Date struct {
	Pos   Pos
	Value time.Time
}

// Timestamp is an instant in UTC, TIMESTAMP('2024-01-31T10:00:00Z'), with at
// most microsecond precision.
type Timestamp struct {
	Pos   Pos
	Value time.Time
}

// Interval is a closed interval; each end is a *Date, a *Timestamp, a
// *Property or an *OpenEnd ('..').
type Interval struct {
	Pos        Pos
	Start, End Expr
}

// OpenEnd is the '..' end of an interval that is unbounded on that side.
type OpenEnd struct {
	Pos Pos
}

// Geometry is a geometry literal (WKT or GeoJSON) in CRS84 lon/lat: an
// orb.Point, orb.MultiPoint, orb.LineString, orb.MultiLineString,
// orb.Polygon, orb.MultiPolygon or orb.Collection.
type Geometry struct {
	Pos  Pos
	Geom orb.Geometry
}

// BBox is BBOX(minlon, minlat, maxlon, maxlat) in CRS84.
type BBox struct {
	Pos   Pos
	Bound orb.Bound
}

func (n *And) Position() Pos       { return n.Pos }
func (n *Or) Position() Pos        { return n.Pos }
func (n *Not) Position() Pos       { return n.Pos }
func (n *Compare) Position() Pos   { return n.Pos }
func (n *Like) Position() Pos      { return n.Pos }
func (n *Between) Position() Pos   { return n.Pos }
func (n *In) Position() Pos        { return n.Pos }
func (n *IsNull) Position() Pos    { return n.Pos }
func (n *Spatial) Position() Pos   { return n.Pos }
func (n *Temporal) Position() Pos  { return n.Pos }
func (n *Arith) Position() Pos     { return n.Pos }
func (n *CaseI) Position() Pos     { return n.Pos }
func (n *Property) Position() Pos  { return n.Pos }
func (n *String) Position() Pos    { return n.Pos }
func (n *Number) Position() Pos    { return n.Pos }
func (n *Bool) Position() Pos      { return n.Pos }
func (n *Date) Position() Pos      { return n.Pos }
func (n *Timestamp) Position() Pos { return n.Pos }
func (n *Interval) Position() Pos  { return n.Pos }
func (n *OpenEnd) Position() Pos   { return n.Pos }
func (n *Geometry) Position() Pos  { return n.Pos }
func (n *BBox) Position() Pos      { return n.Pos }

func (*And) node()       {}
func (*Or) node()        {}
func (*Not) node()       {}
func (*Compare) node()   {}
func (*Like) node()      {}
func (*Between) node()   {}
func (*In) node()        {}
func (*IsNull) node()    {}
func (*Spatial) node()   {}
func (*Temporal) node()  {}
func (*Arith) node()     {}
func (*CaseI) node()     {}
func (*Property) node()  {}
func (*String) node()    {}
func (*Number) node()    {}
func (*Bool) node()      {}
func (*Date) node()      {}
func (*Timestamp) node() {}
func (*Interval) node()  {}
func (*OpenEnd) node()   {}
func (*Geometry) node()  {}
func (*BBox) node()      {}

// Children returns the direct sub-expressions of e, left to right.
func Children(e Expr) []Expr {
	switch n := e.(type) {
	case *And:
		return n.Args
	case *Or:
		return n.Args
	case *Not:
		return []Expr{n.Arg}
	case *Compare:
		return []Expr{n.Left, n.Right}
	case *Like:
		return []Expr{n.Expr, n.Pattern}
	case *Between:
		return []Expr{n.Expr, n.Low, n.High}
	case *In:
		return append([]Expr{n.Expr}, n.List...)
	case *IsNull:
		return []Expr{n.Expr}
	case *Spatial:
		return []Expr{n.Left, n.Right}
	case *Temporal:
		return []Expr{n.Left, n.Right}
	case *Arith:
		return []Expr{n.Left, n.Right}
	case *CaseI:
		return []Expr{n.Expr}
	case *Interval:
		return []Expr{n.Start, n.End}
	}
	return nil
}

// Walk calls fn for e and then, while fn returns true, for each of its
// sub-expressions depth first, left to right.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	for _, c := range Children(e) {
		Walk(c, fn)
	}
}

// Properties returns the names of the properties e refers to, each once, in
// order of first use.
func Properties(e Expr) []string {
	var names []string
	seen := map[string]bool{}
	Walk(e, func(n Expr) bool {
		if p, ok := n.(*Property); ok && !seen[p.Name] {
			seen[p.Name] = true
			names = append(names, p.Name)
		}
		return true
	})
	return names
}
