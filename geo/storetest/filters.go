package storetest

import (
	"sort"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
)

// NamedFilter is one row of the filter table. Some says the oracle must
// select at least one incident, so the row cannot pass by being vacuous.
type NamedFilter struct {
	Name   string
	Filter geo.IncidentFilter
	Some   bool
}

// mostCommon is the most frequent non-empty value of field over want (ties by
// value), so filters pick values the data has whatever the fixture.
func mostCommon(want []geo.Incident, field func(*geo.Incident) string) string {
	n := map[string]int{}
	for i := range want {
		if v := field(&want[i]); v != "" {
			n[v]++
		}
	}
	best := ""
	for v, c := range n {
		if best == "" || c > n[best] || (c == n[best] && v < best) {
			best = v
		}
	}
	return best
}

// Filters is the filter table: each field alone, combinations, empty
// results, box edges, text with LIKE metacharacters, quotes and Arabic.
func Filters(fx *Fixtures, want []geo.Incident) []NamedFilter {
	gov := mostCommon(want, func(i *geo.Incident) string { return i.Governorate })
	gov2 := mostCommon(want, func(i *geo.Incident) string {
		if i.Governorate == gov {
			return ""
		}
		return i.Governorate
	})
	reg := mostCommon(want, func(i *geo.Incident) string { return i.Region })
	reg2 := mostCommon(want, func(i *geo.Incident) string {
		if i.Region == reg {
			return ""
		}
		return i.Region
	})
	et := mostCommon(want, func(i *geo.Incident) string { return i.EventType })
	sub := mostCommon(want, func(i *geo.Incident) string { return i.SubEventType })
	src := mostCommon(want, func(i *geo.Incident) string {
		if len(i.Sources) == 0 {
			return ""
		}
		return i.Sources[0].Name
	})
	dates := make([]time.Time, 0, len(want))
	for i := range want {
		dates = append(dates, want[i].DateStart)
	}
	sort.Slice(dates, func(i, j int) bool { return dates[i].Before(dates[j]) })
	mid := dates[len(dates)/2]
	q1, q3 := dates[len(dates)/4], dates[3*len(dates)/4]
	palmyra := &orb.Bound{Min: orb.Point{37.9, 34.3}, Max: orb.Point{38.7, 34.8}}
	edges := &orb.Bound{Min: bboxMin, Max: bboxMax}
	point := &orb.Bound{Min: bboxMax, Max: bboxMax}
	empty := &orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{0.1, 0.1}}

	fs := []NamedFilter{
		{"everything", geo.IncidentFilter{}, true},
		{"governorate", geo.IncidentFilter{Governorates: []string{gov}}, true},
		{"two governorates", geo.IncidentFilter{Governorates: []string{gov2, gov}}, true},
		{"unknown governorate", geo.IncidentFilter{Governorates: []string{"SY99"}}, false},
		{"badia region", geo.IncidentFilter{Regions: []string{reg}}, true},
		{"two badia regions", geo.IncidentFilter{Regions: []string{reg, reg2}}, true},
		{"governorate code as region", geo.IncidentFilter{Regions: []string{gov}}, false},
		{"from", geo.IncidentFilter{From: mid}, true},
		{"to", geo.IncidentFilter{To: mid}, true},
		{"from to", geo.IncidentFilter{From: q1, To: q3}, true},
		{"one day", geo.IncidentFilter{From: mid, To: mid}, true},
		{"from after to", geo.IncidentFilter{From: q3, To: q1}, false},
		{"from mid-day", geo.IncidentFilter{From: mid.Add(12 * time.Hour)}, true},
		{"to mid-day", geo.IncidentFilter{To: mid.Add(12 * time.Hour)}, true},
		{"event type", geo.IncidentFilter{EventTypes: []string{et}}, true},
		{"event type wrong case", geo.IncidentFilter{EventTypes: []string{lower(et)}}, false},
		{"two event types", geo.IncidentFilter{EventTypes: []string{et, "Violence against civilians"}}, true},
		{"sub-event type", geo.IncidentFilter{SubEventTypes: []string{sub}}, true},
		{"perpetrator substring any case", geo.IncidentFilter{Perpetrators: []string{"islamic STATE"}}, true},
		{"perpetrator arabic", geo.IncidentFilter{Perpetrators: []string{"الدولة"}}, true},
		{"perpetrator quote", geo.IncidentFilter{Perpetrators: []string{"'gunmen'"}}, true},
		{"perpetrators", geo.IncidentFilter{Perpetrators: []string{"nobody-at-all", "government"}}, true},
		// LIKE's wildcards and escape are plain characters in a substring.
		{"perpetrator underscore", geo.IncidentFilter{Perpetrators: []string{"_"}}, false},
		{"perpetrator percent", geo.IncidentFilter{Perpetrators: []string{"Islamic%State"}}, false},
		{"perpetrator backslash", geo.IncidentFilter{Perpetrators: []string{`\`}}, false},
		{"perpetrators with a wildcard", geo.IncidentFilter{Perpetrators: []string{"_", "islamic"}}, true},
		{"min killed 1", geo.IncidentFilter{MinKilled: 1}, true},
		{"min killed 10", geo.IncidentFilter{MinKilled: 10}, true},
		{"min killed huge", geo.IncidentFilter{MinKilled: 1 << 30}, false},
		{"bbox Palmyra", geo.IncidentFilter{BBox: palmyra}, true},
		{"bbox edges", geo.IncidentFilter{BBox: edges}, true},
		{"bbox one point", geo.IncidentFilter{BBox: point}, true},
		{"bbox empty", geo.IncidentFilter{BBox: empty}, false},
		{"text any case", geo.IncidentFilter{Text: "EDGE"}, true},
		{"text percent", geo.IncidentFilter{Text: "100%"}, true},
		{"text percent alone", geo.IncidentFilter{Text: "%"}, true},
		{"text underscore", geo.IncidentFilter{Text: "_well_"}, true},
		{"text underscore no match", geo.IncidentFilter{Text: "b_r"}, false},
		{"text percent no match", geo.IncidentFilter{Text: "b%l"}, false},
		{"text single quote", geo.IncidentFilter{Text: "O'Brien"}, true},
		{"text double quote", geo.IncidentFilter{Text: `"it's`}, true},
		{"text backslash", geo.IncidentFilter{Text: `\ back`}, true},
		{"text arabic", geo.IncidentFilter{Text: "الكمأة"}, true},
		{"source any case", geo.IncidentFilter{Sources: []string{"sohr"}}, true},
		{"source common", geo.IncidentFilter{Sources: []string{src}}, true},
		{"source arabic", geo.IncidentFilter{Sources: []string{"المرصد السوري لحقوق الإنسان"}}, true},
		{"source substring is not enough", geo.IncidentFilter{Sources: []string{"SOH"}}, false},
		{"combined governorate date victims", geo.IncidentFilter{Governorates: []string{gov}, From: q1, To: q3,
			Victims: []geo.VictimGroup{geo.VictimGroup("civilians"), geo.VictimGroup("military")}}, true},
		{"combined region bbox killed", geo.IncidentFilter{Regions: []string{reg, reg2}, BBox: palmyra, MinKilled: 2}, false},
		{"combined text source type", geo.IncidentFilter{Text: "edge", Sources: []string{"SOHR"}, EventTypes: []string{"Violence against civilians"}}, true},
		{"combined everything", geo.IncidentFilter{Governorates: []string{gov, gov2}, Regions: []string{reg, reg2},
			From: dates[0], To: dates[len(dates)-1], EventTypes: []string{et}, Perpetrators: []string{"a"},
			Victims: geo.VictimGroups, MinKilled: 1, BBox: &geo.SyriaBound, Text: "e", Sources: []string{src}}, false},
	}
	for _, g := range geo.VictimGroups {
		fs = append(fs, NamedFilter{"victims " + string(g), geo.IncidentFilter{Victims: []geo.VictimGroup{g}}, true})
	}
	fs = append(fs, NamedFilter{"victims two groups", geo.IncidentFilter{Victims: []geo.VictimGroup{geo.VictimGroup("women"), geo.VictimGroup("children")}}, true})
	yes, no := true, false
	fs = append(fs,
		NamedFilter{"precision 2", geo.IncidentFilter{MaxPrecision: 2}, true},
		NamedFilter{"precision 3", geo.IncidentFilter{MaxPrecision: 3}, true},
		NamedFilter{"precision 5 in a region", geo.IncidentFilter{MaxPrecision: 5, Regions: []string{reg}}, true},
		NamedFilter{"illustrative", geo.IncidentFilter{Illustrative: &yes}, true},
		NamedFilter{"not illustrative", geo.IncidentFilter{Illustrative: &no}, true},
		NamedFilter{"illustrative governorate", geo.IncidentFilter{Illustrative: &yes, Governorates: []string{gov}}, false})
	fs = append(fs, cqlFilters(gov)...)
	if fx.SharedLo != "" {
		fs = append(fs,
			NamedFilter{"shared border, lowest code", geo.IncidentFilter{Governorates: []string{fx.SharedLo}, Text: "shared-border"}, true},
			NamedFilter{"shared border, other code", geo.IncidentFilter{Governorates: []string{fx.SharedHi}, Text: "shared-border"}, false})
	}
	return fs
}

func lower(s string) string {
	b := []rune(s)
	for i, r := range b {
		if r >= 'A' && r <= 'Z' {
			b[i] = r + 'a' - 'A'
		}
	}
	return string(b)
}
