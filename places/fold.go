package places

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Folding turns a place name into search tokens that different
// transliterations of one Arabic name share: "Deir ez-Zor", "Dayr al-Zawr",
// "deir ezzor" and "Deir el-Zour" all fold to [dair zur], "دير الزور" to
// [دير زور]. The same fold is applied to names and queries, so a rule that
// over-merges two spellings costs precision, never a match.

// latinBase maps a Latin letter with a diacritic to its base letter (the
// standard library has no Unicode decomposition). It covers the letters of
// the ALA-LC and DIN transliterations of Arabic, Turkish and Kurdish names
// and the accents of French spellings (Alep, Homs, Deïr).
var latinBase = map[rune]rune{}

func init() {
	for base, letters := range map[rune]string{
		'a': "àáâãäåāăąǎạảấầẩẫậắằẳẵặ",
		'c': "çćĉċč",
		'd': "ďđḍḏḑ",
		'e': "èéêëēĕėęěẹẻẽếềểễệ",
		'g': "ĝğġģǧḡ",
		'h': "ĥħḥḧḩḫẖ",
		'i': "ìíîïĩīĭįıǐịỉ",
		'j': "ĵǰ",
		'k': "ķǩḳ",
		'l': "ĺļľŀłḷ",
		'n': "ñńņňṅṇ",
		'o': "òóôõöøōŏőǒọỏốồổỗộớờởỡợ",
		'r': "ŕŗřṛ",
		's': "śŝşšșṡṣ",
		't': "ţťŧțṭṯ",
		'u': "ùúûüũūŭůűųǔụủứừửữự",
		'w': "ŵẁẃẅ",
		'y': "ýÿŷỳỹ",
		'z': "źżžẓẕ",
	} {
		for _, r := range letters {
			latinBase[r] = base
		}
	}
}

// arabicLetter maps Arabic letter variants to one form: the hamza seats of
// alif (أ إ آ ٱ) to ا, alif maqsura to ya, ta marbuta to ha, hamza on waw
// and ya to the bare letter, and the Persian kaf and ya that Arabic text
// typed on other keyboards carries.
var arabicLetter = map[rune]rune{
	'أ': 'ا', 'إ': 'ا', 'آ': 'ا', 'ٱ': 'ا',
	'ى': 'ي', 'ئ': 'ي', 'ی': 'ي', 'ې': 'ي',
	'ة': 'ه', 'ۀ': 'ه',
	'ؤ': 'و',
	'ک': 'ك',
}

// articles are the Latin renderings of the Arabic article al- (assimilated
// before the "sun" letters: ad-, ar-, as-, ash-, at-, az-, ...), dropped as
// separate words; "of" is dropped so "Badia of Homs" folds like "Badia Homs".
var articles = map[string]bool{
	"al": true, "el": true, "il": true, "ul": true,
	"ad": true, "ed": true, "adh": true, "an": true, "en": true,
	"ar": true, "er": true, "as": true, "es": true, "ash": true, "esh": true,
	"at": true, "et": true, "ath": true, "az": true, "ez": true,
	"of": true,
}

// sunLetters are the letters the article assimilates to when written
// together: "ezzor" is ez-Zor, "assukhnah" as-Sukhnah.
const sunLetters = "tdrzsnl"

// latinDigraphs are the letter pairs that transliterations spell in one or
// two letters, folded left to right: kh/h (خ), gh/g (غ), sh/ch/s (ش),
// dh/z (ذ), th/t (ث), dj/j (ج), aw/au/o (the diphthong of Zawr/Zor).
var latinDigraphs = strings.NewReplacer(
	"dj", "j", "kh", "h", "gh", "g", "sh", "s", "ch", "s", "dh", "z", "th", "t",
	"ph", "f", "ck", "k", "aw", "o", "au", "o",
)

// latinVowels folds the vowels and semivowels transliterations disagree on:
// e/a (Deir/Dayr), o/u (Tadmor/Tadmur), y/i (Dayr/Dair), w/u (Zawr/Zour),
// q and c to k.
var latinVowels = strings.NewReplacer("e", "a", "o", "u", "y", "i", "w", "u", "q", "k", "c", "k")

// Tokens folds s into search tokens. Latin and Arabic words fold apart and
// never match each other; digits stay (T4).
func Tokens(s string) []string {
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			words = append(words, b.String())
			b.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '٠' && r <= '٩': // Arabic-Indic digits
			b.WriteRune('0' + r - '٠')
		case isApostrophe(r):
			// Dar'a, Nu'man: an ayn or hamza mark, not a word break.
		case (r >= 0x064B && r <= 0x065F) || r == 0x0670 || r == 0x0640:
			// harakat, superscript alif and tatweel carry no letter.
		case latinBase[unicode.ToLower(r)] != 0:
			b.WriteRune(latinBase[unicode.ToLower(r)])
		case arabicLetter[r] != 0:
			b.WriteRune(arabicLetter[r])
		case r == 'ء':
			// a bare hamza is spelled or dropped at will.
		case unicode.IsLetter(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()

	out := make([]string, 0, len(words))
	for _, w := range words {
		if articles[w] {
			continue
		}
		if f := foldWord(w); f != "" {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		// A name made only of articles ("Al") keeps them.
		for _, w := range words {
			out = append(out, foldWord(w))
		}
	}
	return out
}

// BaseLetter returns the Latin letter r is with its diacritic removed
// (ş is s), or 0 when r is no such letter.
func BaseLetter(r rune) rune { return latinBase[unicode.ToLower(r)] }

// Key is the folded tokens of s joined: the form names and queries compare in.
func Key(s string) string { return strings.Join(Tokens(s), "") }

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', '‘', 'ʿ', 'ʾ', 'ʼ', '`', '´', 'ʻ':
		return true
	}
	return false
}

func foldWord(w string) string {
	r, _ := utf8.DecodeRuneInString(w)
	if r >= 0x0600 && r <= 0x06FF {
		return foldArabic(w)
	}
	return foldLatin(w)
}

func foldArabic(w string) string {
	// The article ال on a word of at least two more letters.
	if strings.HasPrefix(w, "ال") && utf8.RuneCountInString(w) >= 4 {
		w = w[len("ال"):]
	}
	return collapse(w)
}

func foldLatin(w string) string {
	// An article written onto its word by doubling a sun letter: ezzor,
	// assukhnah, arraqqah, allataminah.
	if len(w) >= 5 && (w[0] == 'a' || w[0] == 'e') && w[1] == w[2] && strings.IndexByte(sunLetters, w[1]) >= 0 {
		w = w[2:]
	}
	w = latinDigraphs.Replace(w)
	w = latinVowels.Replace(w)
	w = collapse(w)
	// A final h after a vowel is the ta marbuta (Sukhnah/Sukhna, Raqqah/Raqqa).
	if n := len(w); n > 2 && w[n-1] == 'h' && strings.IndexByte("aiu", w[n-2]) >= 0 {
		w = w[:n-1]
	}
	return w
}

// collapse folds a doubled letter to one (Raqqa/Raqa, Jarrah/Jarah).
func collapse(w string) string {
	var b strings.Builder
	b.Grow(len(w))
	var prev rune
	for _, r := range w {
		if r != prev {
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}
