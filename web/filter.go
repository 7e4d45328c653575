package web

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/paulmach/orb"
)

// The query parameters of the one filter grammar every endpoint accepts.
const (
	ParamGovernorate  = "governorate"
	ParamRegion       = "region"
	ParamFrom         = "from"
	ParamTo           = "to"
	ParamEventType    = "event_type"
	ParamSubEventType = "sub_event_type"
	ParamPerpetrator  = "perpetrator"
	ParamVictim       = "victim"
	ParamMinKilled    = "min_killed"
	ParamBBox         = "bbox"
	ParamText         = "q"
	ParamSource       = "source"
)

// FilterParams lists the filter grammar's parameters in the order they are
// documented and echoed back.
var FilterParams = []string{ParamGovernorate, ParamRegion, ParamFrom, ParamTo, ParamEventType,
	ParamSubEventType, ParamPerpetrator, ParamVictim, ParamMinKilled, ParamBBox, ParamText, ParamSource}

// Limits that keep a hostile query from costing more than a real one.
const (
	maxTextLen     = 200     // q and every list value, in characters
	maxListValues  = 50      // values of one list parameter, all occurrences together
	maxMinKilled   = 1000000 // min_killed
	maxQueryLength = 16384   // the raw query string, in bytes
)

// ParamError is a query parameter the server cannot accept: an unknown name,
// a repeated single value or a value out of its grammar. It becomes a 400.
type ParamError struct {
	Param   string // the parameter at fault
	Value   string // the value given, cut to a readable length ("" for an unknown parameter)
	Reason  string // what is wrong, as a sentence fragment
	Accepts string // what the parameter accepts
}

func (e *ParamError) Error() string {
	msg := fmt.Sprintf("parameter %q: %s", e.Param, e.Reason)
	if e.Accepts != "" {
		msg += "; it accepts " + e.Accepts
	}
	return msg
}

func paramErr(param, value, reason, accepts string) *ParamError {
	return &ParamError{Param: param, Value: clip(value, 80), Reason: reason, Accepts: accepts}
}

// clip shortens s to at most n runes so an error never echoes a huge input.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

var badiaCodePattern = regexp.MustCompile(`^BADIA-SY(0[1-9]|1[0-4])$`)

// ParseIncidentFilter parses the filter grammar out of q. regions are the
// known regions: Badia region codes are checked against them (against the
// pattern BADIA-SY01..14 when none is a Badia region) and governorate names
// against their English and Arabic names as well as incidentfile's gazetteer.
// extra names the endpoint's own parameters, which it parses itself; any
// other parameter is an error, so a typo never silently widens a download.
func ParseIncidentFilter(q url.Values, regions []geo.Region, extra ...string) (geo.IncidentFilter, error) {
	var f geo.IncidentFilter
	if err := checkKnown(q, extra); err != nil {
		return f, err
	}
	var err error
	if f.Governorates, err = parseGovernorates(q[ParamGovernorate], regions); err != nil {
		return f, err
	}
	if f.Regions, err = parseRegions(q[ParamRegion], regions); err != nil {
		return f, err
	}
	if f.From, err = parseDate(q, ParamFrom); err != nil {
		return f, err
	}
	if f.To, err = parseDate(q, ParamTo); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.From.After(f.To) {
		return f, paramErr(ParamFrom, q.Get(ParamFrom), "is after to="+q.Get(ParamTo), "a date on or before to")
	}
	if f.EventTypes, err = parseList(q, ParamEventType, "ACLED event types such as Battles"); err != nil {
		return f, err
	}
	if f.SubEventTypes, err = parseList(q, ParamSubEventType, "ACLED sub-event types such as Armed clash"); err != nil {
		return f, err
	}
	if f.Perpetrators, err = parseList(q, ParamPerpetrator, "actor names, matched as case-insensitive substrings"); err != nil {
		return f, err
	}
	if f.Victims, err = parseVictims(q[ParamVictim]); err != nil {
		return f, err
	}
	if f.MinKilled, err = parseMinKilled(q); err != nil {
		return f, err
	}
	if f.BBox, err = parseBBox(q, ParamBBox); err != nil {
		return f, err
	}
	if f.Text, err = parseText(q); err != nil {
		return f, err
	}
	if f.Sources, err = parseList(q, ParamSource, "source names such as SOHR"); err != nil {
		return f, err
	}
	return f, nil
}

func checkKnown(q url.Values, extra []string) error {
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names) // the same query always names the same parameter
	for _, name := range names {
		if !isFilterParam(name) && !containsString(extra, name) {
			accepts := append(append([]string{}, FilterParams...), extra...)
			return unknownParam(name, "only "+strings.Join(accepts, ", "))
		}
	}
	return nil
}

// onlyParams rejects any parameter but the allowed ones, for endpoints
// that take no filter.
func onlyParams(q url.Values, allowed ...string) error {
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !containsString(allowed, name) {
			accepts := "no parameters"
			if len(allowed) > 0 {
				accepts = "only " + strings.Join(allowed, ", ")
			}
			return unknownParam(name, accepts)
		}
	}
	return nil
}

func unknownParam(name, accepts string) *ParamError {
	if name == "" {
		return &ParamError{Param: "(empty name)", Reason: "a parameter has an empty name (a stray = or &=)", Accepts: accepts}
	}
	return &ParamError{Param: clip(name, 80), Reason: "is not a parameter of this endpoint", Accepts: accepts}
}

func isFilterParam(name string) bool { return containsString(FilterParams, name) }

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// single returns the one value of a parameter that takes one, "" when absent.
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

// splitList splits repeated and comma-separated values, trimmed, dropping
// empty items, and enforces the per-value and per-list limits.
func splitList(q url.Values, name, accepts string) ([]string, error) {
	var out []string
	for _, v := range q[name] {
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			if !utf8.ValidString(item) || strings.ContainsFunc(item, isControl) {
				return nil, paramErr(name, item, "holds bytes that are not printable UTF-8 text", accepts)
			}
			if utf8.RuneCountInString(item) > maxTextLen {
				return nil, paramErr(name, item, fmt.Sprintf("has a value longer than %d characters", maxTextLen), accepts)
			}
			if len(out) == maxListValues {
				return nil, paramErr(name, item, fmt.Sprintf("has more than %d values", maxListValues), accepts)
			}
			if !containsString(out, item) {
				out = append(out, item)
			}
		}
	}
	return out, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func parseList(q url.Values, name, accepts string) ([]string, error) {
	return splitList(q, name, accepts+" (repeatable or comma-separated)")
}

const governorateAccepts = "an OCHA p-code SY01-SY14 or an English or Arabic governorate name such as Homs or حمص (repeatable or comma-separated)"

func parseGovernorates(values []string, regions []geo.Region) ([]string, error) {
	items, err := splitList(url.Values{ParamGovernorate: values}, ParamGovernorate, governorateAccepts)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, item := range items {
		code := governorateCode(item, regions)
		if code == "" {
			return nil, paramErr(ParamGovernorate, item, "names no governorate", governorateAccepts)
		}
		if !containsString(out, code) {
			out = append(out, code)
		}
	}
	return out, nil
}

// governorateCode resolves a p-code or name, first against the regions the
// store holds, then against the gazetteer of spellings sources use.
func governorateCode(name string, regions []geo.Region) string {
	for _, r := range regions {
		if r.Kind != geo.KindGovernorate {
			continue
		}
		if strings.EqualFold(r.Code, name) || strings.EqualFold(r.NameEN, name) || r.NameAR == name {
			return r.Code
		}
	}
	return incidentfile.Admin1PCode(name)
}

func regionAccepts(regions []geo.Region) string {
	codes := badiaCodes(regions)
	if len(codes) == 0 {
		return "a Badia region code BADIA-SY01 to BADIA-SY14 (repeatable or comma-separated)"
	}
	return "a Badia region code: " + strings.Join(codes, ", ") + " (repeatable or comma-separated)"
}

func badiaCodes(regions []geo.Region) []string {
	var codes []string
	for _, r := range regions {
		if r.Kind == geo.KindBadia {
			codes = append(codes, r.Code)
		}
	}
	sort.Strings(codes)
	return codes
}

func parseRegions(values []string, regions []geo.Region) ([]string, error) {
	accepts := regionAccepts(regions)
	items, err := splitList(url.Values{ParamRegion: values}, ParamRegion, accepts)
	if err != nil {
		return nil, err
	}
	known := badiaCodes(regions)
	var out []string
	for _, item := range items {
		code := strings.ToUpper(item)
		ok := badiaCodePattern.MatchString(code)
		if ok && len(known) > 0 {
			ok = containsString(known, code)
		}
		if !ok {
			return nil, paramErr(ParamRegion, item, "is not a known Badia region", accepts)
		}
		if !containsString(out, code) {
			out = append(out, code)
		}
	}
	return out, nil
}

const dateAccepts = "a calendar date YYYY-MM-DD such as 2024-01-31"

func parseDate(q url.Values, name string) (time.Time, error) {
	v, err := single(q, name, dateAccepts)
	if err != nil || v == "" {
		return time.Time{}, err
	}
	d, err := time.Parse(geo.DateLayout, v)
	if err != nil || len(v) != len(geo.DateLayout) {
		return time.Time{}, paramErr(name, v, "is not a valid date", dateAccepts)
	}
	if d.Year() < 1900 || d.Year() > 2200 {
		return time.Time{}, paramErr(name, v, "is out of range", "a date between 1900-01-01 and 2200-12-31")
	}
	return d, nil
}

var victimAccepts = func() string {
	names := make([]string, len(geo.VictimGroups))
	for i, g := range geo.VictimGroups {
		names[i] = string(g)
	}
	return "one of " + strings.Join(names, ", ") + " (repeatable or comma-separated)"
}()

func parseVictims(values []string) ([]geo.VictimGroup, error) {
	items, err := splitList(url.Values{ParamVictim: values}, ParamVictim, victimAccepts)
	if err != nil {
		return nil, err
	}
	var out []geo.VictimGroup
	for _, item := range items {
		found := false
		for _, g := range geo.VictimGroups {
			if strings.EqualFold(string(g), item) {
				found = true
				if !containsVictim(out, g) {
					out = append(out, g)
				}
			}
		}
		if !found {
			return nil, paramErr(ParamVictim, item, "is not a victim group", victimAccepts)
		}
	}
	return out, nil
}

func containsVictim(list []geo.VictimGroup, g geo.VictimGroup) bool {
	for _, v := range list {
		if v == g {
			return true
		}
	}
	return false
}

func parseMinKilled(q url.Values) (int, error) {
	accepts := fmt.Sprintf("a whole number from 0 to %d", maxMinKilled)
	v, err := single(q, ParamMinKilled, accepts)
	if err != nil || v == "" {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxMinKilled {
		return 0, paramErr(ParamMinKilled, v, "is not a whole number in range", accepts)
	}
	return n, nil
}

const bboxAccepts = "minLon,minLat,maxLon,maxLat in WGS84 degrees, such as 36.5,33.5,41.5,36.0 (longitudes -180..180, latitudes -90..90, min <= max)"

// parseBBox parses a 2D bbox; OGC clients may send a 3D one
// (minLon,minLat,minZ,maxLon,maxLat,maxZ), whose heights are ignored.
func parseBBox(q url.Values, name string) (*orb.Bound, error) {
	v, err := single(q, name, bboxAccepts)
	if err != nil || v == "" {
		return nil, err
	}
	parts := strings.Split(v, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return nil, paramErr(name, v, fmt.Sprintf("has %d numbers, not 4", len(parts)), bboxAccepts)
	}
	nums := make([]float64, len(parts))
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, paramErr(name, v, fmt.Sprintf("has %q, which is not a number", clip(p, 30)), bboxAccepts)
		}
		nums[i] = x
	}
	if len(nums) == 6 {
		nums = []float64{nums[0], nums[1], nums[3], nums[4]}
	}
	minLon, minLat, maxLon, maxLat := nums[0], nums[1], nums[2], nums[3]
	switch {
	case minLon < -180 || maxLon > 180 || minLon > 180 || maxLon < -180:
		return nil, paramErr(name, v, "has a longitude outside -180..180", bboxAccepts)
	case minLat < -90 || maxLat > 90 || minLat > 90 || maxLat < -90:
		return nil, paramErr(name, v, "has a latitude outside -90..90", bboxAccepts)
	case minLon > maxLon:
		return nil, paramErr(name, v, "is inverted: its minimum longitude is greater than its maximum", bboxAccepts)
	case minLat > maxLat:
		return nil, paramErr(name, v, "is inverted: its minimum latitude is greater than its maximum", bboxAccepts)
	}
	return &orb.Bound{Min: orb.Point{minLon, minLat}, Max: orb.Point{maxLon, maxLat}}, nil
}

func parseText(q url.Values) (string, error) {
	accepts := fmt.Sprintf("text of at most %d characters, matched in place names and notes", maxTextLen)
	v, err := single(q, ParamText, accepts)
	if err != nil || v == "" {
		return "", err
	}
	if !utf8.ValidString(v) || strings.ContainsFunc(v, isControl) {
		return "", paramErr(ParamText, v, "holds bytes that are not printable UTF-8 text", accepts)
	}
	if utf8.RuneCountInString(v) > maxTextLen {
		return "", paramErr(ParamText, v, fmt.Sprintf("is longer than %d characters", maxTextLen), accepts)
	}
	return v, nil
}

// FilterQuery is the canonical query of f: the parameters that reproduce it,
// with lists in a stable order. Next links, download names and the filter
// echoed in responses are built from it.
func FilterQuery(f geo.IncidentFilter) url.Values {
	q := url.Values{}
	add := func(name string, vs []string) {
		if len(vs) > 0 {
			s := append([]string{}, vs...)
			sort.Strings(s)
			q.Set(name, strings.Join(s, ","))
		}
	}
	add(ParamGovernorate, f.Governorates)
	add(ParamRegion, f.Regions)
	if !f.From.IsZero() {
		q.Set(ParamFrom, f.From.Format(geo.DateLayout))
	}
	if !f.To.IsZero() {
		q.Set(ParamTo, f.To.Format(geo.DateLayout))
	}
	add(ParamEventType, f.EventTypes)
	add(ParamSubEventType, f.SubEventTypes)
	add(ParamPerpetrator, f.Perpetrators)
	victims := make([]string, len(f.Victims))
	for i, v := range f.Victims {
		victims[i] = string(v)
	}
	add(ParamVictim, victims)
	if f.MinKilled > 0 {
		q.Set(ParamMinKilled, strconv.Itoa(f.MinKilled))
	}
	if f.BBox != nil {
		q.Set(ParamBBox, formatBBox(*f.BBox))
	}
	if f.Text != "" {
		q.Set(ParamText, f.Text)
	}
	add(ParamSource, f.Sources)
	return q
}

func formatBBox(b orb.Bound) string {
	ff := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	return ff(b.Min[0]) + "," + ff(b.Min[1]) + "," + ff(b.Max[0]) + "," + ff(b.Max[1])
}

// filterJSON is the filter as echoed in responses: one member per parameter
// given, lists as arrays.
func filterJSON(f geo.IncidentFilter) map[string]any {
	out := map[string]any{}
	for name, vs := range FilterQuery(f) {
		switch name {
		case ParamFrom, ParamTo, ParamBBox, ParamText:
			out[name] = vs[0]
		case ParamMinKilled:
			out[name] = f.MinKilled
		default:
			out[name] = strings.Split(vs[0], ",")
		}
	}
	if f.BBox != nil {
		out[ParamBBox] = []float64{f.BBox.Min[0], f.BBox.Min[1], f.BBox.Max[0], f.BBox.Max[1]}
	}
	return out
}
