// Package cql2 parses OGC CQL2 filter expressions (OGC 21-065r2, Common
// Query Language) in both encodings, cql2-text and cql2-json, into one typed
// syntax tree; checks them against a list of queryables; evaluates them
// against rows; and prints them back as canonical cql2-text. It serves the
// filter and filter-lang parameters of OGC API - Features - Part 3.
//
// # Use
//
//	e, err := cql2.Parse(filter, filterLang) // *cql2.Error on bad input
//	e, err = cql2.Check(e, queryables)       // resolves and types properties
//	keep, err := cql2.Eval(e, cql2.Values{"killed": 3, ...})
//
// A store that compiles filters (to SQL, say) walks the checked tree: the
// node types in ast.go are the whole language, each exported; switch on them
// or use Walk and Children. Eval is the reference for what a compiled filter
// must return; the semantics below are exactly those of a SQL WHERE clause
// with the casts named here.
//
// # Conformance classes
//
// These, and no others, are implemented completely:
//
//	http://www.opengis.net/spec/cql2/1.0/conf/cql2-text
//	http://www.opengis.net/spec/cql2/1.0/conf/cql2-json
//	http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2
//	http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators
//	http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison
//	http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions
//	http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus
//	http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions
//	http://www.opengis.net/spec/cql2/1.0/conf/arithmetic
//
// The slice Conformance holds them. Beyond them the package also accepts the
// spatial functions S_DISJOINT, S_WITHIN, S_CONTAINS, S_TOUCHES, S_CROSSES,
// S_OVERLAPS and S_EQUALS, and literal or property operands on either side of
// a predicate, but it does not claim the classes Spatial Functions (it
// refuses a GEOMETRYCOLLECTION in all but S_INTERSECTS and S_DISJOINT:
// PostGIS decides the others for a point on boundaries shared by a
// collection's parts by GEOS's graph rules, which Eval does not reproduce)
// or Property-Property Comparisons (a spatial function needs a point on one
// side). Not implemented: ACCENTI
// (accent-insensitive comparison needs Unicode normalisation the standard
// library lacks), array functions, custom functions, 3D coordinates and
// six-number BBOX, and BBOX across the antimeridian.
//
// # Semantics
//
// Three-valued logic. Every comparison, LIKE, spatial and temporal function
// with a NULL operand is unknown; NOT unknown is unknown; AND is false if any
// argument is false, else unknown if any is; OR is true if any argument is
// true, else unknown if any is. The filter keeps a row only where it is true.
// a BETWEEN b AND c is a >= b AND a <= c, and a IN (b, c) is a = b OR a = c,
// each with these rules; the NOT forms are NOT around them. IS NULL is never
// unknown. A predicate used as a boolean value is NULL where it is unknown.
//
// Types. Check requires both sides of a comparison to have one type: string,
// number (integer and number queryables compare as float64), boolean (= and
// <> only), date, or timestamp. A date never compares with a timestamp
// (CQL2 leaves the cast to the implementation; this one refuses it). BETWEEN
// takes numbers, dates or timestamps. Strings order by Unicode code point (a
// SQL compiler must use COLLATE "C"). An equality test or IN list value
// outside a queryable's Enum, Minimum or Maximum is refused as a mistake.
//
// LIKE: % matches any run of characters, _ exactly one character, and a
// backslash makes the next character literal; a pattern may not end with a
// lone backslash. Matching is case-sensitive unless CASEI is applied.
//
// CASEI lower-cases with strings.ToLower (Unicode simple case mapping), the
// folding the rest of badiamap uses; a SQL compiler uses lower(), which
// agrees on the Latin and Arabic text the data holds. Both sides must be
// wrapped for a durable comparison, as CQL2 advises.
//
// Arithmetic: + - * / % DIV ^ on float64. / is real division (a SQL compiler
// casts integers to double precision), DIV truncates toward zero, % takes the
// sign of the dividend. Division or modulo by zero, overflow, and a power
// without a real result are NULL, not errors.
//
// Geometry. Literals are CRS84 longitude/latitude, checked to lie in range.
// The geometry queryable holds a point. With p the point and g the other
// operand, S_INTERSECTS is true when p lies in g or on its boundary (as
// PostGIS ST_Intersects), S_DISJOINT is its negation, S_WITHIN(p, g) needs p
// in g's interior (not on a polygon ring or a line's end point, by the OGC
// mod-2 boundary rule), S_TOUCHES needs p on g's boundary, S_CONTAINS(p, g)
// and S_EQUALS need every point of g to be p, and S_CROSSES and S_OVERLAPS
// are false, since a point has no boundary. Operands may come in either
// order: S_CONTAINS(g, p) is S_WITHIN(p, g). BBOX(a, b, c, d) is the
// polygon with corners (a b) and (c d).
//
// Whether a point lies on an edge is decided as PostGIS 3 decides it: on a
// polygon ring by the floating-point side test of its point-in-polygon
// shortcut (taken by ST_Intersects, ST_Within and ST_Contains), on a line
// exactly, as GEOS does. GEOS decides ST_Touches and ST_Disjoint exactly even
// for polygons, so to agree at points within rounding error of a ring a SQL
// compiler emits S_DISJOINT as NOT ST_Intersects and S_TOUCHES as
// ST_Intersects AND NOT ST_Within (with the point first); the PostGIS test in
// this package checks exactly those forms.
//
// Time. An instant is a date or a timestamp; an interval is closed at both
// ends, each a date, a timestamp, '..' (unbounded) or a date or timestamp
// property. An instant is the interval from it to itself. When both operands
// of a temporal function are dates, intervals are of whole days and compare
// by day, so T_MEETS(INTERVAL('2024-01-01','2024-01-05'),
// INTERVAL('2024-01-05','2024-01-09')) is true. When either is a timestamp,
// a date becomes its day from 00:00:00Z to 23:59:59.999999Z and both compare
// by microsecond. With [s1, e1] the first operand and [s2, e2] the second:
//
//	T_BEFORE       e1 < s2             T_AFTER        s1 > e2
//	T_MEETS        e1 = s2             T_METBY        s1 = e2
//	T_OVERLAPS     s1 < s2 < e1 < e2   T_OVERLAPPEDBY s2 < s1 < e2 < e1
//	T_STARTS       s1 = s2, e1 < e2    T_STARTEDBY    s1 = s2, e2 < e1
//	T_DURING       s2 < s1, e1 < e2    T_CONTAINS     s1 < s2, e2 < e1
//	T_FINISHES     s2 < s1, e1 = e2    T_FINISHEDBY   s1 < s2, e1 = e2
//	T_EQUALS       s1 = s2, e1 = e2    T_DISJOINT     T_BEFORE or T_AFTER
//	T_INTERSECTS   s1 <= e2 and s2 <= e1
//
// Only T_BEFORE, T_AFTER, T_DISJOINT, T_EQUALS and T_INTERSECTS take
// instants; CQL2 makes the others a client error on instants, and Check
// refuses them. An interval whose property end is NULL is NULL. An interval
// queryable (Type interval, Start and End naming two date queryables) is the
// interval INTERVAL(Start, End).
//
// # Limits
//
// Input is at most MaxInputBytes, nesting MaxDepth, nodes MaxNodes, an IN
// list MaxListLen items, all geometry literals together MaxVertices
// coordinates, and a string MaxStringBytes; an error names the limit.
// Timestamps carry at most microseconds, as PostgreSQL does.
//
// # Errors
//
// Every error for bad input is an *Error with the position (byte offset,
// line and column with a caret excerpt for text; a path such as
// args[1].args[0] for JSON), what is wrong, and a hint.
package cql2

// Conformance lists the URIs of the CQL2 conformance classes this package
// implements; a server declares these and no others.
var Conformance = []string{
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
	"http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
	"http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
	"http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/arithmetic",
}

// Parse parses a filter in the language named by filter-lang: "cql2-text"
// (also when lang is empty, the default of OGC API - Features - Part 3) or
// "cql2-json".
func Parse(filter, lang string) (Expr, error) {
	switch lang {
	case "", "cql2-text":
		return ParseText(filter)
	case "cql2-json":
		return ParseJSON([]byte(filter))
	}
	return nil, &Error{Pos: Pos{Offset: -1}, Msg: "unknown filter-lang '" + lang + "'", Hint: "use cql2-text or cql2-json"}
}
