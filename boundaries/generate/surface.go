package main

import (
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// grid is a regular lon/lat raster over Syria; cell (i, j) is centred on
// (Lon0 + i*Step, Lat0 + j*Step).
type grid struct {
	Lon0, Lat0, Step float64
	NX, NY           int
}

func (g grid) center(i, j int) orb.Point {
	return orb.Point{g.Lon0 + float64(i)*g.Step, g.Lat0 + float64(j)*g.Step}
}

// rasterize returns, for every cell, the index of the governorate whose
// polygon contains the cell centre, or -1 outside Syria (even-odd scanlines).
func rasterize(g grid, govs []governorate) []int {
	out := make([]int, g.NX*g.NY)
	for k := range out {
		out[k] = -1
	}
	for gi, gov := range govs {
		for j := 0; j < g.NY; j++ {
			y := g.Lat0 + float64(j)*g.Step
			var xs []float64
			for _, poly := range gov.Geom {
				for _, ring := range poly {
					for k := 1; k < len(ring); k++ {
						a, b := ring[k-1], ring[k]
						if (a[1] > y) != (b[1] > y) {
							xs = append(xs, a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]))
						}
					}
				}
			}
			sort.Float64s(xs)
			for k := 0; k+1 < len(xs); k += 2 {
				i0 := int(math.Ceil((xs[k] - g.Lon0) / g.Step))
				i1 := int(math.Floor((xs[k+1] - g.Lon0) / g.Step))
				for i := max(i0, 0); i <= min(i1, g.NX-1); i++ {
					out[j*g.NX+i] = gi
				}
			}
		}
	}
	return out
}

// districtZones approximates the district polygons, which are not available:
// every cell inside Syria goes to a district of its own governorate by a
// power diagram (nearest centroid, distance² minus a per-district weight),
// with weights adjusted until each district's cell area matches its OCHA area
// (within the governorate's own total, since the raster and the OCHA areas
// differ slightly).
func districtZones(g grid, govOf []int, govs []governorate, ds []district) ([]int, error) {
	byGov := map[string][]int{}
	for k, d := range ds {
		byGov[d.PCode[:4]] = append(byGov[d.PCode[:4]], k)
	}
	for _, gov := range govs {
		if len(byGov[gov.PCode]) == 0 {
			return nil, fmt.Errorf("governorate %s has no district with rainfall", gov.PCode)
		}
	}
	cellKM2 := func(c int) float64 {
		lat := g.Lat0 + float64(c/g.NX)*g.Step
		return 111.32 * 111.32 * g.Step * g.Step * math.Cos(lat*math.Pi/180)
	}
	// Target: each district's share of its governorate's listed district area.
	govCells := make([]float64, len(govs))
	for c, gi := range govOf {
		if gi >= 0 {
			govCells[gi] += cellKM2(c)
		}
	}
	target := make([]float64, len(ds))
	for gi, gov := range govs {
		var listed float64
		for _, k := range byGov[gov.PCode] {
			listed += ds[k].AreaKM2
		}
		for _, k := range byGov[gov.PCode] {
			target[k] = ds[k].AreaKM2 / listed * govCells[gi]
		}
	}
	weight := make([]float64, len(ds))
	zone := make([]int, len(govOf))
	area := make([]float64, len(ds))
	assign := func() {
		for k := range area {
			area[k] = 0
		}
		for c, gi := range govOf {
			zone[c] = -1
			if gi < 0 {
				continue
			}
			p := g.center(c%g.NX, c/g.NX)
			kx := math.Cos(p[1] * math.Pi / 180)
			best := math.Inf(1)
			for _, k := range byGov[govs[gi].PCode] {
				dx, dy := (ds[k].Lon-p[0])*kx*111.32, (ds[k].Lat-p[1])*111.32
				if d := dx*dx + dy*dy - weight[k]; d < best {
					best, zone[c] = d, k
				}
			}
			area[zone[c]] += cellKM2(c)
		}
	}
	for it := 0; it < zoneIterations; it++ {
		assign()
		for k := range weight {
			// A district short of area gains weight in proportion to the
			// squared radius of the missing area.
			weight[k] += 0.5 * (target[k] - area[k]) / math.Pi
		}
	}
	assign()
	return zone, nil
}

const zoneIterations = 300

// nearestZones assigns every cell inside Syria to the nearest district
// centroid of its own governorate (Voronoi cells on the local tangent plane),
// an approximation of the district polygons, which are not available.
func nearestZones(g grid, govOf []int, govs []governorate, ds []district) ([]int, error) {
	byGov := map[string][]int{}
	for k, d := range ds {
		byGov[d.PCode[:4]] = append(byGov[d.PCode[:4]], k)
	}
	zone := make([]int, len(govOf))
	for c, gi := range govOf {
		zone[c] = -1
		if gi < 0 {
			continue
		}
		cands := byGov[govs[gi].PCode]
		if len(cands) == 0 {
			return nil, fmt.Errorf("governorate %s has no district with rainfall", govs[gi].PCode)
		}
		p := g.center(c%g.NX, c/g.NX)
		kx := math.Cos(p[1] * math.Pi / 180)
		best := math.Inf(1)
		for _, k := range cands {
			dx, dy := (ds[k].Lon-p[0])*kx, ds[k].Lat-p[1]
			if d2 := dx*dx + dy*dy; d2 < best {
				best, zone[c] = d2, k
			}
		}
	}
	return zone, nil
}

// pycnophylactic spreads district means over the grid so that the surface is
// smooth (each cell tends to the mean of its neighbours) while the mean of
// every zone stays equal to its district's value (Tobler 1979), with a
// multiplicative correction so rainfall stays positive. Cells outside Syria
// are NaN.
func pycnophylactic(g grid, zone []int, ds []district, iterations int) []float64 {
	v := make([]float64, len(zone))
	for c, z := range zone {
		v[c] = math.NaN()
		if z >= 0 {
			v[c] = ds[z].RainMM
		}
	}
	next := make([]float64, len(v))
	sum := make([]float64, len(ds))
	cnt := make([]float64, len(ds))
	for it := 0; it < iterations; it++ {
		for c, z := range zone {
			if z < 0 {
				next[c] = math.NaN()
				continue
			}
			i, j := c%g.NX, c/g.NX
			var s, n float64
			for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				ii, jj := i+d[0], j+d[1]
				if ii < 0 || jj < 0 || ii >= g.NX || jj >= g.NY {
					continue
				}
				if w := v[jj*g.NX+ii]; !math.IsNaN(w) {
					s += w
					n++
				}
			}
			next[c] = v[c]
			if n > 0 {
				next[c] = s / n
			}
		}
		for k := range sum {
			sum[k], cnt[k] = 0, 0
		}
		for c, z := range zone {
			if z >= 0 {
				sum[z] += next[c]
				cnt[z]++
			}
		}
		for c, z := range zone {
			if z >= 0 && cnt[z] > 0 {
				next[c] *= ds[z].RainMM / (sum[z] / cnt[z])
			}
		}
		v, next = next, v
	}
	return v
}

// at samples the surface bilinearly at p (NaN outside the grid or Syria).
func (g grid) at(v []float64, p orb.Point) float64 {
	fx, fy := (p[0]-g.Lon0)/g.Step, (p[1]-g.Lat0)/g.Step
	i, j := int(math.Floor(fx)), int(math.Floor(fy))
	if i < 0 || j < 0 || i+1 >= g.NX || j+1 >= g.NY {
		return math.NaN()
	}
	tx, ty := fx-float64(i), fy-float64(j)
	a, b := v[j*g.NX+i], v[j*g.NX+i+1]
	c, d := v[(j+1)*g.NX+i], v[(j+1)*g.NX+i+1]
	return (a*(1-tx)+b*tx)*(1-ty) + (c*(1-tx)+d*tx)*ty
}
