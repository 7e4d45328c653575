package risk

import (
	"math"
	"slices"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
)

// Kind is what an incident was, for its weight.
type Kind string

const (
	KindTruffle   Kind = "truffle_gatherers"
	KindExplosive Kind = "explosive"
	KindCivilians Kind = "civilians"
	KindOther     Kind = "other"
)

// ExplosiveSubEventTypes are the ACLED sub-event types of mines, IEDs and
// explosive remnants of war.
var ExplosiveSubEventTypes = []string{"Remote explosive/landmine/IED"}

// CivilianEventTypes are the ACLED event types of attacks on civilians.
var CivilianEventTypes = []string{"Violence against civilians"}

// KindOf classifies inc; the first rule that holds wins: truffle gatherers
// among the dead, then an explosive sub-event type, then a civilian event
// type or civilians among the dead, else other.
func KindOf(inc *geo.Incident) Kind {
	switch {
	case inc.Casualties.TruffleGatherers > 0:
		return KindTruffle
	case slices.Contains(ExplosiveSubEventTypes, inc.SubEventType):
		return KindExplosive
	case slices.Contains(CivilianEventTypes, inc.EventType) || inc.Casualties.Civilians > 0:
		return KindCivilians
	}
	return KindOther
}

// AgainstCivilians reports whether inc hit civilians: the civilian and
// truffle kinds, or an explosive that killed civilians.
func AgainstCivilians(inc *geo.Incident) bool {
	return slices.Contains(CivilianEventTypes, inc.EventType) || inc.Casualties.Civilians > 0
}

// MaxScoredPrecision is the coarsest location precision the model scores:
// GeoNear, within about 25 km. A coarser point (GeoAdmin2 to GeoAbroad) is a
// district, governorate, road or country centroid, drawn where nothing
// happened; scoring it piles every such event onto the same spot.
const MaxScoredPrecision = geo.GeoNear

// Scored reports whether inc's location is precise enough to count in the
// score, the counts and the backtest: GeoPrecision GeoExact to
// MaxScoredPrecision. An unknown precision (0) is not scored either.
// risk_scores.sql applies the same rule.
func Scored(inc *geo.Incident) bool {
	return inc.GeoPrecision >= geo.GeoExact && inc.GeoPrecision <= MaxScoredPrecision
}

// KindWeight is the weight p gives inc's kind.
func (p Params) KindWeight(inc *geo.Incident) float64 {
	switch KindOf(inc) {
	case KindTruffle:
		return p.Weights.TruffleGatherers
	case KindExplosive:
		return p.Weights.Explosive
	case KindCivilians:
		return p.Weights.Civilians
	}
	return p.Weights.Other
}

// Severity is 1 + ln(1 + killed + InjuredWeight*injured): an incident with
// no victim counts 1, and each death adds less than the one before.
func (p Params) Severity(inc *geo.Incident) float64 {
	return 1 + math.Log(1+float64(inc.Casualties.Killed())+p.InjuredWeight*float64(inc.Casualties.Injured))
}

// ScoreUnit is the severity of an incident that killed one person: the
// score's unit. A score of 1 is one incident of kind weight 1 (a clash
// between armed groups) killing one person at the cell's centre on the day.
const ScoreUnit = 1 + math.Ln2

// Weight is inc's weight before distance and age: kind times severity, in
// units of ScoreUnit.
func (p Params) Weight(inc *geo.Incident) float64 {
	return p.KindWeight(inc) * p.Severity(inc) / ScoreUnit
}

// AgeDays is how many days before day inc started (0 on the day itself).
func AgeDays(inc *geo.Incident, day time.Time) int { return daysBetween(inc.DateStart, day) }

// daysBetween is how many calendar days to lies after from.
func daysBetween(from, to time.Time) int {
	return int(math.Round(Day(to).Sub(Day(from)).Hours() / 24))
}

// InWindow reports whether inc counts on day: it started on one of the
// WindowDays days ending on day.
func (p Params) InWindow(inc *geo.Incident, day time.Time) bool {
	a := AgeDays(inc, day)
	return a >= 0 && a < p.WindowDays
}

// Decay is the age factor 0.5^(age/HalfLifeDays).
func (p Params) Decay(ageDays int) float64 { return math.Pow(0.5, float64(ageDays)/p.HalfLifeDays) }

// Kernel is the distance factor exp(-d²/2σ²), 0 beyond the cutoff.
func (p Params) Kernel(metres float64) float64 {
	if metres > p.CutoffMetres() {
		return 0
	}
	s := p.SigmaMetres()
	return math.Exp(-(metres * metres) / (2 * s * s))
}

// Contribution is what inc adds to the score at centre on day: 0 outside
// the window, beyond the cutoff, or when its location is too coarse to score.
func (p Params) Contribution(inc *geo.Incident, centre orb.Point, day time.Time) float64 {
	if !Scored(inc) || !p.InWindow(inc, day) {
		return 0
	}
	d := Distance(centre, inc.Location)
	if d > p.CutoffMetres() {
		return 0
	}
	return p.Weight(inc) * p.Decay(AgeDays(inc, day)) * p.Kernel(d)
}

// sphereRadius is the radius PostGIS's geography functions use when told not
// to use the spheroid: the WGS84 mean radius (2a+b)/3.
const sphereRadius = 6371008.771415059

// Distance is the great-circle distance in metres between two lon/lat points
// on the sphere of radius 6371008.77 m, the formula PostGIS's
// ST_Distance(geography, geography, false) and ST_DWithin(..., false) use.
func Distance(a, b orb.Point) float64 {
	const rad = math.Pi / 180
	lat1, lat2 := a[1]*rad, b[1]*rad
	dLon := (b[0] - a[0]) * rad
	sinLat1, cosLat1 := math.Sincos(lat1)
	sinLat2, cosLat2 := math.Sincos(lat2)
	sinDLon, cosDLon := math.Sincos(dLon)
	x := cosLat2 * sinDLon
	y := cosLat1*sinLat2 - sinLat1*cosLat2*cosDLon
	return sphereRadius * math.Atan2(math.Sqrt(x*x+y*y), sinLat1*sinLat2+cosLat1*cosLat2*cosDLon)
}

// CellScore is one cell's score on a day.
type CellScore struct {
	ID        CellID
	Score     float64
	Incidents int // scored incidents within the cutoff and the window
	// LeftOut counts the incidents within the cutoff and the window that
	// were not scored: their location is coarser than MaxScoredPrecision.
	LeftOut int
}

// Scorer sums incidents into the cells of a grid for one day.
type Scorer struct {
	p      Params
	grid   *Grid
	day    time.Time
	scores []CellScore
}

// NewScorer starts an empty sum over grid's cells for day.
func NewScorer(grid *Grid, p Params, day time.Time) *Scorer {
	s := &Scorer{p: p, grid: grid, day: Day(day), scores: make([]CellScore, len(grid.Cells))}
	for k, c := range grid.Cells {
		s.scores[k].ID = c.ID
	}
	return s
}

// Add counts inc into every cell whose centre lies within the cutoff; an
// incident that is not Scored counts only in those cells' LeftOut.
func (s *Scorer) Add(inc *geo.Incident) {
	if !s.p.InWindow(inc, s.day) {
		return
	}
	cut := s.p.CutoffMetres()
	scored := Scored(inc)
	w := s.p.Weight(inc) * s.p.Decay(AgeDays(inc, s.day))
	iMin, iMax, jMin, jMax := s.grid.cellsNear(inc.Location, cut)
	for i := iMin; i <= iMax; i++ {
		for j := jMin; j <= jMax; j++ {
			k, ok := s.grid.index[CellID{i, j}]
			if !ok {
				continue
			}
			d := Distance(s.grid.Cells[k].Centre, inc.Location)
			if d > cut {
				continue
			}
			if !scored {
				s.scores[k].LeftOut++
				continue
			}
			s.scores[k].Score += w * s.p.Kernel(d)
			s.scores[k].Incidents++
		}
	}
}

// Scores are the sums so far, one per grid cell in the grid's order.
func (s *Scorer) Scores() []CellScore { return s.scores }

// Compute scores every cell of grid on day from incs (already filtered).
func Compute(grid *Grid, p Params, day time.Time, incs []geo.Incident) []CellScore {
	s := NewScorer(grid, p, day)
	for k := range incs {
		s.Add(&incs[k])
	}
	return s.Scores()
}
