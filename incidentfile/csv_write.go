package incidentfile

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"github.com/badiamap/badiamap/geo"
)

// CSVWriter streams incidents as badiamap CSV: the header of Columns and
// the point column, an optional HXL hashtag row (https://hxlstandard.org)
// for humanitarian data tools, then one row per incident. Text cells go
// through EscapeFormula; numbers are written as they are. Reader reads it
// back, HXL row or not, and takes the added quote off again.
//
// The last column, CSVGeometryColumn, is the point as POINT (lon lat). It
// comes after every other column so the ACLED/UCDP-style names keep their
// places; GeoJSON, KML and GeoPackage carry the point as geometry and do
// not have it, and Reader ignores it (longitude and latitude are the point).
type CSVWriter struct {
	w       *csv.Writer
	hxl     bool
	started bool
	closed  bool
	rec     []string
	count   int
}

// CSVGeometryColumn is the name of the CSV's point column, chosen for GDAL's
// CSV driver (ogrinfo, QGIS): a column named WKT or starting with _WKT is a
// WKT geometry, and in such a name _EPSG_n sets the layer's CRS and _POINT
// its geometry type (OGRCSVLayer::BuildFeatureDefn; tried with GDAL 3.6.2),
// so the file opens as a Point layer in WGS 84 with no option or companion
// file, where a plain WKT column opens as "Unknown (any)" without a CRS.
// csvGeometryHXL is its HXL hashtag.
const (
	CSVGeometryColumn = "_WKT_EPSG_4326_POINT"
	csvGeometryHXL    = "#geo+wkt"
)

// NewCSVWriter returns a writer to w; hxl adds the hashtag row under the header.
func NewCSVWriter(w io.Writer, hxl bool) *CSVWriter {
	return &CSVWriter{w: csv.NewWriter(w), hxl: hxl, rec: make([]string, len(columns)+1)}
}

func (cw *CSVWriter) start() error {
	if cw.started {
		return nil
	}
	cw.started = true
	if err := cw.w.Write(append(Columns(), CSVGeometryColumn)); err != nil {
		return err
	}
	if cw.hxl {
		return cw.w.Write(append(HXLTags(), csvGeometryHXL))
	}
	return nil
}

// Write appends one row.
func (cw *CSVWriter) Write(inc *geo.Incident) error {
	if cw.closed {
		return errors.New("CSV: write after close")
	}
	if err := cw.start(); err != nil {
		return err
	}
	for i, c := range columns {
		v := c.format(inc)
		if c.textual() {
			v = EscapeFormula(v)
		}
		cw.rec[i] = v
	}
	cw.rec[len(columns)] = "POINT (" + formatFloat(inc.Location[0]) + " " + formatFloat(inc.Location[1]) + ")"
	if err := cw.w.Write(cw.rec); err != nil {
		return err
	}
	cw.count++
	return nil
}

// Count is how many rows have been written.
func (cw *CSVWriter) Count() int { return cw.count }

// Flush sends what is buffered to the underlying writer.
func (cw *CSVWriter) Flush() error {
	cw.w.Flush()
	return cw.w.Error()
}

// Close writes the header if no row did, and flushes.
func (cw *CSVWriter) Close() error {
	if cw.closed {
		return nil
	}
	cw.closed = true
	if err := cw.start(); err != nil {
		return err
	}
	return cw.Flush()
}

// EscapeFormula neutralizes a CSV text cell that a spreadsheet would run as
// a formula (OWASP, "CSV Injection"): text starting with = + - @, a tab or
// a carriage return gets a leading single quote, which spreadsheets show
// as text and do not evaluate. Text that starts with quotes before such a
// character gets one more, so that UnescapeFormula gives back exactly what
// was escaped. Numbers are never passed here.
func EscapeFormula(s string) string {
	if formulaLike(s) {
		return "'" + s
	}
	return s
}

// UnescapeFormula is EscapeFormula's inverse: it removes the quote
// EscapeFormula added, and leaves every other text alone.
func UnescapeFormula(s string) string {
	if strings.HasPrefix(s, "'") && formulaLike(s[1:]) {
		return s[1:]
	}
	return s
}

// formulaLike reports whether s, past any leading single quotes, starts
// with a character that makes a spreadsheet cell a formula.
func formulaLike(s string) bool {
	rest := strings.TrimLeft(s, "'")
	return rest != "" && strings.ContainsRune("=+-@\t\r", rune(rest[0]))
}
