package demo

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// DefaultSeed is the seed incidents.geojson was generated with.
const DefaultSeed = 20240421

// ReconstructionNote starts the Notes of every demo incident; its date is
// the report's (estimated) publication date.
func ReconstructionNote(r geo.Report) string {
	about := ""
	if r.PublishedEstimated {
		about = "about "
	}
	return fmt.Sprintf("Reconstruction from the %s report of %s%s: locations and dates are illustrative",
		r.Publisher, about, r.PublishedOn.Format("2 January 2006"))
}

// GenerateInput is everything the demo dataset is made from.
type GenerateInput struct {
	Report  geo.Report   // its regional lines are the targets
	Regions []geo.Region // the Badia regions and the governorates (for their names)
	Anchors []Anchor     // real places incidents are put near
	Seed    uint64
}

// Truffle season: desert truffles are gathered after the winter rains,
// February to April; most truffle-gatherer deaths fall then.
const (
	truffleSeasonStartMonth = time.February
	truffleSeasonEndMonth   = time.April
	truffleInSeasonShare    = 0.9
)

// Generate makes the demo incidents: for each regional line of the report,
// as many incidents as its operations, dated within the report's period,
// near anchor places inside that Badia region, whose casualties sum exactly
// to the line's figures (a figure the line does not state sums to zero). The
// same input gives the same incidents.
func Generate(in GenerateInput) ([]geo.Incident, error) {
	lines, err := RegionalLines(in.Report)
	if err != nil {
		return nil, err
	}
	if in.Report.PeriodEnd.IsZero() {
		return nil, errors.New("generate: the report has no period end to date incidents by")
	}
	badia := make(map[string]geo.Region)
	names := make(map[string]string)
	var badiaList []geo.Region
	for _, r := range in.Regions {
		switch r.Kind {
		case geo.KindBadia:
			badia[r.Code] = r
			badiaList = append(badiaList, r)
		case geo.KindGovernorate:
			names[r.Code] = r.NameEN
		}
	}
	sort.Slice(badiaList, func(i, j int) bool { return badiaList[i].Code < badiaList[j].Code })
	codes := make([]string, 0, len(lines))
	for c := range lines {
		codes = append(codes, c)
	}
	sort.Strings(codes)

	rng := rand.New(rand.NewPCG(in.Seed, in.Seed^0x5eed5eed5eed5eed))
	var all []geo.Incident
	for _, code := range codes {
		region, ok := badia[code]
		if !ok {
			return nil, fmt.Errorf("generate: the report has a regional line for %s but no such Badia region is loaded", code)
		}
		gov := names[region.Parent]
		if gov == "" {
			return nil, fmt.Errorf("generate: no governorate %q (parent of %s) among the regions", region.Parent, code)
		}
		g := &regionGen{rng: rng, report: in.Report, region: region, others: badiaList, govName: gov}
		if err := g.pickAnchors(in.Anchors); err != nil {
			return nil, err
		}
		incs, err := g.generate(lines[code])
		if err != nil {
			return nil, fmt.Errorf("generate %s: %w", code, err)
		}
		all = append(all, incs...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].DateStart.Before(all[j].DateStart) })
	for i := range all {
		all[i].ExternalID = fmt.Sprintf("sohr-demo:%d", i+1)
	}
	return all, nil
}

// incidentKind is what an operation hit.
type incidentKind int

const (
	kindMilitary incidentKind = iota
	kindTruffle               // truffle gatherers
	kindCivilian              // other civilians: shepherds, travellers
)

type regionGen struct {
	rng     *rand.Rand
	report  geo.Report
	region  geo.Region
	others  []geo.Region // every Badia region, to keep points out of the others
	govName string
	anchors []placedAnchor
}

type placedAnchor struct {
	Anchor
	radiusKM float64 // how far from it a point may be put
	truffle  bool    // truffle-gatherer deaths were reported there
}

// Jitter radii: a point goes within nearKM of an anchor inside its region,
// within edgeKM of one just outside it (a town on the Badia's edge).
const (
	nearKM = 8.0
	edgeKM = 15.0
)

// pickAnchors keeps the anchors inside the region, and those near enough to
// its edge that points around them fall inside.
func (g *regionGen) pickAnchors(anchors []Anchor) error {
	for _, a := range anchors {
		pa := placedAnchor{Anchor: a, truffle: strings.Contains(strings.ToLower(a.Note), "truffle")}
		switch {
		case planar.MultiPolygonContains(g.region.Geom, a.Point):
			pa.radiusKM = nearKM
		case g.someInside(a.Point, edgeKM):
			pa.radiusKM = edgeKM
		default:
			continue
		}
		g.anchors = append(g.anchors, pa)
	}
	if len(g.anchors) == 0 {
		return fmt.Errorf("generate %s: no anchor place in or near the region", g.region.Code)
	}
	return nil
}

// someInside reports whether a ring of points around p, within radius km,
// has one inside the region: a fixed pattern, so the choice does not use the
// random stream.
func (g *regionGen) someInside(p orb.Point, km float64) bool {
	hits := 0
	for r := 1; r <= 4; r++ {
		for a := 0; a < 16; a++ {
			q := offset(p, km*float64(r)/4, 2*math.Pi*float64(a)/16)
			if g.insideOnlyThis(q) {
				hits++
			}
		}
	}
	return hits >= 4 // enough of the disc inside that jittering finds it quickly
}

func (g *regionGen) insideOnlyThis(p orb.Point) bool {
	if !planar.MultiPolygonContains(g.region.Geom, p) {
		return false
	}
	for _, o := range g.others {
		if o.Code != g.region.Code && planar.MultiPolygonContains(o.Geom, p) {
			return false
		}
	}
	return true
}

// offset moves p by km in direction theta (radians from east), on a sphere
// approximation good to well under a percent at these distances.
func offset(p orb.Point, km, theta float64) orb.Point {
	const kmPerDegree = 111.32
	dlat := km * math.Sin(theta) / kmPerDegree
	dlon := km * math.Cos(theta) / (kmPerDegree * math.Cos(p[1]*math.Pi/180))
	return orb.Point{p[0] + dlon, p[1] + dlat}
}

// pickWeighted prefers anchors inside the region three to one over anchors
// on its edge, so edge towns do not crowd the map.
func pickWeighted(rng *rand.Rand, pool []placedAnchor) placedAnchor {
	weight := func(a placedAnchor) int {
		if a.radiusKM == nearKM {
			return 3
		}
		return 1
	}
	total := 0
	for _, a := range pool {
		total += weight(a)
	}
	n := rng.IntN(total)
	for _, a := range pool {
		if n -= weight(a); n < 0 {
			return a
		}
	}
	return pool[len(pool)-1]
}

// locate puts a point near an anchor, inside this region and no other.
func (g *regionGen) locate(kind incidentKind) (orb.Point, placedAnchor, error) {
	pool := g.anchors
	if kind == kindTruffle {
		var t []placedAnchor
		for _, a := range g.anchors {
			if a.truffle {
				t = append(t, a)
			}
		}
		if len(t) > 0 && g.rng.Float64() < 0.7 {
			pool = t
		}
	}
	a := pickWeighted(g.rng, pool)
	for try := 0; try < 2000; try++ {
		r := a.radiusKM * math.Sqrt(g.rng.Float64())
		q := offset(a.Point, r, 2*math.Pi*g.rng.Float64())
		q = orb.Point{round6(q[0]), round6(q[1])}
		if g.insideOnlyThis(q) {
			return q, a, nil
		}
	}
	return orb.Point{}, a, fmt.Errorf("no point within %g km of %s falls inside %s", a.radiusKM, a.Name(), g.region.Code)
}

// round6 keeps six decimals (about 10 cm): what the GeoJSON file holds, so a
// point read back is the point that was checked.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// targets are one regional line's figures.
type targets struct {
	ops, military, militia, isis, civilians, truffle, women, children int
}

func (g *regionGen) generate(line map[geo.Metric]int) ([]geo.Incident, error) {
	t := targets{
		ops: line[geo.MetricOperations], military: line[geo.MetricMilitary], militia: line[geo.MetricMilitia],
		isis: line[geo.MetricISIS], civilians: line[geo.MetricCivilians], truffle: line[geo.MetricTruffleGatherers],
		women: line[geo.MetricWomen], children: line[geo.MetricChildren],
	}
	for m := range line {
		switch m {
		case geo.MetricOperations, geo.MetricMilitary, geo.MetricMilitia, geo.MetricISIS, geo.MetricCivilians,
			geo.MetricTruffleGatherers, geo.MetricWomen, geo.MetricChildren:
		default:
			return nil, fmt.Errorf("regional line figure %q cannot be reconstructed per incident", m)
		}
	}
	switch {
	case t.militia > t.military:
		return nil, fmt.Errorf("%d Iran-backed militia is more than the %d military it is part of", t.militia, t.military)
	case t.truffle > t.civilians:
		return nil, fmt.Errorf("%d truffle gatherers is more than the %d civilians they are part of", t.truffle, t.civilians)
	case t.women+t.children > t.civilians:
		return nil, fmt.Errorf("%d women and %d children is more than the %d civilians they are part of", t.women, t.children, t.civilians)
	}

	// How many operations hit each kind of target: a few attacks on truffle
	// gatherers and other civilians, the rest on the military.
	kT := clamp(int(math.Round(float64(t.truffle)/4)), 1, t.truffle)
	kC := clamp(int(math.Round(float64(t.civilians-t.truffle)/3)), 1, t.civilians-t.truffle)
	for t.ops-kT-kC < 1 && (kC > 1 || kT > 1) { // too few operations: fewer, deadlier attacks on civilians
		if kC > 1 {
			kC--
		} else {
			kT--
		}
	}
	kM := t.ops - kT - kC
	if kM < 0 || (kM == 0 && (t.military > 0 || t.isis > 0)) {
		return nil, fmt.Errorf("%d operations are too few for the casualties of the line", t.ops)
	}

	incs := make([]geo.Incident, t.ops)
	kinds := make([]incidentKind, t.ops)
	for i := range incs {
		switch {
		case i < kM:
			kinds[i] = kindMilitary
		case i < kM+kT:
			kinds[i] = kindTruffle
		default:
			kinds[i] = kindCivilian
		}
	}
	c := func(i int) *geo.Casualties { return &incs[i].Casualties }

	// Civilians.
	for j, v := range g.split(t.truffle, kT) {
		c(kM+j).Civilians, c(kM+j).TruffleGatherers = v, v
	}
	for j, v := range g.split(t.civilians-t.truffle, kC) {
		c(kM + kT + j).Civilians = v
	}
	truffleIdx, civIdx := span(kM, kM+kT), span(kM+kT, kM+kT+kC)
	// The woman among the truffle gatherers where there are any (as in Deir
	// ez-Zor), the child among the other civilians where there are any.
	if err := g.placeSubset(incs, t.women, func(c *geo.Casualties) *int { return &c.Women }, truffleIdx, civIdx); err != nil {
		return nil, fmt.Errorf("women: %w", err)
	}
	if err := g.placeSubset(incs, t.children, func(c *geo.Casualties) *int { return &c.Children }, civIdx, truffleIdx); err != nil {
		return nil, fmt.Errorf("children: %w", err)
	}

	// Military: most operations kill someone, a few only wound.
	milIdx := g.rng.Perm(kM)
	kMK := clamp(int(math.Round(float64(kM)*0.7)), 1, min(kM, t.military))
	for j, v := range g.split(t.military, kMK) {
		c(milIdx[j]).Military = v
	}
	if err := g.placeSubset(incs, t.militia, func(c *geo.Casualties) *int { return &c.Militia }, milIdx[:kMK]); err != nil {
		return nil, fmt.Errorf("militia: %w", err)
	}
	// ISIS members die in clashes, half of them where the military lost men too.
	isisIdx := g.rng.Perm(kM)
	kI := clamp(int(math.Round(float64(t.isis)/2)), 1, min(kM, t.isis))
	for j, v := range g.split(t.isis, kI) {
		c(isisIdx[j]).ISIS = v
	}

	for i := range incs {
		if err := g.describe(&incs[i], kinds[i]); err != nil {
			return nil, err
		}
	}
	return incs, nil
}

// placeSubset spreads n people of a subset (militia within military, women
// within civilians) over incidents, never more in one incident than its
// total leaves room for, gathering them rather than spreading thin. It uses
// the incidents of the first group that has room, then the next.
func (g *regionGen) placeSubset(incs []geo.Incident, n int, field func(*geo.Casualties) *int, groups ...[]int) error {
	room := func(i int) int {
		c := &incs[i].Casualties
		if field(c) == &c.Militia {
			return c.Military - c.Militia
		}
		return c.Civilians - c.Women - c.Children
	}
	for ; n > 0; n-- {
		var open, withSome []int
		for _, idx := range groups {
			for _, i := range idx {
				if room(i) > 0 {
					open = append(open, i)
					if *field(&incs[i].Casualties) > 0 {
						withSome = append(withSome, i)
					}
				}
			}
			if len(open) > 0 {
				break
			}
		}
		if len(open) == 0 {
			return fmt.Errorf("%d left with no incident that has room for them", n)
		}
		pick := open
		if len(withSome) > 0 && g.rng.Float64() < 0.6 {
			pick = withSome
		}
		*field(&incs[pick[g.rng.IntN(len(pick))]].Casualties)++
	}
	return nil
}

// split divides v into k positive parts (k <= v), unevenly as tolls are: a
// few deadly attacks, many small ones. k is 0 when v is.
func (g *regionGen) split(v, k int) []int {
	if v == 0 || k == 0 {
		return nil
	}
	w := make([]float64, k)
	sum := 0.0
	for i := range w {
		w[i] = 0.2 + g.rng.ExpFloat64()
		sum += w[i]
	}
	parts := make([]int, k)
	type rem struct {
		i int
		f float64
	}
	rems := make([]rem, k)
	left := v - k
	given := 0
	for i := range w {
		share := float64(v-k) * w[i] / sum
		parts[i] = 1 + int(share)
		given += int(share)
		rems[i] = rem{i, share - math.Floor(share)}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].f > rems[b].f })
	for j := 0; j < left-given; j++ {
		parts[rems[j%k].i]++
	}
	return parts
}

func clamp(v, lo, hi int) int {
	if hi <= 0 {
		return 0
	}
	return max(lo, min(v, hi))
}

func span(from, to int) []int {
	s := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

// date picks a day in the report's period: attacks grow more frequent
// towards its end (the report speaks of an escalation), and truffle-gatherer
// deaths fall mostly in the season.
func (g *regionGen) date(kind incidentKind) time.Time {
	from, to := g.report.PeriodStart, g.report.PeriodEnd
	if kind == kindTruffle && g.rng.Float64() < truffleInSeasonShare {
		sFrom := time.Date(from.Year(), truffleSeasonStartMonth, 1, 0, 0, 0, 0, time.UTC)
		sTo := time.Date(from.Year(), truffleSeasonEndMonth+1, 0, 0, 0, 0, 0, time.UTC)
		if sFrom.Before(from) {
			sFrom = from
		}
		if sTo.After(to) {
			sTo = to
		}
		if !sTo.Before(sFrom) {
			from, to = sFrom, sTo
		}
	}
	days := int(to.Sub(from).Hours()/24) + 1
	u := g.rng.Float64()
	if g.rng.IntN(2) == 0 {
		u = max(u, g.rng.Float64())
	}
	return from.AddDate(0, 0, int(u*float64(days)))
}

// describe fills in everything but the casualties: date, place, event type,
// actors, source and notes.
func (g *regionGen) describe(inc *geo.Incident, kind incidentKind) error {
	p, a, err := g.locate(kind)
	if err != nil {
		return err
	}
	c := &inc.Casualties
	inc.DateStart = g.date(kind)
	inc.DateEnd = inc.DateStart
	inc.DatePrecision = geo.DateExact
	inc.Location = p
	inc.GeoPrecision = geo.GeoNear
	inc.LocationName = fmt.Sprintf("near %s, %s", a.Name(), g.region.NameEN)
	inc.SourceAdmin1 = g.govName
	inc.SourceGovernorate = g.region.Parent
	// The store recomputes these; the file carries them for people who open it.
	inc.Governorate, inc.Region, inc.JoinBasis = g.region.Parent, g.region.Code, geo.BasisPoint
	// The places and dates are made up to illustrate the report's figures.
	inc.Illustrative = true
	inc.Perpetrator = "Islamic State (ISIS) cells"

	var what string
	switch kind {
	case kindTruffle:
		inc.Target = "Civilians (truffle gatherers)"
		if g.rng.Float64() < 0.6 {
			inc.EventType, inc.SubEventType = "Explosions/Remote violence", "Remote explosive/landmine/IED"
			what = "A landmine left by ISIS exploded among truffle gatherers"
		} else {
			inc.EventType, inc.SubEventType = "Violence against civilians", "Attack"
			what = "ISIS cells opened fire on truffle gatherers"
		}
		c.Abducted = g.rng.IntN(3)
	case kindCivilian:
		inc.EventType, inc.SubEventType = "Violence against civilians", "Attack"
		victims := []string{"shepherds", "travellers on the desert road", "workers"}[g.rng.IntN(3)]
		inc.Target = "Civilians (" + victims + ")"
		what = "ISIS cells attacked " + victims
	default:
		switch {
		case c.Militia > 0 && c.Militia == c.Military:
			inc.Target = "Iran-backed militia"
		case c.Militia > 0:
			inc.Target = "Syrian regime forces and Iran-backed militia"
		default:
			inc.Target = []string{"Syrian regime forces", "Syrian regime forces", "National Defence Forces (NDF)"}[g.rng.IntN(3)]
		}
		if c.ISIS > 0 || g.rng.Float64() < 0.5 {
			inc.EventType, inc.SubEventType = "Battles", "Armed clash"
			what = "ISIS cells attacked positions and vehicles of the " + inc.Target
		} else {
			inc.EventType, inc.SubEventType = "Explosions/Remote violence", "Remote explosive/landmine/IED"
			what = "An ISIS landmine hit a vehicle of the " + inc.Target
		}
		c.Injured = g.rng.IntN(4)
	}
	inc.Sources = []geo.Source{{Name: g.report.Publisher, URL: g.report.URL, Date: g.report.PublishedOn, Headline: g.report.Title}}
	inc.Notes = fmt.Sprintf("%s. %s near %s: %s.", ReconstructionNote(g.report), what, a.Name(), tollPhrase(*c))
	return nil
}

// tollPhrase says who died, as a note would.
func tollPhrase(c geo.Casualties) string {
	var parts []string
	if c.Military > 0 {
		s := count(c.Military, "soldier or militiaman", "soldiers and militiamen") + " killed"
		if c.Militia > 0 {
			s += fmt.Sprintf(" (%d of them Iran-backed militia)", c.Militia)
		}
		parts = append(parts, s)
	}
	if c.Civilians > 0 {
		s := count(c.Civilians, "civilian", "civilians") + " killed"
		var among []string
		if c.TruffleGatherers > 0 {
			among = append(among, count(c.TruffleGatherers, "truffle gatherer", "truffle gatherers"))
		}
		if c.Women > 0 {
			among = append(among, count(c.Women, "woman", "women"))
		}
		if c.Children > 0 {
			among = append(among, count(c.Children, "child", "children"))
		}
		if len(among) > 0 {
			s += ", among them " + strings.Join(among, ", ")
		}
		parts = append(parts, s)
	}
	if c.ISIS > 0 {
		parts = append(parts, count(c.ISIS, "ISIS member", "ISIS members")+" killed")
	}
	if len(parts) == 0 {
		parts = append(parts, "no one killed")
	}
	if c.Injured > 0 {
		parts = append(parts, fmt.Sprintf("%d injured", c.Injured))
	}
	if c.Abducted > 0 {
		parts = append(parts, fmt.Sprintf("%d abducted", c.Abducted))
	}
	return strings.Join(parts, "; ")
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// GenerateGeoJSON generates the demo incidents and writes them to w in
// badiamap's own GeoJSON, the file `badiamap import` reads.
func GenerateGeoJSON(w io.Writer, in GenerateInput) error {
	incs, err := Generate(in)
	if err != nil {
		return err
	}
	gw := incidentfile.NewGeoJSONWriter(w, map[string]any{
		"name":        "badiamap demo incidents",
		"description": ReconstructionNote(in.Report) + ". One incident per operation of the report; sums per Badia region equal its regional lines.",
		"report":      in.Report.ExternalID,
		"generator":   fmt.Sprintf("go run ./demo/generate -seed %d", in.Seed),
	})
	for i := range incs {
		if err := gw.Write(&incs[i]); err != nil {
			return err
		}
	}
	return gw.Close()
}
