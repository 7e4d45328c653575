package places

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// Search bounds: what a client controls.
const (
	MaxQueryRunes = 100 // a longer query is cut to this many characters
	DefaultLimit  = 10  // matches returned when the limit asked is 0 or less
	MaxLimit      = 50  // matches returned at most
	maxFuzzyRunes = 40  // keys compared by edit distance are cut to this
)

// Item is one named thing search can find: a place, or anything the caller
// adds (a governorate, a Badia region, an incident) with the names to find
// it by and the point to fly to.
type Item struct {
	ID         string // unique within one Index
	Kind       string // "town", "governorate", "badia", ...
	NameEN     string
	NameAR     string
	AltNames   []string
	Point      orb.Point
	Bound      orb.Bound // the extent to fly to; empty for a point
	Importance int       // ranks items whose names match equally well
}

// Quality says how a query matched a name, best first.
type Quality int

const (
	Exact       Quality = iota // the folded query is the folded name
	Prefix                     // the name starts with the query
	Words                      // every query word starts a different word of the name
	Fuzzy                      // the name is within a few edits of the query
	FuzzyPrefix                // the name starts within a few edits of the query
)

var qualityNames = [...]string{"exact", "prefix", "words", "fuzzy", "fuzzy-prefix"}

func (q Quality) String() string {
	if q >= 0 && int(q) < len(qualityNames) {
		return qualityNames[q]
	}
	return "unknown"
}

// Match is one search result.
type Match struct {
	Item     Item
	Name     string  // the name that matched (an alternative spelling maybe)
	Quality  Quality // how it matched
	Distance int     // edits between the query and the name (Fuzzy, FuzzyPrefix)
}

// Index is a searchable list of items, with every name folded once.
type Index struct {
	items []Item
	names []indexedName
}

type indexedName struct {
	item   int
	name   string
	key    string
	tokens []string
	runes  []rune // key, cut to maxFuzzyRunes
}

// NewIndex folds the names of items for search.
func NewIndex(items []Item) *Index {
	ix := &Index{items: slices.Clone(items)}
	for i, it := range ix.items {
		seen := map[string]bool{}
		for _, name := range append([]string{it.NameEN, it.NameAR}, it.AltNames...) {
			toks := Tokens(name)
			key := strings.Join(toks, "")
			if key == "" || seen[key] {
				continue
			}
			seen[key] = true
			ix.names = append(ix.names, indexedName{item: i, name: name, key: key, tokens: toks, runes: cutRunes(key, maxFuzzyRunes)})
		}
	}
	return ix
}

// Item returns the item a place is searched as.
func (p *Place) Item() Item {
	return Item{ID: p.ID, Kind: string(p.Kind), NameEN: p.NameEN, NameAR: p.NameAR, AltNames: p.AltNames,
		Point: p.Point, Importance: p.Importance}
}

// PlaceItems returns every bundled place as a search item.
func PlaceItems() []Item {
	ps := All()
	out := make([]Item, len(ps))
	for i := range ps {
		out[i] = ps[i].Item()
	}
	return out
}

var (
	placeIndexOnce sync.Once
	placeIndex     *Index
)

// Search finds bundled places by name (NewIndex adds other items).
func Search(q string, limit int) []Match {
	placeIndexOnce.Do(func() { placeIndex = NewIndex(PlaceItems()) })
	return placeIndex.Search(q, limit)
}

// Search returns up to limit items whose names match q, best match first,
// then the more important item. The query is cut to MaxQueryRunes and the
// limit to MaxLimit, so its cost is bounded whatever a client sends.
func (ix *Index) Search(q string, limit int) []Match {
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	q = string(cutRunes(q, MaxQueryRunes))
	qtoks := Tokens(q)
	qkey := strings.Join(qtoks, "")
	if qkey == "" {
		return nil
	}
	qrunes := cutRunes(qkey, maxFuzzyRunes)
	maxEdits := editBudget(len(qrunes))

	best := map[int]Match{}
	var buf []int
	for _, n := range ix.names {
		m, ok := matchName(n, qkey, qtoks, qrunes, maxEdits, &buf)
		if !ok {
			continue
		}
		if old, seen := best[n.item]; seen && !better(m, old) {
			continue
		}
		m.Item = ix.items[n.item]
		best[n.item] = m
	}
	out := make([]Match, 0, len(best))
	for _, m := range best {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Match) int {
		if c := cmp.Compare(a.Quality, b.Quality); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Distance, b.Distance); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Item.Importance, a.Item.Importance); c != 0 {
			return c
		}
		return cmp.Compare(a.Item.ID, b.Item.ID)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

func better(a, b Match) bool {
	return a.Quality < b.Quality || (a.Quality == b.Quality && a.Distance < b.Distance)
}

// editBudget is how many edits a folded query of n letters may be from a
// name: none for 3 letters or fewer (T4, Tal), one up to 6, two beyond.
func editBudget(n int) int {
	switch {
	case n <= 3:
		return 0
	case n <= 6:
		return 1
	default:
		return 2
	}
}

func matchName(n indexedName, qkey string, qtoks []string, qrunes []rune, maxEdits int, buf *[]int) (Match, bool) {
	m := Match{Name: n.name}
	switch {
	case n.key == qkey:
		m.Quality = Exact
	case strings.HasPrefix(n.key, qkey):
		m.Quality = Prefix
	case wordsMatch(n.tokens, qtoks):
		m.Quality = Words
	default:
		if maxEdits == 0 {
			return m, false
		}
		full, fullOK, pre, preOK := editDistance(qrunes, n.runes, maxEdits, buf)
		switch {
		case fullOK:
			m.Quality, m.Distance = Fuzzy, full
		case preOK:
			m.Quality, m.Distance = FuzzyPrefix, pre
		default:
			return m, false
		}
	}
	return m, true
}

// wordsMatch reports whether each query token starts a different name
// token, in any order ("homs badia" finds "Badia of Homs").
func wordsMatch(name, query []string) bool {
	if len(query) > len(name) {
		return false
	}
	var used uint64
	for _, q := range query {
		found := false
		for i, w := range name {
			if i < 64 && used&(1<<i) == 0 && strings.HasPrefix(w, q) {
				used |= 1 << i
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// editDistance is the optimal string alignment distance (Levenshtein plus
// transposition of neighbours) between a and b (full), and between a and
// the best prefix of b (prefix); an ok is false when its distance exceeds
// max. Only the band of width 2*max+1 around the diagonal is computed, in
// rows taken from buf.
func editDistance(a, b []rune, max int, buf *[]int) (full int, fullOK bool, prefix int, prefixOK bool) {
	if len(b) < len(a)-max {
		return 0, false, 0, false
	}
	const inf = 1 << 20
	width := len(b) + 1
	if cap(*buf) < 3*width {
		*buf = make([]int, 3*width)
	}
	rows := (*buf)[:3*width]
	prev2, prev, cur := rows[:width], rows[width:2*width], rows[2*width:]
	for j := range prev {
		prev[j] = j
		if j > max {
			prev[j] = inf
		}
	}
	for i := 1; i <= len(a); i++ {
		lo, hi := max0(i-max), min(len(b), i+max)
		for j := range cur {
			cur[j] = inf
		}
		if lo == 0 {
			cur[0] = i
			lo = 1
		}
		rowMin := cur[0]
		for j := lo; j <= hi; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j-1]+cost, prev[j]+1, cur[j-1]+1)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > max {
			return 0, false, 0, false
		}
		prev2, prev, cur = prev, cur, prev2
	}
	full, prefix = prev[len(b)], prev[len(b)]
	for j := max0(len(a) - max); j <= min(len(b), len(a)+max); j++ {
		prefix = min(prefix, prev[j])
	}
	return full, full <= max, prefix, prefix <= max
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func max0(x int) int { return max(x, 0) }

// cutRunes returns at most n runes of s; invalid UTF-8 becomes U+FFFD.
func cutRunes(s string, n int) []rune {
	out := make([]rune, 0, min(len(s), n))
	for len(s) > 0 && len(out) < n {
		r, size := utf8.DecodeRuneInString(s)
		out = append(out, r)
		s = s[size:]
	}
	return out
}
