package incidentfile

import (
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// TestParseISODayAgreesWithTimeParse: the fast path for YYYY-MM-DD gives
// what time.Parse gives, and leaves to it (or to rejection) whatever
// time.Parse does not read as that layout.
func TestParseISODayAgreesWithTimeParse(t *testing.T) {
	inputs := []string{"2024-01-15", "2024-02-29", "2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31",
		"0001-01-01", "9999-12-31", "2024-1-15", "2024-01-1x", "+024-01-15", "2024/01/15", "24-01-2015", "2024-12-00"}
	for y := 1999; y <= 2001; y++ {
		for d := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == y; d = d.AddDate(0, 0, 1) {
			inputs = append(inputs, d.Format(geo.DateLayout))
		}
	}
	for _, s := range inputs {
		want, werr := time.Parse(geo.DateLayout, s)
		got, ok := parseISODay(s)
		if ok != (werr == nil) || ok && !got.Equal(want) {
			t.Errorf("parseISODay(%q) = %v, %v; time.Parse gives %v, %v", s, got, ok, want, werr)
		}
	}
}
