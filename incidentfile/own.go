package incidentfile

import (
	"github.com/badiamap/badiamap/geo"
)

// ownFields lists, for our own formats, which columns a reader parses:
// everything but derived totals, and the store's fields only on request.
func ownFields(opt Options) []int {
	var out []int
	for i, c := range columns {
		if c.parse == nil || c.storeField && !opt.KeepStoreFields {
			continue
		}
		out = append(out, i)
	}
	return out
}

// newOwnCSVMapper reads what CSVWriter writes: one column per field of
// geo.Incident (see columns). Unknown extra columns are ignored, missing
// optional ones leave their field zero.
func newOwnCSVMapper(idx map[string]int, opt Options) rowMapper {
	type field struct{ col, rec int }
	var fields []field
	for _, ci := range ownFields(opt) {
		if ri, ok := idx[columns[ci].name]; ok {
			fields = append(fields, field{ci, ri})
		}
	}
	return func(rec []string, inc *geo.Incident) []error {
		var errs []error
		for _, f := range fields {
			v := rec[f.rec]
			if columns[f.col].textual() {
				v = UnescapeFormula(v) // what CSVWriter escaped
			}
			if err := columns[f.col].parse(inc, v); err != nil {
				errs = append(errs, err)
			}
		}
		return errs
	}
}
