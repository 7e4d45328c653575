// Package incidentfile reads and writes incident files: UCDP GED CSV, ACLED
// CSV and badiamap's own CSV and GeoJSON on the way in, and GeoJSON, CSV (with
// an optional HXL row), KML and GeoPackage on the way out.
//
// Everything streams. A Reader yields one incident (or one rejected row) at a
// time, and the writers emit each incident as it is written, so memory does
// not grow with the size of a file. The one exception is the duplicate check:
// a Reader remembers every external id it has seen in the file. A GeoPackage
// is a SQLite file, not a stream: GPKGWriter writes it on disk through a
// bounded page cache, and the caller sends the file when it is complete.
//
// How each source column becomes a field of geo.Incident is documented on the
// mapping functions and, in one place, in MAPPING.md.
package incidentfile
