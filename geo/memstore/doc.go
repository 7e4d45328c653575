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
// PostGIS store. A point outside every region of a kind gets "". The point's
// join then goes through the precision rule (geo.Incident.Join): a district
// centroid keeps its governorate only, a governorate-level location takes
// the governorate its source names, a country-level one joins nothing. A
// record keeps the join; its JoinBasis follows from the join and the rule.
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
// The data directory holds:
//
//   - LOCK, flocked while a store is open, so a second process is refused;
//   - snapshot, the whole state in checksummed frames (a length and a
//     CRC-32C, then the payload), written as a new file, fsynced, renamed,
//     the directory fsynced;
//   - log, one frame per committed import batch or region replacement,
//     appended in one write and fsynced before Commit returns;
//   - reports.json, the reports, with a CRC-32C of the whole and of each
//     report (see reportsFile), replaced like the snapshot; a file of the
//     first format, without checksums, is read and rewritten on open;
//   - accounts.json, the users and API tokens (hashes only), checksummed
//     and replaced as reports.json is; audit, the audit log, one
//     checksummed frame per entry, appended, fsynced and never rewritten
//     (accounts.go). Sessions are held in memory only;
//   - HELD, written (and fsynced) before the first incident is logged and
//     never removed: the directory has held incidents (HasHeldData), so the
//     demo is never loaded into it, even once its other files are lost;
//   - JOINRULE: the joins follow the precision rule. A store written before
//     it is re-joined once on open, in one region record (joinrule.go).
//
// Snapshots and import records hold each incident's join, and a region
// replacement is logged with the join it made (record type J), so opening
// never joins the incidents again; a region record of the first format (R,
// regions only) is re-joined once on open and folded into a snapshot
// straight away.
//
// On Open the snapshot is loaded and the log replayed, every frame checked.
// Only a torn tail may be dropped: from the first frame that fails to the
// end of the log, when no frame verifies after it and it bears a crash's
// mark, one of
//
//   - the file ends inside the frame's header;
//   - the frame's length runs past the end of the file;
//   - the frame's header is all zeros;
//   - the frame holds an aligned 512-byte sector of zeros.
//
// The tail is cut off, and what was dropped (offset, bytes, why) is in
// Recovery and logged through Options.Logger. Anything else is damage: Open
// returns a *DamageError naming the file, the byte offset and the record
// (and its type when that reads) and writes nothing. So a frame that fails
// with a frame that verifies after it is damage; so is a complete last frame
// that fails its checksum without a zero sector; so is any defect of the
// snapshot, which is written whole before it replaces the last and is never
// torn, and of reports.json.
//
// Why a crash can leave a complete last frame that fails, and why the zero
// sector tells it from damage: a commit is one write of its whole frame,
// then fsync, and the next frame is written only after, so every frame but
// the last was on disk before its commit returned, and the last was either
// acknowledged or in flight. A crash in flight usually leaves the file cut
// inside the frame, as filesystems extend the size on disk only as data
// reaches it. But the frame's sectors reach the disk in no set order, and a
// filesystem can persist the new size while some of them were never
// written; those read back as zeros (XFS and ext4 read unwritten extents as
// zeros). So a crash can leave a complete frame with a bad checksum, but a
// whole sector of it, or its header, is zeros. A flipped byte or a bad
// sector read never makes such a sector, and no record holds one of its
// own: text holds no NUL, and region replacements number their codes from
// 1. A filesystem that shows stale bytes instead (ext4 data=writeback)
// could make a crash look like damage: the store then refuses to open,
// which is the safe side, and salvage loses only the unacknowledged record.
//
// Check verifies every frame of every file, going on past damage, and then
// loads the store as Open does, writing nothing. Salvage copies into a new
// store every record that verifies, before and after damage: after a
// damaged stretch it searches forward for the next offset where a frame's
// length fits, its payload starts as a record of the file does and its
// checksum holds (the search checksums a bounded number of bytes, see
// resyncBudget). Each incident keeps its latest version that verified and
// the order of its id (ids close up over lost ones); all are joined again
// to the last region list that verified; reports keep those whose own
// checksum holds. The report names every damaged stretch, its bytes, the
// commits lost (from the gap in commit numbers) and the external ids the
// damaged bytes held; the new store is opened and checked. Neither writes
// to the damaged store, whose lock they hold.
//
// The log is folded into a new snapshot when it grows past the snapshot
// (see Compact). Whichever step of a compaction fails (a full disk), the
// files hold every commit: until the rename the old snapshot and the whole
// log do, after it the new snapshot does and replay skips the log records
// it holds. A failed compaction is logged, and tried again once the log has
// grown by another 8 MB.
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
