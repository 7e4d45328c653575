package incidentfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"

	"github.com/badiamap/badiamap/geo"
)

// geojsonStream walks a FeatureCollection one feature at a time with
// encoding/json's token API, so only one feature is in memory.
type geojsonStream struct {
	dec    *json.Decoder
	lines  *lineCounter
	fields []int // indexes into columns that the reader parses
	index  int   // index of the next feature
	done   bool

	first     json.RawMessage // the first feature, read ahead to check the properties
	firstLine int
}

// lineCounter passes bytes through and remembers where the newlines are, so
// an offset the decoder reports can be turned into a line number. It only
// keeps the newlines the decoder has buffered but not yet consumed.
type lineCounter struct {
	r      io.Reader
	offset int64   // bytes read so far
	nl     []int64 // offsets of newlines not yet passed by lineAt
	passed int     // newlines before the last offset asked for
}

func (lc *lineCounter) Read(p []byte) (int, error) {
	n, err := lc.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '\n' {
			lc.nl = append(lc.nl, lc.offset+int64(i))
		}
	}
	lc.offset += int64(n)
	return n, err
}

// lineAt is the 1-based line of byte offset off; offsets must not decrease.
func (lc *lineCounter) lineAt(off int64) int {
	k := 0
	for k < len(lc.nl) && lc.nl[k] < off {
		k++
	}
	lc.passed += k
	lc.nl = lc.nl[k:]
	if cap(lc.nl) > 4096 && len(lc.nl) < cap(lc.nl)/4 { // let the passed ones be collected
		lc.nl = append([]int64(nil), lc.nl...)
	}
	return lc.passed + 1
}

// geojsonFeature is one Feature as our writer writes it.
type geojsonFeature struct {
	Type     string          `json:"type"`
	ID       json.RawMessage `json:"id"`
	Geometry *struct {
		Type        string    `json:"type"`
		Coordinates []float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties map[string]json.RawMessage `json:"properties"`
}

func openGeoJSON(r io.Reader, opt Options) (*geojsonStream, error) {
	lc := &lineCounter{r: r}
	dec := json.NewDecoder(lc)
	dec.UseNumber()
	gs := &geojsonStream{dec: dec, lines: lc, fields: ownFields(opt)}
	bad := func(detail string) error { return &FormatError{Detail: "GeoJSON: " + detail} }
	tok, err := dec.Token()
	if err != nil {
		return nil, bad("not valid JSON: " + err.Error())
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, bad("expected a FeatureCollection object")
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, bad("not valid JSON: " + err.Error())
		}
		if d, ok := tok.(json.Delim); ok && d == '}' {
			return nil, bad("the FeatureCollection has no \"features\" array")
		}
		key, _ := tok.(string)
		switch key {
		case "type":
			var t string
			if err := dec.Decode(&t); err != nil || t != "FeatureCollection" {
				return nil, bad("\"type\" is not \"FeatureCollection\"")
			}
			continue
		case "features":
			tok, err := dec.Token()
			if d, ok := tok.(json.Delim); err != nil || !ok || d != '[' {
				return nil, bad("\"features\" is not an array")
			}
			return gs, gs.readFirst()
		}
		var skip json.RawMessage // a foreign member: read and drop
		if err := dec.Decode(&skip); err != nil {
			return nil, bad("not valid JSON: " + err.Error())
		}
	}
}

// readFirst reads the first feature ahead and checks it carries our
// properties, so a GeoJSON of someone else's is refused at Open.
func (gs *geojsonStream) readFirst() error {
	raw, line, err := gs.readRaw()
	if err == io.EOF {
		gs.done = true
		return nil
	}
	if err != nil {
		return &FormatError{Detail: "GeoJSON: " + err.Error()}
	}
	var probe struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if json.Unmarshal(raw, &probe) == nil && probe.Properties != nil {
		var missing []string
		for _, name := range ownRequired {
			if columns[columnIndex(name)].geometry {
				continue
			}
			if _, ok := probe.Properties[name]; !ok {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			keys := make([]string, 0, len(probe.Properties))
			for k := range probe.Properties {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return &FormatError{Header: keys, Format: FormatGeoJSON, Missing: missing,
				Detail: "the first feature's properties are not badiamap's"}
		}
	}
	gs.first, gs.firstLine = raw, line
	return nil
}

// readRaw returns the next feature's bytes and the line it starts on, or
// io.EOF after the last one.
func (gs *geojsonStream) readRaw() (json.RawMessage, int, error) {
	if gs.done {
		return nil, 0, io.EOF
	}
	if !gs.dec.More() {
		gs.done = true
		if _, err := gs.dec.Token(); err != nil { // the closing ']'
			return nil, 0, fmt.Errorf("not valid JSON after feature %d: %w", gs.index, err)
		}
		if err := gs.drainTrailing(); err != nil {
			return nil, 0, err
		}
		return nil, 0, io.EOF
	}
	var raw json.RawMessage
	if err := gs.dec.Decode(&raw); err != nil {
		gs.done = true
		return nil, 0, fmt.Errorf("not valid JSON in feature %d: %w", gs.index, err)
	}
	start := gs.dec.InputOffset() - int64(len(raw))
	return raw, gs.lines.lineAt(start), nil
}

// drainTrailing reads the members after "features" so a truncated file is
// an error, not a silent short read.
func (gs *geojsonStream) drainTrailing() error {
	for {
		tok, err := gs.dec.Token()
		if err != nil {
			return fmt.Errorf("not valid JSON after the features: %w", err)
		}
		if d, ok := tok.(json.Delim); ok && d == '}' {
			return nil
		}
		var skip json.RawMessage
		if err := gs.dec.Decode(&skip); err != nil {
			return fmt.Errorf("not valid JSON after the features: %w", err)
		}
	}
}

func (rd *Reader) nextGeoJSON() (geo.Incident, *RowError, error) {
	gs := rd.gj
	raw, line := gs.first, gs.firstLine
	gs.first = nil
	if raw == nil {
		var err error
		raw, line, err = gs.readRaw()
		if err == io.EOF {
			return geo.Incident{}, nil, io.EOF
		}
		if err != nil {
			return geo.Incident{}, nil, fmt.Errorf("reading GeoJSON: %w", err)
		}
	}
	index := gs.index
	gs.index++
	var inc geo.Incident
	problems := gs.mapFeature(raw, &inc)
	return rd.finish(inc, problems, line, index)
}

// mapFeature reads one of our features: the geometry gives the location,
// the feature id the stable id, the properties every other field.
func (gs *geojsonStream) mapFeature(raw json.RawMessage, inc *geo.Incident) []error {
	var f geojsonFeature
	if err := json.Unmarshal(raw, &f); err != nil {
		return []error{&fieldError{"feature", "not a GeoJSON Feature: " + err.Error()}}
	}
	var errs []error
	if f.Type != "Feature" {
		errs = append(errs, &fieldError{"feature", fmt.Sprintf("type is %q, not \"Feature\"", clip(f.Type))})
	}
	switch g := f.Geometry; {
	case g == nil:
		errs = append(errs, &fieldError{"coordinates", "the feature has no geometry"})
		inc.Location = [2]float64{math.NaN(), math.NaN()}
	case g.Type != "Point" || len(g.Coordinates) < 2:
		errs = append(errs, &fieldError{"coordinates", fmt.Sprintf("geometry is a %q with %d coordinates, not a Point [longitude, latitude]", clip(g.Type), len(g.Coordinates))})
		inc.Location = [2]float64{math.NaN(), math.NaN()}
	default:
		inc.Location[0], inc.Location[1] = g.Coordinates[0], g.Coordinates[1]
	}
	for _, ci := range gs.fields {
		c := columns[ci]
		var text string
		var present bool
		if c.name == "id" {
			text, present = jsonText(f.ID)
		} else if c.geometry {
			continue
		} else {
			text, present = jsonText(f.Properties[c.name])
		}
		if !present {
			continue
		}
		if err := c.parse(inc, text); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// jsonText turns a property value into the text form the column parsers
// take: a string unquoted, a number as written, null or absent as "",
// arrays and objects as raw JSON.
func jsonText(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", len(raw) > 0
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			return s, true
		}
	}
	if raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9' {
		if _, err := strconv.ParseFloat(string(raw), 64); err == nil {
			return string(raw), true
		}
	}
	return string(raw), true
}

// FieldError is one field of an incident that cannot be stored as given.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// DecodeFeature reads one incident from a GeoJSON Feature with the
// properties the API writes, checked as an import checks a row: every
// field that cannot be read or stored is named (nil when it can). The
// store's own fields (id, governorate, region, join basis) are ignored.
func DecodeFeature(raw []byte) (geo.Incident, []FieldError) {
	gs := &geojsonStream{fields: ownFields(Options{})}
	var inc geo.Incident
	var out []FieldError
	failed := map[string]bool{}
	for _, p := range gs.mapFeature(raw, &inc) {
		var fe *fieldError
		if errors.As(p, &fe) {
			failed[fe.field] = true
			out = append(out, FieldError{fe.field, fe.reason})
		} else {
			out = append(out, FieldError{"feature", p.Error()})
		}
	}
	for _, e := range inc.Validate(geo.ValidateOptions{}) {
		var ve *geo.ValidationError
		if errors.As(e, &ve) && !failed[ve.Field] {
			out = append(out, FieldError{ve.Field, ve.Reason})
		}
	}
	return inc, out
}
