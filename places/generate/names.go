package main

import (
	"regexp"
	"strings"

	"github.com/badiamap/badiamap/incidentfile"
	"github.com/badiamap/badiamap/places"
)

// settlementWords are the words UCDP puts after a settlement's name, with
// the kind each gives; "villge" and "villae" are typos in the file. Other
// trailing words (camp, airbase, dam, field) are part of a site's name.
var settlementWords = map[string]places.Kind{
	"town": places.KindTown, "city": places.KindTown,
	"village": places.KindVillage, "villge": places.KindVillage, "villae": places.KindVillage,
	"suburb": places.KindSuburb,
}

// descriptorWords gloss a name in the anchors' parentheses ("Arak (village /
// gas field)"): a parenthesis made only of them is no alternative name.
var descriptorWords = map[string]bool{
	"village": true, "town": true, "city": true, "gas": true, "oil": true, "field": true,
	"camp": true, "airbase": true, "airport": true, "base": true,
}

// wholeNames are UCDP names whose slash does not separate two spellings of
// one place, kept whole:
var wholeNames = map[string]string{
	"Silos east of Palmyra/Tadmur":                 "Palmyra/Tadmur is the place the silos are east of",
	"Water treatment/pumping station Jazirah area": "a facility described two ways, not two names",
	"Jalbara village/ Anabka Poultry farm":         "a village and a farm next to it",
}

var parenthesis = regexp.MustCompile(`\s*\(([^()]*)\)`)

// splitName parses a source's place name into the name to show, the other
// spellings it carries and the kind its last word gives: "Tadmur/Palmyra
// town" is Tadmur, [Palmyra], town; "Al-Rai town (Choban Bey)" is Al-Rai,
// [Choban Bey], town. A parenthesis naming a governorate locates the place
// ("Military Research Center (Aleppo)") and is no alternative name.
func splitName(s string) (name string, alts []string, kind places.Kind) {
	s = strings.Join(strings.Fields(s), " ")
	kind = places.KindSite
	if _, ok := wholeNames[s]; ok {
		return s, nil, kind
	}
	var inner []string
	for _, m := range parenthesis.FindAllStringSubmatch(s, -1) {
		inner = append(inner, strings.TrimSpace(m[1]))
	}
	s = strings.TrimSpace(parenthesis.ReplaceAllString(s, ""))
	var parts []string
	for _, part := range strings.Split(s, "/") {
		words := strings.Fields(part)
		if n := len(words); n > 1 {
			if k, ok := settlementWords[strings.ToLower(words[n-1])]; ok {
				if kind == places.KindSite {
					kind = k
				}
				words = words[:n-1]
			}
		}
		if len(words) > 0 {
			parts = append(parts, strings.Join(words, " "))
		}
	}
	if len(parts) == 0 {
		return s, nil, kind
	}
	name, alts = parts[0], parts[1:]
	for _, in := range inner {
		if in == "" || incidentfile.Admin1PCode(in) != "" || isDescriptor(in) {
			continue
		}
		alts = append(alts, in)
	}
	return name, alts, kind
}

func isDescriptor(s string) bool {
	for _, part := range strings.Split(s, "/") {
		for _, w := range strings.Fields(part) {
			if !descriptorWords[strings.ToLower(w)] {
				return false
			}
		}
	}
	return true
}

// addNames appends the names not already in list (compared exactly, after
// spaces are normalised): distinct spellings are kept even when they fold
// alike, since they are what the sources write.
func addNames(list []string, names ...string) []string {
	for _, n := range names {
		n = strings.Join(strings.Fields(n), " ")
		if n == "" {
			continue
		}
		dup := false
		for _, have := range list {
			if strings.EqualFold(have, n) {
				dup = true
				break
			}
		}
		if !dup {
			list = append(list, n)
		}
	}
	return list
}

// slug is the id form of a name: lower-case ASCII words joined by hyphens.
func slug(s string) string {
	var b strings.Builder
	gap := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if gap && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			gap = false
		case r == '\'' || r == '’':
		default:
			if base := places.BaseLetter(r); base != 0 {
				if gap && b.Len() > 0 {
					b.WriteByte('-')
				}
				b.WriteRune(base)
				gap = false
			} else {
				gap = true
			}
		}
	}
	return b.String()
}
