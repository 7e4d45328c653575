package main

import (
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// The overlay here is not general polygon clipping: it relies on the inputs
// being noded first (every place where two boundaries cross is a vertex of
// both), which nodeContour guarantees. Then the boundary of A ∩ B is the
// edges of A inside B plus the edges of B inside A, and the boundary of a
// union of polygons sharing borders is their edges minus the shared ones.

type edge [2]orb.Point

// orient returns mp with outer rings counter-clockwise and holes clockwise.
func orient(mp orb.MultiPolygon) orb.MultiPolygon {
	out := make(orb.MultiPolygon, len(mp))
	for i, p := range mp {
		out[i] = make(orb.Polygon, len(p))
		for j, r := range p {
			rr := append(orb.Ring(nil), r...)
			ccw := ringSignedArea(rr) > 0
			if (j == 0) != ccw {
				rr.Reverse()
			}
			out[i][j] = rr
		}
	}
	return out
}

func ringSignedArea(r orb.Ring) float64 {
	var s float64
	for i := 0; i+1 < len(r); i++ {
		s += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return s / 2
}

func edgesOf(mp orb.MultiPolygon) []edge {
	var es []edge
	for _, p := range mp {
		for _, r := range p {
			for i := 0; i+1 < len(r); i++ {
				if r[i] != r[i+1] {
					es = append(es, edge{r[i], r[i+1]})
				}
			}
		}
	}
	return es
}

func mid(e edge) orb.Point { return orb.Point{(e[0][0] + e[1][0]) / 2, (e[0][1] + e[1][1]) / 2} }

// intersectNoded returns a ∩ b for noded, valid polygons.
func intersectNoded(a, b orb.MultiPolygon) (orb.MultiPolygon, error) {
	a, b = orient(a), orient(b)
	var keep []edge
	for _, e := range edgesOf(a) {
		if planar.MultiPolygonContains(b, mid(e)) {
			keep = append(keep, e)
		}
	}
	for _, e := range edgesOf(b) {
		if planar.MultiPolygonContains(a, mid(e)) {
			keep = append(keep, e)
		}
	}
	return assemble(keep)
}

// unionNoded returns the union of polygons that meet only along identical
// borders: an edge walked both ways is inside and is dropped.
func unionNoded(parts []orb.MultiPolygon) (orb.MultiPolygon, error) {
	count := map[edge]int{}
	var all []edge
	for _, mp := range parts {
		for _, e := range edgesOf(orient(mp)) {
			count[e]++
			all = append(all, e)
		}
	}
	var keep []edge
	for _, e := range all {
		if count[edge{e[1], e[0]}] == 0 {
			keep = append(keep, e)
		}
	}
	return assemble(keep)
}

// assemble chains directed edges (interior on the left) into rings, then
// puts each clockwise ring (a hole) into the counter-clockwise ring around it.
func assemble(edges []edge) (orb.MultiPolygon, error) {
	out := map[orb.Point][]int{}
	for i, e := range edges {
		out[e[0]] = append(out[e[0]], i)
	}
	used := make([]bool, len(edges))
	var rings []orb.Ring
	for start := range edges {
		if used[start] {
			continue
		}
		ring := orb.Ring{edges[start][0]}
		cur := start
		for {
			used[cur] = true
			e := edges[cur]
			ring = append(ring, e[1])
			if e[1] == ring[0] && len(ring) > 3 {
				break
			}
			next := pickNext(edges, out[e[1]], used, e)
			if next < 0 {
				if e[1] == ring[0] {
					break
				}
				return nil, fmt.Errorf("boundary does not close at %v", e[1])
			}
			cur = next
		}
		if len(ring) >= 4 {
			rings = append(rings, ring)
		}
	}
	var polys orb.MultiPolygon
	var holes []orb.Ring
	for _, r := range rings {
		if ringSignedArea(r) > 0 {
			polys = append(polys, orb.Polygon{r})
		} else {
			holes = append(holes, r)
		}
	}
	for _, h := range holes {
		probe := mid(edge{h[0], h[1]})
		best := -1
		for i, p := range polys {
			if planar.RingContains(p[0], probe) && (best < 0 || math.Abs(ringSignedArea(p[0])) < math.Abs(ringSignedArea(polys[best][0]))) {
				best = i
			}
		}
		if best < 0 {
			return nil, fmt.Errorf("hole at %v lies in no outer ring", h[0])
		}
		polys[best] = append(polys[best], h)
	}
	sort.Slice(polys, func(i, j int) bool { return ringSignedArea(polys[i][0]) > ringSignedArea(polys[j][0]) })
	return polys, nil
}

// pickNext chooses, among the unused edges leaving the end of `in`, the one
// turning most to the left, so rings touching at a point stay separate.
func pickNext(edges []edge, cands []int, used []bool, in edge) int {
	best, bestTurn := -1, -math.Inf(1)
	dx, dy := in[1][0]-in[0][0], in[1][1]-in[0][1]
	for _, c := range cands {
		if used[c] {
			continue
		}
		ex, ey := edges[c][1][0]-edges[c][0][0], edges[c][1][1]-edges[c][0][1]
		turn := math.Atan2(dx*ey-dy*ex, dx*ex+dy*ey)
		if turn > bestTurn {
			best, bestTurn = c, turn
		}
	}
	return best
}

// segmentCrossing returns where segments ab and cd cross in their interiors.
func segmentCrossing(a, b, c, d orb.Point) (ta, tc float64, ok bool) {
	if a == c || a == d || b == c || b == d {
		return 0, 0, false // meeting at a shared vertex is not a crossing
	}
	rx, ry := b[0]-a[0], b[1]-a[1]
	sx, sy := d[0]-c[0], d[1]-c[1]
	den := rx*sy - ry*sx
	if den == 0 {
		return 0, 0, false
	}
	qx, qy := c[0]-a[0], c[1]-a[1]
	ta = (qx*sy - qy*sx) / den
	tc = (qx*ry - qy*rx) / den
	return ta, tc, ta > 0 && ta < 1 && tc > 0 && tc < 1
}

// segRef names segment Seg of polyline Line.
type segRef struct{ Line, Seg int }

// crossings finds every proper crossing between segments of lines in set A
// and lines in set B (B may be nil: A against itself, skipping neighbours
// on one line) by a sweep over x.
func crossings(a, b []orb.LineString, fn func(x, y segRef, tx, ty float64)) {
	type seg struct {
		ref  segRef
		side int
		p, q orb.Point
	}
	var segs []seg
	add := func(ls []orb.LineString, side int) {
		for li, l := range ls {
			for i := 0; i+1 < len(l); i++ {
				segs = append(segs, seg{segRef{li, i}, side, l[i], l[i+1]})
			}
		}
	}
	add(a, 0)
	self := b == nil
	if !self {
		add(b, 1)
	}
	minX := func(s seg) float64 { return math.Min(s.p[0], s.q[0]) }
	sort.Slice(segs, func(i, j int) bool { return minX(segs[i]) < minX(segs[j]) })
	for i, s := range segs {
		maxX := math.Max(s.p[0], s.q[0])
		for j := i + 1; j < len(segs) && minX(segs[j]) <= maxX; j++ {
			t := segs[j]
			if !self && s.side == t.side {
				continue
			}
			if math.Max(s.p[1], s.q[1]) < math.Min(t.p[1], t.q[1]) || math.Max(t.p[1], t.q[1]) < math.Min(s.p[1], s.q[1]) {
				continue
			}
			ts, tt, ok := segmentCrossing(s.p, s.q, t.p, t.q)
			if !ok {
				continue
			}
			x, y := s, t
			if !self && s.side == 1 {
				x, y, ts, tt = t, s, tt, ts
			}
			fn(x.ref, y.ref, ts, tt)
		}
	}
}

// nodeContour inserts every crossing of the contour rings with the
// governorate arcs, rounded, into both, and returns the noded contour.
func nodeContour(t *topology, contour orb.MultiPolygon, round func(orb.Point) orb.Point) (orb.MultiPolygon, int) {
	var lines []orb.LineString
	var where [][2]int
	for pi, p := range contour {
		for ri, r := range p {
			lines = append(lines, orb.LineString(r))
			where = append(where, [2]int{pi, ri})
		}
	}
	arcCross := map[int][]crossing{}
	lineCross := map[int][]crossing{}
	n := 0
	crossings(t.Arcs, lines, func(x, y segRef, tx, ty float64) {
		a, b := t.Arcs[x.Line][x.Seg], t.Arcs[x.Line][x.Seg+1]
		p := round(orb.Point{a[0] + tx*(b[0]-a[0]), a[1] + tx*(b[1]-a[1])})
		arcCross[x.Line] = append(arcCross[x.Line], crossing{Seg: x.Seg, T: tx, P: p})
		lineCross[y.Line] = append(lineCross[y.Line], crossing{Seg: y.Seg, T: ty, P: p})
		n++
	})
	for k, cs := range arcCross {
		t.insertVertices(k, cs)
	}
	out := make(orb.MultiPolygon, len(contour))
	for pi, p := range contour {
		out[pi] = make(orb.Polygon, len(p))
	}
	for li, l := range lines {
		tmp := &topology{Arcs: []orb.LineString{l}}
		tmp.insertVertices(0, lineCross[li])
		out[where[li][0]][where[li][1]] = orb.Ring(tmp.Arcs[0])
	}
	return out, n
}
