package places

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/badiamap/badiamap/boundaries"
)

// TestFoldGroups: spellings of one name fold to one key; different names
// do not.
func TestFoldGroups(t *testing.T) {
	for _, group := range [][]string{
		{"Deir ez-Zor", "Dayr al-Zawr", "deir ezzor", "Deir el-Zour", "Deir-ez-Zor", "Dayr az Zawr", "DEIR EZ ZOR", "Dair al-Zour", "Deïr ez-Zor"},
		{"دير الزور", "دير الزّور", "دیر الزور"},
		{"Tadmur", "Tadmor", "tadmour"},
		{"Al-Sukhnah", "As Sukhnah", "Sukhna", "as-Sukhnah", "assukhnah"},
		{"السخنة", "سخنة", "السخنه", "الســخنة"},
		{"Ar-Raqqa", "Ar Raqqah", "Raqqa", "Al-Raqqah", "Rakka"},
		{"Al-Qaryatayn", "Qaryatain", "al Qaryatein", "Karyatayn"},
		{"Khanasir", "Khanassir", "Hanasir", "Ḫanāṣir"},
		{"Dar'a", "Daraa", "Darʿa", "Deraa"},
		{"أثريا", "اثريا", "إثريا"},
		{"Jisr ash-Shughur", "Jisr al-Shughour", "Jisr esh Shugur"},
		{"Bir Humaymah", "Bi'r Humaymah", "Bir Humeimeh"},
		{"Al-Thawrah", "Ath Thawra", "Al-Thaura"},
		{"Dhiban", "Ziban"},
		{"Djebel", "Jabal"},
		{"T4", "t 4", "T-4"},
	} {
		want := Key(group[0])
		for _, s := range group[1:] {
			if got := Key(s); got != want {
				t.Errorf("%q folds to %q, %q to %q", group[0], want, s, got)
			}
		}
	}
	for _, pair := range [][2]string{{"Homs", "Hama"}, {"Tadmur", "Tartus"}, {"T4", "T3"}, {"حمص", "حماة"}, {"Deir ez-Zor", "Dara"}} {
		if Key(pair[0]) == Key(pair[1]) {
			t.Errorf("%q and %q fold to one key %q", pair[0], pair[1], Key(pair[0]))
		}
	}
	if Key("Al") == "" || Key("") != "" || Key("  -- ") != "" {
		t.Errorf("Key of an article alone %q, of nothing %q", Key("Al"), Key(""))
	}
}

// regionItems are the governorates and Badia regions as the web server
// adds them to an index: above every place (capitals included) of the same
// name quality.
func regionItems(t *testing.T) []Item {
	t.Helper()
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	var out []Item
	for _, r := range regions {
		out = append(out, Item{ID: r.Code, Kind: string(r.Kind), NameEN: r.NameEN, NameAR: r.NameAR,
			Point: r.Geom.Bound().Center(), Bound: r.Geom.Bound(), Importance: 1 << 20})
	}
	return out
}

func TestSearch(t *testing.T) {
	ix := NewIndex(append(PlaceItems(), regionItems(t)...))
	for _, c := range []struct {
		queries []string
		first   string   // id of the first match
		alsoIn  []string // ids that must be among the matches
	}{
		{[]string{"Tadmur", "Palmyra", "tadmor", "تدمر", "PALMYRA", "Tadmour"}, "palmyra", nil},
		{[]string{"Deir ez-Zor", "Dayr al-Zawr", "deir ezzor", "دير الزور", "Deir el-Zour", "deirezzor"}, "", []string{"deir-ez-zor", "SY09"}},
		{[]string{"Sukhnah", "Al-Sukhnah", "السخنة", "as-sukhna", "alsukhnah"}, "al-sukhnah", nil},
		{[]string{"T4", "Tiyas", "التيفور", "t-4"}, "tiyas-airbase", nil},
		{[]string{"Tanf", "Al-Tanf", "at-Tanf", "التنف"}, "al-tanf", nil},
		{[]string{"Badia of Homs", "homs badia", "بادية حمص"}, "BADIA-SY04", nil},
		{[]string{"حمص"}, "SY04", []string{"homs"}},
		{[]string{"Rural Damascus", "ريف دمشق"}, "SY03", nil},
		{[]string{"Kobani"}, "kobane", nil},
	} {
		for _, q := range c.queries {
			ms := ix.Search(q, 10)
			if len(ms) == 0 {
				t.Errorf("%q: no match", q)
				continue
			}
			if c.first != "" && ms[0].Item.ID != c.first {
				t.Errorf("%q: first match %s (%s %q), want %s", q, ms[0].Item.ID, ms[0].Quality, ms[0].Name, c.first)
			}
			for _, id := range c.alsoIn {
				if !hasID(ms, id) {
					t.Errorf("%q: %s not among %v", q, id, ids(ms))
				}
			}
		}
	}
	// Deir ez-Zor: the city and the governorate are exact matches; the
	// Badia of Deir-ez-Zor and the airport come after them.
	ms := ix.Search("Dayr al-Zawr", 10)
	if len(ms) < 3 || ms[0].Quality != Exact || ms[1].Quality != Exact || ms[2].Quality == Exact {
		t.Errorf("Dayr al-Zawr: %v", describe(ms))
	}
}

func TestSearchPlacesOnly(t *testing.T) {
	if ms := Search("Tadmur", 3); len(ms) == 0 || ms[0].Item.ID != "palmyra" || ms[0].Name != "Tadmur" || ms[0].Quality != Exact {
		t.Errorf("Tadmur: %v", describe(ms))
	}
	if ms := Search("Sukhnah", 3); len(ms) == 0 || ms[0].Item.NameAR != "السخنة" {
		t.Errorf("Sukhnah: %v", describe(ms))
	}
}

// TestSearchRanking: equal quality goes to the more important item, and a
// better quality wins over importance.
func TestSearchRanking(t *testing.T) {
	ix := NewIndex([]Item{
		{ID: "small", NameEN: "Hama", Importance: 1},
		{ID: "big", NameEN: "Al Hamah", Importance: 50},
		{ID: "prefix", NameEN: "Hamamiyat", Importance: 500},
		{ID: "fuzzy", NameEN: "Hamra", Importance: 900},
	})
	got := ids(ix.Search("Hama", 10))
	want := []string{"big", "small", "prefix", "fuzzy"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Hama: %v, want %v", got, want)
	}
	if got := ix.Search("Hama", 2); len(got) != 2 {
		t.Errorf("limit 2 gave %d", len(got))
	}
}

func TestSearchBounds(t *testing.T) {
	if ms := Search("", 10); ms != nil {
		t.Errorf("empty query: %v", describe(ms))
	}
	if ms := Search(" - ' ", 10); ms != nil {
		t.Errorf("punctuation only: %v", describe(ms))
	}
	if n := len(Search("a", 0)); n != DefaultLimit {
		t.Errorf("limit 0 gave %d, want %d", n, DefaultLimit)
	}
	if n := len(Search("a", 1_000_000)); n != MaxLimit {
		t.Errorf("limit 1e6 gave %d, want %d", n, MaxLimit)
	}
	// A long query is cut: it finds what its first MaxQueryRunes find.
	long := "Tadmur" + strings.Repeat("x", 5_000_000)
	cut := string([]rune(long)[:MaxQueryRunes])
	if a, b := ids(Search(long, 10)), ids(Search(cut, 10)); strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("a long query found %v, its first %d characters %v", a, MaxQueryRunes, b)
	}
}

// TestEditDistance compares the banded distance with a plain full table.
func TestEditDistance(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() []rune {
		r := make([]rune, rng.IntN(9))
		for i := range r {
			r[i] = []rune("abct")[rng.IntN(4)]
		}
		return r
	}
	var buf []int
	for range 20000 {
		a, b := word(), word()
		if len(a) == 0 {
			continue
		}
		full := osa(a, b)
		best := len(a)
		for j := 0; j <= len(b); j++ {
			best = min(best, osa(a, b[:j]))
		}
		for k := 0; k <= 3; k++ {
			d, ok, p, pok := editDistance(a, b, k, &buf)
			if ok != (full <= k) || (ok && d != full) {
				t.Fatalf("%q %q max %d: banded %d %v, full %d", string(a), string(b), k, d, ok, full)
			}
			if pok != (best <= k) || (pok && p != best) {
				t.Fatalf("%q prefix of %q max %d: banded %d %v, full %d", string(a), string(b), k, p, pok, best)
			}
		}
	}
}

// osa is the optimal string alignment distance, computed in full.
func osa(a, b []rune) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

func FuzzSearch(f *testing.F) {
	for _, s := range []string{"Tadmur", "دير الزور", "deir ezzor", "T4", "", "\xff\xfe", "al-", "ال", "ـــ", "a'b", strings.Repeat("ز", 300)} {
		f.Add(s, 10)
	}
	ix := NewIndex(PlaceItems())
	f.Fuzz(func(t *testing.T, q string, limit int) {
		ms := ix.Search(q, limit)
		if len(ms) > MaxLimit || (limit > 0 && len(ms) > limit) {
			t.Fatalf("%d matches for limit %d", len(ms), limit)
		}
		for i, m := range ms {
			if m.Quality < Exact || m.Quality > FuzzyPrefix || m.Distance < 0 || m.Distance > 2 {
				t.Fatalf("match %d: quality %v distance %d", i, m.Quality, m.Distance)
			}
			if i > 0 && m.Quality < ms[i-1].Quality {
				t.Fatalf("match %d (%v) ranks after a worse one (%v)", i, m.Quality, ms[i-1].Quality)
			}
		}
		for _, tok := range Tokens(q) {
			if tok == "" || !utf8.ValidString(tok) {
				t.Fatalf("token %q of %q", tok, q)
			}
		}
	})
}

func BenchmarkSearch(b *testing.B) {
	ix := NewIndex(PlaceItems())
	qs := []string{"Tadmur", "Dayr al-Zawr", "دير الزور", "Sukhna", "qaryatein", "xyzzy plugh", "T4"}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ix.Search(qs[i%len(qs)], 10)
	}
}

func hasID(ms []Match, id string) bool {
	for _, m := range ms {
		if m.Item.ID == id {
			return true
		}
	}
	return false
}

func ids(ms []Match) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Item.ID
	}
	return out
}

func describe(ms []Match) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Item.ID + " " + m.Quality.String() + " " + m.Name
	}
	return out
}
