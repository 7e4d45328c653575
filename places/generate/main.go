// Command generate builds places/places.geojson from ../shared/data: every
// distinct exactly located place of the UCDP GED Syria file (where_prec 1),
// merged with the Badia anchor places, the governorate capitals marked and
// named in Arabic after their governorates, with alternative spellings,
// event counts, governorate p-codes and the zoom at which each label shows.
//
// Run it from the places directory (go generate does):
//
//	go run ./generate -data ../../shared/data -out places.geojson
package main

import (
	"bytes"
	"cmp"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/places"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

const (
	ucdpPath         = "incidents/ucdp_ged_syria_v652.1601.1911_2016-01-01_2019-11-30.csv"
	anchorPath       = "badia/badia_anchor_places.csv"
	governoratePath  = "boundaries/syr_adm1_governorates.csv"
	ucdpSource       = "UCDP GED Syria 652.1601.1911"
	ucdpLicense      = "CC BY 4.0"
	anchorSource     = "badiamap Badia anchor places (shared/data/badia)"
	anchorNameSource = "badiamap Badia anchor places; spelling added by the data's compiler, not from a cited source"
	// The Arabic name of a capital is its governorate's: the town is the
	// one the governorate is named after.
	capitalNameSource = "OCHA COD-AB admin 1 Arabic name (adm1_ar_ocha) of the governorate named after this town"
)

type params struct {
	DataDir, Out string
	AnchorBonus  int // added to the importance of a Badia anchor
	CapitalBonus int // added to the importance of a governorate capital
}

func main() {
	var p params
	flag.StringVar(&p.DataDir, "data", "../../shared/data", "shared data directory")
	flag.StringVar(&p.Out, "out", "places.geojson", "file the places are written to")
	flag.IntVar(&p.AnchorBonus, "anchor-bonus", 100, "importance added to a Badia anchor place")
	flag.IntVar(&p.CapitalBonus, "capital-bonus", 1000, "importance added to a governorate capital (it must rank the capitals above every other place)")
	flag.Parse()
	sum, err := run(p)
	if err != nil {
		log.Fatal(err)
	}
	log.Print(sum)
}

// summary is what a run found and wrote, for the log and the tests.
type summary struct {
	UCDPRows, ExactEvents             int
	ExactNamePoints, ExactNames       int
	ExactPoints                       int
	Merged, AnchorOnly                []string // anchors merged into a UCDP place, and placed on their own
	OutsidePolygons                   []string // places whose governorate is UCDP's adm_1
	Capitals                          []string // "SY04 Homs": each governorate's capital
	CapitalsNear                      []string // capitals UCDP names only for events near them
	NoCapital                         []string // governorates no town is named after
	Places                            int
	Bytes                             int
	ByKind                            map[places.Kind]int
	WithArabic, Anchors, LabelsAtZoom map[string]int
}

func (s summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "UCDP: %d rows, %d with where_prec 1 at %d distinct name+point (%d names, %d points)\n",
		s.UCDPRows, s.ExactEvents, s.ExactNamePoints, s.ExactNames, s.ExactPoints)
	fmt.Fprintf(&b, "anchors merged into UCDP places: %d %v\n", len(s.Merged), s.Merged)
	fmt.Fprintf(&b, "anchors placed on their own: %d %v\n", len(s.AnchorOnly), s.AnchorOnly)
	fmt.Fprintf(&b, "outside every OCHA polygon (governorate from UCDP adm_1): %d %v\n", len(s.OutsidePolygons), s.OutsidePolygons)
	fmt.Fprintf(&b, "governorate capitals: %d %v, of them at a UCDP near point %v; no town named after %v\n",
		len(s.Capitals), s.Capitals, s.CapitalsNear, s.NoCapital)
	fmt.Fprintf(&b, "%d places, %d bytes; by kind %v; with Arabic names %v; labels by zoom %v",
		s.Places, s.Bytes, s.ByKind, s.WithArabic, s.LabelsAtZoom)
	return b.String()
}

func run(p params) (summary, error) {
	sum := summary{ByKind: map[places.Kind]int{}, WithArabic: map[string]int{}, LabelsAtZoom: map[string]int{}}
	uf, err := readUCDP(filepath.Join(p.DataDir, ucdpPath))
	if err != nil {
		return sum, err
	}
	anchors, err := readAnchors(filepath.Join(p.DataDir, anchorPath))
	if err != nil {
		return sum, err
	}
	govs, err := boundaries.Governorates()
	if err != nil {
		return sum, err
	}
	govNames, err := readGovernorateNames(filepath.Join(p.DataDir, governoratePath))
	if err != nil {
		return sum, err
	}
	sum.UCDPRows = uf.Rows
	keys := sortedKeys(uf.Places)

	// 1. Every distinct exactly located UCDP place, its near events beside it.
	near := map[ucdpKey]int{}
	names := map[string]bool{}
	points := map[orb.Point]string{}
	var all []*places.Place
	byKey := map[ucdpKey]*places.Place{}
	for k, up := range uf.Places {
		if k.Prec == geo.GeoNear {
			near[ucdpKey{Name: k.Name, Point: k.Point}] = up.Events
		}
	}
	for _, k := range keys {
		up := uf.Places[k]
		if k.Prec != geo.GeoExact {
			continue
		}
		if other, ok := points[k.Point]; ok {
			return sum, fmt.Errorf("UCDP puts %q and %q at one point %v: one place or two?", other, k.Name, k.Point)
		}
		points[k.Point] = k.Name
		names[k.Name] = true
		sum.ExactEvents += up.Events
		pl := newUCDPPlace(up, near[ucdpKey{Name: k.Name, Point: k.Point}])
		all = append(all, pl)
		byKey[k] = pl
	}
	sum.ExactNamePoints, sum.ExactNames, sum.ExactPoints = len(all), len(names), len(points)

	// 2. Badia anchors: into the UCDP place at their point, or on their own.
	for _, a := range anchors {
		aName, aAlts, _ := splitName(a.NameEN)
		var exact, nearBy []*ucdpPlace
		for _, k := range keys {
			if up := uf.Places[k]; samePoint(up.Point, a.Point) {
				switch k.Prec {
				case geo.GeoExact:
					exact = append(exact, up)
				case geo.GeoNear:
					nearBy = append(nearBy, up)
				}
			}
		}
		var pl *places.Place
		switch {
		case len(exact) > 1:
			return sum, fmt.Errorf("anchor %q: %d exactly located UCDP places at %v", a.NameEN, len(exact), a.Point)
		case len(exact) == 1:
			pl = byKey[ucdpKey{Name: exact[0].Name, Point: exact[0].Point, Prec: geo.GeoExact}]
			pl.Source = ucdpSource + "; " + anchorSource
			sum.Merged = append(sum.Merged, a.NameEN)
		case len(nearBy) > 0:
			pl = newNearPlace(nearBy[0])
			pl.Source += "; " + anchorSource
			all = append(all, pl)
			sum.AnchorOnly = append(sum.AnchorOnly, a.NameEN)
		default:
			pl = &places.Place{Kind: places.KindSite, Point: a.Point, SourceName: a.NameEN,
				Source: a.Source + "; " + anchorSource, License: "not stated: a coordinate cited from the publication"}
			all = append(all, pl)
			sum.AnchorOnly = append(sum.AnchorOnly, a.NameEN)
		}
		pl.AltNames = addNames(nil, append(aAlts, append([]string{pl.NameEN}, pl.AltNames...)...)...)
		pl.AltNames = slices.DeleteFunc(pl.AltNames, func(s string) bool { return strings.EqualFold(s, aName) })
		pl.NameEN = aName
		pl.NameAR = strings.TrimSpace(a.NameAR)
		if pl.NameAR != "" {
			pl.NameARSource = anchorNameSource
		}
		pl.BadiaAnchor = true
	}

	// 3. Governorate by polygon; UCDP's own adm_1 for a point outside all.
	for _, pl := range all {
		for _, g := range govs {
			if planar.MultiPolygonContains(g.Geom, pl.Point) {
				pl.Governorate = g.Code
				break
			}
		}
		if pl.Governorate == "" {
			for _, k := range keys {
				if up := uf.Places[k]; up.Name == pl.SourceName && up.Point == pl.Point {
					pl.Governorate = up.AdmPCode
					break
				}
			}
			sum.OutsidePolygons = append(sum.OutsidePolygons, pl.NameEN+" ("+pl.Governorate+")")
			if pl.Governorate == "" {
				return sum, fmt.Errorf("%q at %v: outside every governorate and no adm_1 p-code", pl.NameEN, pl.Point)
			}
		}
	}

	// 4. Governorate capitals: the town in each governorate that bears its
	// name, an exactly located one or else a UCDP "near" point.
	arabic, polygon := map[string]string{}, map[string]orb.MultiPolygon{}
	for _, g := range govs {
		arabic[g.Code], polygon[g.Code] = g.NameAR, g.Geom
	}
	taken := map[orb.Point]bool{}
	for _, pl := range all {
		taken[pl.Point] = true
	}
	for _, g := range govNames {
		if arabic[g.Code] != g.NameAR {
			return sum, fmt.Errorf("%s: Arabic name %q in %s, %q in ../boundaries", g.Code, g.NameAR, governoratePath, arabic[g.Code])
		}
		var hits []*places.Place
		for _, pl := range all {
			if pl.Kind == places.KindTown && pl.Governorate == g.Code && namedAfter(g, append([]string{pl.NameEN}, pl.AltNames...)) {
				hits = append(hits, pl)
			}
		}
		if len(hits) == 0 {
			for _, k := range keys {
				up := uf.Places[k]
				name, alts, kind := splitName(up.Name)
				if k.Prec != geo.GeoNear || taken[up.Point] || kind != places.KindTown ||
					!namedAfter(g, append(alts, name)) || !planar.MultiPolygonContains(polygon[g.Code], up.Point) {
					continue
				}
				pl := newNearPlace(up)
				pl.Governorate = g.Code
				hits = append(hits, pl)
				all = append(all, pl)
				taken[pl.Point] = true
				sum.CapitalsNear = append(sum.CapitalsNear, g.Code+" "+pl.NameEN)
			}
		}
		switch len(hits) {
		case 0:
			sum.NoCapital = append(sum.NoCapital, g.Code+" "+g.NameEN)
			continue
		case 1:
		default:
			return sum, fmt.Errorf("%s %s: %d towns are named after it", g.Code, g.NameEN, len(hits))
		}
		pl := hits[0]
		if pl.NameAR != "" && pl.NameAR != g.NameAR {
			pl.AltNames = addNames(pl.AltNames, pl.NameAR)
		}
		pl.CapitalOf, pl.NameAR, pl.NameARSource = g.Code, g.NameAR, capitalNameSource
		sum.Capitals = append(sum.Capitals, g.Code+" "+pl.NameEN)
	}

	// 5. Importance, order, ids, label zooms.
	leastCapital, mostOther := -1, -1
	for _, pl := range all {
		pl.Importance = pl.Events + pl.EventsNear
		if pl.BadiaAnchor {
			pl.Importance += p.AnchorBonus
		}
		if pl.CapitalOf != "" {
			pl.Importance += p.CapitalBonus
			if leastCapital < 0 || pl.Importance < leastCapital {
				leastCapital = pl.Importance
			}
		} else {
			mostOther = max(mostOther, pl.Importance)
		}
	}
	if leastCapital >= 0 && leastCapital <= mostOther {
		return sum, fmt.Errorf("a capital has importance %d, another place %d: raise -capital-bonus (%d)", leastCapital, mostOther, p.CapitalBonus)
	}
	slices.SortFunc(all, func(a, b *places.Place) int {
		return cmp.Or(cmp.Compare(b.Importance, a.Importance), cmp.Compare(a.NameEN, b.NameEN),
			cmp.Compare(a.Point[1], b.Point[1]), cmp.Compare(a.Point[0], b.Point[0]))
	})
	assignIDs(all)
	places.AssignMinZoom(all)

	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","features":[` + "\n")
	for i, pl := range all {
		line, err := pl.MarshalFeature()
		if err != nil {
			return sum, fmt.Errorf("%s: %w", pl.ID, err)
		}
		buf.Write(line)
		if i+1 < len(all) {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
		sum.ByKind[pl.Kind]++
		if pl.NameAR != "" {
			sum.WithArabic[pl.NameARSource]++
		}
		for z := places.MinLabelZoom; z <= places.MaxLabelZoom; z++ {
			if pl.MinZoom <= z {
				sum.LabelsAtZoom["z"+strconv.Itoa(z)]++
			}
		}
	}
	buf.WriteString("]}\n")
	sum.Places, sum.Bytes = len(all), buf.Len()
	return sum, os.WriteFile(p.Out, buf.Bytes(), 0o644)
}

// newNearPlace is a place at a point UCDP names only for events near it
// (where_prec 2).
func newNearPlace(up *ucdpPlace) *places.Place {
	pl := newUCDPPlace(up, 0)
	pl.Events, pl.EventsNear = 0, up.Events
	pl.Source = fmt.Sprintf("%s (where_prec %d)", ucdpSource, up.Prec)
	return pl
}

// namedAfter reports whether one of names folds to one of the
// governorate's English names (Hamah is Hama, Latakia Lattakia, Idlib the
// common spelling of OCHA's Idleb).
func namedAfter(g governorateNames, names []string) bool {
	for _, n := range names {
		if k := places.Key(n); k != "" && (k == places.Key(g.NameEN) || k == places.Key(g.Common)) {
			return true
		}
	}
	return false
}

func newUCDPPlace(up *ucdpPlace, eventsNear int) *places.Place {
	name, alts, kind := splitName(up.Name)
	return &places.Place{NameEN: name, AltNames: alts, Point: up.Point, Kind: kind,
		Events: up.Events, EventsNear: eventsNear, SourceName: up.Name, SourceAdm1: up.Adm1, SourceAdm2: up.Adm2,
		Source: ucdpSource, License: ucdpLicense}
}

// assignIDs gives each place the slug of its name, with its governorate
// added where two places share a name, then a number if that is not enough.
func assignIDs(all []*places.Place) {
	count := map[string]int{}
	for _, pl := range all {
		count[slug(pl.NameEN)]++
	}
	used := map[string]bool{}
	for _, pl := range all {
		id := slug(pl.NameEN)
		if count[id] > 1 {
			id += "-" + strings.ToLower(pl.Governorate)
		}
		base := id
		for n := 2; used[id]; n++ {
			id = base + "-" + strconv.Itoa(n)
		}
		used[id] = true
		pl.ID = id
	}
}

// sortedKeys returns the keys of the UCDP places in a fixed order, so that
// nothing the generator writes depends on map iteration.
func sortedKeys(m map[ucdpKey]*ucdpPlace) []ucdpKey {
	keys := make([]ucdpKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b ucdpKey) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Point[1], b.Point[1]),
			cmp.Compare(a.Point[0], b.Point[0]), cmp.Compare(a.Prec, b.Prec))
	})
	return keys
}
