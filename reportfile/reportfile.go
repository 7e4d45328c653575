// Package reportfile reads published reports from files into geo.Report
// values: the running-total snapshot JSON of
// ../shared/data/reports/sohr_badia_snapshots.json, and a simple CSV of
// claims, one claim a row. docs/REPORTS.md describes both formats.
//
// Readers check the form of a file (dates, names, numbers) and return every
// problem with its entry or line; whether a claim's region is loaded and its
// figure is sane is for the store (geo.ValidateReport) to say.
package reportfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/badiamap/badiamap/geo"
)

// Format names a report file format.
type Format string

const (
	FormatSnapshots Format = "snapshots-json" // sohr_badia_snapshots.json
	FormatClaimsCSV Format = "claims-csv"     // one claim a row
)

// CSVColumns is the header of a claims CSV, in this order; the optional
// columns may follow.
var CSVColumns = []string{"report_id", "publisher", "title", "url", "language", "published_on",
	"period_start", "period_end", "scope", "metric", "value", "where"}

// CSVOptionalColumns may follow CSVColumns.
var CSVOptionalColumns = []string{"published_estimated", "regions_incomplete", "notes"}

// Detect tells a report file's format from its first bytes (a kilobyte or
// more): a JSON array whose objects have the snapshot keys, or a CSV whose
// header starts with CSVColumns. ok is false for anything else, an incident
// file say.
func Detect(head []byte) (Format, bool) {
	b := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(b) > 0 && b[0] == '[' {
		if bytes.Contains(b, []byte(`"headline_total_killed"`)) || bytes.Contains(b, []byte(`"period_start"`)) {
			return FormatSnapshots, true
		}
		return "", false
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	rec, err := csv.NewReader(bytes.NewReader(line)).Read()
	if err != nil || len(rec) < len(CSVColumns) {
		return "", false
	}
	for i, c := range CSVColumns {
		if strings.ToLower(strings.TrimSpace(rec[i])) != c {
			return "", false
		}
	}
	return FormatClaimsCSV, true
}

// Errors is every problem a file has; reading stops at none of them, and
// none of the file is to be imported.
type Errors []error

func (e Errors) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return fmt.Sprintf("%d problems: %s", len(e), strings.Join(msgs, "; "))
}

// Read reads a report file of either format, told apart by Detect.
func Read(r io.Reader) ([]geo.Report, Format, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, "", err
	}
	head := data
	if len(head) > 4096 {
		head = head[:4096]
	}
	f, ok := Detect(head)
	if !ok {
		return nil, "", errors.New("not a report file: want a snapshots JSON array or a claims CSV with the header " + strings.Join(CSVColumns, ","))
	}
	var reps []geo.Report
	switch f {
	case FormatSnapshots:
		reps, err = ReadSnapshots(bytes.NewReader(data))
	default:
		reps, err = ReadClaimsCSV(bytes.NewReader(data))
	}
	return reps, f, err
}

// regionCodes maps the region names of the snapshot file (and of a claims
// CSV, beside plain codes) to Badia region codes.
var regionCodes = map[string]string{
	"deir_ez_zor":    "BADIA-SY09",
	"homs":           "BADIA-SY04",
	"raqqa":          "BADIA-SY11",
	"hama":           "BADIA-SY05",
	"aleppo":         "BADIA-SY02",
	"rural_damascus": "BADIA-SY03",
	"hasakeh":        "BADIA-SY08",
	"other:suwayda":  "BADIA-SY13",
	"suwayda":        "BADIA-SY13",
}

// RegionCode is the Badia region code of a region name of the snapshot
// file, or of a code given as such; false when it names none.
func RegionCode(name string) (string, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	if c, ok := regionCodes[n]; ok {
		return c, true
	}
	if up := strings.ToUpper(strings.TrimSpace(name)); geo.IsBadiaCode(up) {
		return up, true
	}
	return "", false
}
