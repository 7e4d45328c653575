package geo

import (
	"cmp"
	"context"
	"math"
	"slices"
)

// Where writes changed the data, so a tile cache can drop only the tiles
// that may show something else now. Each write that changes incidents
// notes, in its own transaction, the tiles holding every incident it added,
// changed, moved (old and new positions) or removed, and its data version;
// a server that learns of a newer data version (by reading it, or from a
// notification) asks the store what changed since the version its cache
// holds, and drops the tiles that overlap.

// TileChangeLog is what a store that notes where its writes changed the
// data offers; both stores do.
type TileChangeLog interface {
	// TileChanges is where the writes after data version since changed the
	// data, up to the data version it read. It never answers less than
	// what changed: when it cannot tell (a write it holds no note of, a
	// version older than it keeps) it answers All.
	TileChanges(ctx context.Context, since int64) (TileChanges, error)
}

// TileChanges is the answer of TileChangeLog.
type TileChanges struct {
	// Version is the data version the answer runs to: the changes of every
	// write after since up to and including Version.
	Version int64
	// All says any tile may have changed: the regions were replaced, or the
	// log cannot tell. Tiles is then empty.
	All bool
	// Tiles are the tiles, at one zoom or several, whose area held a
	// changed incident: a cached tile that overlaps one may have changed.
	Tiles []TileAddr
}

// Touches reports whether the changes may have changed tile t.
func (c *TileChanges) Touches(t TileAddr) bool {
	if c.All {
		return true
	}
	for _, u := range c.Tiles {
		if u.Overlaps(t) {
			return true
		}
	}
	return false
}

// Add appends the changes of a later answer to c.
func (c *TileChanges) Add(later TileChanges) {
	c.Version = max(c.Version, later.Version)
	c.All = c.All || later.All
	if c.All {
		c.Tiles = nil
		return
	}
	c.Tiles = append(c.Tiles, later.Tiles...)
}

// ChangeSet collects the tiles one write changed, for the store to note
// with it. It holds at most MaxChangeTiles tiles: past that it keeps
// coarser ones (bigger areas), so a large import costs a few rows, not one
// per incident.
type ChangeSet struct {
	level int // the zoom of the tiles held
	tiles map[TileAddr]struct{}
	all   bool
}

// MaxChangeTiles bounds the tiles one write notes.
const MaxChangeTiles = 256

// changeMargin is how near (in EPSG:3857 metres) a cell's edge a point may
// lie and also mark the neighbouring cell: the two stores project through
// different code, and a point a rounding error from an edge may be on
// either side of it in the other store.
const changeMargin = 0.01

// NewChangeSet starts an empty set at the deepest zoom.
func NewChangeSet() *ChangeSet {
	return &ChangeSet{level: MaxTileZoom, tiles: map[TileAddr]struct{}{}}
}

// AddLonLat notes a changed incident at lon, lat (WGS84).
func (s *ChangeSet) AddLonLat(lon, lat float64) {
	x, y := LonLatTo3857(lon, lat)
	s.Add3857(x, y)
}

// Add3857 notes a changed incident at the EPSG:3857 point x, y.
func (s *ChangeSet) Add3857(x, y float64) {
	if s.all {
		return
	}
	size := cellSize(s.level)
	n := 1 << uint(s.level)
	fx, fy := (x+WebMercatorMax)/size, (WebMercatorMax-y)/size
	cx, cy := clampCell(math.Floor(fx), n), clampCell(math.Floor(fy), n)
	m := changeMargin / size
	xs, ys := []int{cx}, []int{cy}
	if fx-math.Floor(fx) < m && cx > 0 {
		xs = append(xs, cx-1)
	} else if math.Ceil(fx)-fx < m && cx < n-1 {
		xs = append(xs, cx+1)
	}
	if fy-math.Floor(fy) < m && cy > 0 {
		ys = append(ys, cy-1)
	} else if math.Ceil(fy)-fy < m && cy < n-1 {
		ys = append(ys, cy+1)
	}
	for _, tx := range xs {
		for _, ty := range ys {
			s.tiles[TileAddr{s.level, tx, ty}] = struct{}{}
		}
	}
	for len(s.tiles) > MaxChangeTiles {
		s.coarsen()
	}
}

// AddTile notes that anything in tile t may have changed.
func (s *ChangeSet) AddTile(t TileAddr) {
	if s.all {
		return
	}
	if t.Z < s.level {
		s.tiles[t] = struct{}{}
		s.coarsenTo(t.Z)
	} else {
		s.tiles[t.Parent(s.level)] = struct{}{}
	}
	for len(s.tiles) > MaxChangeTiles {
		s.coarsen()
	}
}

// coarsen keeps the parents, two zooms up, of the tiles held.
func (s *ChangeSet) coarsen() { s.coarsenTo(max(s.level-2, 0)) }

func (s *ChangeSet) coarsenTo(z int) {
	if z >= s.level {
		return
	}
	out := make(map[TileAddr]struct{}, len(s.tiles))
	for t := range s.tiles {
		out[t.Parent(min(z, t.Z))] = struct{}{}
	}
	s.level, s.tiles = z, out
	if z == 0 {
		s.SetAll()
	}
}

// SetAll notes that any tile may have changed (regions replaced).
func (s *ChangeSet) SetAll() { s.all, s.tiles = true, nil }

// All reports whether any tile may have changed.
func (s *ChangeSet) All() bool { return s.all }

// Empty reports whether nothing was noted.
func (s *ChangeSet) Empty() bool { return !s.all && len(s.tiles) == 0 }

// Tiles are the tiles noted, in a stable order (none when All).
func (s *ChangeSet) Tiles() []TileAddr {
	out := make([]TileAddr, 0, len(s.tiles))
	for t := range s.tiles {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b TileAddr) int {
		return cmp.Or(cmp.Compare(a.Z, b.Z), cmp.Compare(a.X, b.X), cmp.Compare(a.Y, b.Y))
	})
	return out
}
