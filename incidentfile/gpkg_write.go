package incidentfile

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/badiamap/badiamap/geo"
)

// The layers a GeoPackage export holds.
const (
	GPKGIncidentsLayer = "incidents"
	gpkgGeomColumn     = "geom"
	gpkgIDColumn       = "id"
)

// GPKGRegionLayer is the name of the layer that holds the regions of kind.
func GPKGRegionLayer(kind geo.RegionKind) string {
	switch kind {
	case geo.KindGovernorate:
		return "governorates"
	case geo.KindBadia:
		return "badia_regions"
	}
	return string(kind) + "_regions"
}

// GPKGMeta says where an export's data come from; every layer carries it in
// the GeoPackage Metadata extension (as GDAL metadata items, which ogrinfo
// and QGIS show) and in a line of gpkg_contents.description.
type GPKGMeta struct {
	Source     string    // who the incidents come from (the credit lines)
	Licence    string    // the licences of the data
	Filter     string    // the filter applied, in the API's query form; "" when every incident is exported
	ExportedAt time.Time // when; the zero time means now
}

const (
	gpkgApplicationID = 0x47504B47 // "GPKG" (Requirement 2)
	// gpkgUserVersion is GeoPackage 1.3.0 (Requirement 2): GDAL 3.6
	// (Debian 12's, and the QGIS built on it) warns that a 1.4 file "may
	// only be partially supported" and its validator wants the 1.3 triggers.
	gpkgUserVersion = 10300
	// gpkgCacheKiB bounds SQLite's page cache, and so the sorter the R-tree
	// build uses: the writer's memory whatever the number of incidents
	// (pages past it go to the file, sorted runs to temporary files). 8 MiB
	// keeps the peak RSS of an export of 1,000,000 incidents at about
	// ogr2ogr's (63 MB); 16 MiB took it to 102 MB for a few percent of speed.
	gpkgCacheKiB    = 8 << 10
	gpkgDateTime    = "2006-01-02T15:04:05.000Z" // DATETIME as GeoPackage wants it
	gdalMetadataURI = "http://gdal.org"
	rtreeDefinition = "http://www.geopackage.org/spec130/#extension_rtree"
)

//go:embed gpkg_core.sql
var gpkgCoreSQL string

// gpkgLayer is one feature table being written.
type gpkgLayer struct {
	table      string
	identifier string
	geomType   string
	ins        *sql.Stmt
	env        orb.Bound // of every non-empty geometry written, when hasEnv
	hasEnv     bool
	count      int
	// sources and attributions of the regions written (few, distinct).
	sources, attributions []string
}

func (l *gpkgLayer) extend(b orb.Bound) {
	if l.hasEnv {
		l.env = l.env.Union(b)
	} else {
		l.env, l.hasEnv = b, true
	}
}

// GPKGWriter writes an OGC GeoPackage (1.3) file: an incidents layer of
// points whose columns are Columns (typed: INTEGER, DOUBLE, TEXT, DATE,
// DATETIME; id is the feature id, longitude and latitude the geometry), and
// a layer of region polygons per kind given to WriteRegions, each with an
// R-tree spatial index and its metadata.
//
// Rows go straight into the SQLite file through prepared inserts in one
// transaction; SQLite's page cache is bounded (gpkgCacheKiB), so memory does
// not grow with the number of incidents. Close builds the spatial indexes
// from the rows, in bulk, and commits. The file is complete only after
// Close returns nil; the caller then streams it. There is no journal (the
// file is new and its own scratch space): after any error, or Abort, the
// caller removes the file.
//
// A DATE column holds a day: a date with a time of day keeps its UTC day
// (GeoJSON keeps the time). DATETIME columns hold milliseconds, in UTC.
type GPKGWriter struct {
	meta      GPKGMeta
	db        *sql.DB
	conn      *sql.Conn
	tx        *sql.Tx
	incidents *gpkgLayer
	regions   map[geo.RegionKind]*gpkgLayer
	layers    []*gpkgLayer // in the order created
	attrs     []column     // the incidents layer's attribute columns
	args      []any
	geom      []byte
	closed    bool
	err       error // the first failure; every later call returns it
}

// NewGPKGWriter creates the GeoPackage at path, which must not exist or be
// empty (as os.CreateTemp leaves it), with the incidents layer ready for Write.
func NewGPKGWriter(path string, meta GPKGMeta) (*GPKGWriter, error) {
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return nil, fmt.Errorf("GeoPackage: %s exists and is not empty", path)
	}
	if meta.ExportedAt.IsZero() {
		meta.ExportedAt = time.Now()
	}
	meta.ExportedAt = meta.ExportedAt.UTC()
	attrs, err := gpkgAttributeColumns()
	if err != nil {
		return nil, err
	}
	drv, err := gpkgSQLiteDriver()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	db := sql.OpenDB(gpkgConnector{drv: drv, dsn: "file:" + (&url.URL{Path: path}).EscapedPath()})
	gw := &GPKGWriter{meta: meta, db: db, regions: map[geo.RegionKind]*gpkgLayer{}, attrs: attrs}
	if err := gw.open(ctx); err != nil {
		gw.Abort()
		return nil, fmt.Errorf("GeoPackage %s: %w", path, err)
	}
	return gw, nil
}

func (gw *GPKGWriter) open(ctx context.Context) (err error) {
	if gw.conn, err = gw.db.Conn(ctx); err != nil {
		return err
	}
	for _, p := range []string{
		fmt.Sprintf("application_id = %d", gpkgApplicationID),
		fmt.Sprintf("user_version = %d", gpkgUserVersion),
		"journal_mode = OFF", // a new file: a failed export is removed, never rolled back
		"synchronous = OFF",  // the caller renames or streams the finished file
		"locking_mode = EXCLUSIVE",
		"temp_store = FILE",
		fmt.Sprintf("cache_size = -%d", gpkgCacheKiB),
	} {
		if _, err := gw.conn.ExecContext(ctx, "PRAGMA "+p); err != nil {
			return fmt.Errorf("PRAGMA %s: %w", p, err)
		}
	}
	if gw.tx, err = gw.conn.BeginTx(ctx, nil); err != nil {
		return err
	}
	if _, err := gw.tx.Exec(gpkgCoreSQL); err != nil {
		return fmt.Errorf("create the GeoPackage tables: %w", err)
	}
	cols := []string{quoteIdent(gpkgIDColumn), quoteIdent(gpkgGeomColumn)}
	defs := []string{quoteIdent(gpkgIDColumn) + " INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL", quoteIdent(gpkgGeomColumn) + " POINT"}
	for _, c := range gw.attrs {
		typ, _ := gpkgSQLType(c.kind)
		cols = append(cols, quoteIdent(c.name))
		defs = append(defs, quoteIdent(c.name)+" "+typ)
	}
	gw.incidents, err = gw.createLayer(GPKGIncidentsLayer, "badiamap incidents", "POINT", cols, defs)
	if err != nil {
		return err
	}
	gw.args = make([]any, len(cols))
	return nil
}

// createLayer creates a feature table with its gpkg_contents and
// gpkg_geometry_columns rows, and prepares its insert.
func (gw *GPKGWriter) createLayer(table, identifier, geomType string, cols, defs []string) (*gpkgLayer, error) {
	ddl := "CREATE TABLE " + quoteIdent(table) + " (\n  " + strings.Join(defs, ",\n  ") + "\n)"
	if _, err := gw.tx.Exec(ddl); err != nil {
		return nil, fmt.Errorf("create layer %s: %w", table, err)
	}
	if _, err := gw.tx.Exec(`INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id)
		VALUES (?, 'features', ?, '', ?, ?)`, table, identifier, gw.meta.ExportedAt.Format(gpkgDateTime), srsWGS84); err != nil {
		return nil, fmt.Errorf("layer %s: gpkg_contents: %w", table, err)
	}
	if _, err := gw.tx.Exec(`INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)`,
		table, gpkgGeomColumn, geomType, srsWGS84); err != nil {
		return nil, fmt.Errorf("layer %s: gpkg_geometry_columns: %w", table, err)
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
	ins, err := gw.tx.Prepare("INSERT INTO " + quoteIdent(table) + " (" + strings.Join(cols, ", ") + ") VALUES (" + marks + ")")
	if err != nil {
		return nil, fmt.Errorf("layer %s: prepare the insert: %w", table, err)
	}
	l := &gpkgLayer{table: table, identifier: identifier, geomType: geomType, ins: ins}
	gw.layers = append(gw.layers, l)
	return l, nil
}

// gpkgAttributeColumns are the columns of the incidents layer besides id and
// geom: every column GeoJSON carries in its properties, in the same order.
func gpkgAttributeColumns() ([]column, error) {
	var out []column
	for _, c := range columns {
		if c.geometry {
			continue
		}
		if _, err := gpkgSQLType(c.kind); err != nil {
			return nil, fmt.Errorf("GeoPackage: column %s: %w", c.name, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// gpkgSQLType is the GeoPackage data type (Table 1 of the standard) of a
// column of kind.
func gpkgSQLType(kind valueKind) (string, error) {
	switch kind {
	case kindText, kindJSON:
		return "TEXT", nil
	case kindInt:
		return "INTEGER", nil
	case kindFloat:
		return "DOUBLE", nil
	case kindDate:
		return "DATE", nil
	case kindTime:
		return "DATETIME", nil
	case kindBool:
		return "BOOLEAN", nil
	}
	return "", fmt.Errorf("no GeoPackage type for value kind %d", kind)
}

// gpkgValue turns a column's text into the value its GeoPackage type
// stores; "" is NULL.
func gpkgValue(kind valueKind, s string) (any, error) {
	if s == "" {
		return nil, nil
	}
	switch kind {
	case kindInt:
		return strconv.ParseInt(s, 10, 64)
	case kindFloat:
		return strconv.ParseFloat(s, 64)
	case kindDate:
		if len(s) == len(geo.DateLayout) {
			return s, nil
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, err
		}
		return t.UTC().Format(geo.DateLayout), nil
	case kindTime:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, err
		}
		return t.UTC().Format(gpkgDateTime), nil
	case kindBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, err
		}
		return map[bool]int64{false: 0, true: 1}[b], nil
	}
	if !utf8.ValidString(s) { // GeoPackage text is UTF-8
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s, nil
}

func (gw *GPKGWriter) usable() error {
	if gw.err != nil {
		return gw.err
	}
	if gw.closed {
		return errors.New("GeoPackage: write after close")
	}
	return nil
}

func (gw *GPKGWriter) fail(err error) error {
	if gw.err == nil {
		gw.err = err
	}
	return err
}

// Write inserts one incident into the incidents layer.
func (gw *GPKGWriter) Write(inc *geo.Incident) error {
	if err := gw.usable(); err != nil {
		return err
	}
	lon, lat := inc.Location[0], inc.Location[1]
	if math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0) {
		return gw.fail(fmt.Errorf("GeoPackage: incident %s has no valid coordinates", inc.ExternalID))
	}
	gw.args[0] = nil // SQLite numbers an incident the store has not
	if inc.ID != 0 {
		gw.args[0] = inc.ID
	}
	gw.geom = appendGPBPoint(gw.geom[:0], inc.Location)
	gw.args[1] = gw.geom
	for i, c := range gw.attrs {
		v, err := gpkgValue(c.kind, c.format(inc))
		if err != nil {
			return gw.fail(fmt.Errorf("GeoPackage: incident %s: %s: %w", inc.ExternalID, c.name, err))
		}
		gw.args[2+i] = v
	}
	if _, err := gw.incidents.ins.Exec(gw.args...); err != nil {
		return gw.fail(fmt.Errorf("GeoPackage: incident %s: %w", inc.ExternalID, err))
	}
	gw.incidents.extend(orb.Bound{Min: inc.Location, Max: inc.Location})
	gw.incidents.count++
	return nil
}

// Count is how many incidents have been written.
func (gw *GPKGWriter) Count() int { return gw.incidents.count }

// regionColumns are the columns of a region layer besides id and geom.
var regionColumns = []struct {
	name, sqlType string
	value         func(*geo.Region) any
}{
	{"code", "TEXT", func(r *geo.Region) any { return r.Code }},
	{"kind", "TEXT", func(r *geo.Region) any { return string(r.Kind) }},
	{"name_en", "TEXT", func(r *geo.Region) any { return nullIfEmpty(r.NameEN) }},
	{"name_ar", "TEXT", func(r *geo.Region) any { return nullIfEmpty(r.NameAR) }},
	{"parent", "TEXT", func(r *geo.Region) any { return nullIfEmpty(r.Parent) }},
	{"area_km2", "DOUBLE", func(r *geo.Region) any { return r.AreaKM2 }},
	{"source", "TEXT", func(r *geo.Region) any { return nullIfEmpty(r.Source) }},
	{"attribution", "TEXT", func(r *geo.Region) any { return nullIfEmpty(r.Attribution) }},
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

var regionIdentifiers = map[geo.RegionKind]string{
	geo.KindGovernorate: "Governorates",
	geo.KindBadia:       "Badia regions",
}

// WriteRegions adds the regions of kind (others in regions are skipped) to
// that kind's layer, GPKGRegionLayer(kind), created on the first call.
func (gw *GPKGWriter) WriteRegions(kind geo.RegionKind, regions []geo.Region) error {
	if err := gw.usable(); err != nil {
		return err
	}
	if !kind.Valid() {
		return fmt.Errorf("GeoPackage: unknown region kind %q", kind)
	}
	l := gw.regions[kind]
	if l == nil {
		cols := []string{quoteIdent(gpkgIDColumn), quoteIdent(gpkgGeomColumn)}
		defs := []string{quoteIdent(gpkgIDColumn) + " INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL", quoteIdent(gpkgGeomColumn) + " MULTIPOLYGON"}
		for _, c := range regionColumns {
			cols = append(cols, quoteIdent(c.name))
			defs = append(defs, quoteIdent(c.name)+" "+c.sqlType)
		}
		ident := regionIdentifiers[kind]
		if ident == "" {
			ident = string(kind) + " regions"
		}
		var err error
		if l, err = gw.createLayer(GPKGRegionLayer(kind), ident, "MULTIPOLYGON", cols, defs); err != nil {
			return gw.fail(fmt.Errorf("GeoPackage: %w", err))
		}
		gw.regions[kind] = l
	}
	args := make([]any, 2+len(regionColumns))
	for i := range regions {
		r := &regions[i]
		if r.Kind != kind {
			continue
		}
		gw.geom = appendGPBMultiPolygon(gw.geom[:0], r.Geom)
		args[0], args[1] = nil, gw.geom
		for j, c := range regionColumns {
			args[2+j] = c.value(r)
		}
		if _, err := l.ins.Exec(args...); err != nil {
			return gw.fail(fmt.Errorf("GeoPackage: region %s: %w", r.Code, err))
		}
		if env, empty := multiPolygonBound(r.Geom); !empty {
			l.extend(env)
		}
		l.count++
		l.sources = appendDistinct(l.sources, r.Source)
		l.attributions = appendDistinct(l.attributions, r.Attribution)
	}
	return nil
}

func appendDistinct(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, s)
}

// Close builds each layer's spatial index, writes the extents and the
// metadata, commits and closes the file. After an error it only closes
// the file (as Abort) and returns the error.
func (gw *GPKGWriter) Close() error {
	if gw.closed {
		return gw.err
	}
	if gw.err != nil {
		gw.Abort()
		return gw.err
	}
	if err := gw.finish(); err != nil {
		gw.fail(err)
		gw.Abort()
		return err
	}
	gw.closed = true
	return nil
}

func (gw *GPKGWriter) finish() error {
	for _, l := range gw.layers {
		if err := l.ins.Close(); err != nil {
			return err
		}
		if err := gw.spatialIndex(l); err != nil {
			return fmt.Errorf("GeoPackage: layer %s: spatial index: %w", l.table, err)
		}
		if err := gw.contents(l); err != nil {
			return fmt.Errorf("GeoPackage: layer %s: %w", l.table, err)
		}
	}
	if err := gw.metadata(nil, gw.packageMetadata()); err != nil {
		return fmt.Errorf("GeoPackage: metadata: %w", err)
	}
	if err := gw.tx.Commit(); err != nil {
		return fmt.Errorf("GeoPackage: commit: %w", err)
	}
	if err := gw.conn.Close(); err != nil {
		return err
	}
	return gw.db.Close()
}

// Abort closes the file without finishing it; the caller removes it.
func (gw *GPKGWriter) Abort() {
	gw.closed = true
	if gw.tx != nil {
		gw.tx.Rollback()
	}
	if gw.conn != nil {
		gw.conn.Close()
	}
	gw.db.Close()
}

// contents writes a layer's extent, description and metadata.
func (gw *GPKGWriter) contents(l *gpkgLayer) error {
	var minX, minY, maxX, maxY any
	if l.hasEnv {
		minX, minY, maxX, maxY = l.env.Min[0], l.env.Min[1], l.env.Max[0], l.env.Max[1]
	}
	if _, err := gw.tx.Exec(`UPDATE gpkg_contents SET description = ?, min_x = ?, min_y = ?, max_x = ?, max_y = ?
		WHERE table_name = ?`, gw.description(l), minX, minY, maxX, maxY, l.table); err != nil {
		return fmt.Errorf("gpkg_contents: %w", err)
	}
	return gw.metadata(l, gw.layerMetadata(l))
}

func (gw *GPKGWriter) filterText() string {
	if gw.meta.Filter == "" {
		return "none (every incident)"
	}
	return gw.meta.Filter
}

// description is the layer's line in gpkg_contents.
func (gw *GPKGWriter) description(l *gpkgLayer) string {
	at := gw.meta.ExportedAt.Format(time.RFC3339)
	if l == gw.incidents {
		return fmt.Sprintf("%d incidents of the Syrian Badia exported by badiamap at %s; filter: %s.", l.count, at, gw.filterText())
	}
	return fmt.Sprintf("%d %s exported by badiamap at %s; source: %s.", l.count, strings.ToLower(l.identifier), at, strings.Join(l.sources, "; "))
}

// metadataItem is one GDAL metadata item (key=value).
type metadataItem struct{ key, value string }

func (gw *GPKGWriter) packageMetadata() []metadataItem {
	return []metadataItem{
		{"TITLE", "badiamap export"},
		{"FILTER", gw.filterText()},
		{"EXPORTED_AT", gw.meta.ExportedAt.Format(time.RFC3339)},
		{"SOURCE", gw.meta.Source},
		{"LICENSE", gw.meta.Licence},
	}
}

func (gw *GPKGWriter) layerMetadata(l *gpkgLayer) []metadataItem {
	items := []metadataItem{{"EXPORTED_AT", gw.meta.ExportedAt.Format(time.RFC3339)}}
	if l == gw.incidents {
		items = append(items, metadataItem{"FILTER", gw.filterText()}, metadataItem{"SOURCE", gw.meta.Source})
	} else {
		items = append(items, metadataItem{"SOURCE", strings.Join(l.sources, "; ")},
			metadataItem{"ATTRIBUTION", strings.Join(l.attributions, "; ")})
	}
	return append(items, metadataItem{"LICENSE", gw.meta.Licence})
}

// metadata stores items in gpkg_metadata, in GDAL's metadata XML (which
// GDAL and QGIS read as the layer's, or with l nil the file's, metadata),
// and references them from gpkg_metadata_reference.
func (gw *GPKGWriter) metadata(l *gpkgLayer, items []metadataItem) error {
	var b strings.Builder
	b.WriteString("<GDALMultiDomainMetadata>\n  <Metadata>\n")
	for _, it := range items {
		if it.value == "" {
			continue
		}
		b.WriteString(`    <MDI key="`)
		xml.EscapeText(&b, []byte(it.key))
		b.WriteString(`">`)
		xml.EscapeText(&b, []byte(it.value))
		b.WriteString("</MDI>\n")
	}
	b.WriteString("  </Metadata>\n</GDALMultiDomainMetadata>\n")
	res, err := gw.tx.Exec(`INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) VALUES ('dataset', ?, 'text/xml', ?)`,
		gdalMetadataURI, b.String())
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	scope, table := "geopackage", any(nil)
	if l != nil {
		scope, table = "table", l.table
	}
	_, err = gw.tx.Exec(`INSERT INTO gpkg_metadata_reference (reference_scope, table_name, timestamp, md_file_id) VALUES (?, ?, ?, ?)`,
		scope, table, gw.meta.ExportedAt.Format(gpkgDateTime), id)
	return err
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
