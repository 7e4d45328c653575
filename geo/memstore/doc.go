// Package memstore is the embedded geo.Store: every incident and region held
// in memory with R-tree indexes (github.com/tidwall/rtree), and made durable
// in a data directory, so badiamap runs with no database at all.
//
// # The join
//
// Each incident is joined on every write, and re-joined by ReplaceRegions, to
// one region of kind governorate (Incident.Governorate) and one of kind badia
// (Incident.Region). Custom regions are never joined. A point joins a region
// when the region's multipolygon contains it by this rule:
//
//   - inside is planar.MultiPolygonContains from orb (ray casting in lon/lat),
//     which already counts the outer ring of a polygon as inside;
//   - in addition, a point lying on any ring segment (outer or hole) counts as
//     inside: it is a vertex, or its cross product with the segment is exactly
//     zero and it lies within the segment's bounding box.
//
// So boundaries count as inside, as PostGIS ST_Intersects has it. When a point
// lies in several regions of one kind (on a shared border), it joins the one
// with the lowest code in byte order, as ORDER BY code LIMIT 1 does in the
// PostGIS store. A point outside every region of a kind gets "".
//
// The exact test runs only near a boundary: regions are found through an
// R-tree of polygon bounds, and each polygon carries a grid of cells of about
// 500 m. Cells that a segment passes through are tested exactly; the
// rest are flood-filled into connected groups that no boundary crosses, each
// decided once by the exact test at one cell centre. The answer is always the
// rule's: the contract suite (geo/storetest) checks it against a brute-force
// join of every incident.
//
// Filters: ScanIncidents, CountIncidents and Stats take their candidates
// from the smallest of the per-governorate and per-region id lists, the
// point R-tree (for a box) or every id, and let geo.IncidentFilter.Match
// decide each one, so they select exactly what Match selects. A box filter
// collects the candidate ids it finds (4 bytes each) to sort them.
//
// # Durability
//
// The data directory holds three files: LOCK (an flock held while a store is
// open, so a second process is refused), snapshot (the whole state, written
// as a new file, fsynced, renamed, directory fsynced) and log (one record per
// committed import batch or region replacement, each framed by its length and
// a CRC-32C checksum, fsynced before Commit returns). On Open the snapshot is
// loaded and the log replayed; a torn or corrupt record ends the log: it and
// everything after it are cut off, so the store reopens at the last good
// commit. The log is folded into a new snapshot when it grows past the
// snapshot (see Compact). Snapshots and import records hold each
// incident's join, and a region replacement is logged with the join it made
// (record type J), so opening never joins the incidents again; a region
// record of the first format (R, regions only) is re-joined once on open and
// folded into a snapshot straight away.
//
// # Tiles
//
// Tiles are built without copying the incidents they hold: the tile's
// candidates are walked chunk by chunk under the read lock, clusters are
// summed straight into their cell (count, casualty sums, position sums,
// first and last day, a top 5), and an incident tile keeps a heap of the
// first MaxFeatures (killed, id) pairs and builds features for those only.
// A tile's memory grows with its cells or its feature limit, not with the
// incidents it covers.
//
// # Concurrency
//
// Many readers, one writer. Scans take the read lock for one chunk of
// incidents at a time and never hold it while calling the caller's function.
// A scan that runs while a commit lands sees each incident either before or
// after that commit. A tile is built again when the data version moved while
// it was built, so it shows one state of the store. An import writes only
// the incidents it adds or changes: a row already stored with the same
// fields is counted unchanged and keeps its updated_at.
package memstore
