package incidentfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/idset"
)

// Format is a kind of incident file.
type Format string

const (
	FormatUCDP    Format = "ucdp-ged-csv"     // UCDP GED CSV, as UCDP's downloads and API write it
	FormatACLED   Format = "acled-csv"        // ACLED CSV export, with the codebook's column names
	FormatCSV     Format = "badiamap-csv"     // what CSVWriter writes
	FormatGeoJSON Format = "badiamap-geojson" // what GeoJSONWriter writes
)

// Formats lists every format Open accepts.
var Formats = []Format{FormatUCDP, FormatACLED, FormatCSV, FormatGeoJSON}

// Title is the format's name for people.
func (f Format) Title() string {
	switch f {
	case FormatUCDP:
		return "UCDP GED CSV"
	case FormatACLED:
		return "ACLED CSV"
	case FormatCSV:
		return "badiamap CSV"
	case FormatGeoJSON:
		return "badiamap GeoJSON"
	}
	return string(f)
}

// Options tune a Reader.
type Options struct {
	// AllowOutsideSyria accepts points far outside Syria (they are rejected
	// by default as probable errors).
	AllowOutsideSyria bool
	// KeepStoreFields reads the stable id, governorate and region from our
	// own CSV and GeoJSON instead of leaving them zero. A store recomputes
	// them anyway; this exists so an export can be compared field by field.
	KeepStoreFields bool
}

// RowError is one rejected row: where it is and every reason it is wrong.
type RowError struct {
	Line       int    // 1-based physical line of the row's start (the header is line 1); for GeoJSON the line the feature starts on
	Feature    int    // GeoJSON only: 0-based index of the feature in "features"; -1 for CSV
	ExternalID string // the row's external id with its scheme, "" when it has none
	Reasons    []string
}

func (e *RowError) Error() string {
	where := fmt.Sprintf("line %d", e.Line)
	if e.Feature >= 0 {
		where = fmt.Sprintf("feature %d (line %d)", e.Feature, e.Line)
	}
	if e.ExternalID != "" {
		where += " (" + e.ExternalID + ")"
	}
	return where + ": " + strings.Join(e.Reasons, "; ")
}

// ErrUnknownFormat is wrapped by the error Open returns for a file it cannot
// recognise.
var ErrUnknownFormat = errors.New("unknown incident file format")

// FormatError says why a header matched no format, or what a recognised
// format's header lacks.
type FormatError struct {
	Header  []string // the columns (or GeoJSON properties) found, clipped
	Format  Format   // the format the header looks closest to, "" when none
	Missing []string // the required columns that format lacks
	Detail  string   // what else was wrong (empty file, not a FeatureCollection, ...)
}

func (e *FormatError) Error() string {
	var b strings.Builder
	b.WriteString(ErrUnknownFormat.Error())
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	if e.Format != "" && len(e.Missing) > 0 {
		fmt.Fprintf(&b, ": looks like %s but lacks the column(s) %s", e.Format.Title(), strings.Join(e.Missing, ", "))
	} else if e.Header != nil {
		fmt.Fprintf(&b, ": the header (%s) matches none of the accepted formats", clip(strings.Join(e.Header, ", ")))
	}
	b.WriteString(". Accepted: ")
	for i, f := range Formats {
		if i > 0 {
			b.WriteString("; ")
		}
		if f == FormatGeoJSON {
			fmt.Fprintf(&b, "%s (a FeatureCollection of Point features with properties %s)", f.Title(), strings.Join(requiredColumns(f), ", "))
		} else {
			fmt.Fprintf(&b, "%s (columns %s)", f.Title(), strings.Join(requiredColumns(f), ", "))
		}
	}
	return b.String()
}

func (e *FormatError) Unwrap() error { return ErrUnknownFormat }

func requiredColumns(f Format) []string {
	switch f {
	case FormatUCDP:
		return ucdpRequired
	case FormatACLED:
		return acledRequired
	case FormatCSV:
		return ownRequired
	case FormatGeoJSON:
		return ownRequired[:2]
	}
	return nil
}

// rowMapper turns one CSV record into an incident; it returns the reasons
// the record cannot be read (parse errors, as fieldError).
type rowMapper func(rec []string, inc *geo.Incident) []error

// Reader reads incidents one at a time from a file whose format Open detected.
type Reader struct {
	format Format
	opt    Options
	seen   *idset.Set // external id -> line of its first row

	// CSV formats
	csv     *csv.Reader
	width   int
	mapRow  rowMapper
	pending []string // a record read ahead while looking for the HXL row
	pendErr error
	pendLn  int

	// GeoJSON
	gj *geojsonStream
}

// Open detects the format of r from its header and returns a Reader
// positioned on the first row. It reads only the header (and, for GeoJSON,
// the members before "features" and the first feature).
func Open(r io.Reader, opt Options) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	first, err := firstNonSpace(br)
	if err == io.EOF {
		return nil, &FormatError{Detail: "the file is empty"}
	}
	if err != nil {
		return nil, fmt.Errorf("reading the file: %w", err)
	}
	rd := &Reader{opt: opt, seen: idset.New()}
	if first == '{' || first == '[' {
		gj, err := openGeoJSON(br, opt)
		if err != nil {
			return nil, err
		}
		rd.format, rd.gj = FormatGeoJSON, gj
		return rd, nil
	}
	return rd, rd.openCSV(br)
}

func firstNonSpace(br *bufio.Reader) (byte, error) {
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if len(b) < i {
			return 0, err
		}
		switch c := b[i-1]; c {
		case ' ', '\t', '\r', '\n':
			if i >= 4096 { // a file of blanks: treat as empty rather than scan on
				return 0, io.EOF
			}
		default:
			return c, nil
		}
	}
}

func (rd *Reader) openCSV(r io.Reader) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // we check the width ourselves, per row
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err == io.EOF {
		return &FormatError{Detail: "the file is empty"}
	}
	if err != nil {
		return &FormatError{Detail: "the header is not valid CSV: " + err.Error()}
	}
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	format, mapper, missing := detectCSV(header, rd.opt)
	if mapper == nil {
		return &FormatError{Header: header, Format: format, Missing: missing}
	}
	rd.format, rd.csv, rd.width, rd.mapRow = format, cr, len(header), mapper
	// An HXL hashtag row right under the header is metadata, not an incident.
	rec, err := cr.Read()
	line := recordLine(cr, rec, err)
	if err == nil && isHXLRow(rec) {
		return nil
	}
	rd.pending, rd.pendErr, rd.pendLn = rec, err, line
	if rec == nil && err == nil {
		rd.pendErr = io.EOF
	}
	return nil
}

// recordLine is the line a record read without error starts on (FieldPos
// panics after an error).
func recordLine(cr *csv.Reader, rec []string, err error) int {
	if err != nil || len(rec) == 0 {
		return 0
	}
	line, _ := cr.FieldPos(0)
	return line
}

// isHXLRow reports whether rec is an HXL hashtag row: every non-empty cell
// starts with '#', and at least one does.
func isHXLRow(rec []string) bool {
	tags := 0
	for _, c := range rec {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if c[0] != '#' {
			return false
		}
		tags++
	}
	return tags > 0
}

// detectCSV picks the format a header belongs to and builds its row mapper;
// mapper is nil when the header is not acceptable, with the closest format
// and what it lacks.
func detectCSV(header []string, opt Options) (Format, rowMapper, []string) {
	idx := make(map[string]int, len(header))
	for i, h := range header {
		if _, dup := idx[h]; !dup {
			idx[h] = i
		}
	}
	candidates := []struct {
		f        Format
		required []string
		build    func(map[string]int, Options) rowMapper
	}{
		{FormatUCDP, ucdpRequired, newUCDPMapper},
		{FormatACLED, acledRequired, newACLEDMapper},
		{FormatCSV, ownRequired, newOwnCSVMapper},
	}
	best, bestMissing, bestHave := Format(""), []string(nil), 0
	for _, c := range candidates {
		var missing []string
		for _, col := range c.required {
			if _, ok := idx[col]; !ok {
				missing = append(missing, col)
			}
		}
		if len(missing) == 0 {
			return c.f, c.build(idx, opt), nil
		}
		if have := len(c.required) - len(missing); have > bestHave && have*2 >= len(c.required) {
			best, bestMissing, bestHave = c.f, missing, have
		}
	}
	return best, nil, bestMissing
}

// Format is the format Open detected.
func (rd *Reader) Format() Format { return rd.format }

// Next returns the next row: a valid incident (rowErr and err nil), or a
// rejected row (rowErr set), or err: io.EOF at the end, or a fatal error
// when the rest of the file cannot be read.
func (rd *Reader) Next() (inc geo.Incident, rowErr *RowError, err error) {
	if rd.gj != nil {
		return rd.nextGeoJSON()
	}
	return rd.nextCSV()
}

func (rd *Reader) nextCSV() (geo.Incident, *RowError, error) {
	var rec []string
	var err error
	var line int
	if rd.pending != nil || rd.pendErr != nil {
		rec, err, line = rd.pending, rd.pendErr, rd.pendLn
		rd.pending, rd.pendErr = nil, nil
	} else {
		before := rd.csv.InputOffset()
		rec, err = rd.csv.Read()
		line = recordLine(rd.csv, rec, err)
		if err != nil && rd.csv.InputOffset() == before && err != io.EOF {
			return geo.Incident{}, nil, fmt.Errorf("reading CSV: %w", err)
		}
	}
	if err == io.EOF {
		return geo.Incident{}, nil, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return geo.Incident{}, &RowError{Line: pe.StartLine, Feature: -1, Reasons: []string{"csv: " + pe.Err.Error()}}, nil
		}
		return geo.Incident{}, nil, fmt.Errorf("reading CSV: %w", err)
	}
	if len(rec) != rd.width {
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			return rd.nextCSV() // a blank line is not a row
		}
		return geo.Incident{}, &RowError{Line: line, Feature: -1,
			Reasons: []string{fmt.Sprintf("row has %d fields, the header has %d", len(rec), rd.width)}}, nil
	}
	var inc geo.Incident
	var problems []error
	for _, cell := range rec {
		if !utf8.ValidString(cell) {
			problems = append(problems, &fieldError{"encoding", "the row is not valid UTF-8 text"})
			break
		}
	}
	if problems == nil {
		problems = rd.mapRow(rec, &inc)
	}
	return rd.finish(inc, problems, line, -1)
}

// finish validates a mapped row, checks its id is new in this file, and
// returns either the incident or its RowError.
func (rd *Reader) finish(inc geo.Incident, problems []error, line, feature int) (geo.Incident, *RowError, error) {
	var reasons []string
	failed := map[string]bool{}
	for _, p := range problems {
		reasons = append(reasons, p.Error())
		var fe *fieldError
		if errors.As(p, &fe) {
			failed[fe.field] = true
		}
	}
	if !failed["encoding"] {
		for _, e := range inc.Validate(geo.ValidateOptions{AllowOutsideSyria: rd.opt.AllowOutsideSyria}) {
			var ve *geo.ValidationError
			if errors.As(e, &ve) && failed[ve.Field] {
				continue // already reported as unparseable
			}
			reasons = append(reasons, e.Error())
		}
	}
	if id := inc.ExternalID; id != "" {
		if first, dup := rd.seen.Get(id); dup {
			reasons = append(reasons, fmt.Sprintf("id: duplicate external id %s, first seen on line %d", id, first))
		} else {
			rd.seen.Add(id, int64(line))
		}
	}
	if len(reasons) > 0 {
		return geo.Incident{}, &RowError{Line: line, Feature: feature, ExternalID: clip(inc.ExternalID), Reasons: reasons}, nil
	}
	return inc, nil, nil
}
