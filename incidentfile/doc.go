// Package incidentfile reads and writes incident files: UCDP GED CSV, ACLED
// CSV and badiamap's own CSV and GeoJSON on the way in, and GeoJSON, CSV (with
// an optional HXL row) and KML on the way out.
//
// Everything streams. A Reader yields one incident (or one rejected row) at a
// time, and the writers emit each incident as it is written, so memory does
// not grow with the size of a file. The one exception is the duplicate check:
// a Reader remembers every external id it has seen in the file.
//
// How each source column becomes a field of geo.Incident is documented on the
// mapping functions and, in one place, in MAPPING.md.
package incidentfile
