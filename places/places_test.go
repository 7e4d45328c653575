package places

import (
	"encoding/csv"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

const dataDir = "../../shared/data"

// readCSVRows reads a CSV of ../shared/data with the standard library only,
// so these checks do not share code with the generator they check.
func readCSVRows(t *testing.T, rel string) (map[string]int, [][]string) {
	t.Helper()
	f, err := os.Open(filepath.Join(dataDir, rel))
	if err != nil {
		t.Fatalf("source data: %v", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	var rows [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return col, rows
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, rec)
	}
}

func parseFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type namePoint struct {
	name     string
	lon, lat float64
}

// TestUCDPExactPlaces counts the distinct exactly located places of the UCDP
// file independently and finds each once in the bundle with its events.
func TestUCDPExactPlaces(t *testing.T) {
	col, rows := readCSVRows(t, "incidents/ucdp_ged_syria_v652.1601.1911_2016-01-01_2019-11-30.csv")
	exact, near := map[namePoint]int{}, map[namePoint]int{}
	names, points := map[string]bool{}, map[[2]float64]bool{}
	for _, r := range rows {
		np := namePoint{strings.TrimSpace(r[col["where_coordinates"]]), parseFloat(t, r[col["longitude"]]), parseFloat(t, r[col["latitude"]])}
		switch r[col["where_prec"]] {
		case "1":
			exact[np]++
			names[np.name] = true
			points[[2]float64{np.lon, np.lat}] = true
		case "2":
			near[np]++
		}
	}
	t.Logf("where_prec 1: %d distinct name+point, %d names, %d points", len(exact), len(names), len(points))
	// The figure issue 17 gives: distinct points, and name+point, are 1,342;
	// 8 names (Umm Jurn, Frikeh, ...) name two villages each.
	if len(exact) != 1342 || len(points) != 1342 || len(names) != 1334 {
		t.Errorf("the UCDP file has %d name+point, %d points, %d names; want 1342, 1342, 1334", len(exact), len(points), len(names))
	}
	found := map[namePoint]bool{}
	for _, p := range All() {
		np := namePoint{p.SourceName, p.Point[0], p.Point[1]}
		if want := exact[np]; p.Events != want {
			t.Errorf("%s: %d events, the file has %d with where_prec 1 at %q %v", p.ID, p.Events, want, p.SourceName, p.Point)
		}
		if want := near[np]; p.EventsNear != want {
			t.Errorf("%s: %d near events, the file has %d with where_prec 2", p.ID, p.EventsNear, want)
		}
		if exact[np] > 0 {
			if found[np] {
				t.Errorf("%q %v is bundled twice", np.name, p.Point)
			}
			found[np] = true
		}
		if p.License == "" || p.Source == "" {
			t.Errorf("%s: no source or licence", p.ID)
		}
	}
	if len(found) != len(exact) {
		t.Errorf("%d of the %d exactly located UCDP places are bundled", len(found), len(exact))
	}
}

// governorateArabic maps each governorate's p-code to OCHA's Arabic name
// in ../shared/data.
func governorateArabic(t *testing.T) map[string]string {
	t.Helper()
	col, rows := readCSVRows(t, "boundaries/syr_adm1_governorates.csv")
	out := map[string]string{}
	for _, r := range rows {
		out[r[col["adm1_pcode"]]] = r[col["adm1_ar_ocha"]]
	}
	return out
}

// TestArabicNames: a place has an Arabic name exactly where a source gives
// one (an anchor, or the governorate a capital is named after; UCDP gives
// none), and it is the source's spelling.
func TestArabicNames(t *testing.T) {
	col, rows := readCSVRows(t, "badia/badia_anchor_places.csv")
	govAR := governorateArabic(t)
	ps := All()
	withArabic, capitals := 0, 0
	for _, p := range ps {
		if p.CapitalOf != "" {
			capitals++
		}
		if p.NameAR != "" {
			withArabic++
			if (!p.BadiaAnchor && p.CapitalOf == "") || p.NameARSource == "" {
				t.Errorf("%s has Arabic name %q but is no anchor or capital or names no source", p.ID, p.NameAR)
			}
		}
	}
	anchors, anchorCapitals := 0, 0
	for _, r := range rows {
		if r[col["ucdp_adm1"]] == "-" {
			continue // UCDP's generic "Syrian Badia" point is no place
		}
		anchors++
		pt := orb.Point{parseFloat(t, r[col["lon"]]), parseFloat(t, r[col["lat"]])}
		var hit *Place
		for i := range ps {
			if ps[i].BadiaAnchor && math.Abs(ps[i].Point[0]-pt[0]) < 1e-5 && math.Abs(ps[i].Point[1]-pt[1]) < 1e-5 {
				hit = &ps[i]
			}
		}
		if hit == nil {
			t.Errorf("anchor %q at %v is not bundled", r[col["name_en"]], pt)
			continue
		}
		if hit.CapitalOf != "" {
			// The governorate's name wins; the anchor's, if another, is kept.
			anchorCapitals++
			if hit.NameAR != govAR[hit.CapitalOf] || (r[col["name_ar"]] != hit.NameAR && !slices.Contains(hit.AltNames, r[col["name_ar"]])) {
				t.Errorf("anchor and capital %q: Arabic name %q, alternatives %q; the sources have %q and %q",
					r[col["name_en"]], hit.NameAR, hit.AltNames, govAR[hit.CapitalOf], r[col["name_ar"]])
			}
			continue
		}
		if hit.NameAR != r[col["name_ar"]] {
			t.Errorf("anchor %q: Arabic name %q, the source has %q", r[col["name_en"]], hit.NameAR, r[col["name_ar"]])
		}
	}
	if want := anchors + capitals - anchorCapitals; withArabic != want {
		t.Errorf("%d places have Arabic names, the sources give %d", withArabic, want)
	}
	t.Logf("%d places, %d with an Arabic name (%d anchors, %d capitals, %d both)", len(ps), withArabic, anchors, capitals, anchorCapitals)
}

// TestGovernorateCapitals: every governorate but Rural Damascus (which no
// town is named after) has one capital, the town of its name within it,
// with OCHA's Arabic name of the governorate; capitals outrank every other
// place, are hidden at a zoom only by another capital, and are found by
// their Arabic and common English names.
func TestGovernorateCapitals(t *testing.T) {
	col, rows := readCSVRows(t, "boundaries/syr_adm1_governorates.csv")
	ps := All()
	byGov := map[string][]*Place{}
	leastCapital, mostOther := math.MaxInt, 0
	for i := range ps {
		p := &ps[i]
		if p.CapitalOf == "" {
			mostOther = max(mostOther, p.Importance)
			continue
		}
		byGov[p.CapitalOf] = append(byGov[p.CapitalOf], p)
		leastCapital = min(leastCapital, p.Importance)
	}
	if leastCapital <= mostOther {
		t.Errorf("a capital has importance %d, another place %d", leastCapital, mostOther)
	}
	if len(rows) != 14 || len(byGov) != 13 {
		t.Errorf("%d governorates, %d with a capital; want 14 and 13", len(rows), len(byGov))
	}
	for _, r := range rows {
		code, nameAR, common := r[col["adm1_pcode"]], r[col["adm1_ar_ocha"]], r[col["name_en_common"]]
		caps := byGov[code]
		if code == "SY03" {
			if len(caps) != 0 {
				t.Errorf("Rural Damascus has capital %s, though no town bears its name", caps[0].ID)
			}
			continue
		}
		if len(caps) != 1 {
			t.Errorf("%s %s: %d capitals", code, common, len(caps))
			continue
		}
		p := caps[0]
		named := false
		for _, n := range append([]string{p.NameEN}, p.AltNames...) {
			named = named || Key(n) == Key(common) || Key(n) == Key(r[col["adm1_en_ocha"]])
		}
		if !named || p.NameAR != nameAR || p.Governorate != code || p.Kind != KindTown || p.NameARSource == "" {
			t.Errorf("%s %s: capital %s %q / %q in %s (%s), want the town named %s / %s in it",
				code, common, p.ID, p.NameEN, p.NameAR, p.Governorate, p.Kind, common, nameAR)
		}
		if p.MinZoom > MinLabelZoom {
			hidden := false
			for _, q := range byGov {
				hidden = hidden || (q[0] != p && q[0].MinZoom < p.MinZoom && LabelsOverlap(p, q[0], p.MinZoom-1))
			}
			if !hidden {
				t.Errorf("%s shows from z%d, but no capital hides it at z%d", p.ID, p.MinZoom, p.MinZoom-1)
			}
		}
		for _, q := range []string{nameAR, common} {
			if ms := Search(q, 1); len(ms) == 0 || ms[0].Item.ID != p.ID {
				t.Errorf("search %q: %v, want %s first", q, describe(ms), p.ID)
			}
		}
		t.Logf("%s %-12s %-14s %-9s importance %4d, label from z%d", code, common, p.ID, p.NameAR, p.Importance, p.MinZoom)
	}
	// Homs the city and Homs the governorate both answer حمص, the city first
	// among places.
	ix := NewIndex(append(PlaceItems(), regionItems(t)...))
	if got := ids(ix.Search("حمص", 5)); !slices.Contains(got, "homs") || !slices.Contains(got, "SY04") {
		t.Errorf("حمص finds %v, want homs and SY04", got)
	}
	if ms := Search("حمص", 3); len(ms) == 0 || ms[0].Item.ID != "homs" || ms[0].Quality != Exact {
		t.Errorf("حمص among places: %v", describe(ms))
	}
}

// TestLabelThinning checks the stored zooms against their rule: labels
// grow with zoom, stay few at country zooms, never overlap below
// MaxLabelZoom, and each label shows as early as the rule allows.
func TestLabelThinning(t *testing.T) {
	ps := All()
	perZoom := map[int]int{}
	for z := MinLabelZoom; z <= MaxLabelZoom; z++ {
		var shown []*Place
		for i := range ps {
			if ps[i].MinZoom <= z {
				shown = append(shown, &ps[i])
			}
		}
		perZoom[z] = len(shown)
		if z > MinLabelZoom && perZoom[z] < perZoom[z-1] {
			t.Errorf("z%d shows %d labels, fewer than z%d", z, perZoom[z], z-1)
		}
		if z == MaxLabelZoom {
			continue
		}
		for i, p := range shown {
			for _, q := range shown[:i] {
				if LabelsOverlap(p, q, z) {
					t.Errorf("z%d: labels %s and %s overlap", z, p.ID, q.ID)
				}
			}
			if p.Importance < ImportanceFloor(z) {
				t.Errorf("z%d: %s shows with importance %d under the floor %d", z, p.ID, p.Importance, ImportanceFloor(z))
			}
		}
	}
	t.Logf("labels per zoom: %v", perZoom)
	// Stated bounds: a handful at the whole-country zoom, a few dozen at
	// most at z6 (Syria is about 330 pixels wide there), all at z12.
	if perZoom[5] < 3 || perZoom[6] > 40 || perZoom[7] > 80 || perZoom[MaxLabelZoom] != len(ps) {
		t.Errorf("labels per zoom %v outside the stated bounds", perZoom)
	}
	// Each place shows from its floor zoom unless a more important label it
	// would overlap shows one zoom earlier.
	for i := range ps {
		p := &ps[i]
		floor := MinLabelZoom
		for p.Importance < ImportanceFloor(floor) {
			floor++
		}
		if p.MinZoom < floor {
			t.Errorf("%s shows at z%d, under its floor zoom %d", p.ID, p.MinZoom, floor)
		}
		if p.MinZoom == floor {
			continue
		}
		blocked := false
		for j := range ps[:i] {
			if ps[j].MinZoom <= p.MinZoom-1 && LabelsOverlap(p, &ps[j], p.MinZoom-1) {
				blocked = true
				break
			}
		}
		if !blocked {
			t.Errorf("%s shows from z%d but nothing more important hides it at z%d", p.ID, p.MinZoom, p.MinZoom-1)
		}
	}
}

func TestAllIsOrderedAndCopied(t *testing.T) {
	ps := All()
	for i := 1; i < len(ps); i++ {
		if ps[i].Importance > ps[i-1].Importance {
			t.Fatalf("%s (importance %d) follows %s (%d)", ps[i].ID, ps[i].Importance, ps[i-1].ID, ps[i-1].Importance)
		}
	}
	ps[0].NameEN = "changed"
	if All()[0].NameEN == "changed" {
		t.Error("All returns the package's own slice")
	}
}

func TestParseRejects(t *testing.T) {
	feature := func(id, geom, props string) string {
		return `{"type":"Feature","id":"` + id + `","geometry":` + geom + `,"properties":{` + props + `}}`
	}
	point := `{"type":"Point","coordinates":[38.28,34.56]}`
	good := `"name_en":"X","kind":"town","min_zoom":7`
	for name, fc := range map[string]string{
		"not json":       `{"features":[`,
		"repeated id":    `{"features":[` + feature("a", point, good) + "," + feature("a", point, good) + `]}`,
		"no id":          `{"features":[` + feature("", point, good) + `]}`,
		"line geometry":  `{"features":[` + feature("a", `{"type":"LineString","coordinates":[[38,34],[39,35]]}`, good) + `]}`,
		"no name":        `{"features":[` + feature("a", point, `"kind":"town","min_zoom":7`) + `]}`,
		"zoom too high":  `{"features":[` + feature("a", point, `"name_en":"X","kind":"town","min_zoom":13`) + `]}`,
		"unknown kind":   `{"features":[` + feature("a", point, `"name_en":"X","kind":"castle","min_zoom":7`) + `]}`,
		"outside Syria":  `{"features":[` + feature("a", `{"type":"Point","coordinates":[2.35,48.85]}`, good) + `]}`,
		"capital no ar":  `{"features":[` + feature("a", point, good+`,"capital_of":"SY04"`) + `]}`,
		"swapped lonlat": `{"features":[` + feature("a", `{"type":"Point","coordinates":[34.56,38.28]}`, good) + `]}`,
	} {
		if _, err := Parse([]byte(fc)); err == nil {
			t.Errorf("%s: parsed without error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	if ps, err := Parse([]byte(`{"features":[` + feature("a", point, good) + `]}`)); err != nil || len(ps) != 1 {
		t.Errorf("a good feature: %v, %d places", err, len(ps))
	}
}

// TestFeatureRoundTrip: a place written as a feature reads back equal.
func TestFeatureRoundTrip(t *testing.T) {
	p := All()[0]
	line, err := p.MarshalFeature()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse([]byte(`{"features":[` + string(line) + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := p.MarshalFeature()
	b, _ := back[0].MarshalFeature()
	if string(a) != string(b) {
		t.Errorf("round trip changed the feature:\n%s\n%s", a, b)
	}
	if f := p.Feature(); f.ID != p.ID || f.Properties.MustString("name_en") != p.NameEN || f.Properties.MustInt("events") != p.Events {
		t.Errorf("Feature: %v %v", f.ID, f.Properties)
	}
}
