package request

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Param is one query parameter of the grammar, as the API description
// gives it.
type Param struct {
	Name    string
	Doc     string         // what it does, one sentence
	Accepts string         // what values it takes, as errors say it
	Schema  map[string]any // its JSON Schema (OpenAPI 3.0)
	Example string         // a value the parser accepts
	// Required params must be given; the rest may be left out.
	Required bool
	// List marks a parameter that takes several values, repeated or
	// comma-separated (bbox is one value of four numbers, not a list).
	List bool
}

// Names are the names of params, in order.
func Names(params []Param) []string {
	out := make([]string, len(params))
	for i, p := range params {
		out[i] = p.Name
	}
	return out
}

// Join lists params of several groups as one list, in order.
func Join(groups ...[]Param) []Param {
	var out []Param
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// Limits that keep a hostile query from costing more than a real one.
const (
	MaxTextLen     = 200     // q and every list value, in characters
	MaxListValues  = 50      // values of one list parameter, all occurrences together
	MaxMinKilled   = 1000000 // min_killed
	MaxQueryLength = 16384   // the raw query string, in bytes
)

// Only refuses every parameter of q that is not among allowed, so a typo
// never silently widens a download.
func Only(q url.Values, allowed []Param) error {
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names) // the same query always names the same parameter
	for _, name := range names {
		if slices.ContainsFunc(allowed, func(p Param) bool { return p.Name == name }) {
			continue
		}
		accepts := "no parameters"
		if len(allowed) > 0 {
			accepts = "only " + strings.Join(Names(allowed), ", ")
		}
		if name == "" {
			return &Error{Param: "(empty name)", Reason: "a parameter has an empty name (a stray = or &=)", Accepts: accepts}
		}
		return &Error{Param: Clip(name, 80), Reason: "is not a parameter of this endpoint", Accepts: accepts}
	}
	for _, p := range allowed {
		if p.Required && len(q[p.Name]) == 0 {
			return paramErr(p.Name, "", "is required", p.Accepts)
		}
	}
	return nil
}

// single is the one value of a parameter that takes one, "" when absent.
func single(q url.Values, name, accepts string) (string, error) {
	vs := q[name]
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
		return strings.TrimSpace(vs[0]), nil
	}
	return "", paramErr(name, strings.Join(vs, "&"), "is given more than once", "a single value: "+accepts)
}

// text is a single free-text value, checked for printable UTF-8 and length.
func textParam(q url.Values, p Param) (string, error) {
	v, err := single(q, p.Name, p.Accepts)
	if err != nil || v == "" {
		return "", err
	}
	if !utf8.ValidString(v) || strings.ContainsFunc(v, isControl) {
		return "", paramErr(p.Name, v, "holds bytes that are not printable UTF-8 text", p.Accepts)
	}
	if utf8.RuneCountInString(v) > MaxTextLen {
		return "", paramErr(p.Name, v, fmt.Sprintf("is longer than %d characters", MaxTextLen), p.Accepts)
	}
	return v, nil
}

// list splits repeated and comma-separated values, trimmed, dropping empty
// items and repeats, and enforces the per-value and per-list limits.
func list(q url.Values, p Param) ([]string, error) {
	var out []string
	for _, v := range q[p.Name] {
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			if !utf8.ValidString(item) || strings.ContainsFunc(item, isControl) {
				return nil, paramErr(p.Name, item, "holds bytes that are not printable UTF-8 text", p.Accepts)
			}
			if utf8.RuneCountInString(item) > MaxTextLen {
				return nil, paramErr(p.Name, item, fmt.Sprintf("has a value longer than %d characters", MaxTextLen), p.Accepts)
			}
			if len(out) == MaxListValues {
				return nil, paramErr(p.Name, item, fmt.Sprintf("has more than %d values", MaxListValues), p.Accepts)
			}
			if !slices.Contains(out, item) {
				out = append(out, item)
			}
		}
	}
	return out, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// choice is a single value out of a fixed set, matched case-insensitively;
// def when absent.
func choice(q url.Values, p Param, def string, values ...string) (string, error) {
	v, err := single(q, p.Name, p.Accepts)
	if err != nil || v == "" {
		return def, err
	}
	for _, want := range values {
		if strings.EqualFold(v, want) {
			return want, nil
		}
	}
	return "", paramErr(p.Name, v, "is not one of the values it takes", p.Accepts)
}

// wholeNumber is a single integer in [lo, hi]; def when absent.
func wholeNumber(q url.Values, p Param, def, lo, hi int) (int, error) {
	v, err := single(q, p.Name, p.Accepts)
	if err != nil || v == "" {
		return def, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, paramErr(p.Name, v, "is not a whole number in range", p.Accepts)
	}
	return n, nil
}

// Bool reads a yes/no parameter (1/0, true/false, yes/no); false when absent.
func Bool(q url.Values, p Param) (bool, error) {
	v, err := single(q, p.Name, p.Accepts)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(v) {
	case "", "0", "false", "no":
		return false, nil
	case "1", "true", "yes":
		return true, nil
	}
	return false, paramErr(p.Name, v, "is not a yes/no value", p.Accepts)
}

func strSchema() map[string]any { return map[string]any{"type": "string"} }

func listSchema(items map[string]any) map[string]any {
	return map[string]any{"type": "array", "items": items}
}

func enumSchema(values ...string) map[string]any {
	return map[string]any{"type": "string", "enum": values}
}

func dateSchema() map[string]any { return map[string]any{"type": "string", "format": "date"} }

func intSchema(lo, hi int) map[string]any {
	s := map[string]any{"type": "integer", "minimum": lo}
	if hi > 0 {
		s["maximum"] = hi
	}
	return s
}
