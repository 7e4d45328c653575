package incidentfile

import (
	"strings"
	"unicode"
)

// governorateNames lists, per OCHA p-code, the names sources use for the
// governorate: OCHA COD-AB English and Arabic, the common English name,
// geoBoundaries, UCDP GED ("Deir ez Zor Governorate" loses its suffix on
// normalisation), ACLED, and transliterations seen in SOHR and Airwars text.
// Spelling variants that differ only in case, hyphens, apostrophes, articles
// or a "Governorate"/"محافظة" affix need not be listed: normalisation folds them.
var governorateNames = map[string][]string{
	"SY01": {"Damascus", "Dimashq", "Damas", "Damascus City", "دمشق", "مدينة دمشق"},
	"SY02": {"Aleppo", "Halab", "Haleb", "Alep", "حلب"},
	"SY03": {"Rural Damascus", "Rif Dimashq", "Rif Damashq", "Reef Damascus", "Rif Damascus", "Damascus Countryside",
		"Rural Damascus Countryside", "Damascus Rural", "Rif-Dimashq", "ريف دمشق"},
	"SY04": {"Homs", "Hims", "Hums", "حمص"},
	"SY05": {"Hama", "Hamah", "Hamaa", "حماة", "حماه"},
	"SY06": {"Lattakia", "Latakia", "Lattaquie", "Ladhiqiyah", "Al Ladhiqiyah", "Latakiya", "Lathqiyah", "اللاذقية"},
	"SY07": {"Idleb", "Idlib", "Edlib", "Idlb", "إدلب", "ادلب"},
	"SY08": {"Al-Hasakeh", "Al-Hasakah", "Al Hasakah", "Hasakah", "Hasakeh", "Hassakeh", "Hasaka", "Hassake", "Hasake",
		"Al Hassakah", "Hassakah", "Al Haskah", "الحسكة"},
	"SY09": {"Deir-ez-Zor", "Deir ez-Zor", "Deir ez Zor", "Deir ez-Zour", "Deir Ezzor", "Deir Ezzour", "Deir al-Zor",
		"Deir el-Zor", "Deir Al Zour", "Der Ezzor", "Deir Zor", "Dayr az Zawr", "Dayr al Zawr", "Dair al-Zour",
		"Deirezzor", "دير الزور", "ديرالزور"},
	"SY10": {"Tartous", "Tartus", "Tartous Governorate", "Tartoos", "طرطوس"},
	"SY11": {"Ar-Raqqa", "Ar Raqqah", "Raqqa", "Raqqah", "Al-Raqqa", "Rakka", "Al Raqqah", "الرقة"},
	"SY12": {"Dar'a", "Daraa", "Dara", "Deraa", "Der'a", "Dar`a", "Darʿa", "Daraʿa", "درعا"},
	"SY13": {"As-Sweida", "As Suwayda", "Suwayda", "Sweida", "Sweyda", "As-Suwayda", "Al-Suwayda", "Suwaida", "Al Suwaida",
		"Soueida", "Swaida", "السويداء"},
	"SY14": {"Quneitra", "Al Qunaytirah", "Qunaytirah", "Kuneitra", "Qunaitra", "Al-Quneitra", "القنيطرة"},
}

// admin1Index maps a normalised name to its p-code; built once from governorateNames.
var admin1Index = func() map[string]string {
	idx := make(map[string]string)
	for pcode, names := range governorateNames {
		idx[normalizeAdmin1(pcode)] = pcode
		for _, n := range names {
			idx[normalizeAdmin1(n)] = pcode
		}
	}
	return idx
}()

// Admin1PCode returns the OCHA p-code (SY01-SY14) of the governorate that name
// names, or "" when it names none. It accepts the p-code itself, OCHA,
// UCDP, ACLED and common English spellings, with or without a "Governorate"
// suffix, hyphens, apostrophes or the article (Al-, Ar-, As-, Ad-, ...), and
// the Arabic names (with or without محافظة and diacritics).
func Admin1PCode(name string) string {
	return admin1Index[normalizeAdmin1(name)]
}

// normalizeAdmin1 folds the spelling differences sources make on the same
// name into one key.
func normalizeAdmin1(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 0x064B && r <= 0x065F, r == 0x0670, r == 0x0640: // Arabic diacritics and tatweel
		case r == 'أ' || r == 'إ' || r == 'آ':
			b.WriteRune('ا')
		case r == 'ة':
			b.WriteRune('ه')
		case r == 'ى':
			b.WriteRune('ي')
		case unicode.Is(unicode.Lm, r): // ʿ and ʾ in transliterations are letters to Unicode, not to us
			b.WriteRune(' ')
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(foldLatin(r))
		default: // hyphens, apostrophes, ʿ, dots, spaces: word breaks
			b.WriteRune(' ')
		}
	}
	words := strings.Fields(b.String())
	var kept []string
	for _, w := range words {
		switch w {
		case "governorate", "province", "governate", "muhafazat", "mohafazat", "gov", "محافظه":
			continue
		case "al", "ar", "as", "ad", "az", "el", "ash", "an":
			if len(kept) == 0 { // a leading article is dropped; an inner one ("Deir ez Zor") is part of the name
				continue
			}
		}
		kept = append(kept, w)
	}
	return strings.Join(kept, "")
}

// foldLatin strips the accents sources sometimes put on transliterations.
func foldLatin(r rune) rune {
	switch r {
	case 'á', 'à', 'â', 'ā', 'ä':
		return 'a'
	case 'é', 'è', 'ê', 'ē', 'ë':
		return 'e'
	case 'í', 'ì', 'î', 'ī', 'ï':
		return 'i'
	case 'ó', 'ò', 'ô', 'ō', 'ö':
		return 'o'
	case 'ú', 'ù', 'û', 'ū', 'ü':
		return 'u'
	}
	return r
}

// admin1Cache remembers Admin1PCode per raw name for one reader: a file
// repeats a handful of names thousands of times.
type admin1Cache map[string]string

func (c admin1Cache) lookup(name string) string {
	code, ok := c[name]
	if !ok {
		code = Admin1PCode(name)
		if len(c) < 1000 { // a hostile file of unique names must not grow it without bound
			c[name] = code
		}
	}
	return code
}
