package cql2

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// ParseJSON parses a cql2-json filter. Positions in the result and in errors
// are paths such as args[1].args[0].
func ParseJSON(src []byte) (Expr, error) {
	e, err := parseJSON(src)
	if err != nil {
		return nil, err
	}
	return e, nil
}

func parseJSON(src []byte) (Expr, *Error) {
	if len(src) > MaxInputBytes {
		return nil, errorf(Pos{Offset: -1}, "filter is longer than %d bytes", MaxInputBytes)
	}
	if err := jsonDepth(src); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, errorf(Pos{Offset: int(syn.Offset)}, "malformed JSON: %s", syn.Error()).locate(string(src))
		}
		return nil, errorf(Pos{Offset: len(src)}, "malformed JSON: %s", err.Error()).locate(string(src))
	}
	if dec.More() {
		return nil, errorf(Pos{Offset: int(dec.InputOffset())}, "more than one JSON value").locate(string(src))
	}
	p := &jsonParser{}
	return p.expr(v, "", 0)
}

// jsonDepth refuses deep nesting before the decoder recurses into it.
func jsonDepth(src []byte) *Error {
	depth, inString, escaped := 0, false, false
	for i, c := range src {
		switch {
		case inString:
			if escaped {
				escaped = false
			} else if c == '\\' {
				escaped = true
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			if depth > maxJSONDepth {
				return errorf(Pos{Offset: i}, "filter nests deeper than %d levels", MaxDepth).locate(string(src))
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return nil
}

type jsonParser struct {
	nodes int
	geom  geomBudget
}

func at(path string) Pos { return Pos{Offset: -1, Path: path} }

func join(path, member string) string {
	if path == "" {
		return member
	}
	if strings.HasPrefix(member, "[") {
		return path + member
	}
	return path + "." + member
}

func (p *jsonParser) count(path string) *Error {
	p.nodes++
	if p.nodes > MaxNodes {
		return errorf(at(path), "filter has more than %d terms", MaxNodes).hint("split it into simpler filters")
	}
	return nil
}

// jsonOps maps a cql2-json operator, lower-cased, to what it builds.
var jsonCompare = map[string]CompareOp{"=": Eq, "<>": Ne, "<": Lt, ">": Gt, "<=": Le, ">=": Ge}
var jsonArith = map[string]ArithOp{"+": Add, "-": Sub, "*": Mul, "/": Div, "%": Mod, "div": IntDiv, "^": Pow}

func describeJSON(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, strconv.Quote(k))
		}
		sort.Strings(keys)
		return "an object with " + strings.Join(keys, ", ")
	}
	return fmt.Sprintf("%T", v)
}

func (p *jsonParser) expr(v any, path string, depth int) (Expr, *Error) {
	// One level fewer than text allows, so the text form of anything parsed
	// here parses again (text counts the outermost expression as a level).
	if depth >= MaxDepth {
		return nil, errorf(at(path), "filter nests deeper than %d levels", MaxDepth)
	}
	pos := at(path)
	if err := p.count(path); err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case bool:
		return &Bool{Pos: pos, Value: v}, nil
	case json.Number:
		f, err := number(v, pos)
		if err != nil {
			return nil, err
		}
		return &Number{Pos: pos, Value: f}, nil
	case string:
		if err := checkString(v, pos); err != nil {
			return nil, err
		}
		return &String{Pos: pos, Value: v}, nil
	case map[string]any:
		return p.object(v, path, depth)
	case nil:
		return nil, errorf(pos, "null is not an expression").hint("test for missing values with {\"op\":\"isNull\",\"args\":[...]}")
	}
	return nil, errorf(pos, "expected an expression, found %s", describeJSON(v)).hint("an array stands only as the list of \"in\"")
}

func number(n json.Number, pos Pos) (float64, *Error) {
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) {
		return 0, errorf(pos, "number %s is out of range", n)
	}
	return f, nil
}

// only rejects members of an object other than the given ones.
func only(m map[string]any, pos Pos, allowed ...string) *Error {
	for k := range m {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			return errorf(pos, "unexpected member %q in %s", k, describeJSON(m)).hint("this object takes %s", strings.Join(allowed, ", "))
		}
	}
	return nil
}

func (p *jsonParser) object(m map[string]any, path string, depth int) (Expr, *Error) {
	pos := at(path)
	str := func(key string) (string, *Error) {
		s, ok := m[key].(string)
		if !ok {
			return "", errorf(pos, "%q must be a string, not %s", key, describeJSON(m[key]))
		}
		return s, nil
	}
	switch {
	case m["op"] != nil:
		if err := only(m, pos, "op", "args"); err != nil {
			return nil, err
		}
		return p.op(m, path, depth)
	case m["property"] != nil:
		if err := only(m, pos, "property"); err != nil {
			return nil, err
		}
		name, err := str("property")
		if err != nil {
			return nil, err
		}
		if err := checkName(name, pos); err != nil {
			return nil, err
		}
		return &Property{Pos: pos, Name: name}, nil
	case m["date"] != nil:
		if err := only(m, pos, "date"); err != nil {
			return nil, err
		}
		s, err := str("date")
		if err != nil {
			return nil, err
		}
		return parseDate(s, pos)
	case m["timestamp"] != nil:
		if err := only(m, pos, "timestamp"); err != nil {
			return nil, err
		}
		s, err := str("timestamp")
		if err != nil {
			return nil, err
		}
		return parseTimestamp(s, pos)
	case m["interval"] != nil:
		if err := only(m, pos, "interval"); err != nil {
			return nil, err
		}
		return p.interval(m["interval"], path)
	case m["bbox"] != nil && m["type"] == nil:
		if err := only(m, pos, "bbox"); err != nil {
			return nil, err
		}
		nums, err := numbers(m["bbox"], at(join(path, "bbox")))
		if err != nil {
			return nil, err
		}
		return newBBox(pos, nums)
	case m["type"] != nil:
		g, err := p.geoJSON(m, path, true)
		if err != nil {
			return nil, err
		}
		return &Geometry{Pos: pos, Geom: g}, nil
	}
	return nil, errorf(pos, "expected an expression, found %s", describeJSON(m)).
		hint(`an expression object has "op" and "args", or "property", "date", "timestamp", "interval", "bbox" or a GeoJSON "type"`)
}

func numbers(v any, pos Pos) ([]float64, *Error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, errorf(pos, "expected an array of numbers, found %s", describeJSON(v))
	}
	if len(arr) > 6 {
		return nil, errorf(pos, "expected at most six numbers, found %d", len(arr))
	}
	out := make([]float64, len(arr))
	for i, x := range arr {
		n, ok := x.(json.Number)
		if !ok {
			return nil, errorf(at(join(pos.Path, fmt.Sprintf("[%d]", i))), "expected a number, found %s", describeJSON(x))
		}
		f, err := number(n, pos)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

func (p *jsonParser) interval(v any, path string) (Expr, *Error) {
	ipath := join(path, "interval")
	arr, ok := v.([]any)
	if !ok || len(arr) != 2 {
		return nil, errorf(at(ipath), "an interval is an array of two ends").hint(`write {"interval": ["2024-01-01", ".."]}`)
	}
	var ends [2]Expr
	for i, x := range arr {
		epath := join(ipath, fmt.Sprintf("[%d]", i))
		switch x := x.(type) {
		case string:
			e, err := intervalEnd(x, at(epath))
			if err != nil {
				return nil, err
			}
			ends[i] = e
		case map[string]any:
			if _, ok := x["property"]; !ok || len(x) != 1 {
				return nil, errorf(at(epath), "an interval end is a date or timestamp string, \"..\" or a property")
			}
			e, err := p.object(x, epath, 0)
			if err != nil {
				return nil, err
			}
			ends[i] = e
		default:
			return nil, errorf(at(epath), "an interval end is a date or timestamp string, \"..\" or a property, not %s", describeJSON(x))
		}
		if err := p.count(epath); err != nil {
			return nil, err
		}
	}
	return newInterval(at(path), ends[0], ends[1])
}

func (p *jsonParser) args(m map[string]any, path string, op string, n int) ([]any, *Error) {
	arr, ok := m["args"].([]any)
	if !ok {
		return nil, errorf(at(path), "%q needs \"args\", an array", op)
	}
	switch {
	case n > 0 && len(arr) != n:
		return nil, errorf(at(join(path, "args")), "%q takes %d arguments, not %d", op, n, len(arr))
	case n < 0 && len(arr) < -n:
		return nil, errorf(at(join(path, "args")), "%q takes at least %d arguments, not %d", op, -n, len(arr))
	}
	return arr, nil
}

func (p *jsonParser) op(m map[string]any, path string, depth int) (Expr, *Error) {
	pos := at(path)
	name, ok := m["op"].(string)
	if !ok {
		return nil, errorf(pos, "\"op\" must be a string, not %s", describeJSON(m["op"]))
	}
	lname := strings.ToLower(name)
	if !knownOp(lname) {
		return nil, unsupportedFunction(pos, name)
	}
	arity := 2
	switch lname {
	case "and", "or":
		arity = -2
	case "not", "isnull", "casei":
		arity = 1
	case "between":
		arity = 3
	}
	raw, err := p.args(m, path, name, arity)
	if err != nil {
		return nil, err
	}
	arg := func(i int) (Expr, *Error) {
		return p.expr(raw[i], join(path, fmt.Sprintf("args[%d]", i)), depth+1)
	}
	all := func() ([]Expr, *Error) {
		out := make([]Expr, len(raw))
		for i := range raw {
			e, err := arg(i)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	}
	if lname == "in" {
		left, err := arg(0)
		if err != nil {
			return nil, err
		}
		lpath := join(path, "args[1]")
		list, ok := raw[1].([]any)
		if !ok || len(list) == 0 {
			return nil, errorf(at(lpath), "the second argument of \"in\" is a non-empty array of values")
		}
		if len(list) > MaxListLen {
			return nil, errorf(at(lpath), "IN list has more than %d items", MaxListLen)
		}
		in := &In{Pos: pos, Expr: left}
		for i, x := range list {
			e, err := p.expr(x, join(lpath, fmt.Sprintf("[%d]", i)), depth+1)
			if err != nil {
				return nil, err
			}
			in.List = append(in.List, e)
		}
		return in, nil
	}
	args, err := all()
	if err != nil {
		return nil, err
	}
	switch lname {
	case "and":
		return &And{Pos: pos, Args: args}, nil
	case "or":
		return &Or{Pos: pos, Args: args}, nil
	case "not":
		return &Not{Pos: pos, Arg: args[0]}, nil
	case "isnull":
		return &IsNull{Pos: pos, Expr: args[0]}, nil
	case "casei":
		return &CaseI{Pos: pos, Expr: args[0]}, nil
	case "like":
		if err := checkPattern(args[1]); err != nil {
			return nil, err
		}
		return &Like{Pos: pos, Expr: args[0], Pattern: args[1]}, nil
	case "between":
		return &Between{Pos: pos, Expr: args[0], Low: args[1], High: args[2]}, nil
	}
	if op, ok := jsonCompare[lname]; ok {
		return &Compare{Pos: pos, Op: op, Left: args[0], Right: args[1]}, nil
	}
	if op, ok := jsonArith[lname]; ok {
		return &Arith{Pos: pos, Op: op, Left: args[0], Right: args[1]}, nil
	}
	if op := SpatialOp(strings.ToUpper(name)); isSpatialOp(op) {
		return &Spatial{Pos: pos, Op: op, Left: args[0], Right: args[1]}, nil
	}
	op := TemporalOp(strings.ToUpper(name))
	return &Temporal{Pos: pos, Op: op, Left: args[0], Right: args[1]}, nil
}

// knownOp reports whether a lower-cased cql2-json operator is supported.
func knownOp(op string) bool {
	switch op {
	case "and", "or", "not", "isnull", "casei", "like", "between", "in":
		return true
	}
	_, cmp := jsonCompare[op]
	_, arith := jsonArith[op]
	return cmp || arith || isSpatialOp(SpatialOp(strings.ToUpper(op))) || temporalOps[TemporalOp(strings.ToUpper(op))] != ""
}

// geoJSON converts a GeoJSON geometry object.
func (p *jsonParser) geoJSON(m map[string]any, path string, top bool) (orb.Geometry, *Error) {
	pos := at(path)
	typ, _ := m["type"].(string)
	if typ == "GeometryCollection" {
		if !top {
			return nil, errorf(pos, "geometry collections cannot nest")
		}
		if err := only(m, pos, "type", "geometries", "bbox"); err != nil {
			return nil, err
		}
		arr, ok := m["geometries"].([]any)
		if !ok || len(arr) == 0 {
			return nil, errorf(pos, "a GeometryCollection needs \"geometries\", a non-empty array")
		}
		var gc orb.Collection
		for i, x := range arr {
			gpath := join(path, fmt.Sprintf("geometries[%d]", i))
			gm, ok := x.(map[string]any)
			if !ok {
				return nil, errorf(at(gpath), "expected a GeoJSON geometry, found %s", describeJSON(x))
			}
			g, err := p.geoJSON(gm, gpath, false)
			if err != nil {
				return nil, err
			}
			gc = append(gc, g)
		}
		return gc, nil
	}
	if err := only(m, pos, "type", "coordinates", "bbox"); err != nil {
		return nil, err
	}
	c := m["coordinates"]
	cpath := join(path, "coordinates")
	switch typ {
	case "Point":
		return p.position(c, cpath)
	case "MultiPoint":
		var mp orb.MultiPoint
		err := eachItem(c, cpath, func(x any, ipath string) *Error {
			pt, err := p.position(x, ipath)
			mp = append(mp, pt)
			return err
		})
		if err == nil && len(mp) == 0 {
			err = errorf(at(cpath), "empty geometries are not supported")
		}
		return mp, err
	case "LineString":
		return p.lineString(c, cpath)
	case "MultiLineString":
		var ml orb.MultiLineString
		err := eachItem(c, cpath, func(x any, ipath string) *Error {
			ls, err := p.lineString(x, ipath)
			ml = append(ml, ls)
			return err
		})
		if err == nil && len(ml) == 0 {
			err = errorf(at(cpath), "empty geometries are not supported")
		}
		return ml, err
	case "Polygon":
		return p.polygon(c, cpath)
	case "MultiPolygon":
		var mp orb.MultiPolygon
		err := eachItem(c, cpath, func(x any, ipath string) *Error {
			pg, err := p.polygon(x, ipath)
			mp = append(mp, pg)
			return err
		})
		if err == nil && len(mp) == 0 {
			err = errorf(at(cpath), "empty geometries are not supported")
		}
		return mp, err
	}
	return nil, errorf(pos, "unknown GeoJSON geometry type %q", typ).
		hint("use Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon or GeometryCollection")
}

func eachItem(v any, path string, fn func(any, string) *Error) *Error {
	arr, ok := v.([]any)
	if !ok {
		return errorf(at(path), "expected an array, found %s", describeJSON(v))
	}
	for i, x := range arr {
		if err := fn(x, join(path, fmt.Sprintf("[%d]", i))); err != nil {
			return err
		}
	}
	return nil
}

func (p *jsonParser) position(v any, path string) (orb.Point, *Error) {
	nums, err := numbers(v, at(path))
	if err != nil {
		return orb.Point{}, err
	}
	switch len(nums) {
	case 2:
	case 3, 4:
		return orb.Point{}, errorf(at(path), "3D coordinates are not supported").hint("give [lon, lat] only")
	default:
		return orb.Point{}, errorf(at(path), "a position is [lon, lat]")
	}
	pt := orb.Point{nums[0], nums[1]}
	return pt, p.geom.point(pt, at(path))
}

func (p *jsonParser) lineString(v any, path string) (orb.LineString, *Error) {
	var ls orb.LineString
	err := eachItem(v, path, func(x any, ipath string) *Error {
		pt, err := p.position(x, ipath)
		ls = append(ls, pt)
		return err
	})
	if err != nil {
		return nil, err
	}
	return ls, checkLine(ls, at(path))
}

func (p *jsonParser) polygon(v any, path string) (orb.Polygon, *Error) {
	var pg orb.Polygon
	err := eachItem(v, path, func(x any, ipath string) *Error {
		ls, err := p.lineString(x, ipath)
		if err != nil {
			return err
		}
		pg = append(pg, orb.Ring(ls))
		return checkRing(orb.Ring(ls), at(ipath))
	})
	if err == nil && len(pg) == 0 {
		err = errorf(at(path), "empty geometries are not supported")
	}
	return pg, err
}
