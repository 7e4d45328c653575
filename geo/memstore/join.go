package memstore

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/tidwall/rtree"
)

// Cell states of a polygon's grid.
const (
	cellUnknown byte = iota
	cellIn
	cellOut
	cellEdge    // a segment's bounding box reaches the cell: test exactly
	cellPending // being flood-filled
)

// A polygon's grid has cells of about gridCell degrees (some 500 m), at
// most gridMaxSide along a side; polygons of fewer than gridMinVertices
// vertices are tested exactly, which is as quick.
const (
	gridCell        = 0.005
	gridMaxSide     = 1024
	gridMinVertices = 64
)

// joinIndex finds the governorate and Badia region of a point (see the
// package doc for the rule). It is immutable once built.
type joinIndex struct {
	regions []geo.Region // ordered by code
	polys   []joinPoly
	tree    rtree.RTreeG[int32] // polygon bounds -> index in polys
}

// joinPoly is one polygon of a region with its grid: every cell that no
// segment's bounding box reaches lies wholly inside or wholly outside.
type joinPoly struct {
	region int // index in regions
	kind   geo.RegionKind
	poly   orb.Polygon
	bound  orb.Bound
	nx, ny int
	cw, ch float64
	cells  []byte // nil: test every point exactly
}

// validateRegions returns a clear error for the first region that cannot be
// stored: an empty or duplicate code, an unknown kind, a broken geometry.
func validateRegions(regions []geo.Region) error {
	seen := map[string]bool{}
	for i := range regions {
		r := &regions[i]
		if r.Code == "" {
			return fmt.Errorf("region %d (%q): empty code", i+1, r.NameEN)
		}
		if seen[r.Code] {
			return fmt.Errorf("region %s appears twice", r.Code)
		}
		seen[r.Code] = true
		if !r.Kind.Valid() {
			return fmt.Errorf("region %s: unknown kind %q (want governorate, badia or custom)", r.Code, r.Kind)
		}
		if len(r.Geom) == 0 {
			return fmt.Errorf("region %s: empty geometry", r.Code)
		}
		for pi, p := range r.Geom {
			if len(p) == 0 {
				return fmt.Errorf("region %s: polygon %d has no rings", r.Code, pi+1)
			}
			for ri, ring := range p {
				if len(ring) < 4 {
					return fmt.Errorf("region %s: polygon %d ring %d has %d points, a ring needs at least 4", r.Code, pi+1, ri+1, len(ring))
				}
				for _, pt := range ring {
					if math.IsNaN(pt[0]) || math.IsNaN(pt[1]) || math.IsInf(pt[0], 0) || math.IsInf(pt[1], 0) {
						return fmt.Errorf("region %s: polygon %d ring %d has a coordinate that is not a number", r.Code, pi+1, ri+1)
					}
				}
			}
		}
	}
	return nil
}

// newJoinIndex indexes regions, which must be valid and ordered by code.
func newJoinIndex(regions []geo.Region) *joinIndex {
	ix := &joinIndex{regions: regions}
	for ri := range regions {
		r := &regions[ri]
		if r.Kind != geo.KindGovernorate && r.Kind != geo.KindBadia {
			continue
		}
		for _, p := range r.Geom {
			jp := joinPoly{region: ri, kind: r.Kind, poly: p, bound: p.Bound()}
			jp.buildGrid()
			ix.polys = append(ix.polys, jp)
			ix.tree.Insert(jp.bound.Min, jp.bound.Max, int32(len(ix.polys)-1))
		}
	}
	return ix
}

// joinByRule is the join of an incident at p of the given location
// precision whose source names the governorate srcGov: the precision rule
// (geo.Incident.Join) over the point's join.
func (ix *joinIndex) joinByRule(p orb.Point, precision int, srcGov string) (gov, badia string) {
	if testHookPointJoinOnly {
		return ix.join(p)
	}
	rule := geo.Incident{GeoPrecision: precision, SourceGovernorate: srcGov}
	if rule.Located() != geo.LocatedCountry {
		gov, badia = ix.join(p)
	}
	rule.Join(gov, badia, ix.holdsGovernorate)
	return rule.Governorate, rule.Region
}

// holdsGovernorate says whether a governorate of that code is indexed.
func (ix *joinIndex) holdsGovernorate(code string) bool {
	i, ok := slices.BinarySearchFunc(ix.regions, code, func(r geo.Region, c string) int { return strings.Compare(r.Code, c) })
	return ok && ix.regions[i].Kind == geo.KindGovernorate
}

// join returns the governorate and Badia region codes of p, "" for none.
func (ix *joinIndex) join(p orb.Point) (gov, badia string) {
	bestGov, bestBadia := -1, -1
	ix.tree.Search(p, p, func(_, _ [2]float64, pi int32) bool {
		jp := &ix.polys[pi]
		best := &bestGov
		if jp.kind == geo.KindBadia {
			best = &bestBadia
		}
		if *best >= 0 && *best <= jp.region {
			return true // a lower code already holds p
		}
		if jp.contains(p) {
			*best = jp.region
		}
		return true
	})
	if bestGov >= 0 {
		gov = ix.regions[bestGov].Code
	}
	if bestBadia >= 0 {
		badia = ix.regions[bestBadia].Code
	}
	return gov, badia
}

// cellX and cellY map a coordinate to its cell. Both are monotone, so a
// point on a segment always falls in a cell the segment's box reaches.
func (jp *joinPoly) cellX(x float64) int {
	return min(max(int((x-jp.bound.Min[0])/jp.cw), 0), jp.nx-1)
}

func (jp *joinPoly) cellY(y float64) int {
	return min(max(int((y-jp.bound.Min[1])/jp.ch), 0), jp.ny-1)
}

// contains answers the package rule for one polygon, from the grid unless
// the point's cell is near a boundary.
func (jp *joinPoly) contains(p orb.Point) bool {
	if !jp.bound.Contains(p) {
		return false
	}
	if jp.cells != nil {
		switch jp.cells[jp.cellY(p[1])*jp.nx+jp.cellX(p[0])] {
		case cellIn:
			return true
		case cellOut:
			return false
		}
	}
	return polygonContains(jp.poly, p)
}

// gridPad widens every marked span, in degrees (about 0.1 mm), so rounding in
// the interpolation below can never leave a point of a segment unmarked.
const gridPad = 1e-9

// markSegment marks as edges the cells segment ab passes through, column by
// column: in each column of cells, the span of y the segment takes there.
func (jp *joinPoly) markSegment(cells []byte, a, b orb.Point) {
	if a[0] > b[0] {
		a, b = b, a
	}
	x0, x1 := jp.cellX(a[0]-gridPad), jp.cellX(b[0]+gridPad)
	dx := b[0] - a[0]
	for x := x0; x <= x1; x++ {
		ylo, yhi := math.Min(a[1], b[1]), math.Max(a[1], b[1])
		if dx > 0 {
			// The part of the segment over this column's x-interval.
			xa := math.Max(a[0], jp.bound.Min[0]+float64(x)*jp.cw-gridPad)
			xb := math.Min(b[0], jp.bound.Min[0]+float64(x+1)*jp.cw+gridPad)
			if xa > xb {
				xa, xb = xb, xa
			}
			ya := a[1] + (b[1]-a[1])*((xa-a[0])/dx)
			yb := a[1] + (b[1]-a[1])*((xb-a[0])/dx)
			ylo, yhi = math.Max(ylo, math.Min(ya, yb)), math.Min(yhi, math.Max(ya, yb))
			if ylo > yhi {
				ylo, yhi = yhi, ylo
			}
		}
		y0, y1 := jp.cellY(ylo-gridPad), jp.cellY(yhi+gridPad)
		for y := y0; y <= y1; y++ {
			cells[y*jp.nx+x] = cellEdge
		}
	}
}

// buildGrid marks every cell a segment passes through as an edge, then floods each connected group of the other cells: no boundary passes
// through a group, so one exact test decides all of it.
func (jp *joinPoly) buildGrid() {
	vertices := 0
	for _, ring := range jp.poly {
		vertices += len(ring)
	}
	w, h := jp.bound.Max[0]-jp.bound.Min[0], jp.bound.Max[1]-jp.bound.Min[1]
	if vertices < gridMinVertices || !(w > 0 && h > 0) {
		return
	}
	jp.nx = min(max(int(w/gridCell)+1, 1), gridMaxSide)
	jp.ny = min(max(int(h/gridCell)+1, 1), gridMaxSide)
	jp.cw, jp.ch = w/float64(jp.nx), h/float64(jp.ny)
	nx, ny := jp.nx, jp.ny
	cells := make([]byte, nx*ny)
	for _, ring := range jp.poly {
		for i := 0; i+1 < len(ring); i++ {
			jp.markSegment(cells, ring[i], ring[i+1])
		}
	}
	var group, stack []int32
	for start := range cells {
		if cells[start] != cellUnknown {
			continue
		}
		group, stack = group[:0], append(stack[:0], int32(start))
		cells[start] = cellPending
		for len(stack) > 0 {
			c := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			group = append(group, c)
			x, y := int(c)%nx, int(c)/nx
			for _, n := range [4][2]int{{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}} {
				if n[0] < 0 || n[1] < 0 || n[0] >= nx || n[1] >= ny {
					continue
				}
				if i := n[1]*nx + n[0]; cells[i] == cellUnknown {
					cells[i] = cellPending
					stack = append(stack, int32(i))
				}
			}
		}
		state := cellEdge // when no cell centre maps back to its own cell
		for _, c := range group {
			x, y := int(c)%nx, int(c)/nx
			centre := orb.Point{jp.bound.Min[0] + (float64(x)+0.5)*jp.cw, jp.bound.Min[1] + (float64(y)+0.5)*jp.ch}
			if jp.cellX(centre[0]) == x && jp.cellY(centre[1]) == y {
				state = cellOut
				if polygonContains(jp.poly, centre) {
					state = cellIn
				}
				break
			}
		}
		for _, c := range group {
			cells[c] = state
		}
	}
	jp.cells = cells
}

// polygonContains is the package rule for one polygon: orb's containment, or
// on any ring's boundary.
func polygonContains(p orb.Polygon, pt orb.Point) bool {
	if planar.PolygonContains(p, pt) {
		return true
	}
	for _, ring := range p {
		if onRing(ring, pt) {
			return true
		}
	}
	return false
}

// onRing reports whether pt is a vertex of ring or lies exactly on one of its
// segments (zero cross product, inside the segment's bounding box).
func onRing(ring orb.Ring, pt orb.Point) bool {
	for i := 0; i+1 < len(ring); i++ {
		a, b := ring[i], ring[i+1]
		if pt[0] < math.Min(a[0], b[0]) || pt[0] > math.Max(a[0], b[0]) ||
			pt[1] < math.Min(a[1], b[1]) || pt[1] > math.Max(a[1], b[1]) {
			continue
		}
		if (b[0]-a[0])*(pt[1]-a[1])-(b[1]-a[1])*(pt[0]-a[0]) == 0 {
			return true
		}
	}
	return false
}

// sortRegions orders regions by code, the order Regions returns and the join
// breaks ties by.
func sortRegions(regions []geo.Region) {
	sort.Slice(regions, func(i, j int) bool { return regions[i].Code < regions[j].Code })
}
