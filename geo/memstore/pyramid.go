package memstore

import (
	"context"
	"slices"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
)

// The pyramid: for each cluster grid of zooms 0 to pyramidMaxZoom, the
// cells that hold any drawn, published incident, with what a cluster
// shows (count, sums, dates, the deadliest). An unfiltered tile of those
// zooms reads its grid here, a few thousand cells, instead of walking up
// to every incident. Writes keep it: each commit recomputes the cells of
// the tiles it changed (geo.ChangeSet), the finest level from the
// incidents, the others from their four children; opening the store
// builds it once.

// pyramidMaxZoom is the deepest zoom whose grid the pyramid holds: zooms
// 0-8 hold about 31,000 cells at 1,000,000 incidents (5 MB); beyond, the
// cells approach the incidents in number and a walk of the tile is quick.
const pyramidMaxZoom = 8

const (
	pyramidTop    = geo.ClusterLevels                  // the grid of zoom 0
	pyramidBottom = pyramidMaxZoom + geo.ClusterLevels // the grid of pyramidMaxZoom
)

// pyramidRebuildZoom: a commit that changed a tile of a lower zoom (a
// large import, noted coarsely) counts every incident again, which costs
// less than searching so large an area cell by cell.
const pyramidRebuildZoom = 8

// pcell is one cell of the pyramid.
type pcell struct {
	n           int32
	first, last int32 // days of the earliest and latest date_start
	sumX, sumY  float64
	killed      int64
	cas         [11]int64 // summed record casualties, in CasualtyGroups order
	top         [geo.ClusterTopIDs]ptop
	ntop        int8
}

type ptop struct {
	id     uint32
	killed int32
}

// before is the tiles' order (geo.RankedIncident), on the cell's compact
// fields.
func (t ptop) before(u ptop) bool {
	return geo.RankedIncident{ID: int64(t.id), Killed: int(t.killed)}.Before(geo.RankedIncident{ID: int64(u.id), Killed: int(u.killed)})
}

// add counts one record into c.
func (c *pcell) add(id uint32, r *record, x, y float64) {
	if c.n == 0 || r.dateStart < c.first {
		c.first = r.dateStart
	}
	if c.n == 0 || r.dateStart > c.last {
		c.last = r.dateStart
	}
	c.n++
	c.sumX += x
	c.sumY += y
	k := r.killed()
	c.killed += int64(k)
	for i, v := range r.cas {
		c.cas[i] += int64(v)
	}
	c.addTop(ptop{id, int32(k)})
}

// merge counts o into c.
func (c *pcell) merge(o *pcell) {
	if o.n == 0 {
		return
	}
	if c.n == 0 || o.first < c.first {
		c.first = o.first
	}
	if c.n == 0 || o.last > c.last {
		c.last = o.last
	}
	c.n += o.n
	c.sumX += o.sumX
	c.sumY += o.sumY
	c.killed += o.killed
	for i, v := range o.cas {
		c.cas[i] += v
	}
	for _, t := range o.top[:o.ntop] {
		c.addTop(t)
	}
}

func (c *pcell) addTop(t ptop) {
	i := int(c.ntop)
	if i == len(c.top) {
		if !t.before(c.top[i-1]) {
			return
		}
		i--
	} else {
		c.ntop++
	}
	for ; i > 0 && t.before(c.top[i-1]); i-- {
		c.top[i] = c.top[i-1]
	}
	c.top[i] = t
}

// tileCell is c as a cell of a tile's grid.
func (c *pcell) tileCell(cx, cy int) geo.TileCell {
	out := geo.TileCell{X: cx, Y: cy, SumX: c.sumX, SumY: c.sumY}
	out.Operations, out.Killed = int(c.n), int(c.killed)
	for i, g := range geo.CasualtyGroups { // a record's counts are in CasualtyGroups order
		*g.Field(&out.Casualties) = int(c.cas[i])
	}
	out.FirstDate, out.LastDate = fromDay(c.first), fromDay(c.last)
	out.Top = make([]geo.RankedIncident, c.ntop)
	for i, t := range c.top[:c.ntop] {
		out.Top[i] = geo.RankedIncident{ID: int64(t.id), Killed: int(t.killed)}
	}
	return out
}

// pyramid holds a map of cells by Morton key per level, pyramidTop to
// pyramidBottom.
type pyramid struct {
	levels [pyramidBottom - pyramidTop + 1]map[uint64]*pcell
}

func newPyramid() *pyramid {
	p := &pyramid{}
	for i := range p.levels {
		p.levels[i] = map[uint64]*pcell{}
	}
	return p
}

func (p *pyramid) level(l int) map[uint64]*pcell { return p.levels[l-pyramidTop] }

// drawnPublished reports whether r is in tiles (and so in the pyramid):
// published, not removed, located to within a district.
func drawnPublished(r *record) bool {
	return !r.removed && r.status() == geo.StatusPublished && int(r.geoPrec) <= geo.GeoAdmin2
}

// rebuildPyramid counts every incident into a new pyramid; the caller
// holds mu for writing (or the store is not open yet).
func (s *Store) rebuildPyramid() {
	p := newPyramid()
	bottom := p.level(pyramidBottom)
	for i, r := range s.recs.all() {
		if !drawnPublished(r) {
			continue
		}
		x, y := geo.LonLatTo3857(r.lon, r.lat)
		k := geo.TileKey(x, y) >> (2 * (geo.KeyLevel - pyramidBottom))
		c := bottom[k]
		if c == nil {
			c = &pcell{}
			bottom[k] = c
		}
		c.add(uint32(i+1), r, x, y)
	}
	for l := pyramidBottom - 1; l >= pyramidTop; l-- {
		up := p.level(l)
		for k, c := range p.level(l + 1) {
			u := up[k>>2]
			if u == nil {
				u = &pcell{}
				up[k>>2] = u
			}
			u.merge(c)
		}
	}
	s.pyramid = p
}

// refreshPyramid recomputes the cells of the tiles cs holds; the caller
// holds mu for writing. A change of everything rebuilds it.
func (s *Store) refreshPyramid(cs *geo.ChangeSet) {
	if cs.Empty() {
		return
	}
	tiles := cs.Tiles()
	if cs.All() || slices.ContainsFunc(tiles, func(t geo.TileAddr) bool { return t.Z < pyramidRebuildZoom }) {
		s.rebuildPyramid()
		return
	}
	p := s.pyramid
	dirty := map[uint64]bool{} // keys of the bottom level to count again
	for _, t := range tiles {
		if t.Z >= pyramidBottom {
			lo, _ := t.Parent(pyramidBottom).KeyRange()
			dirty[lo>>(2*(geo.KeyLevel-pyramidBottom))] = true
			continue
		}
		// Every bottom cell inside t: those held and those t's incidents fill.
		lo, hi := t.KeyRange()
		shift := uint(2 * (geo.KeyLevel - pyramidBottom))
		for k := range p.level(pyramidBottom) {
			if k >= lo>>shift && k < hi>>shift {
				dirty[k] = true
			}
		}
		s.eachInTile(t, func(id uint32, r *record, x, y float64) {
			dirty[geo.TileKey(x, y)>>shift] = true
		})
	}
	bottom := p.level(pyramidBottom)
	for k := range dirty {
		delete(bottom, k)
	}
	// Count the incidents of the dirty cells again: one search per cell.
	for k := range dirty {
		cx, cy := geo.MortonCell(k)
		t := geo.TileAddr{Z: pyramidBottom, X: cx, Y: cy}
		var c pcell
		s.eachInTile(t, func(id uint32, r *record, x, y float64) { c.add(id, r, x, y) })
		if c.n > 0 {
			bottom[k] = &c
		}
	}
	for l := pyramidBottom - 1; l >= pyramidTop; l-- {
		up := map[uint64]bool{}
		for k := range dirty {
			up[k>>2] = true
		}
		lv, child := p.level(l), p.level(l+1)
		for k := range up {
			var c pcell
			for q := range uint64(4) {
				if ch := child[k<<2|q]; ch != nil {
					c.merge(ch)
				}
			}
			if c.n > 0 {
				lv[k] = &c
			} else {
				delete(lv, k)
			}
		}
		dirty = up
	}
}

// eachInTile calls fn for each drawn, published incident t holds, with its
// EPSG:3857 position; the caller holds mu.
func (s *Store) eachInTile(t geo.TileAddr, fn func(id uint32, r *record, x, y float64)) {
	lo, hi := t.KeyRange()
	b := t.Bounds()
	const margin = 1e-7 // degrees; the key decides
	minLon, minLat := geo.WebMercatorToLonLat(b.MinX, b.MinY)
	maxLon, maxLat := geo.WebMercatorToLonLat(b.MaxX, b.MaxY)
	box := orb.Bound{Min: orb.Point{minLon - margin, minLat - margin}, Max: orb.Point{maxLon + margin, maxLat + margin}}
	s.points.Search([2]float32{down32(box.Min[0]), down32(box.Min[1])}, [2]float32{up32(box.Max[0]), up32(box.Max[1])},
		func(_, _ [2]float32, id uint32) bool {
			r := s.recs.at(id)
			if !drawnPublished(r) {
				return true
			}
			x, y := geo.LonLatTo3857(r.lon, r.lat)
			if k := geo.TileKey(x, y); k >= lo && k < hi {
				fn(id, r, x, y)
			}
			return true
		})
}

// pyramidCells are the cells of t's cluster grid from the pyramid, or false
// when t's zoom is deeper than the pyramid.
func (s *Store) pyramidCells(ctx context.Context, t geo.TileAddr) ([]geo.TileCell, bool, error) {
	level := t.Z + geo.ClusterLevels
	if level > pyramidBottom {
		return nil, false, nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, false, errClosed
	}
	lv := s.pyramid.level(level)
	x0, y0 := t.X<<geo.ClusterLevels, t.Y<<geo.ClusterLevels
	var out []geo.TileCell
	if len(lv) < geo.ClusterGrid*geo.ClusterGrid {
		lo, hi := t.KeyRange()
		shift := uint(2 * (geo.KeyLevel - level))
		for k, c := range lv {
			if k >= lo>>shift && k < hi>>shift {
				cx, cy := geo.MortonCell(k)
				out = append(out, c.tileCell(cx-x0, cy-y0))
			}
		}
	} else {
		for cy := range geo.ClusterGrid {
			for cx := range geo.ClusterGrid {
				if c := lv[geo.MortonKey(x0+cx, y0+cy)]; c != nil {
					out = append(out, c.tileCell(cx, cy))
				}
			}
		}
	}
	return out, true, ctx.Err()
}

// changeLog is where the commits since the store opened changed tiles, the
// last changeLogVersions of them: geo.TileChangeLog's answer.
type changeLog struct {
	floor   int64 // every commit after floor is held
	entries []changeEntry
}

type changeEntry struct {
	version int64
	all     bool
	tiles   []geo.TileAddr
}

// changeLogVersions bounds the commits the log keeps.
const changeLogVersions = 4096

// note records the changes of the commit that made version.
func (l *changeLog) note(version int64, cs *geo.ChangeSet) {
	e := changeEntry{version: version, all: cs.All()}
	if !e.all {
		e.tiles = cs.Tiles()
	}
	l.entries = append(l.entries, e)
	if len(l.entries) > changeLogVersions {
		drop := len(l.entries) - changeLogVersions
		l.floor = l.entries[drop-1].version
		l.entries = append(l.entries[:0:0], l.entries[drop:]...)
	}
}

var _ geo.TileChangeLog = (*Store)(nil)

// TileChanges is where the commits after since changed the data.
func (s *Store) TileChanges(ctx context.Context, since int64) (geo.TileChanges, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return geo.TileChanges{}, errClosed
	}
	out := geo.TileChanges{Version: s.dataVersion}
	if since < s.changes.floor {
		out.All = true
		return out, nil
	}
	for _, e := range s.changes.entries {
		if e.version <= since {
			continue
		}
		out.Add(geo.TileChanges{Version: e.version, All: e.all, Tiles: e.tiles})
	}
	return out, ctx.Err()
}

// commit records seq as the log's version and, when public reads changed
// (public: anything but a draft), as the data version, with the changes
// cs noted and, when positions or visibility changed (pyramid), the
// pyramid refreshed; the caller holds mu for writing.
func (s *Store) commit(seq int64, cs *geo.ChangeSet, pyramid, public bool) {
	s.version = seq
	if !public {
		return // a draft changes no tile (noteTileChange) and no public read
	}
	s.dataVersion = seq
	if pyramid {
		s.refreshPyramid(cs)
	}
	s.changes.note(seq, cs)
}

// noteTileChange adds what replacing old (nil for a new incident) by r
// changes in tiles to cs.
func noteTileChange(cs *geo.ChangeSet, old, r *record) {
	if cs == nil || r.vers.pending {
		return // a draft beside the published record changes no tile
	}
	if old != nil && drawnPublished(old) {
		cs.AddLonLat(old.lon, old.lat)
	}
	if drawnPublished(r) {
		cs.AddLonLat(r.lon, r.lat)
	}
}
