package geo

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Vector tiles (Mapbox Vector Tile 2.1) of the incidents and regions, on the
// Web Mercator (EPSG:3857) tile grid of ST_TileEnvelope and every web map.
//
// Both stores build the same tile for the same TileRequest, by these rules:
//
//   - An incident belongs to exactly one tile of a zoom: the one whose
//     EPSG:3857 box holds its point with the west and north edges included
//     and the east and south edges excluded (minx <= X < maxx, miny < Y <= maxy).
//     Points carry no buffer, so the incidents of a zoom's tiles add up to
//     every incident once.
//   - Below ClusterBelowZoom, a tile's incidents come as clusters instead:
//     the tile is cut into ClusterGrid x ClusterGrid cells, an incident's cell
//     is cx = floor((X-minx)/cell), cy = floor((maxy-Y)/cell) with
//     cell = (maxx-minx)/ClusterGrid, and each non-empty cell is one feature of
//     layer "clusters" placed at the mean EPSG:3857 position of its points,
//     with feature id cy*ClusterGrid+cx+1 and the ClusterFields properties.
//   - At and above ClusterBelowZoom each incident is one feature of layer
//     "incidents", its feature id the stable incident id, with the
//     IncidentFields the request names (DefaultIncidentProperties unless it
//     asks for others, "all" for every one), valued as the GeoJSON API has them.
//   - At most MaxFeatures incident or cluster features go in a tile: the
//     first by killed descending, then id ascending. When some are left out
//     the tile has a layer "tile_info" with one point at the tile centre and
//     the TileInfoFields properties; a tile with nothing left out has none.
//   - Only incidents a map may draw go in a tile, as points or clusters:
//     those located to within a district (Located.Drawn, GeoPrecision 1-3);
//     TileRequest.DrawnFilter adds that to the request's filter. A coarser
//     location is a centroid, counted in region tables, never drawn.
//   - Governorates and Badia regions are polygons clipped to the tile with a
//     TileBuffer margin and simplified to TileSimplifyUnits tile units.
//
// Coordinates are quantised to a TileExtent grid, so the two stores' tiles
// agree to within a tile unit, not byte for byte.

// TileLayer names what a tile request asks for.
type TileLayer string

const (
	TileIncidents    TileLayer = "incidents"     // incidents, clustered below the cluster zoom
	TileGovernorates TileLayer = "governorates"  // governorate polygons
	TileBadiaRegions TileLayer = "badia_regions" // Badia region polygons
	TileAll          TileLayer = "all"           // every layer in one tile
)

// TileLayers lists the layers a request may name, in a stable order.
var TileLayers = []TileLayer{TileIncidents, TileGovernorates, TileBadiaRegions, TileAll}

// The names of the MVT layers inside a tile.
const (
	MVTIncidents    = "incidents"
	MVTClusters     = "clusters"
	MVTGovernorates = "governorates"
	MVTBadiaRegions = "badia_regions"
	MVTTileInfo     = "tile_info"
)

// Tile geometry and limits.
const (
	MaxTileZoom             = 22
	TileExtent              = 4096 // MVT coordinate grid per tile side
	TileBuffer              = 64   // polygon margin beyond the tile edge, in tile units
	TileSimplifyUnits       = 1.0  // polygon simplification tolerance, in tile units
	ClusterGrid             = 64   // cluster cells per tile side
	ClusterTopIDs           = 5    // ids of the deadliest incidents a cluster names
	DefaultClusterBelowZoom = 8
	DefaultMaxTileFeatures  = 20000
)

// WebMercatorMax is the half width of the EPSG:3857 world, as ST_TileEnvelope has it.
const WebMercatorMax = 20037508.342789244

// earthRadius is the sphere EPSG:3857 projects from.
const earthRadius = 6378137.0

// TileRequest asks a TileStore for one tile.
type TileRequest struct {
	Layer   TileLayer
	Z, X, Y int
	Filter  IncidentFilter // applies to the incidents (and their clusters)
	// ClusterBelowZoom: tiles of a lower zoom hold clusters; 0 means
	// DefaultClusterBelowZoom and a negative value never clusters.
	ClusterBelowZoom int
	// MaxFeatures bounds the incident or cluster features of a tile; 0 means
	// DefaultMaxTileFeatures.
	MaxFeatures int
	// Properties names the IncidentFields an "incidents" feature carries,
	// in IncidentFields order (ParseTileProperties makes such a list); nil
	// means DefaultIncidentProperties.
	Properties []string
}

// TileStore is what a store that builds vector tiles itself offers; both
// stores do, and the contract suite checks their tiles. Tile returns the
// uncompressed MVT bytes, an empty slice for a tile with no feature.
type TileStore interface {
	Tile(ctx context.Context, req TileRequest) ([]byte, error)
}

// TileError is a tile request that cannot be answered as asked.
type TileError struct {
	Field  string // layer, z, x, y, max_features
	Reason string
}

func (e *TileError) Error() string { return "tile " + e.Field + ": " + e.Reason }

// ParseTileLayer checks a layer name.
func ParseTileLayer(s string) (TileLayer, error) {
	for _, l := range TileLayers {
		if string(l) == s {
			return l, nil
		}
	}
	return "", &TileError{"layer", fmt.Sprintf("%q is not a layer (want one of %v)", s, TileLayers)}
}

// Validate reports the first thing wrong with r, or nil.
func (r *TileRequest) Validate() error {
	if _, err := ParseTileLayer(string(r.Layer)); err != nil {
		return err
	}
	if r.Z < 0 || r.Z > MaxTileZoom {
		return &TileError{"z", fmt.Sprintf("zoom %d is outside 0-%d", r.Z, MaxTileZoom)}
	}
	n := 1 << r.Z
	if r.X < 0 || r.X >= n {
		return &TileError{"x", fmt.Sprintf("column %d is outside 0-%d at zoom %d", r.X, n-1, r.Z)}
	}
	if r.Y < 0 || r.Y >= n {
		return &TileError{"y", fmt.Sprintf("row %d is outside 0-%d at zoom %d", r.Y, n-1, r.Z)}
	}
	next := 0 // names must come in IncidentFields order, once each, as ParseTileProperties gives them
	for _, p := range r.Properties {
		i := slices.Index(AllIncidentProperties, p)
		if i < 0 {
			return &TileError{"properties", fmt.Sprintf("%q is not a property of an incident feature", p)}
		}
		if i < next {
			return &TileError{"properties", fmt.Sprintf("%q is repeated or out of order (want the order of %v)", p, AllIncidentProperties)}
		}
		next = i + 1
	}
	if r.MaxFeatures < 0 {
		return &TileError{"max_features", fmt.Sprintf("%d is negative", r.MaxFeatures)}
	}
	return nil
}

// DrawnFilter is r's filter with the incidents a map may not draw left
// out: the filter every store builds a tile's incidents and clusters from.
func (r *TileRequest) DrawnFilter() IncidentFilter {
	f := r.Filter
	if f.MaxPrecision == 0 || f.MaxPrecision > GeoAdmin2 {
		f.MaxPrecision = GeoAdmin2
	}
	return f
}

// Clustered reports whether r's incidents come as clusters.
func (r *TileRequest) Clustered() bool {
	below := r.ClusterBelowZoom
	if below == 0 {
		below = DefaultClusterBelowZoom
	}
	return r.Z < below
}

// IncidentProperties is the list of properties r's "incidents" features carry.
func (r *TileRequest) IncidentProperties() []string {
	if r.Properties == nil {
		return DefaultIncidentProperties
	}
	return r.Properties
}

// Limit is the feature limit r applies.
func (r *TileRequest) Limit() int {
	if r.MaxFeatures == 0 {
		return DefaultMaxTileFeatures
	}
	return r.MaxFeatures
}

// HasIncidents and HasGovernorates, HasBadiaRegions say which layers r's tile holds.
func (r *TileRequest) HasIncidents() bool { return r.Layer == TileIncidents || r.Layer == TileAll }
func (r *TileRequest) HasGovernorates() bool {
	return r.Layer == TileGovernorates || r.Layer == TileAll
}
func (r *TileRequest) HasBadiaRegions() bool {
	return r.Layer == TileBadiaRegions || r.Layer == TileAll
}

// TileBound is a tile's box in EPSG:3857 metres.
type TileBound struct{ MinX, MinY, MaxX, MaxY float64 }

// TileBounds3857 is the box of tile z/x/y, computed as ST_TileEnvelope does
// so both stores cut the world at the same coordinates.
func TileBounds3857(z, x, y int) TileBound {
	size := 2 * WebMercatorMax / float64(uint64(1)<<uint(z))
	return TileBound{
		MinX: -WebMercatorMax + size*float64(x),
		MaxX: -WebMercatorMax + size*float64(x+1),
		MinY: WebMercatorMax - size*float64(y+1),
		MaxY: WebMercatorMax - size*float64(y),
	}
}

// Holds reports whether the point X, Y belongs to the tile (west and north
// edges in, east and south edges out).
func (b TileBound) Holds(x, y float64) bool {
	return x >= b.MinX && x < b.MaxX && y > b.MinY && y <= b.MaxY
}

// ClusterCell is the cell of the point X, Y in the tile's cluster grid.
func (b TileBound) ClusterCell(x, y float64) (cx, cy int) {
	cell := (b.MaxX - b.MinX) / ClusterGrid
	cx = clampCell(int(math.Floor((x - b.MinX) / cell)))
	cy = clampCell(int(math.Floor((b.MaxY - y) / cell)))
	return cx, cy
}

func clampCell(c int) int { return min(max(c, 0), ClusterGrid-1) }

// ClusterID is the feature id of cluster cell cx, cy.
func ClusterID(cx, cy int) int64 { return int64(cy*ClusterGrid+cx) + 1 }

// LonLatTo3857 projects WGS84 degrees to Web Mercator metres.
func LonLatTo3857(lon, lat float64) (x, y float64) {
	x = earthRadius * lon * math.Pi / 180
	y = earthRadius * math.Log(math.Tan(math.Pi/4+lat*math.Pi/360))
	return x, y
}

// WebMercatorToLonLat is the inverse of LonLatTo3857.
func WebMercatorToLonLat(x, y float64) (lon, lat float64) {
	lon = x / earthRadius * 180 / math.Pi
	lat = (2*math.Atan(math.Exp(y/earthRadius)) - math.Pi/2) * 180 / math.Pi
	return lon, lat
}

// TileField is one property of a tile layer's features, for TileJSON.
type TileField struct {
	Name        string
	Type        string // Number, String or Boolean, as TileJSON's fields name them
	Description string
}

// IncidentFields are the properties of an "incidents" feature: the columns
// of the GeoJSON API's features, in the same order (the feature id is the
// stable id; the geometry holds longitude and latitude). Null values
// (deaths_* without an estimate) are left out; sources is its JSON text.
var IncidentFields = concatFields([]TileField{
	{"external_id", "String", "the source's own id with its scheme, e.g. ucdp:214797"},
	{"date_start", "String", "first day, YYYY-MM-DD"},
	{"date_end", "String", "last day, YYYY-MM-DD"},
	{"date_precision", "Number", "UCDP date_prec scale 1 (exact day) to 5"},
	{"geo_precision", "Number", "UCDP where_prec scale 1 (exact place) to 7"},
	{"location_name", "String", "place name"},
	{"source_admin1", "String", "the source's own governorate name"},
	{"source_admin2", "String", "the source's own district name"},
	{"source_governorate", "String", "p-code the source's admin1 names"},
	{"governorate", "String", "p-code of the governorate the point lies in"},
	{"region", "String", "code of the Badia region the point lies in"},
	{"join_basis", "String", "why the incident is joined to its governorate: point, source_admin1 or none"},
	{"event_type", "String", "ACLED event type"},
	{"sub_event_type", "String", "ACLED sub-event type"},
	{"perpetrator", "String", "actor that attacked (side A)"},
	{"target", "String", "actor attacked (side B)"},
}, casualtyFields, []TileField{
	{"deaths_low", "Number", "low estimate of deaths (absent when the source gives none)"},
	{"deaths_best", "Number", "best estimate of deaths (absent when the source gives none)"},
	{"deaths_high", "Number", "high estimate of deaths (absent when the source gives none)"},
	{"sources", "String", "JSON array of {name, url, date, headline}"},
	{"notes", "String", "notes"},
	{"illustrative", "Boolean", "the place and date were made up to illustrate published figures (the demo)"},
	{"created_at", "String", "RFC 3339 time the incident was first stored"},
	{"updated_at", "String", "RFC 3339 time the incident was last changed"},
})

// DefaultIncidentProperties is what an "incidents" feature carries unless a
// request asks for more: what a map styles and labels a point by. The long
// texts (notes, sources) and the bookkeeping fields would make a busy tile
// megabytes; a client that wants them asks for properties=all, or fetches
// one incident from the API when it is clicked.
var DefaultIncidentProperties = append([]string{
	"external_id", "date_start", "date_end", "geo_precision", "location_name", "governorate", "region", "event_type",
}, append(fieldNames(casualtyFields), "illustrative")...)

// AllIncidentProperties is every name of IncidentFields, in order.
var AllIncidentProperties = fieldNames(IncidentFields)

// ParseTileProperties reads a "properties" parameter: empty means the
// default list, "all" every field, otherwise a comma-separated list of
// IncidentFields names. The result is in IncidentFields order, without
// repeats, so equal requests share one cache key.
func ParseTileProperties(s string) ([]string, error) {
	switch strings.TrimSpace(s) {
	case "":
		return nil, nil
	case "all":
		return AllIncidentProperties, nil
	}
	want := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !isIncidentField(p) {
			return nil, &TileError{"properties", fmt.Sprintf("%q is not a property of an incident feature (want \"all\" or names from %v)", p, AllIncidentProperties)}
		}
		want[p] = true
	}
	var out []string
	for _, f := range IncidentFields {
		if want[f.Name] {
			out = append(out, f.Name)
		}
	}
	if len(out) == 0 {
		return nil, &TileError{"properties", fmt.Sprintf("%q names no property (leave it out for the default list)", s)}
	}
	return out, nil
}

// SelectFields returns the fields of fields whose names are in names, in
// the order of fields.
func SelectFields(fields []TileField, names []string) []TileField {
	var out []TileField
	for _, f := range fields {
		if slices.Contains(names, f.Name) {
			out = append(out, f)
		}
	}
	return out
}

func isIncidentField(name string) bool {
	return slices.Contains(AllIncidentProperties, name)
}

func fieldNames(fields []TileField) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.Name
	}
	return out
}

// ClusterFields are the properties of a "clusters" feature.
var ClusterFields = concatFields([]TileField{
	{"count", "Number", "incidents in the cell"},
}, casualtyFields, []TileField{
	{"first_date", "String", "earliest date_start, YYYY-MM-DD"},
	{"last_date", "String", "latest date_start, YYYY-MM-DD"},
	{"top_ids", "String", "ids of the deadliest incidents (killed descending, then id), comma-separated, at most 5"},
})

// RegionFields are the properties of a "governorates" or "badia_regions" feature.
var RegionFields = []TileField{
	{"code", "String", "p-code (SY04) or Badia region code (BADIA-SY04)"},
	{"kind", "String", "governorate or badia"},
	{"name_en", "String", "English name"},
	{"name_ar", "String", "Arabic name"},
	{"parent", "String", "governorate of a Badia region"},
	{"area_km2", "Number", "area in square kilometres"},
}

// TileInfoFields are the properties of the "tile_info" feature.
var TileInfoFields = []TileField{
	{"layer", "String", "the layer that was cut: incidents or clusters"},
	{"matched", "Number", "features the tile would hold without the limit"},
	{"returned", "Number", "features it holds"},
	{"truncated", "Boolean", "always true: the layer is only present when features were left out"},
}

// casualtyFields are the casualty counts incident and cluster features
// share: everyone killed, then CasualtyGroups.
var casualtyFields = func() []TileField {
	out := []TileField{{"killed", "Number", "everyone killed"}}
	for _, g := range CasualtyGroups {
		out = append(out, TileField{g.Name, "Number", g.Description})
	}
	return out
}()

func concatFields(parts ...[]TileField) []TileField {
	var out []TileField
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
