package incidentfile

import (
	"encoding/csv"
	"os"
	"strconv"
	"testing"
)

func atoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

func atof(t testing.TB, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v
}

// TestAdmin1NamesFromCrosswalk maps every name the governorate crosswalk
// gives (OCHA English and Arabic, the common name, geoBoundaries) to the
// crosswalk's own p-code, with and without a "Governorate" affix.
func TestAdmin1NamesFromCrosswalk(t *testing.T) {
	f, err := os.Open(sharedData(t, "boundaries/syr_adm1_governorates.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	if len(recs)-1 != 14 {
		t.Fatalf("%d governorates in the crosswalk", len(recs)-1)
	}
	for _, rec := range recs[1:] {
		code := rec[col["adm1_pcode"]]
		for _, key := range []string{"adm1_pcode", "adm1_en_ocha", "adm1_ar_ocha", "name_en_common", "geoboundaries_shapeName"} {
			name := rec[col[key]]
			for _, variant := range []string{name, name + " Governorate", "  " + name + " ", "محافظة " + name} {
				if got := Admin1PCode(variant); got != code {
					t.Errorf("Admin1PCode(%q) = %q, want %s (%s)", variant, got, code, key)
				}
			}
		}
	}
}

func TestAdmin1RejectsWhatIsNotAGovernorate(t *testing.T) {
	for _, name := range []string{"", "Syria", "Governorate", "Al", "Baghdad", "Damascus Rural Homs", "SY15"} {
		if got := Admin1PCode(name); got != "" {
			t.Errorf("Admin1PCode(%q) = %q, want none", name, got)
		}
	}
}

// TestAdmin1SourceSpellings covers the spellings ACLED and UCDP use that the
// crosswalk does not: each must land on the same code as the OCHA name.
func TestAdmin1SourceSpellings(t *testing.T) {
	pairs := [][2]string{
		{"Dayr az Zawr", "Deir-ez-Zor"}, {"Deir ez Zor Governorate", "Deir-ez-Zor"}, {"Rif Dimashq Governorate", "Rural Damascus"},
		{"Hamah Governorate", "Hama"}, {"Ar Raqqah Governorate", "Ar-Raqqa"}, {"Al Hasakah Governorate", "Al-Hasakeh"},
		{"As Suwayda Governorate", "As-Sweida"}, {"Latakia Governorate", "Lattakia"}, {"Idlib Governorate", "Idleb"},
		{"Daraa Governorate", "Dar'a"}, {"Tartus Governorate", "Tartous"}, {"Deir ez Zor", "Deir-ez-Zor"},
		{"حماه", "Hama"}, {"ادلب", "Idleb"}, {"Dara", "Dar'a"}, {"Darʿa", "Dar'a"},
	}
	for _, p := range pairs {
		want := Admin1PCode(p[1])
		if want == "" || Admin1PCode(p[0]) != want {
			t.Errorf("Admin1PCode(%q) = %q, Admin1PCode(%q) = %q", p[0], Admin1PCode(p[0]), p[1], want)
		}
	}
}
