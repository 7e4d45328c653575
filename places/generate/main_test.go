package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/places"
)

// TestGenerateIsDeterministic runs the generator twice: the two files are
// the same bytes, and the same as the committed places.geojson (so the
// committed file is what the generator makes from ../shared/data).
func TestGenerateIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	var outs [][]byte
	var sum summary
	for _, name := range []string{"a.geojson", "b.geojson"} {
		var err error
		p := params{DataDir: "../../../shared/data", Out: filepath.Join(dir, name), AnchorBonus: 100, CapitalBonus: 1000}
		if sum, err = run(p); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p.Out)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Fatal("two runs wrote different files")
	}
	committed, err := os.ReadFile("../places.geojson")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(outs[0], committed) {
		t.Error("places.geojson is not what the generator writes now: run go generate in places/")
	}
	t.Log(sum)
	if sum.ExactNamePoints != 1342 || sum.ExactPoints != 1342 || sum.ExactNames != 1334 || sum.UCDPRows != 16566 {
		t.Errorf("UCDP figures %d rows, %d name+point, %d points, %d names", sum.UCDPRows, sum.ExactNamePoints, sum.ExactPoints, sum.ExactNames)
	}
	// 27 anchors (the 28th row is UCDP's generic Badia point): 19 sit on an
	// exactly located UCDP place, 7 on a UCDP "near" point, 1 (Wadi
	// al-Dabayat) on a Syrian Archive coordinate.
	// 13 capitals: 12 exactly located UCDP towns, Quneitra a UCDP "near"
	// point added as a place; no town is named after Rural Damascus.
	if len(sum.Merged) != 19 || len(sum.AnchorOnly) != 8 || sum.Places != 1342+8+1 {
		t.Errorf("anchors: %d merged, %d on their own; %d places", len(sum.Merged), len(sum.AnchorOnly), sum.Places)
	}
	if len(sum.Capitals) != 13 || !slices.Equal(sum.CapitalsNear, []string{"SY14 Quneitra"}) ||
		!slices.Equal(sum.NoCapital, []string{"SY03 Rural Damascus"}) {
		t.Errorf("capitals %v, at a near point %v, none for %v", sum.Capitals, sum.CapitalsNear, sum.NoCapital)
	}
}

// TestCapitalBonusTooLow: a bonus that leaves a capital under another
// place is refused with the figures, not written.
func TestCapitalBonusTooLow(t *testing.T) {
	out := filepath.Join(t.TempDir(), "p.geojson")
	_, err := run(params{DataDir: "../../../shared/data", Out: out, AnchorBonus: 100, CapitalBonus: 10})
	if err == nil || !strings.Contains(err.Error(), "-capital-bonus") {
		t.Fatalf("capital bonus 10: %v", err)
	}
	if _, statErr := os.Stat(out); statErr == nil {
		t.Error("a file was written anyway")
	}
	t.Log(err)
}

func TestSplitName(t *testing.T) {
	for _, c := range []struct {
		in, name string
		alts     []string
		kind     places.Kind
	}{
		{"Tadmur/Palmyra town", "Tadmur", []string{"Palmyra"}, places.KindTown},
		{"Aleppo town", "Aleppo", nil, places.KindTown},
		{"Damascus city", "Damascus", nil, places.KindTown},
		{"Tallbisah  town", "Tallbisah", nil, places.KindTown},
		{"Kharufiyah Saghirah/Shabali villge", "Kharufiyah Saghirah", []string{"Shabali"}, places.KindVillage},
		{"Gassanieh town/Inkizik town", "Gassanieh", []string{"Inkizik"}, places.KindTown},
		{"Al-Rai town (Choban Bey)", "Al-Rai", []string{"Choban Bey"}, places.KindTown},
		{"Tiyas Military Airbase (T4)", "Tiyas Military Airbase", []string{"T4"}, places.KindSite},
		{"Military Research Center (Aleppo)", "Military Research Center", nil, places.KindSite},
		{"Jabal Bishri mountain (Deir Ezzor)", "Jabal Bishri mountain", nil, places.KindSite},
		{"Silos east of Palmyra/Tadmur", "Silos east of Palmyra/Tadmur", nil, places.KindSite},
		{"Ein Terma suburb", "Ein Terma", nil, places.KindSuburb},
		{"Al Rukban camp", "Al Rukban camp", nil, places.KindSite},
		{"Palmyra / Tadmur", "Palmyra", []string{"Tadmur"}, places.KindSite},
		{"Arak (village / gas field)", "Arak", nil, places.KindSite},
		{"Deir ez-Zor city", "Deir ez-Zor", nil, places.KindTown},
		{"Resafa (Rusafa)", "Resafa", []string{"Rusafa"}, places.KindSite},
		{"town", "town", nil, places.KindSite},
	} {
		name, alts, kind := splitName(c.in)
		if name != c.name || !slices.Equal(alts, c.alts) || kind != c.kind {
			t.Errorf("%q: %q %q %s, want %q %q %s", c.in, name, alts, kind, c.name, c.alts, c.kind)
		}
	}
}

// TestWholeNamesAreInTheSource: every name kept whole on purpose is still
// spelled so in the UCDP file (an entry for a name that is gone would hide
// that the list is stale).
func TestWholeNamesAreInTheSource(t *testing.T) {
	uf, err := readUCDP("../../../shared/data/" + ucdpPath)
	if err != nil {
		t.Fatal(err)
	}
	for name := range wholeNames {
		found := false
		for k := range uf.Places {
			found = found || k.Name == name
		}
		if !found {
			t.Errorf("%q is not a name in the UCDP file", name)
		}
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Deir ez-Zor": "deir-ez-zor", "Al-Bukamal": "al-bukamal", "Burayḩah": "burayhah",
		"Maarat al-Nu'man": "maarat-al-numan", "Tiyas airbase": "tiyas-airbase", " T2 (x) ": "t2-x",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}
