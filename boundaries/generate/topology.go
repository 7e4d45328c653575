package main

import (
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// topology holds the governorate rings as sequences of shared arcs: a border
// between two governorates is one arc, stored once, so simplifying and
// rounding it changes both sides identically.
type topology struct {
	Arcs  []orb.LineString
	Govs  [][][]arcRing // per governorate, per polygon, per ring
	Names []governorate // names and p-codes, Geom ignored
}

// arcRing is a ring made of arcs, each walked forward or reversed.
type arcRing []arcRef

type arcRef struct {
	Arc      int
	Reversed bool
}

type edgeKey [4]float64

func keyOf(a, b orb.Point) edgeKey {
	if a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]) {
		return edgeKey{a[0], a[1], b[0], b[1]}
	}
	return edgeKey{b[0], b[1], a[0], a[1]}
}

func lessPoint(a, b orb.Point) bool { return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]) }

// openRing drops the closing point and consecutive duplicates.
func openRing(r orb.Ring) []orb.Point {
	var out []orb.Point
	for _, p := range r {
		if len(out) == 0 || out[len(out)-1] != p {
			out = append(out, p)
		}
	}
	if len(out) > 1 && out[0] == out[len(out)-1] {
		out = out[:len(out)-1]
	}
	return out
}

// buildTopology splits every ring at junctions (vertices where the set of
// rings sharing the edge before differs from the set sharing the edge after)
// and deduplicates the arcs between them.
func buildTopology(govs []governorate) (*topology, error) {
	type ringID struct{ g, p, r int }
	var rings [][]orb.Point
	var ids []ringID
	for gi, g := range govs {
		for pi, poly := range g.Geom {
			for ri, ring := range poly {
				pts := openRing(ring)
				if len(pts) < 3 {
					return nil, fmt.Errorf("%s polygon %d ring %d has fewer than 3 distinct points", g.PCode, pi, ri)
				}
				rings = append(rings, pts)
				ids = append(ids, ringID{gi, pi, ri})
			}
		}
	}
	owners := map[edgeKey][]int{}
	degree := map[orb.Point]map[edgeKey]bool{}
	for k, pts := range rings {
		for i := range pts {
			a, b := pts[i], pts[(i+1)%len(pts)]
			e := keyOf(a, b)
			if o := owners[e]; len(o) == 0 || o[len(o)-1] != k {
				owners[e] = append(owners[e], k)
			}
			for _, p := range []orb.Point{a, b} {
				if degree[p] == nil {
					degree[p] = map[edgeKey]bool{}
				}
				degree[p][e] = true
			}
		}
	}
	same := func(x, y []int) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	t := &topology{Names: govs}
	arcIndex := map[string]int{}
	t.Govs = make([][][]arcRing, len(govs))
	for gi, g := range govs {
		t.Govs[gi] = make([][]arcRing, len(g.Geom))
		for pi, poly := range g.Geom {
			t.Govs[gi][pi] = make([]arcRing, len(poly))
		}
	}
	for k, pts := range rings {
		n := len(pts)
		var junctions []int
		for i := range pts {
			before := owners[keyOf(pts[(i-1+n)%n], pts[i])]
			after := owners[keyOf(pts[i], pts[(i+1)%n])]
			if !same(before, after) || len(degree[pts[i]]) > 2 {
				junctions = append(junctions, i)
			}
		}
		if len(junctions) == 0 {
			// A ring shared whole (an enclave) or not shared at all: start at
			// its smallest point so that both sides split it the same way.
			start := 0
			for i := range pts {
				if lessPoint(pts[i], pts[start]) {
					start = i
				}
			}
			junctions = []int{start}
		}
		var ring arcRing
		for j, start := range junctions {
			end := junctions[(j+1)%len(junctions)]
			arc := orb.LineString{pts[start]}
			for i := (start + 1) % n; ; i = (i + 1) % n {
				arc = append(arc, pts[i])
				if i == end {
					break
				}
			}
			ring = append(ring, t.addArc(arc, arcIndex))
		}
		id := ids[k]
		t.Govs[id.g][id.p][id.r] = ring
	}
	return t, nil
}

// addArc stores arc once, whichever direction it is walked in.
func (t *topology) addArc(arc orb.LineString, index map[string]int) arcRef {
	rev := make(orb.LineString, len(arc))
	for i, p := range arc {
		rev[len(arc)-1-i] = p
	}
	fwdKey, revKey := fmt.Sprint(arc), fmt.Sprint(rev)
	if k, ok := index[fwdKey]; ok {
		return arcRef{Arc: k}
	}
	if k, ok := index[revKey]; ok {
		return arcRef{Arc: k, Reversed: true}
	}
	t.Arcs = append(t.Arcs, arc)
	index[fwdKey] = len(t.Arcs) - 1
	return arcRef{Arc: len(t.Arcs) - 1}
}

// ring assembles an arc ring into a closed orb.Ring.
func (t *topology) ring(ar arcRing) orb.Ring {
	var out orb.Ring
	for _, ref := range ar {
		arc := t.Arcs[ref.Arc]
		for i := range arc {
			p := arc[i]
			if ref.Reversed {
				p = arc[len(arc)-1-i]
			}
			if len(out) == 0 || out[len(out)-1] != p {
				out = append(out, p)
			}
		}
	}
	if out[0] != out[len(out)-1] {
		out = append(out, out[0])
	}
	return out
}

// geometry assembles governorate gi as a MultiPolygon.
func (t *topology) geometry(gi int) orb.MultiPolygon {
	var mp orb.MultiPolygon
	for _, poly := range t.Govs[gi] {
		var p orb.Polygon
		for _, ar := range poly {
			p = append(p, t.ring(ar))
		}
		mp = append(mp, p)
	}
	return mp
}

// simplify runs Douglas-Peucker on every arc once (end points kept; a closed
// arc is split at its farthest point first), then rounds every coordinate to
// `decimals` places. An arc that would leave a ring with fewer than 4
// distinct points keeps its original vertices.
func (t *topology) simplify(tolerance float64, decimals int) {
	scale := math.Pow(10, float64(decimals))
	round := func(p orb.Point) orb.Point {
		return orb.Point{math.Round(p[0]*scale) / scale, math.Round(p[1]*scale) / scale}
	}
	for k, arc := range t.Arcs {
		var s orb.LineString
		if arc[0] == arc[len(arc)-1] && len(arc) > 3 {
			far := 1
			for i := range arc {
				if dist2(arc[i], arc[0]) > dist2(arc[far], arc[0]) {
					far = i
				}
			}
			s = append(douglasPeucker(arc[:far+1], tolerance), douglasPeucker(arc[far:], tolerance)[1:]...)
			if len(s) < 5 {
				s = arc
			}
		} else {
			s = douglasPeucker(arc, tolerance)
		}
		var r orb.LineString
		for _, p := range s {
			q := round(p)
			if len(r) == 0 || r[len(r)-1] != q {
				r = append(r, q)
			}
		}
		t.Arcs[k] = r
	}
}

func dist2(a, b orb.Point) float64 {
	dx, dy := a[0]-b[0], a[1]-b[1]
	return dx*dx + dy*dy
}

// segDist2 is the squared distance from p to segment ab.
func segDist2(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l := dx*dx + dy*dy
	if l == 0 {
		return dist2(p, a)
	}
	u := ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / l
	u = math.Max(0, math.Min(1, u))
	return dist2(p, orb.Point{a[0] + u*dx, a[1] + u*dy})
}

func douglasPeucker(ls orb.LineString, tol float64) orb.LineString {
	if len(ls) < 3 {
		return append(orb.LineString(nil), ls...)
	}
	keep := make([]bool, len(ls))
	keep[0], keep[len(ls)-1] = true, true
	var rec func(i, j int)
	rec = func(i, j int) {
		best, bi := -1.0, -1
		for k := i + 1; k < j; k++ {
			if d := segDist2(ls[k], ls[i], ls[j]); d > best {
				best, bi = d, k
			}
		}
		if bi >= 0 && best > tol*tol {
			keep[bi] = true
			rec(i, bi)
			rec(bi, j)
		}
	}
	rec(0, len(ls)-1)
	var out orb.LineString
	for i, k := range keep {
		if k {
			out = append(out, ls[i])
		}
	}
	return out
}

// crossing is a point where a contour crosses arc segment Seg at parameter T.
type crossing struct {
	Seg int
	T   float64
	P   orb.Point
}

// insertVertices adds points into arc k at the given segments, keeping order.
func (t *topology) insertVertices(k int, cs []crossing) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Seg != cs[j].Seg {
			return cs[i].Seg < cs[j].Seg
		}
		return cs[i].T < cs[j].T
	})
	arc := t.Arcs[k]
	var out orb.LineString
	ci := 0
	for i, p := range arc {
		if len(out) == 0 || out[len(out)-1] != p {
			out = append(out, p)
		}
		for ci < len(cs) && cs[ci].Seg == i {
			if out[len(out)-1] != cs[ci].P && (i+1 >= len(arc) || arc[i+1] != cs[ci].P) {
				out = append(out, cs[ci].P)
			}
			ci++
		}
	}
	t.Arcs[k] = out
}
