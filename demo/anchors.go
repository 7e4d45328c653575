package demo

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Anchor is a real place in the Badia that demo incidents are put near.
type Anchor struct {
	NameEN, NameAR string
	Point          orb.Point // lon, lat
	Note           string
	// Source is the row's source_place_name: the name the coordinates were
	// taken under, or the investigation they come from ("" if the column is absent).
	Source string
}

// Name is the place's English name without the glosses in parentheses
// ("Arak (village / gas field)" is "Arak"), as a location name reads.
func (a Anchor) Name() string {
	s := a.NameEN
	for {
		i := strings.Index(s, " (")
		j := strings.Index(s, ")")
		if i < 0 || j < i {
			return strings.Join(strings.Fields(s), " ")
		}
		s = s[:i] + s[j+1:]
	}
}

// ReadAnchors reads ../shared/data/badia/badia_anchor_places.csv (columns
// name_en, name_ar, lat, lon, ..., ucdp_adm1, ..., note). Rows with no
// governorate ("-") are left out: that is UCDP's generic "Syrian Badia"
// point, not a place, and would make a false hotspot.
func ReadAnchors(r io.Reader) ([]Anchor, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("anchors: reading header: %w", err)
	}
	col := make(map[string]int)
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, want := range []string{"name_en", "name_ar", "lat", "lon", "ucdp_adm1", "note"} {
		if _, ok := col[want]; !ok {
			return nil, fmt.Errorf("anchors: no %s column in header %v", want, header)
		}
	}
	var out []Anchor
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("anchors: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if strings.TrimSpace(rec[col["ucdp_adm1"]]) == "-" {
			continue
		}
		lat, err1 := strconv.ParseFloat(rec[col["lat"]], 64)
		lon, err2 := strconv.ParseFloat(rec[col["lon"]], 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("anchors: line %d: lat %q / lon %q is not a number", line, rec[col["lat"]], rec[col["lon"]])
		}
		a := Anchor{NameEN: rec[col["name_en"]], NameAR: rec[col["name_ar"]],
			Point: orb.Point{lon, lat}, Note: rec[col["note"]]}
		if i, ok := col["source_place_name"]; ok {
			a.Source = rec[i]
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, errors.New("anchors: no places in the file")
	}
	return out, nil
}
