package places

import (
	"math"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// Labels thin out by zoom and importance. A place may show from the zoom at
// which its importance reaches that zoom's ImportanceFloor; the generator
// then walks the places from the most important down and puts each at the
// lowest such zoom at which its label box overlaps no box of a more
// important place at any zoom where both show. A less important place never
// hides a more important one, the rule is deterministic, and every zoom
// below MaxLabelZoom shows a set of labels that do not overlap; from
// MaxLabelZoom on every place shows.
//
// A label box is one line of text centred on the point, in screen pixels of
// 256-pixel tiles: LabelCharWidth per character of the longer of its English
// and Arabic names (a 12-pixel font) plus LabelPadding wide, LabelHeight high.
const (
	LabelCharWidth = 7
	LabelPadding   = 8
	LabelHeight    = 18
)

// LabelWidth is the width in pixels of the label box of p.
func LabelWidth(p *Place) float64 {
	n := max(utf8.RuneCountInString(p.NameEN), utf8.RuneCountInString(p.NameAR))
	return float64(n*LabelCharWidth + LabelPadding)
}

// LabelsOverlap reports whether the label boxes of a and b overlap on a
// Web Mercator map at zoom z.
func LabelsOverlap(a, b *Place, z int) bool {
	ax, ay := worldPixel(a.Point, z)
	bx, by := worldPixel(b.Point, z)
	return math.Abs(ax-bx) < (LabelWidth(a)+LabelWidth(b))/2 && math.Abs(ay-by) < LabelHeight
}

// worldPixel is the position of p in pixels on the 256*2^z-pixel Web
// Mercator world.
func worldPixel(p orb.Point, z int) (x, y float64) {
	size := 256 * math.Exp2(float64(z))
	lat := p[1] * math.Pi / 180
	x = (p[0] + 180) / 360 * size
	y = (1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2 * size
	return x, y
}

// ImportanceFloor is the importance a place needs to show at zoom z: 128 at
// MinLabelZoom, halved at each zoom in, none at MaxLabelZoom.
func ImportanceFloor(z int) int {
	if z >= MaxLabelZoom {
		return 0
	}
	return 128 >> max(z-MinLabelZoom, 0)
}

// floorZoom is the lowest zoom at which importance reaches the floor.
func floorZoom(importance int) int {
	z := MinLabelZoom
	for importance < ImportanceFloor(z) {
		z++
	}
	return z
}

// AssignMinZoom sets MinZoom on places ordered most important first, by the
// rule above.
func AssignMinZoom(ps []*Place) {
	for i, p := range ps {
		z := floorZoom(p.Importance)
		for _, q := range ps[:i] {
			// q and p overlap until zoom apart (box sizes are fixed in
			// pixels and distances double at each zoom).
			apart := max(z, q.MinZoom)
			for apart < MaxLabelZoom && LabelsOverlap(p, q, apart) {
				apart++
			}
			if q.MinZoom < apart {
				z = max(z, apart)
			}
		}
		p.MinZoom = min(z, MaxLabelZoom)
	}
}
