package geo_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// randomCells counts n random incidents into the cells of tile t, densest
// near one corner, as CellOf puts them.
func randomCells(t geo.TileAddr, n int, rng *rand.Rand) ([]geo.TileCell, [][2]float64) {
	b := t.Bounds()
	by := map[[2]int]*geo.TileCell{}
	var pts [][2]float64
	day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		fx, fy := rng.Float64(), rng.Float64()
		fx, fy = fx*fx*fx, fy*fy*fy // dense in the north-west
		x, y := b.MinX+fx*(b.MaxX-b.MinX), b.MaxY-fy*(b.MaxY-b.MinY)
		if !t.Holds(x, y) {
			continue
		}
		pts = append(pts, [2]float64{x, y})
		cx, cy := t.GridCell(x, y, 0)
		c := by[[2]int{cx, cy}]
		if c == nil {
			c = &geo.TileCell{X: cx, Y: cy}
			by[[2]int{cx, cy}] = c
		}
		c.Add(int64(i+1), geo.Casualties{Military: rng.IntN(4), Civilians: rng.IntN(3)}, day.AddDate(0, 0, rng.IntN(900)), x, y)
	}
	var cells []geo.TileCell
	for _, c := range by {
		cells = append(cells, *c)
	}
	return cells, pts
}

// TestPlanTile: a plan shows every incident once, clusters the densest
// cells first and no more of them than the budget needs, keeps its
// estimate within the budget, and coarsens the grid only when clusters
// alone would not fit.
func TestPlanTile(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	tile := geo.TileAddr{Z: 9, X: 311, Y: 203}
	for _, c := range []struct {
		n, budget, below int
		wantClusters     bool
	}{
		{50, 0, 0, false},                          // sparse: points only
		{3000, 0, 0, true},                         // dense: some clusters
		{200000, 0, 0, true},                       // very dense
		{3000, geo.MinTileBytes, 0, true},          // tiny budget: a coarse grid
		{3000, 0, 12, true},                        // below the cluster zoom: all clusters
		{3000, 64 << 10, -1, true},                 // never-cluster setting still fits the budget
		{60000, geo.DefaultTileBytes / 4, 0, true}, // many cells, a small budget
	} {
		req := geo.TileRequest{Layer: geo.TileIncidents, Z: tile.Z, X: tile.X, Y: tile.Y, MaxBytes: c.budget, ClusterBelowZoom: c.below}
		cells, _ := randomCells(tile, c.n, rng)
		p := geo.PlanTile(&req, cells, 0)
		total := 0
		for _, cl := range cells {
			total += cl.Operations
		}
		if p.Matched != total || p.Points+p.Clustered != total {
			t.Errorf("%+v: matched %d, points %d + clustered %d, want %d", c, p.Matched, p.Points, p.Clustered, total)
		}
		sum := 0
		for _, cl := range p.Clusters {
			sum += cl.Operations
		}
		if sum != p.Clustered || (len(p.Clusters) > 0) != c.wantClusters {
			t.Errorf("%+v: %d clusters holding %d, clustered %d", c, len(p.Clusters), sum, p.Clustered)
		}
		if p.Estimate > req.Budget() {
			t.Errorf("%+v: estimate %d over the budget %d", c, p.Estimate, req.Budget())
		}
		if req.Clustered() && p.Points != 0 {
			t.Errorf("%+v: %d points below the cluster zoom", c, p.Points)
		}
		// Densest first: no point cell of the plan's grid holds more
		// incidents than a cluster (ties go to the lower cluster id).
		grid := map[[2]int]int{}
		for _, cl := range cells {
			grid[[2]int{cl.X >> p.Shift, cl.Y >> p.Shift}] += cl.Operations
		}
		least := -1
		for _, cl := range p.Clusters {
			if least < 0 || cl.Operations < least {
				least = cl.Operations
			}
		}
		for k, n := range grid {
			if p.PointCell(k[0]<<p.Shift, k[1]<<p.Shift) && least >= 0 && n > least {
				t.Errorf("%+v: point cell %v holds %d, a cluster only %d", c, k, n, least)
			}
		}
		// No fewer clusters would do: with the least dense cluster as points
		// the estimate is over the budget (at the finest grid that fits).
		if !req.Clustered() && len(p.Clusters) > 0 && p.Shift == 0 {
			props := geo.PointBytes(req.IncidentProperties())
			if p.Estimate-128+least*props <= req.Budget() {
				t.Errorf("%+v: %d clusters, one fewer would fit (estimate %d)", c, len(p.Clusters), p.Estimate)
			}
		}
		// Clusters in tile order.
		if !slices.IsSortedFunc(p.Clusters, func(a, b geo.TileCluster) int {
			if a.Killed != b.Killed {
				return b.Killed - a.Killed
			}
			return int(a.ID - b.ID)
		}) {
			t.Errorf("%+v: clusters not killed descending, then id", c)
		}
		if _, _, err := p.Layers(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

// TestPointRanges: a point's key falls in the plan's point ranges exactly
// when its cell is a point cell.
func TestPointRanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	tile := geo.TileAddr{Z: 11, X: 1250, Y: 810}
	cells, pts := randomCells(tile, 20000, rng)
	for _, budget := range []int{geo.MinTileBytes, 32 << 10, geo.DefaultTileBytes} {
		req := geo.TileRequest{Layer: geo.TileIncidents, Z: tile.Z, X: tile.X, Y: tile.Y, MaxBytes: budget}
		p := geo.PlanTile(&req, cells, 0)
		lo, hi := p.PointRanges()
		points := 0
		for _, pt := range pts {
			key := geo.TileKey(pt[0], pt[1])
			i, _ := slices.BinarySearch(lo, key+1)
			in := i > 0 && key < hi[i-1]
			cx, cy := tile.GridCell(pt[0], pt[1], 0)
			if in != p.PointCell(cx, cy) {
				t.Fatalf("budget %d: point %v (cell %d,%d) in the ranges: %v, a point cell: %v", budget, pt, cx, cy, in, p.PointCell(cx, cy))
			}
			if in {
				points++
			}
		}
		if points != p.Points {
			t.Errorf("budget %d: %d points in the ranges, the plan has %d", budget, points, p.Points)
		}
	}
}

// TestChangeSet: a change set holds the tiles of what it was given, at most
// MaxChangeTiles of them, and a point a rounding error from an edge marks
// both sides.
func TestChangeSet(t *testing.T) {
	s := geo.NewChangeSet()
	if !s.Empty() {
		t.Fatal("a new set is not empty")
	}
	s.AddLonLat(38.27, 34.55)
	tiles := s.Tiles()
	x, y := geo.LonLatTo3857(38.27, 34.55)
	if len(tiles) != 1 || tiles[0].Z != geo.MaxTileZoom || !tiles[0].Holds(x, y) {
		t.Fatalf("one point: %v", tiles)
	}
	ch := geo.TileChanges{Tiles: tiles}
	cx, cy := geo.CellOf(x, y, 9)
	if !ch.Touches(geo.TileAddr{Z: 9, X: cx, Y: cy}) || ch.Touches(geo.TileAddr{Z: 9, X: cx + 1, Y: cy}) {
		t.Error("Touches does not follow the tile holding the point")
	}
	// On an edge: both tiles.
	b := geo.TileAddr{Z: 14, X: 9900, Y: 6500}.Bounds()
	e := geo.NewChangeSet()
	e.Add3857(b.MinX, b.MinY+0.3*(b.MaxY-b.MinY))
	if got := e.Tiles(); len(got) != 2 {
		t.Errorf("a point on an edge marks %v", got)
	}
	// Many points: coarser tiles, still holding every point.
	rng := rand.New(rand.NewPCG(5, 5))
	var pts [][2]float64
	for range 5000 {
		lon, lat := 36+rng.Float64()*5, 32.5+rng.Float64()*4
		pts = append(pts, [2]float64{lon, lat})
		s.AddLonLat(lon, lat)
	}
	tiles = s.Tiles()
	if len(tiles) > geo.MaxChangeTiles || s.All() {
		t.Fatalf("%d tiles (all %v)", len(tiles), s.All())
	}
	ch = geo.TileChanges{Tiles: tiles}
	for _, p := range append(pts, [2]float64{38.27, 34.55}) {
		x, y := geo.LonLatTo3857(p[0], p[1])
		cx, cy := geo.CellOf(x, y, 16)
		if !ch.Touches(geo.TileAddr{Z: 16, X: cx, Y: cy}) {
			t.Fatalf("point %v lost", p)
		}
	}
	s.SetAll()
	if !s.All() || s.Empty() || len(s.Tiles()) != 0 {
		t.Error("SetAll")
	}
}
