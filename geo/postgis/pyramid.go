package postgis

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/badiamap/badiamap/geo"
	"github.com/lib/pq"
)

// The pyramid (table tile_cells, migration 0012) and the change log
// (tile_changes): every write that changes incidents ends with
// commitWrite, in its own transaction, which recounts the pyramid cells of
// the tiles it changed, notes those tiles under the data version it
// commits, and bumps the version. A write that leaves the pyramid behind
// (code that bumps the version another way) only makes tiles count from
// the incidents until the next write counts the pyramid again whole.

// pyramidMaxZoom is the deepest zoom whose cluster grid the pyramid holds:
// an unfiltered tile up to it reads at most 4,096 cells. At 1,000,000
// incidents the levels hold about 1.2 million cells, most of them at the
// deepest levels.
const pyramidMaxZoom = 12

const (
	pyramidTop    = geo.ClusterLevels                  // the grid of zoom 0
	pyramidBottom = pyramidMaxZoom + geo.ClusterLevels // the grid of pyramidMaxZoom
)

// changeLogVersions is how many data versions back the change log answers;
// a cache older than that is dropped whole.
const changeLogVersions = 10000

var (
	sqlPyramidLock       = query("pyramid_lock")
	sqlPyramidSettings   = query("pyramid_settings")
	sqlPyramidClear      = query("pyramid_clear")
	sqlPyramidLeaves     = query("pyramid_leaves")
	sqlPyramidParents    = query("pyramid_parents")
	sqlTileChangesNote   = query("tile_changes_note")
	sqlTileChangesPrune  = query("tile_changes_prune")
	sqlTileChangesSince  = query("tile_changes_since")
	sqlDataVersionCommit = query("data_version_commit")
)

// commitWrite ends a write in tx: with keepPyramid (the write changed
// incidents), the pyramid cells of cs's tiles are counted again (all of
// them when cs is All or the pyramid was not whole); cs is noted in the
// change log under the new data version, which it bumps to. It returns the
// new data version.
func commitWrite(ctx context.Context, tx *sql.Tx, cs *geo.ChangeSet, keepPyramid bool) (int64, error) {
	var v, pv int64
	if err := tx.QueryRowContext(ctx, sqlPyramidLock).Scan(&v, &pv); err != nil {
		return 0, fmt.Errorf("lock the data version: %w", err)
	}
	next, nextPyramid := v+1, pv
	if pv == v {
		nextPyramid = next // whole before, and kept below (or untouched)
	}
	if keepPyramid && !cs.Empty() {
		whole := pv == v && !cs.All()
		if err := refreshPyramid(ctx, tx, cs, whole); err != nil {
			return 0, err
		}
		nextPyramid = next
	}
	var zs []int16
	var xs, ys []int32
	switch {
	case cs.All():
		zs, xs, ys = []int16{0}, []int32{0}, []int32{0}
	case cs.Empty():
		zs, xs, ys = []int16{-1}, []int32{0}, []int32{0}
	default:
		for _, t := range cs.Tiles() {
			zs, xs, ys = append(zs, int16(t.Z)), append(xs, int32(t.X)), append(ys, int32(t.Y))
		}
	}
	if _, err := tx.ExecContext(ctx, sqlTileChangesNote, next, pq.Array(zs), pq.Array(xs), pq.Array(ys)); err != nil {
		return 0, fmt.Errorf("note the changed tiles: %w", err)
	}
	if _, err := tx.ExecContext(ctx, sqlTileChangesPrune, next-changeLogVersions); err != nil {
		return 0, fmt.Errorf("prune the changed tiles: %w", err)
	}
	if _, err := tx.ExecContext(ctx, sqlDataVersionCommit, next, nextPyramid); err != nil {
		return 0, fmt.Errorf("bump the data version: %w", err)
	}
	// At commit every server LISTENing on the primary hears the version
	// (watch.go); the writer passes it to heard, so this process knows it
	// at once.
	if _, err := tx.ExecContext(ctx, sqlNotifyDataVersion, versionChannel, next); err != nil {
		return 0, fmt.Errorf("announce the data version: %w", err)
	}
	return next, nil
}

// refreshPyramid counts again the pyramid cells inside cs's tiles (whole:
// the pyramid was whole before the write) or every cell.
func refreshPyramid(ctx context.Context, tx *sql.Tx, cs *geo.ChangeSet, whole bool) error {
	defer timeStep("pyramid")()
	if _, err := tx.ExecContext(ctx, sqlPyramidSettings); err != nil {
		return fmt.Errorf("pyramid settings: %w", err)
	}
	var tiles []geo.TileAddr
	if whole {
		tiles = cs.Tiles()
	} else {
		tiles = []geo.TileAddr{{}} // the world
	}
	for level := pyramidBottom; level >= pyramidTop; level-- {
		lo, hi := levelRanges(tiles, level)
		if _, err := tx.ExecContext(ctx, sqlPyramidClear, level, pq.Array(lo), pq.Array(hi)); err != nil {
			return fmt.Errorf("pyramid level %d: %w", level, err)
		}
		var err error
		if level == pyramidBottom {
			_, err = tx.ExecContext(ctx, sqlPyramidLeaves, level, pq.Array(lo), pq.Array(hi), 2*(geo.KeyLevel-level))
		} else {
			_, err = tx.ExecContext(ctx, sqlPyramidParents, level, pq.Array(lo), pq.Array(hi))
		}
		if err != nil {
			return fmt.Errorf("pyramid level %d: %w", level, err)
		}
	}
	return nil
}

// levelRanges are the Morton key ranges, at level, of the cells inside or
// holding tiles, merged and ascending.
func levelRanges(tiles []geo.TileAddr, level int) (lo, hi []int64) {
	type r struct{ lo, hi uint64 }
	var rs []r
	for _, t := range tiles {
		if t.Z >= level {
			p := t.Parent(level)
			k := geo.MortonKey(p.X, p.Y)
			rs = append(rs, r{k, k + 1})
			continue
		}
		k := geo.MortonKey(t.X, t.Y)
		shift := 2 * uint(level-t.Z)
		rs = append(rs, r{k << shift, (k + 1) << shift})
	}
	slices.SortFunc(rs, func(a, b r) int { return cmp.Compare(a.lo, b.lo) })
	for _, x := range rs {
		if n := len(hi); n > 0 && uint64(hi[n-1]) >= x.lo {
			hi[n-1] = max(hi[n-1], int64(x.hi))
			continue
		}
		lo, hi = append(lo, int64(x.lo)), append(hi, int64(x.hi))
	}
	return lo, hi
}

var _ geo.TileChangeLog = (*Store)(nil)

// TileChanges is where the writes after data version since changed the
// data, read with the data version in one snapshot.
func (s *Store) TileChanges(ctx context.Context, since int64) (geo.TileChanges, error) {
	// From the primary, as the data version a server holds: a replica may
	// not have the newest writes' changes yet.
	rows, err := s.primary.db.QueryContext(ctx, sqlTileChangesSince, since)
	if err != nil {
		return geo.TileChanges{}, fmt.Errorf("read the changed tiles: %w", err)
	}
	defer rows.Close()
	var out geo.TileChanges
	seen := map[int64]bool{}
	for rows.Next() {
		var v int64
		var cv sql.NullInt64
		var z, x, y sql.NullInt32
		if err := rows.Scan(&v, &cv, &z, &x, &y); err != nil {
			return geo.TileChanges{}, fmt.Errorf("read the changed tiles: %w", err)
		}
		out.Version = v
		if !cv.Valid {
			continue
		}
		seen[cv.Int64] = true
		switch {
		case z.Int32 < 0:
		case z.Int32 == 0:
			out.All = true
		default:
			out.Tiles = append(out.Tiles, geo.TileAddr{Z: int(z.Int32), X: int(x.Int32), Y: int(y.Int32)})
		}
	}
	if err := rows.Err(); err != nil {
		return geo.TileChanges{}, fmt.Errorf("read the changed tiles: %w", err)
	}
	// Every version after since must have its note: one without (a write
	// that noted nothing, or one pruned) may have changed anything.
	if int64(len(seen)) != out.Version-since && out.Version >= since {
		out.All = true
	}
	if out.All {
		out.Tiles = nil
	}
	return out, nil
}
