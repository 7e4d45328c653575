package boundaries

import (
	"encoding/csv"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

const (
	dataDir  = "../../shared/data"
	syriaKM2 = 185180.0 // official area of Syria
)

var files = []string{"governorates.geojson", "badia.geojson", "badia_regions.geojson"}

// City centres that must lie outside the Badia (test fixtures).
var cities = map[string]orb.Point{
	"Damascus": {36.2765, 33.5138}, "Homs": {36.7137, 34.7324}, "Hama": {36.7578, 35.1318},
	"Aleppo": {37.1343, 36.2021}, "Idlib": {36.6339, 35.9306}, "Latakia": {35.7915, 35.5317},
	"Tartus": {35.8866, 34.889}, "Daraa": {36.1021, 32.6189}, "Qamishli": {41.2317, 37.0522},
}

// Badia anchor places (names as they start in badia_anchor_places.csv).
var badiaAnchors = []string{"Palmyra", "Al-Sukhnah", "T3", "Arak", "Bir Humaymah", "Al-Tanf",
	"Resafa", "Jabal al-Bishri", "Al-Shula", "T2", "Faydat al-Jubb", "Ithriya", "Khanasir"}

func mustAll(t *testing.T) (govs, badia []geo.Region, outline orb.MultiPolygon) {
	t.Helper()
	var err error
	if govs, err = Governorates(); err != nil {
		t.Fatal(err)
	}
	if badia, err = BadiaRegions(); err != nil {
		t.Fatal(err)
	}
	if outline, err = BadiaOutline(); err != nil {
		t.Fatal(err)
	}
	return govs, badia, outline
}

func sourceGovernorates(t *testing.T) map[string]orb.MultiPolygon {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dataDir, "boundaries", "syr_adm1_ocha_codab_v02.geojson"))
	if err != nil {
		t.Fatalf("source data: %v", err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]orb.MultiPolygon{}
	for _, f := range fc.Features {
		mp, err := multiPolygon("source", f.Geometry)
		if err != nil {
			t.Fatal(err)
		}
		out[f.Properties.MustString("ADM1_PCODE")] = mp
	}
	return out
}

func TestGovernorateAreas(t *testing.T) {
	govs, _, _ := mustAll(t)
	src := sourceGovernorates(t)
	if len(govs) != 14 {
		t.Fatalf("%d governorates, want 14", len(govs))
	}
	var total float64
	for i, g := range govs {
		if want := "SY" + pad2(i+1); g.Code != want {
			t.Errorf("governorate %d is %s, want %s", i, g.Code, want)
		}
		if g.Kind != geo.KindGovernorate || g.Parent != "" || g.Source == "" || g.Attribution == "" {
			t.Errorf("%s: kind %q parent %q source %q attribution %q", g.Code, g.Kind, g.Parent, g.Source, g.Attribution)
		}
		s, ok := src[g.Code]
		if !ok {
			t.Fatalf("%s not in the source", g.Code)
		}
		srcArea := AreaKM2(s)
		rel := (g.AreaKM2 - srcArea) / srcArea
		t.Logf("%s %-15s %-10s %9.1f km2, source %9.1f, error %+.4f%%", g.Code, g.NameEN, g.NameAR, g.AreaKM2, srcArea, 100*rel)
		if math.Abs(rel) > 0.005 {
			t.Errorf("%s: area %.1f km2 differs from the source's %.1f by %.3f%%", g.Code, g.AreaKM2, srcArea, 100*rel)
		}
		total += g.AreaKM2
	}
	rel := (total - syriaKM2) / syriaKM2
	t.Logf("total %.1f km2, %+.2f%% from %.0f", total, 100*rel, syriaKM2)
	if math.Abs(rel) > 0.02 {
		t.Errorf("total %.1f km2 is %.2f%% from Syria's %.0f", total, 100*rel, syriaKM2)
	}
}

func pad2(n int) string { return strconv.Itoa(n/10) + strconv.Itoa(n%10) }

func TestFileSizes(t *testing.T) {
	var total int64
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes", f, st.Size())
		total += st.Size()
	}
	t.Logf("total %d bytes", total)
	if total >= 1<<20 {
		t.Errorf("committed GeoJSON totals %d bytes, want under 1 MB", total)
	}
}

// edgesOf lists the directed edges of every ring.
func edgesOf(mp orb.MultiPolygon) [][2]orb.Point {
	var es [][2]orb.Point
	for _, p := range mp {
		for _, r := range p {
			for i := 0; i+1 < len(r); i++ {
				es = append(es, [2]orb.Point{r[i], r[i+1]})
			}
		}
	}
	return es
}

// TestSharedBorders probes both sides of every border edge just off its
// midpoint: the inner side must be in that governorate and no other, the
// outer side in exactly one neighbour that has the same edge reversed, or
// in none on the national border. A gap or overlap fails one of these.
func TestSharedBorders(t *testing.T) {
	govs, _, _ := mustAll(t)
	edgeOwner := map[[2]orb.Point]int{}
	for gi, g := range govs {
		for _, e := range edgesOf(g.Geom) {
			edgeOwner[e] = gi
		}
	}
	bounds := make([]orb.Bound, len(govs))
	for gi, g := range govs {
		bounds[gi] = g.Geom.Bound()
	}
	in := func(p orb.Point) []int {
		var out []int
		for gi, g := range govs {
			if bounds[gi].Contains(p) && planar.MultiPolygonContains(g.Geom, p) {
				out = append(out, gi)
			}
		}
		return out
	}
	const off = 2e-6 // degrees, about 20 cm
	shared, edges := 0, 0
	for gi, g := range govs {
		// Orientation of each ring decides which side is inside.
		for _, p := range g.Geom {
			for ri, r := range p {
				ccw := planar.Area(r) > 0
				if ri > 0 {
					ccw = !ccw // a hole's interior side is the other one
				}
				for i := 0; i+1 < len(r); i++ {
					a, b := r[i], r[i+1]
					dx, dy := b[0]-a[0], b[1]-a[1]
					l := math.Hypot(dx, dy)
					if l < 4*off {
						continue // too short to probe beside it
					}
					nx, ny := -dy/l*off, dx/l*off // left normal
					if !ccw {
						nx, ny = -nx, -ny
					}
					m := orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
					inner := in(orb.Point{m[0] + nx, m[1] + ny})
					outer := in(orb.Point{m[0] - nx, m[1] - ny})
					edges++
					if len(inner) != 1 || inner[0] != gi {
						t.Errorf("%s edge %v-%v: inner side in %v", g.Code, a, b, codes(govs, inner))
						continue
					}
					nb, isShared := edgeOwner[[2]orb.Point{b, a}]
					switch {
					case isShared && (len(outer) != 1 || outer[0] != nb):
						t.Errorf("%s edge %v-%v shared with %s: outer side in %v", g.Code, a, b, govs[nb].Code, codes(govs, outer))
					case !isShared && len(outer) != 0:
						t.Errorf("%s edge %v-%v is not shared, yet its outer side is in %v (gap or overlap)", g.Code, a, b, codes(govs, outer))
					}
					if isShared {
						shared++
					}
				}
			}
		}
	}
	t.Logf("%d border edges probed, %d shared with a neighbour", edges, shared)
	if shared == 0 {
		t.Error("no shared border edge at all")
	}
}

func codes(rs []geo.Region, idx []int) []string {
	var out []string
	for _, i := range idx {
		out = append(out, rs[i].Code)
	}
	return out
}

func TestBadiaShare(t *testing.T) {
	govs, badia, outline := mustAll(t)
	var syria, regions float64
	for _, g := range govs {
		syria += g.AreaKM2
	}
	for _, r := range badia {
		regions += r.AreaKM2
		t.Logf("%s %-28s %-18s %9.1f km2 (%.1f%% of Syria)", r.Code, r.NameEN, r.NameAR, r.AreaKM2, 100*r.AreaKM2/syria)
	}
	whole := AreaKM2(outline)
	share := whole / syria
	t.Logf("Badia %.1f km2 = %.2f%% of Syria (%.1f km2); regions sum %.1f km2", whole, 100*share, syria, regions)
	if share < 0.50 || share > 0.60 {
		t.Errorf("Badia covers %.1f%% of Syria, want 50-60%%", 100*share)
	}
	if math.Abs(regions-whole) > 1e-6*whole {
		t.Errorf("Badia regions sum to %.3f km2 but the outline is %.3f km2", regions, whole)
	}
}

func readAnchors(t *testing.T) map[string]orb.Point {
	t.Helper()
	f, err := os.Open(filepath.Join(dataDir, "badia", "badia_anchor_places.csv"))
	if err != nil {
		t.Fatalf("source data: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	out := map[string]orb.Point{}
	for _, name := range badiaAnchors {
		for _, row := range rows[1:] {
			if strings.HasPrefix(row[col["name_en"]], name) {
				lat, err1 := strconv.ParseFloat(row[col["lat"]], 64)
				lon, err2 := strconv.ParseFloat(row[col["lon"]], 64)
				if err1 != nil || err2 != nil {
					t.Fatalf("%s: bad coordinates %q %q", name, row[col["lat"]], row[col["lon"]])
				}
				out[name] = orb.Point{lon, lat}
				break
			}
		}
		if _, ok := out[name]; !ok {
			t.Fatalf("anchor %q not in badia_anchor_places.csv", name)
		}
	}
	return out
}

func TestBadiaPlaces(t *testing.T) {
	_, _, outline := mustAll(t)
	for _, name := range badiaAnchors {
		p := readAnchors(t)[name]
		if !planar.MultiPolygonContains(outline, p) {
			t.Errorf("%s %v lies outside the Badia", name, p)
		}
		t.Logf("%-16s inside, %5.1f km from the Badia edge", name, edgeKM(outline, p))
	}
	for name, p := range cities {
		if planar.MultiPolygonContains(outline, p) {
			t.Errorf("%s city centre %v lies inside the Badia", name, p)
		}
		t.Logf("%-16s outside, %5.1f km from the Badia edge", name, edgeKM(outline, p))
	}
}

// edgeKM is the distance from p to the nearest Badia boundary vertex or
// edge, on a local equirectangular plane (enough for a log line).
func edgeKM(mp orb.MultiPolygon, p orb.Point) float64 {
	kx := math.Cos(p[1] * math.Pi / 180)
	best := math.Inf(1)
	for _, e := range edgesOf(mp) {
		ax, ay := (e[0][0]-p[0])*kx, e[0][1]-p[1]
		bx, by := (e[1][0]-p[0])*kx, e[1][1]-p[1]
		dx, dy := bx-ax, by-ay
		u := 0.0
		if l := dx*dx + dy*dy; l > 0 {
			u = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l))
		}
		best = math.Min(best, math.Hypot(ax+u*dx, ay+u*dy))
	}
	return best * 111.32
}

func containing(rs []geo.Region, p orb.Point) []string {
	var out []string
	for _, r := range rs {
		if planar.MultiPolygonContains(r.Geom, p) {
			out = append(out, r.Code)
		}
	}
	return out
}

func TestJoins(t *testing.T) {
	govs, badia, _ := mustAll(t)
	palmyra := readAnchors(t)["Palmyra"]
	if got := containing(govs, palmyra); len(got) != 1 || got[0] != "SY04" {
		t.Errorf("Palmyra in governorates %v, want [SY04]", got)
	}
	if got := containing(badia, palmyra); len(got) != 1 || got[0] != "BADIA-SY04" {
		t.Errorf("Palmyra in Badia regions %v, want [BADIA-SY04]", got)
	}
	if got := containing(govs, cities["Homs"]); len(got) != 1 || got[0] != "SY04" {
		t.Errorf("Homs city in governorates %v, want [SY04]", got)
	}
	if got := containing(badia, cities["Homs"]); len(got) != 0 {
		t.Errorf("Homs city in Badia regions %v, want none", got)
	}
	have := map[string]bool{}
	for _, r := range badia {
		have[r.Code] = true
	}
	for _, pc := range []string{"SY09", "SY04", "SY11", "SY05", "SY02"} {
		if !have[geo.BadiaCode(pc)] {
			t.Errorf("no Badia region for %s", pc)
		}
	}
	// Arabic names follow the governorate's: بادية حمص.
	byCode := map[string]geo.Region{}
	for _, g := range govs {
		byCode[g.Code] = g
	}
	for _, r := range badia {
		parent, ok := byCode[r.Parent]
		if !ok {
			t.Errorf("%s: parent %q is no governorate", r.Code, r.Parent)
			continue
		}
		if r.NameAR != "بادية "+parent.NameAR || r.NameEN != "Badia of "+parent.NameEN {
			t.Errorf("%s: names %q / %q do not follow %q / %q", r.Code, r.NameEN, r.NameAR, parent.NameEN, parent.NameAR)
		}
	}
}

// TestRegionsWithinParents checks every Badia region lies in its governorate:
// each of its vertices is a vertex of the governorate or strictly inside it,
// and each edge midpoint is inside it or on one of its edges. Borders reuse
// the governorate's own vertices, so no point can fall in the region but
// outside the governorate.
func TestRegionsWithinParents(t *testing.T) {
	govs, badia, _ := mustAll(t)
	byCode := map[string]geo.Region{}
	for _, g := range govs {
		byCode[g.Code] = g
	}
	for _, r := range badia {
		parent := byCode[r.Parent]
		vertex := map[orb.Point]bool{}
		edge := map[[2]orb.Point]bool{}
		for _, e := range edgesOf(parent.Geom) {
			vertex[e[0]] = true
			edge[e], edge[[2]orb.Point{e[1], e[0]}] = true, true
		}
		onBorder, inside := 0, 0
		for _, e := range edgesOf(r.Geom) {
			if !vertex[e[0]] && !planar.MultiPolygonContains(parent.Geom, e[0]) {
				t.Errorf("%s vertex %v is outside %s", r.Code, e[0], parent.Code)
			}
			m := orb.Point{(e[0][0] + e[1][0]) / 2, (e[0][1] + e[1][1]) / 2}
			switch {
			case edge[e]:
				onBorder++
			case planar.MultiPolygonContains(parent.Geom, m):
				inside++
			default:
				t.Errorf("%s edge %v leaves %s", r.Code, e, parent.Code)
			}
		}
		t.Logf("%s: %d edges on the %s border (same vertices), %d inside", r.Code, onBorder, parent.Code, inside)
		if r.AreaKM2 > parent.AreaKM2 {
			t.Errorf("%s (%.1f km2) is larger than %s (%.1f km2)", r.Code, r.AreaKM2, parent.Code, parent.AreaKM2)
		}
	}
}

// TestOGRInfoReadsFiles has GDAL, an independent reader, open each file.
func TestOGRInfoReadsFiles(t *testing.T) {
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		t.Fatal("ogrinfo not found: install gdal-bin (apt-get install gdal-bin) to check the files with GDAL")
	}
	govs, badia, _ := mustAll(t)
	want := map[string]int{"governorates.geojson": len(govs), "badia_regions.geojson": len(badia), "badia.geojson": 1}
	countRE := regexp.MustCompile(`Feature Count: (\d+)`)
	for _, f := range files {
		out, err := exec.Command(ogrinfo, "-ro", "-al", "-so", f).CombinedOutput()
		if err != nil {
			t.Errorf("ogrinfo %s: %v\n%s", f, err, out)
			continue
		}
		m := countRE.FindSubmatch(out)
		if m == nil {
			t.Errorf("ogrinfo %s printed no feature count:\n%s", f, out)
			continue
		}
		if n, _ := strconv.Atoi(string(m[1])); n != want[f] {
			t.Errorf("ogrinfo counts %d features in %s, the loader %d", n, f, want[f])
		}
		if !strings.Contains(string(out), "Multi Polygon") && !strings.Contains(string(out), "Polygon") {
			t.Errorf("ogrinfo %s: no polygon geometry type:\n%s", f, out)
		}
	}
}
