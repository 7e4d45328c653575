package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
)

// How a tile fits its budget ("cluster densest as needed", as tippecanoe
// names it): the stores count the tile's incidents per cell of its cluster
// grid (TileCell), PlanTile decides which cells are clusters, the store
// draws the incidents of the other cells as points, and the clusters and
// tile_info layers are encoded here for both stores alike.

// Tile budgets, in bytes of MVT.
const (
	// DefaultTileBytes: the incident layers of a tile stay within this many
	// bytes unless a request says otherwise. A map tile of 256 pixels shows
	// no more than this: about 2,000 points with the default properties.
	DefaultTileBytes = 256 << 10
	// MinTileBytes is the smallest budget a request may set: room for one
	// cluster and tile_info whatever the data.
	MinTileBytes = 2 << 10
)

// The estimates PlanTile fits a budget with: generous per feature, so a
// tile's encoding comes out below them (the stores check it and plan again,
// tighter, when a tile does not fit: SqueezeLimit).
const (
	tileFixedBytes  = 1024 // layer headers, keys and the tile_info layer
	clusterBytes    = 128  // one cluster feature with its values
	pointBaseBytes  = 24   // one point feature: id, geometry, tags
	numberBytes     = 6    // a number property: its tag and value
	shortTextBytes  = 12   // a code, a date, a name shared by many incidents
	uniqueTextBytes = 32   // a text of its own, e.g. the external id
	longTextBytes   = 600  // notes and sources
)

// propertyBytes is the estimate of each incident property.
func propertyBytes(name string) int {
	switch name {
	case "external_id", "location_name", "perpetrator", "target", "source_admin2", "created_at", "updated_at":
		return uniqueTextBytes
	case "notes", "sources":
		return longTextBytes
	case "date_start", "date_end", "source_admin1", "source_governorate", "governorate", "region",
		"join_basis", "event_type", "sub_event_type":
		return shortTextBytes
	}
	return numberBytes
}

// PointBytes is the estimated size of one "incidents" feature carrying props.
func PointBytes(props []string) int {
	n := pointBaseBytes
	for _, p := range props {
		n += propertyBytes(p)
	}
	return n
}

// SqueezeLimit bounds the plans of one tile: each squeeze doubles the
// estimates, so after it points are few and the grid coarse.
const SqueezeLimit = 12

// RankedIncident is an incident by the order tiles keep them in: killed
// descending, then id ascending.
type RankedIncident struct {
	ID     int64
	Killed int
}

// Before reports whether a comes before b in that order.
func (a RankedIncident) Before(b RankedIncident) bool {
	if a.Killed != b.Killed {
		return a.Killed > b.Killed
	}
	return a.ID < b.ID
}

// TileCell is what a store counts in one cell of a tile's cluster grid:
// the drawn incidents of the request's filter whose point the cell holds.
type TileCell struct {
	X, Y int // the cell in the grid, 0 to the grid's side - 1
	Totals
	SumX, SumY float64          // the EPSG:3857 positions summed, for the mean
	Top        []RankedIncident // the deadliest, in order, at most ClusterTopIDs
}

// Add counts one incident into c.
func (c *TileCell) Add(id int64, cas Casualties, dateStart time.Time, x, y float64) {
	c.Operations++
	k := cas.Killed()
	c.Killed += k
	c.Casualties = c.Casualties.Add(cas)
	if c.FirstDate.IsZero() || dateStart.Before(c.FirstDate) {
		c.FirstDate = dateStart
	}
	if dateStart.After(c.LastDate) {
		c.LastDate = dateStart
	}
	c.SumX += x
	c.SumY += y
	c.Top = addTop(c.Top, RankedIncident{id, k})
}

// Merge counts the incidents of o into c.
func (c *TileCell) Merge(o *TileCell) {
	c.AddTotals(o.Totals)
	c.SumX += o.SumX
	c.SumY += o.SumY
	for _, r := range o.Top {
		c.Top = addTop(c.Top, r)
	}
}

// addTop inserts r into the ordered list top, kept to ClusterTopIDs.
func addTop(top []RankedIncident, r RankedIncident) []RankedIncident {
	i := len(top)
	for i > 0 && r.Before(top[i-1]) {
		i--
	}
	if i >= ClusterTopIDs {
		return top
	}
	top = slices.Insert(top, i, r)
	if len(top) > ClusterTopIDs {
		top = top[:ClusterTopIDs]
	}
	return top
}

// TilePlan is how a tile shows its incidents.
type TilePlan struct {
	Tile   TileAddr
	Budget int
	// Grid is the side of the cluster grid, ClusterGrid >> Shift: coarser
	// than ClusterGrid only when the clusters would not fit otherwise.
	Grid, Shift int
	// Clusters are the cells shown as clusters, killed descending then id;
	// their X, Y are cells of the Grid.
	Clusters []TileCluster
	// clustered marks the cells of the Grid that are clusters.
	clustered map[[2]int]bool
	// Matched counts the tile's incidents, Points those drawn one by one,
	// Clustered those in the clusters.
	Matched, Points, Clustered int
	// Estimate is the size PlanTile expects of the incident layers.
	Estimate int
}

// TileCluster is one feature of layer "clusters".
type TileCluster struct {
	ID int64
	TileCell
}

// PointCell reports whether the incidents of fine cell cx, cy (of the
// ClusterGrid) are points.
func (p *TilePlan) PointCell(cx, cy int) bool {
	return !p.clustered[[2]int{cx >> uint(p.Shift), cy >> uint(p.Shift)}]
}

// PointRanges are the TileKey ranges [lo, hi) of the fine cells whose
// incidents are points, adjacent ranges merged, ascending.
func (p *TilePlan) PointRanges() (lo, hi []uint64) {
	if p.Points == 0 {
		return nil, nil
	}
	if len(p.Clusters) == 0 {
		l, h := p.Tile.KeyRange()
		return []uint64{l}, []uint64{h}
	}
	// The cells of the Grid in Z order are ranges of the tile's keys.
	level := p.Tile.Z + ClusterLevels - p.Shift
	base := TileAddr{level, p.Tile.X << uint(ClusterLevels-p.Shift), p.Tile.Y << uint(ClusterLevels-p.Shift)}
	cells := make([]uint64, 0, p.Grid*p.Grid)
	for cy := 0; cy < p.Grid; cy++ {
		for cx := 0; cx < p.Grid; cx++ {
			if !p.clustered[[2]int{cx, cy}] {
				cells = append(cells, MortonKey(base.X+cx, base.Y+cy))
			}
		}
	}
	slices.Sort(cells)
	shift := 2 * uint(KeyLevel-level)
	for _, k := range cells {
		l, h := k<<shift, (k+1)<<shift
		if n := len(hi); n > 0 && hi[n-1] == l {
			hi[n-1] = h
			continue
		}
		lo, hi = append(lo, l), append(hi, h)
	}
	return lo, hi
}

// PlanTile decides how req's tile shows the incidents counted in cells
// (cells of its ClusterGrid; the order does not matter). Below the cluster
// zoom every cell is a cluster. From it, the densest cells become clusters
// (the most incidents first, then the lowest cluster id), as few as keep
// the estimate within the budget; when even all clusters would not fit,
// the grid is halved until they do. squeeze (0, then up to SqueezeLimit)
// doubles the estimates each step, for a store whose tile came out over the
// budget.
func PlanTile(req *TileRequest, cells []TileCell, squeeze int) TilePlan {
	budget := req.Budget()
	p := TilePlan{Tile: req.Addr(), Budget: budget}
	for _, c := range cells {
		p.Matched += c.Operations
	}
	scale := 1 << uint(min(squeeze, SqueezeLimit))
	room := budget - tileFixedBytes
	perPoint := PointBytes(req.IncidentProperties()) * scale
	perCluster := clusterBytes * scale
	for shift := 0; ; shift++ {
		grid := ClusterGrid >> uint(shift)
		merged := coarsen(cells, shift)
		slices.SortFunc(merged, func(a, b TileCluster) int {
			if a.Operations != b.Operations {
				return b.Operations - a.Operations
			}
			return cmp.Compare(a.ID, b.ID)
		})
		k := -1 // the number of densest cells made clusters
		if req.Clustered() {
			if len(merged)*perCluster <= room || grid == 1 {
				k = len(merged)
			}
		} else {
			points := p.Matched
			for n := 0; n <= len(merged); n++ {
				if n > 0 {
					points -= merged[n-1].Operations
				}
				if n*perCluster+points*perPoint <= room {
					k = n
					break
				}
			}
			if k < 0 && grid == 1 {
				k = len(merged)
			}
		}
		if k < 0 {
			continue
		}
		p.Grid, p.Shift = grid, shift
		p.Clusters = merged[:k]
		p.clustered = make(map[[2]int]bool, k)
		for _, c := range p.Clusters {
			p.clustered[[2]int{c.X, c.Y}] = true
			p.Clustered += c.Operations
		}
		p.Points = p.Matched - p.Clustered
		p.Estimate = tileFixedBytes + k*clusterBytes + p.Points*PointBytes(req.IncidentProperties())
		slices.SortFunc(p.Clusters, func(a, b TileCluster) int {
			if a.Killed != b.Killed {
				return b.Killed - a.Killed
			}
			return cmp.Compare(a.ID, b.ID)
		})
		return p
	}
}

// coarsen merges cells into the grid ClusterGrid>>shift.
func coarsen(cells []TileCell, shift int) []TileCluster {
	grid := ClusterGrid >> uint(shift)
	by := make(map[[2]int]int, len(cells))
	var out []TileCluster
	for i := range cells {
		c := &cells[i]
		if c.Operations == 0 {
			continue
		}
		key := [2]int{c.X >> uint(shift), c.Y >> uint(shift)}
		j, ok := by[key]
		if !ok {
			j = len(out)
			by[key] = j
			out = append(out, TileCluster{ID: ClusterID(grid, key[0], key[1]), TileCell: TileCell{X: key[0], Y: key[1]}})
		}
		out[j].Merge(c)
	}
	return out
}

// ToTile is the tile coordinate of the EPSG:3857 point x, y, rounded to the
// extent grid as ST_AsMVTGeom rounds it.
func (b TileBound) ToTile(x, y float64) orb.Point {
	scale := TileExtent / (b.MaxX - b.MinX)
	return orb.Point{math.RoundToEven((x - b.MinX) * scale), math.RoundToEven((b.MaxY - y) * scale)}
}

// ClusterProperties are the properties of c's "clusters" feature.
func ClusterProperties(c *TileCell) geojson.Properties {
	ids := make([]string, len(c.Top))
	for i, r := range c.Top {
		ids[i] = strconv.FormatInt(r.ID, 10)
	}
	p := geojson.Properties{
		"count": int64(c.Operations), "killed": int64(c.Killed),
		"first_date": c.FirstDate.UTC().Format(DateLayout), "last_date": c.LastDate.UTC().Format(DateLayout),
		"top_ids": strings.Join(ids, ","),
	}
	for _, g := range CasualtyGroups {
		p[g.Name] = int64(g.Of(c.Casualties))
	}
	return p
}

// Layers encodes p's "clusters" layer (when it has clusters) and its
// "tile_info" layer (when the tile has incidents): nil for a tile with no
// incident.
func (p *TilePlan) Layers() (clusters, info []byte, err error) {
	if p.Matched == 0 {
		return nil, nil, nil
	}
	box := p.Tile.Bounds()
	if len(p.Clusters) > 0 {
		feats := make([]*geojson.Feature, len(p.Clusters))
		for i := range p.Clusters {
			c := &p.Clusters[i]
			n := float64(c.Operations)
			f := geojson.NewFeature(box.ToTile(c.SumX/n, c.SumY/n))
			f.ID = uint64(c.ID)
			f.Properties = ClusterProperties(&c.TileCell)
			feats[i] = f
		}
		if clusters, err = marshalLayer(MVTClusters, feats); err != nil {
			return nil, nil, err
		}
	}
	f := geojson.NewFeature(orb.Point{TileExtent / 2, TileExtent / 2})
	f.Properties = geojson.Properties{"matched": int64(p.Matched), "points": int64(p.Points),
		"clustered": int64(p.Clustered), "clusters": int64(len(p.Clusters)), "grid": int64(p.Grid), "budget": int64(p.Budget)}
	if info, err = marshalLayer(MVTTileInfo, []*geojson.Feature{f}); err != nil {
		return nil, nil, err
	}
	return clusters, info, nil
}

func marshalLayer(name string, feats []*geojson.Feature) ([]byte, error) {
	b, err := mvt.Marshal(mvt.Layers{{Name: name, Version: 2, Extent: TileExtent, Features: feats}})
	if err != nil {
		return nil, fmt.Errorf("encode the %s layer: %w", name, err)
	}
	return b, nil
}
