package risk

import (
	"fmt"
	"math"
	"sort"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// hexH is the ratio of a hexagon's apothem to its edge, written as PostGIS's
// lwgeom_generate_grid.c writes it (cos(pi/6) rounded one ulp up), so both
// compute the same row height bit for bit.
const hexH = 0.8660254037844387

// CellID is a cell's column and row in ST_HexagonGrid's numbering: flat-topped
// hexagons, cell (0, 0) centred on the EPSG:3857 origin, odd columns shifted
// half a row up.
type CellID struct{ I, J int }

func (c CellID) String() string { return fmt.Sprintf("%d:%d", c.I, c.J) }

// Lattice is the hexagon tiling of the plane for one cell size.
type Lattice struct{ Size float64 }

// height is the distance between the centres of two cells of a column.
func (l Lattice) height() float64 { return l.Size * 2 * hexH }

// Centre3857 is the centre of cell c in EPSG:3857 metres.
func (l Lattice) Centre3857(c CellID) (x, y float64) {
	h := l.height()
	x = 1.5 * l.Size * float64(c.I)
	y = h * float64(c.J)
	if c.I%2 != 0 {
		y += h / 2
	}
	return x, y
}

// Centre is the centre of cell c in longitude and latitude.
func (l Lattice) Centre(c CellID) orb.Point {
	x, y := l.Centre3857(c)
	lon, lat := geo.WebMercatorToLonLat(x, y)
	return orb.Point{lon, lat}
}

// hexagon offsets from the centre, in edge lengths and row heights, in
// ST_HexagonGrid's vertex order.
var hexX = [7]float64{-1.0, -0.5, 0.5, 1.0, 0.5, -0.5, -1.0}
var hexY = [7]float64{0.0, -0.5, -0.5, 0.0, 0.5, 0.5, 0.0}

// Hexagon3857 is cell c's outline in EPSG:3857 metres (closed, 7 points).
func (l Lattice) Hexagon3857(c CellID) orb.Ring {
	x, y := l.Centre3857(c)
	h := l.height()
	r := make(orb.Ring, 7)
	for k := range r {
		r[k] = orb.Point{x + l.Size*hexX[k], y + h*hexY[k]}
	}
	return r
}

// Hexagon is cell c's outline in longitude and latitude.
func (l Lattice) Hexagon(c CellID) orb.Polygon {
	r := l.Hexagon3857(c)
	for k, p := range r {
		lon, lat := geo.WebMercatorToLonLat(p[0], p[1])
		r[k] = orb.Point{lon, lat}
	}
	return orb.Polygon{r}
}

// CellOf3857 is the cell holding the EPSG:3857 point x, y: the one whose
// centre is nearest (hexagons are the Voronoi cells of their centres).
func (l Lattice) CellOf3857(x, y float64) CellID {
	col := 1.5 * l.Size
	i0 := int(math.Floor(x / col))
	best, bestD := CellID{}, math.Inf(1)
	for i := i0 - 1; i <= i0+2; i++ {
		h := l.height()
		off := 0.0
		if i%2 != 0 {
			off = h / 2
		}
		j0 := int(math.Round((y - off) / h))
		for j := j0 - 1; j <= j0+1; j++ {
			c := CellID{i, j}
			cx, cy := l.Centre3857(c)
			if d := (cx-x)*(cx-x) + (cy-y)*(cy-y); d < bestD {
				best, bestD = c, d
			}
		}
	}
	return best
}

// CellOf is the cell holding the point p (longitude, latitude).
func (l Lattice) CellOf(p orb.Point) CellID {
	x, y := geo.LonLatTo3857(p[0], p[1])
	return l.CellOf3857(x, y)
}

// cellsNear lists the cells whose centres may lie within metres of ground
// distance from p: a box in EPSG:3857 wide enough for the Mercator scale at
// the farthest latitude the box reaches.
func (l Lattice) cellsNear(p orb.Point, metres float64) (iMin, iMax, jMin, jMax int) {
	x, y := geo.LonLatTo3857(p[0], p[1])
	dLat := metres / sphereRadius * 180 / math.Pi
	lat := math.Min(89, math.Abs(p[1])+dLat+0.1)
	r := metres/math.Cos(lat*math.Pi/180) + l.Size*2
	col, h := 1.5*l.Size, l.height()
	return int(math.Floor((x - r) / col)), int(math.Ceil((x + r) / col)),
		int(math.Floor((y-r)/h)) - 1, int(math.Ceil((y+r)/h)) + 1
}

// Cell is one cell of a Grid.
type Cell struct {
	ID      CellID
	Centre  orb.Point // longitude, latitude of the hexagon's centre
	AreaKM2 float64   // ground area of the hexagon inside the Badia
	Region  string    // the Badia region holding most of that area
}

// Grid is the set of cells whose hexagons overlap the Badia.
type Grid struct {
	Lattice
	Cells []Cell // ordered by I, then J
	index map[CellID]int
	// AreaKM2 is the Badia's area as the grid covers it (sum of Cells' AreaKM2).
	AreaKM2 float64
}

// NewGrid lays the lattice of cellSize over the Badia regions and keeps
// every cell whose hexagon overlaps one of them, as
// ST_HexagonGrid(cellSize, badia) filtered by ST_Intersects does.
func NewGrid(cellSize float64, badia []geo.Region) (*Grid, error) {
	if math.IsNaN(cellSize) || cellSize <= 0 {
		return nil, fmt.Errorf("risk grid: cell size %v is not a positive number", cellSize)
	}
	l := Lattice{Size: cellSize}
	type part struct {
		code  string
		poly  orb.Polygon // EPSG:3857
		bound orb.Bound
	}
	var parts []part
	bound := orb.Bound{}
	first := true
	for _, r := range badia {
		for _, poly := range r.Geom {
			p := make(orb.Polygon, len(poly))
			for k, ring := range poly {
				p[k] = make(orb.Ring, len(ring))
				for n, pt := range ring {
					x, y := geo.LonLatTo3857(pt[0], pt[1])
					p[k][n] = orb.Point{x, y}
				}
			}
			b := p.Bound()
			parts = append(parts, part{code: r.Code, poly: p, bound: b})
			if first {
				bound, first = b, false
			} else {
				bound = bound.Union(b)
			}
		}
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("risk grid: no Badia region to lay the grid over (load the boundaries first)")
	}
	col, h := 1.5*cellSize, l.height()
	g := &Grid{Lattice: l, index: map[CellID]int{}}
	for i := int(math.Floor(bound.Min[0]/col)) - 1; i <= int(math.Ceil(bound.Max[0]/col))+1; i++ {
		for j := int(math.Floor(bound.Min[1]/h)) - 1; j <= int(math.Ceil(bound.Max[1]/h))+1; j++ {
			id := CellID{i, j}
			hex := l.Hexagon3857(id)
			hb := hex.Bound()
			if !hb.Intersects(bound) {
				continue
			}
			areas := map[string]float64{}
			total := 0.0
			for _, p := range parts {
				if !hb.Intersects(p.bound) {
					continue
				}
				if a := polygonInConvex(p.poly, hex); a > 0 {
					areas[p.code] += a
					total += a
				}
			}
			if total <= 0 {
				continue
			}
			c := Cell{ID: id, Centre: l.Centre(id)}
			// Map area to ground area by the Mercator scale at the centre.
			k := math.Cos(c.Centre[1] * math.Pi / 180)
			c.AreaKM2 = total * k * k / 1e6
			best := 0.0
			for code, a := range areas {
				if a > best || a == best && code < c.Region {
					best, c.Region = a, code
				}
			}
			g.Cells = append(g.Cells, c)
			g.AreaKM2 += c.AreaKM2
		}
	}
	sort.Slice(g.Cells, func(a, b int) bool {
		ca, cb := g.Cells[a].ID, g.Cells[b].ID
		return ca.I < cb.I || ca.I == cb.I && ca.J < cb.J
	})
	for k, c := range g.Cells {
		g.index[c.ID] = k
	}
	return g, nil
}

// Index is the position of cell id in Cells, and false when the grid does
// not hold it.
func (g *Grid) Index(id CellID) (int, bool) {
	k, ok := g.index[id]
	return k, ok
}

// polygonInConvex is the area of poly (outer ring minus holes) inside the
// convex ring clip, by Sutherland-Hodgman: for a convex clip region the
// clipped ring may run along the clip edge twice but its shoelace area is
// exact.
func polygonInConvex(poly orb.Polygon, clip orb.Ring) float64 {
	a := 0.0
	for k, ring := range poly {
		ra := math.Abs(planar.Area(clipRing(ring, clip)))
		if k == 0 {
			a += ra
		} else {
			a -= ra
		}
	}
	return math.Max(a, 0)
}

// clipRing clips subject to the convex ring clip (closed, either winding).
func clipRing(subject, clip orb.Ring) orb.Ring {
	out := append(orb.Ring(nil), subject...)
	if len(out) > 1 && out[0] == out[len(out)-1] {
		out = out[:len(out)-1]
	}
	sign := 1.0
	if planar.Area(clip) < 0 {
		sign = -1
	}
	n := len(clip)
	if clip[0] == clip[n-1] {
		n--
	}
	for e := 0; e < n && len(out) > 0; e++ {
		a, b := clip[e], clip[(e+1)%n]
		inside := func(p orb.Point) bool {
			return sign*((b[0]-a[0])*(p[1]-a[1])-(b[1]-a[1])*(p[0]-a[0])) >= 0
		}
		in := out
		out = nil
		prev := in[len(in)-1]
		for _, cur := range in {
			if inside(cur) {
				if !inside(prev) {
					out = append(out, intersect(prev, cur, a, b))
				}
				out = append(out, cur)
			} else if inside(prev) {
				out = append(out, intersect(prev, cur, a, b))
			}
			prev = cur
		}
	}
	if len(out) < 3 {
		return nil
	}
	return append(out, out[0])
}

// intersect is where segment p-q crosses the line through a and b.
func intersect(p, q, a, b orb.Point) orb.Point {
	dx, dy := q[0]-p[0], q[1]-p[1]
	ex, ey := b[0]-a[0], b[1]-a[1]
	den := dx*ey - dy*ex
	if den == 0 {
		return q
	}
	t := ((a[0]-p[0])*ey - (a[1]-p[1])*ex) / den
	return orb.Point{p[0] + t*dx, p[1] + t*dy}
}
