package storetest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/paulmach/orb"
)

// UCDPFile is the UCDP GED Syria release, relative to the shared data
// directory that sits beside the repository (../shared/data).
const UCDPFile = "incidents/ucdp_ged_syria_v652.1601.1911_2016-01-01_2019-11-30.csv"

// ucdpEvery keeps one UCDP event in this many, so the suite stays quick on
// every store while still covering every governorate and year.
const ucdpEvery = 5

// Fixtures are the regions and incidents every store is loaded with.
type Fixtures struct {
	Regions []geo.Region
	// Batches are imported in order, one ImportTx each; the incident at
	// position i overall gets id i+1.
	Batches [][]geo.Incident
	// Edge names the hand-built incidents by what they test, for filters.
	Edge map[string]*geo.Incident
	// SharedVertex is a point on the border of two governorates, where the
	// lowest code must win ("" Lo/Hi when the regions have none).
	SharedVertex       orb.Point
	SharedLo, SharedHi string
}

// All is every fixture incident in import order.
func (fx *Fixtures) All() []geo.Incident {
	var out []geo.Incident
	for _, b := range fx.Batches {
		out = append(out, b...)
	}
	return out
}

// SharedDataDir finds ../shared/data beside the repository root (the
// directory holding go.mod), walking up from the working directory.
func SharedDataDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			data := filepath.Join(dir, "..", "shared", "data")
			if _, err := os.Stat(data); err != nil {
				return "", fmt.Errorf("shared data not found at %s (the repository's ../shared/data): %w", data, err)
			}
			return data, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run the tests inside the repository")
		}
		dir = parent
	}
}

// NewFixtures builds the fixtures on regions: every ucdpEvery-th valid UCDP
// event, then the hand-built edge cases.
func NewFixtures(regions []geo.Region) (*Fixtures, error) {
	data, err := SharedDataDir()
	if err != nil {
		return nil, err
	}
	ucdp, err := UCDPSlice(filepath.Join(data, UCDPFile), ucdpEvery)
	if err != nil {
		return nil, err
	}
	fx := &Fixtures{Regions: regions, Edge: map[string]*geo.Incident{}}
	fx.SharedVertex, fx.SharedLo, fx.SharedHi = sharedVertex(regions, geo.KindGovernorate)
	edge := fx.edgeCases()
	fx.Batches = [][]geo.Incident{ucdp, edge}
	for i := range fx.Batches[1] {
		inc := &fx.Batches[1][i]
		fx.Edge[strings.TrimPrefix(inc.ExternalID, "storetest:")] = inc
	}
	return fx, nil
}

// UCDPSlice reads every every-th row of the UCDP file at path, keeping the
// valid ones: a real, reproducible sample for the contract suites.
func UCDPSlice(path string, every int) ([]geo.Incident, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rd, err := incidentfile.Open(f, incidentfile.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []geo.Incident
	for n := 0; ; n++ {
		inc, rowErr, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if rowErr != nil || n%every != 0 {
			continue
		}
		out = append(out, inc)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no valid UCDP event read", path)
	}
	return out, nil
}

// sharedVertex finds a vertex of the lowest-coded region of kind that is also
// a vertex of another region of that kind.
func sharedVertex(regions []geo.Region, kind geo.RegionKind) (orb.Point, string, string) {
	owners := map[orb.Point][]string{}
	var codes []string
	for _, r := range regions {
		if r.Kind != kind {
			continue
		}
		codes = append(codes, r.Code)
		seen := map[orb.Point]bool{}
		for _, p := range r.Geom {
			for _, ring := range p {
				for _, pt := range ring {
					if !seen[pt] {
						seen[pt] = true
						owners[pt] = append(owners[pt], r.Code)
					}
				}
			}
		}
	}
	sort.Strings(codes)
	var best orb.Point
	lo, hi := "", ""
	for pt, own := range owners {
		if len(own) < 2 {
			continue
		}
		sort.Strings(own)
		// Deterministic choice: the lowest pair of codes, then the lowest point.
		if lo == "" || own[0] < lo || (own[0] == lo && own[len(own)-1] < hi) ||
			(own[0] == lo && own[len(own)-1] == hi && (pt[0] < best[0] || (pt[0] == best[0] && pt[1] < best[1]))) {
			best, lo, hi = pt, own[0], own[len(own)-1]
		}
	}
	return best, lo, hi
}

func day(s string) time.Time {
	t, err := time.Parse(geo.DateLayout, s)
	if err != nil {
		panic(err) // only literal dates below
	}
	return t
}

// Points of the bounding-box edge cases: a box filter whose edges pass
// exactly through them must include them.
var (
	bboxMin = orb.Point{38.25, 34.5}
	bboxMax = orb.Point{38.75, 34.875}
)

// edgeCases are hand-built incidents: every casualty group alone, Arabic
// text, LIKE metacharacters and quotes, points on box edges, on a shared
// border and outside every region.
func (fx *Fixtures) edgeCases() []geo.Incident {
	base := func(id string, lon, lat float64) geo.Incident {
		d := day("2024-02-10")
		return geo.Incident{
			ExternalID: "storetest:" + id, DateStart: d, DateEnd: d, DatePrecision: geo.DateExact,
			Location: orb.Point{lon, lat}, GeoPrecision: geo.GeoExact, LocationName: "edge " + id,
			EventType: "Violence against civilians", SubEventType: "Attack",
			Perpetrator: "Islamic State", Target: "Civilians",
			Sources: []geo.Source{{Name: "SOHR", URL: "https://example.org/" + id, Date: d, Headline: "edge case " + id}},
		}
	}
	var out []geo.Incident
	groups := []struct {
		name string
		set  func(c *geo.Casualties)
	}{
		{"military", func(c *geo.Casualties) { c.Military = 3 }},
		{"militia", func(c *geo.Casualties) { c.Military, c.Militia = 4, 2 }},
		{"isis", func(c *geo.Casualties) { c.ISIS = 5 }},
		{"other-armed", func(c *geo.Casualties) { c.OtherArmed = 6 }},
		{"civilians", func(c *geo.Casualties) { c.Civilians = 7 }},
		{"children", func(c *geo.Casualties) { c.Civilians, c.Children = 2, 1 }},
		{"women", func(c *geo.Casualties) { c.Civilians, c.Women = 2, 1 }},
		{"truffle", func(c *geo.Casualties) { c.Civilians, c.TruffleGatherers = 9, 9 }},
		{"unknown", func(c *geo.Casualties) { c.Unknown = 8 }},
		{"injured", func(c *geo.Casualties) { c.Injured = 11 }},
		{"abducted", func(c *geo.Casualties) { c.Abducted = 12 }},
		{"nobody", func(c *geo.Casualties) {}},
	}
	// Spread over the Badia of Homs, Deir ez-Zor and Raqqa, one day apart.
	spots := []orb.Point{{38.27, 34.55}, {40.15, 35.33}, {38.80, 35.85}, {37.25, 34.30}}
	for i, g := range groups {
		p := spots[i%len(spots)]
		inc := base("group-"+g.name, p[0]+float64(i)*0.01, p[1])
		inc.DateStart = day("2024-01-01").AddDate(0, 0, 7*i)
		inc.DateEnd = inc.DateStart.AddDate(0, 0, i%3)
		g.set(&inc.Casualties)
		out = append(out, inc)
	}

	ar := base("arabic", 38.2684, 34.5560)
	ar.LocationName = "تدمر"
	ar.Notes = "مقتل ٣ من جامعي الكمأة في بادية حمص"
	ar.Perpetrator = "تنظيم الدولة الإسلامية"
	ar.SourceAdmin1 = "حمص"
	ar.Casualties = geo.Casualties{Civilians: 3, TruffleGatherers: 3}
	ar.Sources = []geo.Source{{Name: "المرصد السوري لحقوق الإنسان", Headline: "الكمأة"}, {Name: "SOHR"}}
	out = append(out, ar)

	meta := base("metachars", 39.0, 35.0)
	meta.LocationName = "Bir 100% _well_ (O'Brien's)"
	meta.Notes = `He said "it's 50%_done" \ back-slash`
	meta.Perpetrator = "Unknown 'gunmen'"
	meta.Deaths = &geo.DeathEstimate{Low: 1, Best: 2, High: 4}
	meta.Casualties = geo.Casualties{Unknown: 2}
	out = append(out, meta)

	// The corners of the box filters, and a point just outside.
	for _, c := range []struct {
		name string
		p    orb.Point
	}{{"bbox-min", bboxMin}, {"bbox-max", bboxMax}, {"bbox-minx-maxy", orb.Point{bboxMin[0], bboxMax[1]}},
		{"bbox-outside", orb.Point{bboxMax[0] + 1e-9, bboxMax[1]}}} {
		inc := base(c.name, c.p[0], c.p[1])
		inc.Casualties = geo.Casualties{Military: 1}
		out = append(out, inc)
	}

	if fx.SharedLo != "" {
		inc := base("shared-border", fx.SharedVertex[0], fx.SharedVertex[1])
		inc.SourceGovernorate = fx.SharedHi // the source names the other side
		inc.Casualties = geo.Casualties{ISIS: 1}
		out = append(out, inc)
	}

	nowhere := base("outside-every-region", 36.0, 31.95) // northern Jordan
	nowhere.SourceGovernorate = "SY12"
	nowhere.Casualties = geo.Casualties{Civilians: 1, Women: 1}
	out = append(out, nowhere)

	elsewhere := base("source-says-elsewhere", 38.2684, 34.5560) // Palmyra, which is Homs
	elsewhere.SourceGovernorate = "SY09"
	elsewhere.SourceAdmin1 = "Deir-ez-Zor"
	elsewhere.Sources = []geo.Source{{Name: "sohr"}, {Name: "Airwars", Date: day("2024-02-11")}}
	elsewhere.Casualties = geo.Casualties{Military: 20, Militia: 5, ISIS: 3}
	elsewhere.DatePrecision = geo.DateWeek
	elsewhere.GeoPrecision = geo.GeoNear
	out = append(out, elsewhere)

	// The precision rule: coarse points inside the Badia of Homs (near
	// Palmyra) that must not count in it.
	district := base("district-centroid", 38.30, 34.60)
	district.GeoPrecision = 3
	district.Casualties = geo.Casualties{Military: 2}
	out = append(out, district)
	named := base("governorate-named", 38.31, 34.61)
	named.GeoPrecision = 4
	named.SourceGovernorate = "SY09" // the source names Deir ez-Zor: it wins over the point
	named.Casualties = geo.Casualties{Civilians: 1}
	out = append(out, named)
	unnamed := base("governorate-unnamed", 38.32, 34.62)
	unnamed.GeoPrecision = 5 // a road; the source names no governorate: the point's
	unnamed.Casualties = geo.Casualties{ISIS: 2}
	out = append(out, unnamed)
	country := base("country-level", 38.0, 35.0) // where UCDP piles Syria's country-level events
	country.GeoPrecision = 6
	country.SourceGovernorate = "SY05"
	country.Casualties = geo.Casualties{Military: 50}
	country.Illustrative = true
	out = append(out, country)
	return out
}
