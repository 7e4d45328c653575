package geo

import "strings"

// Case folding is simple lower-casing so PostgreSQL's lower() and Go agree on
// every script the data holds (Latin and Arabic; Arabic has no case).
func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func equalFold(a, b string) bool { return strings.ToLower(a) == strings.ToLower(b) }
