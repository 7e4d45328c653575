// Command generate builds the boundary files committed in boundaries/ from
// the source data in ../shared/data: the 14 OCHA governorates simplified
// with shared borders kept identical, an approximate outline of the Badia
// (the land below a rainfall isoline), and the Badia cut by governorate.
//
// Run it from the boundaries directory (go generate does):
//
//	go run ./generate -data ../../shared/data -out .
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"path/filepath"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// params are the choices the README documents; flags exist to explore them.
type params struct {
	DataDir, OutDir string
	Tolerance       float64 // Douglas-Peucker tolerance on arcs, degrees
	Decimals        int     // coordinate decimals written
	GridStep        float64 // rainfall raster cell, degrees
	Iterations      int     // pycnophylactic smoothing passes
	ThresholdMM     float64 // the isoline that bounds the Badia
	ContourTol      float64 // Douglas-Peucker tolerance on the isoline, degrees
	MinPartKM2      float64 // smaller Badia parts and holes are slivers
	MinRegionKM2    float64 // smaller Badia regions are dropped
	AreaZones       bool    // match approximate district cells to OCHA areas
}

func main() {
	var p params
	flag.StringVar(&p.DataDir, "data", "../../shared/data", "shared data directory")
	flag.StringVar(&p.OutDir, "out", ".", "directory the GeoJSON files are written to")
	flag.Float64Var(&p.Tolerance, "tolerance", 0.0001, "simplification tolerance for borders (degrees)")
	flag.IntVar(&p.Decimals, "decimals", 5, "coordinate decimals")
	flag.Float64Var(&p.GridStep, "grid", 0.02, "rainfall grid step (degrees)")
	flag.IntVar(&p.Iterations, "iterations", 1000, "pycnophylactic iterations")
	flag.Float64Var(&p.ThresholdMM, "threshold", 210, "Badia isoline of the long-term mean rainfall (mm)")
	flag.Float64Var(&p.ContourTol, "contour-tolerance", 0.0003, "simplification tolerance for the isoline (degrees)")
	flag.Float64Var(&p.MinPartKM2, "min-part", 10, "Badia parts and holes below this area (km2) are dropped")
	flag.Float64Var(&p.MinRegionKM2, "min-region", 100, "Badia regions below this area (km2) are dropped")
	flag.BoolVar(&p.AreaZones, "area-zones", false, "fit approximate district cells to the OCHA district areas")
	flag.Parse()
	if err := run(p); err != nil {
		log.Fatal(err)
	}
}

func km2(g orb.Geometry) float64 { return orbgeo.Area(g) / 1e6 }

func run(p params) error {
	scale := math.Pow(10, float64(p.Decimals))
	round := func(q orb.Point) orb.Point {
		return orb.Point{math.Round(q[0]*scale) / scale, math.Round(q[1]*scale) / scale}
	}
	govs, err := readGovernorates(filepath.Join(p.DataDir, "boundaries", "syr_adm1_ocha_codab_v02.geojson"))
	if err != nil {
		return err
	}
	if len(govs) != 14 {
		return fmt.Errorf("want 14 governorates in the OCHA file, found %d", len(govs))
	}
	ds, err := readDistricts(p.DataDir)
	if err != nil {
		return err
	}

	// 1. Governorates: shared arcs, simplified once each; halve the
	// tolerance until no two border segments cross.
	var topo *topology
	for tol := p.Tolerance; ; tol /= 2 {
		if topo, err = buildTopology(govs); err != nil {
			return err
		}
		topo.simplify(tol, p.Decimals)
		n := 0
		crossings(topo.Arcs, nil, func(x, y segRef, _, _ float64) { n++ })
		if n == 0 {
			log.Printf("borders: %d arcs, tolerance %g degrees", len(topo.Arcs), tol)
			break
		}
		log.Printf("tolerance %g makes %d border crossings; halving", tol, n)
		if tol < 1e-6 {
			return fmt.Errorf("borders still cross at tolerance %g", tol)
		}
	}

	// 2. Rainfall surface and its isoline.
	g := grid{Lon0: 35.5, Lat0: 32.2, Step: p.GridStep}
	g.NX, g.NY = int(math.Round((42.5-35.5)/p.GridStep))+1, int(math.Round((37.5-32.2)/p.GridStep))+1
	govOf := rasterize(g, govs)
	var zone []int
	if p.AreaZones {
		zone, err = districtZones(g, govOf, govs, ds)
	} else {
		zone, err = nearestZones(g, govOf, govs, ds)
	}
	if err != nil {
		return err
	}
	surface := pycnophylactic(g, zone, ds, p.Iterations)
	filled := fillOutside(g, surface, 10, p.ThresholdMM+1000)
	contour, err := isolinePolygons(g, filled, p.ThresholdMM, round)
	if err != nil {
		return err
	}
	contour = simplifyRings(contour, p.ContourTol, round)
	// Rounding a crossing moves both lines by under half a unit of the last
	// decimal, which can rarely make a new crossing nearby: node again.
	n := 0
	var lines []orb.LineString
	for pass := 0; ; pass++ {
		var k int
		contour, k = nodeContour(topo, contour, round)
		n += k
		lines = lines[:0]
		for _, poly := range contour {
			for _, r := range poly {
				lines = append(lines, orb.LineString(r))
			}
		}
		left := 0
		crossings(topo.Arcs, lines, func(x, y segRef, _, _ float64) {
			left++
			log.Printf("pass %d: crossing left at arc %d seg %d / ring %d seg %d: %v %v", pass, x.Line, x.Seg, y.Line, y.Seg, topo.Arcs[x.Line][x.Seg:x.Seg+2], lines[y.Line][y.Seg:y.Seg+2])
		})
		if left == 0 {
			break
		}
		if pass == 3 {
			return fmt.Errorf("after noding, the isoline still crosses borders %d times", left)
		}
	}
	log.Printf("isoline %v mm: %d rings, %d border crossings noded", p.ThresholdMM, len(lines), n)

	// 3. Governorates, Badia regions and the outline.
	var govFeatures, regionFeatures []feature
	var regions []orb.MultiPolygon
	for gi, gov := range govs {
		gm := topo.geometry(gi)
		govFeatures = append(govFeatures, feature{Geom: gm, Props: map[string]any{
			"code": gov.PCode, "kind": "governorate", "name_en": gov.NameEN, "name_ar": gov.NameAR,
			"area_km2": math.Round(km2(gm)*10) / 10, "source": "OCHA COD-AB Syria admin 1 (v02, 2020-12-17), simplified",
		}})
		rm, err := intersectNoded(gm, contour)
		if err != nil {
			return fmt.Errorf("Badia of %s: %w", gov.PCode, err)
		}
		rm = dropSlivers(rm, p.MinPartKM2)
		area := km2(rm)
		if len(rm) == 0 || area < p.MinRegionKM2 {
			log.Printf("%s: Badia part of %.1f km2 dropped (below %v km2)", gov.PCode, area, p.MinRegionKM2)
			continue
		}
		regions = append(regions, rm)
		regionFeatures = append(regionFeatures, feature{Geom: rm, Props: map[string]any{
			"code": "BADIA-" + gov.PCode, "kind": "badia", "name_en": "Badia of " + gov.NameEN,
			"name_ar": "بادية " + gov.NameAR, "parent": gov.PCode, "area_km2": math.Round(area*10) / 10,
			"source": fmt.Sprintf("badiamap: land below the %v mm isoline of long-term mean rainfall, cut by the OCHA governorate", p.ThresholdMM),
		}})
	}
	outline, err := unionNoded(regions)
	if err != nil {
		return fmt.Errorf("Badia outline: %w", err)
	}
	var syria float64
	for _, f := range govFeatures {
		syria += km2(f.Geom)
	}
	log.Printf("Badia %.0f km2 of %.0f km2 (%.1f%%)", km2(outline), syria, 100*km2(outline)/syria)
	outFeature := feature{Geom: outline, Props: map[string]any{
		"code": "BADIA", "kind": "badia", "name_en": "Syrian Badia (approximate)", "name_ar": "البادية السورية",
		"area_km2":     math.Round(km2(outline)*10) / 10,
		"threshold_mm": p.ThresholdMM,
		"source":       fmt.Sprintf("badiamap: land below the %v mm isoline of long-term mean rainfall (WFP/CHIRPS district estimates, pycnophylactic surface)", p.ThresholdMM),
	}}
	for name, fs := range map[string][]feature{
		"governorates.geojson":  govFeatures,
		"badia_regions.geojson": regionFeatures,
		"badia.geojson":         {outFeature},
	} {
		size, err := writeFeatures(filepath.Join(p.OutDir, name), fs)
		if err != nil {
			return err
		}
		log.Printf("%s: %d features, %d bytes", name, len(fs), size)
	}
	return nil
}

// dropSlivers removes parts and holes smaller than minKM2.
func dropSlivers(mp orb.MultiPolygon, minKM2 float64) orb.MultiPolygon {
	var out orb.MultiPolygon
	for _, p := range mp {
		if km2(orb.Polygon{p[0]}) < minKM2 {
			continue
		}
		np := orb.Polygon{p[0]}
		for _, h := range p[1:] {
			if km2(orb.Polygon{h}) >= minKM2 {
				np = append(np, h)
			}
		}
		out = append(out, np)
	}
	return out
}

// simplifyRings runs Douglas-Peucker on each isoline ring (they share no
// vertices with one another), keeping rings that would collapse as they are.
func simplifyRings(mp orb.MultiPolygon, tol float64, round func(orb.Point) orb.Point) orb.MultiPolygon {
	var out orb.MultiPolygon
	for _, p := range mp {
		var np orb.Polygon
		for _, r := range p {
			far := 1
			for i := range r {
				if dist2(r[i], r[0]) > dist2(r[far], r[0]) {
					far = i
				}
			}
			s := append(douglasPeucker(orb.LineString(r[:far+1]), tol), douglasPeucker(orb.LineString(r[far:]), tol)[1:]...)
			if len(s) < 5 {
				s = orb.LineString(r)
			}
			var rr orb.Ring
			for _, q := range s {
				q = round(q)
				if len(rr) == 0 || rr[len(rr)-1] != q {
					rr = append(rr, q)
				}
			}
			np = append(np, rr)
		}
		out = append(out, np)
	}
	return out
}
