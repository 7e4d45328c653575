package risk

import (
	"fmt"
	"math"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// MaxAreaKM2 is the largest area an area check accepts: a planned gathering
// area, not a province.
const MaxAreaKM2 = 10000

// MaxAreaVertices bounds the vertices of an area check's polygon.
const MaxAreaVertices = 5000

// AreaError is a polygon an area check cannot use, with the reason.
type AreaError struct{ Reason string }

func (e *AreaError) Error() string { return e.Reason }

func areaErr(format string, a ...any) error { return &AreaError{Reason: fmt.Sprintf(format, a...)} }

// ValidateArea checks a polygon for an area check: closed rings of at least
// four finite positions, inside Syria (geo.SyriaBound), no ring crossing
// itself or another, holes inside their shell, and an area above zero and
// at most MaxAreaKM2.
func ValidateArea(mp orb.MultiPolygon) error {
	if len(mp) == 0 {
		return areaErr("the geometry has no polygon")
	}
	n := 0
	for pi, poly := range mp {
		if len(poly) == 0 {
			return areaErr("polygon %d has no ring", pi+1)
		}
		for ri, ring := range poly {
			n += len(ring)
			if len(ring) < 4 {
				return areaErr("polygon %d ring %d has %d positions; a ring needs at least 4 (the first repeated last)", pi+1, ri+1, len(ring))
			}
			if ring[0] != ring[len(ring)-1] {
				return areaErr("polygon %d ring %d is not closed: its last position must repeat the first", pi+1, ri+1)
			}
			for _, p := range ring {
				if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
					return areaErr("polygon %d ring %d has a coordinate that is not a number", pi+1, ri+1)
				}
				if !geo.SyriaBound.Contains(p) {
					return areaErr("position (%g, %g) is outside Syria (longitude %g to %g, latitude %g to %g); positions are longitude, latitude",
						p[0], p[1], geo.SyriaBound.Min[0], geo.SyriaBound.Max[0], geo.SyriaBound.Min[1], geo.SyriaBound.Max[1])
				}
			}
		}
	}
	if n > MaxAreaVertices {
		return areaErr("the geometry has %d positions; at most %d are accepted", n, MaxAreaVertices)
	}
	for pi, poly := range mp {
		if a, b, where, ok := crossing(poly); ok {
			return areaErr("polygon %d is self-intersecting: ring %d crosses ring %d near (%.5f, %.5f)", pi+1, a+1, b+1, where[0], where[1])
		}
		for ri, hole := range poly[1:] {
			if !planar.RingContains(poly[0], hole[0]) {
				return areaErr("polygon %d: hole %d lies outside its outer ring", pi+1, ri+1)
			}
		}
		if math.Abs(planar.Area(poly[0])) == 0 {
			return areaErr("polygon %d has no area", pi+1)
		}
	}
	area := GroundAreaKM2(mp)
	if area <= 0 {
		return areaErr("the geometry has no area")
	}
	if area > MaxAreaKM2 {
		return areaErr("the area is %.0f km², too large: at most %d km² is accepted; check a smaller area or several", area, MaxAreaKM2)
	}
	return nil
}

// crossing finds two edges of poly's rings that touch or cross, other than
// neighbours on one ring sharing their vertex.
func crossing(poly orb.Polygon) (ringA, ringB int, where orb.Point, found bool) {
	type edge struct {
		ring, k int
		a, b    orb.Point
	}
	var edges []edge
	for ri, ring := range poly {
		for k := 0; k+1 < len(ring); k++ {
			edges = append(edges, edge{ri, k, ring[k], ring[k+1]})
		}
	}
	for x := 0; x < len(edges); x++ {
		for y := x + 1; y < len(edges); y++ {
			e, f := edges[x], edges[y]
			if e.ring == f.ring {
				n := len(poly[e.ring]) - 1
				if f.k == e.k+1 || e.k == 0 && f.k == n-1 {
					continue // neighbours share a vertex
				}
			}
			if p, ok := segmentsMeet(e.a, e.b, f.a, f.b); ok {
				return e.ring, f.ring, p, true
			}
		}
	}
	return 0, 0, orb.Point{}, false
}

// segmentsMeet reports whether segments a-b and c-d share a point.
func segmentsMeet(a, b, c, d orb.Point) (orb.Point, bool) {
	orient := func(p, q, r orb.Point) float64 { return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0]) }
	onSeg := func(p, q, r orb.Point) bool {
		return math.Min(p[0], q[0]) <= r[0] && r[0] <= math.Max(p[0], q[0]) && math.Min(p[1], q[1]) <= r[1] && r[1] <= math.Max(p[1], q[1])
	}
	o1, o2, o3, o4 := orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
	if (o1 > 0 && o2 < 0 || o1 < 0 && o2 > 0) && (o3 > 0 && o4 < 0 || o3 < 0 && o4 > 0) {
		return intersect(a, b, c, d), true
	}
	switch {
	case o1 == 0 && onSeg(a, b, c):
		return c, true
	case o2 == 0 && onSeg(a, b, d):
		return d, true
	case o3 == 0 && onSeg(c, d, a):
		return a, true
	case o4 == 0 && onSeg(c, d, b):
		return b, true
	}
	return orb.Point{}, false
}

// GroundAreaKM2 is the area of a lon/lat multipolygon on the sphere.
func GroundAreaKM2(mp orb.MultiPolygon) float64 {
	a := 0.0
	for _, poly := range mp {
		for k, ring := range poly {
			ra := math.Abs(sphericalRingArea(ring))
			if k == 0 {
				a += ra
			} else {
				a -= ra
			}
		}
	}
	return a / 1e6
}

// sphericalRingArea is a ring's signed area on the sphere of sphereRadius
// (the line-integral formula for small rings).
func sphericalRingArea(r orb.Ring) float64 {
	const rad = math.Pi / 180
	s := 0.0
	for k := 0; k+1 < len(r); k++ {
		p, q := r[k], r[k+1]
		s += (q[0] - p[0]) * rad * (2 + math.Sin(p[1]*rad) + math.Sin(q[1]*rad))
	}
	return s * sphereRadius * sphereRadius / 2
}

// Cover is one cell an area overlaps.
type Cover struct {
	ID      CellID
	AreaKM2 float64 // ground area of the overlap
}

// CoverCells lists the cells of the lattice a lon/lat multipolygon overlaps,
// with the ground area of each overlap (map area scaled by the Mercator
// factor at the cell's centre), ordered by I then J.
func (l Lattice) CoverCells(mp orb.MultiPolygon) []Cover {
	var polys []orb.Polygon
	var bound orb.Bound
	for k, poly := range mp {
		p := make(orb.Polygon, len(poly))
		for ri, ring := range poly {
			p[ri] = make(orb.Ring, len(ring))
			for n, pt := range ring {
				x, y := geo.LonLatTo3857(pt[0], pt[1])
				p[ri][n] = orb.Point{x, y}
			}
		}
		polys = append(polys, p)
		if k == 0 {
			bound = p.Bound()
		} else {
			bound = bound.Union(p.Bound())
		}
	}
	if len(polys) == 0 {
		return nil
	}
	col, h := 1.5*l.Size, l.height()
	var out []Cover
	for i := int(math.Floor(bound.Min[0]/col)) - 1; i <= int(math.Ceil(bound.Max[0]/col))+1; i++ {
		for j := int(math.Floor(bound.Min[1]/h)) - 1; j <= int(math.Ceil(bound.Max[1]/h))+1; j++ {
			id := CellID{i, j}
			hex := l.Hexagon3857(id)
			if !hex.Bound().Intersects(bound) {
				continue
			}
			a := 0.0
			for _, p := range polys {
				a += polygonInConvex(p, hex)
			}
			if a <= 0 {
				continue
			}
			c := l.Centre(id)
			k := math.Cos(c[1] * math.Pi / 180)
			out = append(out, Cover{ID: id, AreaKM2: a * k * k / 1e6})
		}
	}
	return out
}

// DistanceToArea is the distance in metres from p to the nearest point of
// mp, 0 inside it. Edges are measured in an equirectangular plane centred
// on p, accurate to well under 1% within 100 km.
func DistanceToArea(p orb.Point, mp orb.MultiPolygon) float64 {
	if planar.MultiPolygonContains(mp, p) {
		return 0
	}
	const rad = math.Pi / 180
	k := math.Cos(p[1] * rad)
	toXY := func(q orb.Point) (float64, float64) {
		return (q[0] - p[0]) * rad * k * sphereRadius, (q[1] - p[1]) * rad * sphereRadius
	}
	best := math.Inf(1)
	for _, poly := range mp {
		for _, ring := range poly {
			for n := 0; n+1 < len(ring); n++ {
				ax, ay := toXY(ring[n])
				bx, by := toXY(ring[n+1])
				dx, dy := bx-ax, by-ay
				t := 0.0
				if l2 := dx*dx + dy*dy; l2 > 0 {
					t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l2))
				}
				x, y := ax+t*dx, ay+t*dy
				best = math.Min(best, math.Hypot(x, y))
			}
		}
	}
	return best
}

// DropRepeats removes positions that repeat the one before them (a
// double-click adds its corner twice), keeping every ring closed.
func DropRepeats(mp orb.MultiPolygon) orb.MultiPolygon {
	out := make(orb.MultiPolygon, len(mp))
	for pi, poly := range mp {
		out[pi] = make(orb.Polygon, len(poly))
		for ri, ring := range poly {
			var r orb.Ring
			for k, p := range ring {
				if k == 0 || p != ring[k-1] {
					r = append(r, p)
				}
			}
			out[pi][ri] = r
		}
	}
	return out
}
