package geo

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
)

// Vector tiles (Mapbox Vector Tile 2.1) of the incidents and regions, on the
// Web Mercator (EPSG:3857) tile grid of ST_TileEnvelope and every web map.
//
// Both stores build the same tile for the same TileRequest, by these rules:
//
//   - Where a point lies is decided once, by CellOf: at level L the world is
//     2^L x 2^L cells and the point X, Y is in column floor((X+W)/size) and
//     row floor((W-Y)/size) (W = WebMercatorMax, size = 2W/2^L), so the
//     west and north edges belong to a cell and the east and south edges to
//     its neighbours. A tile of zoom z is a cell of level z; its cluster
//     grid is the ClusterGrid x ClusterGrid cells of level z+6 inside it.
//     The levels nest exactly (a cell of level L holds the points of its
//     four children), so TileKey, the Z-order code of a point's cell at
//     KeyLevel, puts every tile and every cell on one range of keys.
//   - Only incidents a map may draw go in a tile: published and located to
//     within a district (Located.Drawn, GeoPrecision 1-3); DrawnFilter
//     adds that to the request's filter. A coarser location is a centroid,
//     counted in region tables, never drawn.
//   - A tile's incidents are shown whole, never cut: each is either a point
//     of layer "incidents" (its feature id the stable incident id, with the
//     IncidentFields the request names) or counted in a feature of layer
//     "clusters" (one per cell, with the ClusterFields sums). Below
//     ClusterBelowZoom every cell is a cluster; from it on PlanTile keeps
//     points and clusters the densest cells as needed to keep the tile's
//     incident layers within its byte budget (TileRequest.MaxBytes). When
//     clusters alone would not fit, the grid is made coarser. Points and
//     clusters come killed descending, then id.
//   - A tile with incidents has a layer "tile_info" with one point at the
//     tile centre and the TileInfoFields: what it holds adds up to the
//     incidents that match in its area.
//   - Governorates and Badia regions are polygons clipped to the tile with a
//     TileBuffer margin and simplified to TileSimplifyUnits tile units; the
//     budget is for the incident layers (regions do not grow with the data).
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
	ClusterGrid             = 64   // cluster cells per tile side: cells of level z+ClusterLevels
	ClusterLevels           = 6    // log2(ClusterGrid)
	ClusterTopIDs           = 5    // ids of the deadliest incidents a cluster names
	DefaultClusterBelowZoom = 8
	// KeyLevel is the level of the cells TileKey numbers: the cluster cells
	// of the deepest zoom.
	KeyLevel = MaxTileZoom + ClusterLevels
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
	// MaxBytes is the budget of the tile's incident layers, in bytes of
	// MVT; 0 means DefaultTileBytes.
	MaxBytes int
	// Properties names the IncidentFields an "incidents" feature carries,
	// in IncidentFields order (ParseTileProperties makes such a list); nil
	// means DefaultIncidentProperties.
	Properties []string
}

// TileStore is what a store that builds vector tiles itself offers; both
// stores do, and the contract suite checks their tiles.
type TileStore interface {
	// Tile builds req's tile from one state of the store.
	Tile(ctx context.Context, req TileRequest) (BuiltTile, error)
}

// BuiltTile is a tile as a store built it.
type BuiltTile struct {
	MVT []byte // uncompressed; empty for a tile with no feature
	// Version is the data version of the state the tile was built from, or
	// 0 when the store could not build it from one state (writes kept
	// landing): such a tile is answered but never cached.
	Version int64
}

// TileError is a tile request that cannot be answered as asked.
type TileError struct {
	Field  string // layer, z, x, y, properties, max_bytes
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
	if r.MaxBytes != 0 && r.MaxBytes < MinTileBytes {
		return &TileError{"max_bytes", fmt.Sprintf("%d is below the smallest budget, %d bytes", r.MaxBytes, MinTileBytes)}
	}
	return nil
}

// DrawnFilter is r's filter with the incidents a map may not draw left
// out (drafts, retractions, coarse locations): the filter every store
// builds a tile's incidents and clusters from.
func (r *TileRequest) DrawnFilter() IncidentFilter {
	f := r.Filter
	if f.MaxPrecision == 0 || f.MaxPrecision > GeoAdmin2 {
		f.MaxPrecision = GeoAdmin2
	}
	f.Statuses = nil
	return f
}

// Unfiltered reports whether r's incidents are every drawn incident of the
// tile, so the stores' maintained aggregates (their pyramids) can answer.
// Any filter field this code does not know of (one added later) counts as
// a filter, so such tiles are built from the incidents.
func (r *TileRequest) Unfiltered() bool {
	f := r.DrawnFilter()
	if f.MaxPrecision != GeoAdmin2 {
		return false
	}
	f.MaxPrecision = 0
	return reflect.ValueOf(f).IsZero()
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

// Budget is the byte budget of r's incident layers.
func (r *TileRequest) Budget() int {
	if r.MaxBytes == 0 {
		return DefaultTileBytes
	}
	return r.MaxBytes
}

// Addr is r's tile address.
func (r *TileRequest) Addr() TileAddr { return TileAddr{r.Z, r.X, r.Y} }

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

// TileAddr is the address z/x/y of a tile, and the cell x, y of level z.
type TileAddr struct{ Z, X, Y int }

func (t TileAddr) String() string { return fmt.Sprintf("%d/%d/%d", t.Z, t.X, t.Y) }

// Bounds is t's box in EPSG:3857 metres.
func (t TileAddr) Bounds() TileBound { return TileBounds3857(t.Z, t.X, t.Y) }

// cellSize is the side of a cell of level in EPSG:3857 metres: 2W/2^level,
// exact powers of two apart from level to level.
func cellSize(level int) float64 { return 2 * WebMercatorMax / float64(uint64(1)<<uint(level)) }

// CellOf is the cell of level (0 to KeyLevel) holding the EPSG:3857 point
// x, y: the one rule every tile, cluster cell and pyramid cell follows.
// Points beyond the world's edge go to the edge cells.
func CellOf(x, y float64, level int) (cx, cy int) {
	size := cellSize(level)
	n := 1 << uint(level)
	cx = clampCell(math.Floor((x+WebMercatorMax)/size), n)
	cy = clampCell(math.Floor((WebMercatorMax-y)/size), n)
	return cx, cy
}

func clampCell(v float64, n int) int {
	switch {
	case v < 0 || math.IsNaN(v):
		return 0
	case v >= float64(n):
		return n - 1
	}
	return int(v)
}

// Holds reports whether t holds the EPSG:3857 point x, y.
func (t TileAddr) Holds(x, y float64) bool {
	cx, cy := CellOf(x, y, t.Z)
	return cx == t.X && cy == t.Y
}

// Contains reports whether u lies inside t (or is t).
func (t TileAddr) Contains(u TileAddr) bool {
	if u.Z < t.Z {
		return false
	}
	d := uint(u.Z - t.Z)
	return u.X>>d == t.X && u.Y>>d == t.Y
}

// Overlaps reports whether t and u share any area: one holds the other.
func (t TileAddr) Overlaps(u TileAddr) bool { return t.Contains(u) || u.Contains(t) }

// Parent is the tile of zoom z (at most t.Z) that holds t.
func (t TileAddr) Parent(z int) TileAddr {
	d := uint(t.Z - z)
	return TileAddr{z, t.X >> d, t.Y >> d}
}

// GridCell is the cell of t's cluster grid, coarsened shift times (a grid
// of ClusterGrid>>shift cells a side), that holds the point x, y of t.
func (t TileAddr) GridCell(x, y float64, shift int) (cx, cy int) {
	gx, gy := CellOf(x, y, t.Z+ClusterLevels)
	return (gx - t.X<<ClusterLevels) >> uint(shift), (gy - t.Y<<ClusterLevels) >> uint(shift)
}

// ClusterID is the feature id of cell cx, cy of a cluster grid of grid
// cells a side.
func ClusterID(grid, cx, cy int) int64 { return int64(cy*grid+cx) + 1 }

// TileKey is the Z-order (Morton) code of the cell of level KeyLevel that
// holds the EPSG:3857 point x, y: column bits at the even places, row bits
// at the odd ones. Every tile and cell is one range of keys (KeyRange).
func TileKey(x, y float64) uint64 {
	cx, cy := CellOf(x, y, KeyLevel)
	return MortonKey(cx, cy)
}

// MortonKey interleaves the bits of column cx and row cy.
func MortonKey(cx, cy int) uint64 { return spreadBits(uint64(cx)) | spreadBits(uint64(cy))<<1 }

// MortonCell is the column and row of Morton key k: MortonKey's inverse.
func MortonCell(k uint64) (cx, cy int) { return int(compactBits(k)), int(compactBits(k >> 1)) }

func compactBits(v uint64) uint64 {
	v &= 0x5555555555555555
	v = (v | v>>1) & 0x3333333333333333
	v = (v | v>>2) & 0x0f0f0f0f0f0f0f0f
	v = (v | v>>4) & 0x00ff00ff00ff00ff
	v = (v | v>>8) & 0x0000ffff0000ffff
	v = (v | v>>16) & 0x00000000ffffffff
	return v
}

func spreadBits(v uint64) uint64 {
	v &= 0xffffffff
	v = (v | v<<16) & 0x0000ffff0000ffff
	v = (v | v<<8) & 0x00ff00ff00ff00ff
	v = (v | v<<4) & 0x0f0f0f0f0f0f0f0f
	v = (v | v<<2) & 0x3333333333333333
	v = (v | v<<1) & 0x5555555555555555
	return v
}

// KeyRange is the TileKeys of the points t holds: lo <= key < hi.
func (t TileAddr) KeyRange() (lo, hi uint64) {
	shift := 2 * uint(KeyLevel-t.Z)
	k := MortonKey(t.X, t.Y)
	return k << shift, (k + 1) << shift
}

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

// TileInfoFields are the properties of the "tile_info" feature: what the
// tile holds adds up to every incident that matches in its area.
var TileInfoFields = []TileField{
	{"matched", "Number", "incidents of the filter in the tile's area: points plus clustered"},
	{"points", "Number", "incidents drawn one by one (layer incidents)"},
	{"clustered", "Number", "incidents counted in clusters (layer clusters)"},
	{"clusters", "Number", "features of layer clusters"},
	{"grid", "Number", "cells per side of the cluster grid the clusters were made on"},
	{"budget", "Number", "the byte budget of the incident layers"},
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
