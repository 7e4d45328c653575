package main

import (
	"math"

	"github.com/paulmach/orb"
)

// fillOutside gives cells outside Syria (NaN) the mean of their filled
// neighbours, ring by ring, so the contour can be traced up to the border;
// cells still empty after `passes` rings, and the grid's outer frame, get
// `high` so that every contour closes inside the grid.
func fillOutside(g grid, v []float64, passes int, high float64) []float64 {
	out := append([]float64(nil), v...)
	for p := 0; p < passes; p++ {
		next := append([]float64(nil), out...)
		for c, x := range out {
			if !math.IsNaN(x) {
				continue
			}
			i, j := c%g.NX, c/g.NX
			var s, n float64
			for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				ii, jj := i+d[0], j+d[1]
				if ii < 0 || jj < 0 || ii >= g.NX || jj >= g.NY {
					continue
				}
				if w := out[jj*g.NX+ii]; !math.IsNaN(w) {
					s += w
					n++
				}
			}
			if n > 0 {
				next[c] = s / n
			}
		}
		out = next
	}
	for c := range out {
		i, j := c%g.NX, c/g.NX
		if math.IsNaN(out[c]) || i == 0 || j == 0 || i == g.NX-1 || j == g.NY-1 {
			out[c] = high
		}
	}
	return out
}

// isolinePolygons traces the level `level` of v by marching squares with
// linear interpolation along cell edges, and returns the area below it.
// Each crossing point is computed from its edge alone and rounded, so
// neighbouring cells share it exactly; each segment is directed with the
// area below the level on its left, so the segments chain into rings.
func isolinePolygons(g grid, v []float64, level float64, round func(orb.Point) orb.Point) (orb.MultiPolygon, error) {
	val := func(i, j int) float64 { return v[j*g.NX+i] }
	cross := func(i0, j0, i1, j1 int) orb.Point {
		a, b := val(i0, j0), val(i1, j1)
		t := (level - a) / (b - a)
		p0, p1 := g.center(i0, j0), g.center(i1, j1)
		return round(orb.Point{p0[0] + t*(p1[0]-p0[0]), p0[1] + t*(p1[1]-p0[1])})
	}
	var edges []edge
	for j := 0; j+1 < g.NY; j++ {
		for i := 0; i+1 < g.NX; i++ {
			// Corners counter-clockwise from bottom-left; side k joins corner k and k+1.
			corner := [4][2]int{{i, j}, {i + 1, j}, {i + 1, j + 1}, {i, j + 1}}
			var below [4]bool
			for k, c := range corner {
				below[k] = val(c[0], c[1]) < level
			}
			if below[0] == below[1] && below[1] == below[2] && below[2] == below[3] {
				continue
			}
			var pt [4]orb.Point
			var sides []int
			for k := 0; k < 4; k++ {
				a, b := corner[k], corner[(k+1)%4]
				if below[k] != below[(k+1)%4] {
					// Always interpolate from the lower-left end of the side.
					if k >= 2 {
						a, b = b, a
					}
					pt[k] = cross(a[0], a[1], b[0], b[1])
					sides = append(sides, k)
				}
			}
			// Pairs of sides joined by a segment.
			var pairs [][2]int
			if len(sides) == 2 {
				pairs = [][2]int{{sides[0], sides[1]}}
			} else {
				c := corner
				centre := (val(c[0][0], c[0][1])+val(c[1][0], c[1][1])+val(c[2][0], c[2][1])+val(c[3][0], c[3][1]))/4 < level
				if centre == below[0] {
					// Corners 1 and 3 are cut off on their own.
					pairs = [][2]int{{0, 1}, {2, 3}}
				} else {
					pairs = [][2]int{{3, 0}, {1, 2}}
				}
			}
			for _, pr := range pairs {
				a, b := pt[pr[0]], pt[pr[1]]
				if a == b {
					continue
				}
				// Walking the cell counter-clockwise, the corner just after
				// side pr[1] lies on the left of the segment pr[0] -> pr[1].
				// Deciding by the corner's label, not by coordinates, stays
				// right when the segment passes within rounding of a corner.
				if !below[(pr[1]+1)%4] {
					a, b = b, a
				}
				edges = append(edges, edge{a, b})
			}
		}
	}
	return assemble(edges)
}
