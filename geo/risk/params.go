package risk

import (
	"fmt"
	"math"
	"time"
)

// Params are the model's parameters. DefaultParams documents each default.
type Params struct {
	// CellSize is ST_HexagonGrid's size: the edge length of a hexagon in
	// EPSG:3857 metres. A cell is 2*CellSize across from vertex to vertex in
	// map units, cos(latitude) times that on the ground.
	CellSize float64
	// WindowDays is the look-back window: incidents of the WindowDays days
	// ending on the reference date (both ends included) count.
	WindowDays int
	// SigmaKM is the standard deviation of the Gaussian distance kernel, in
	// kilometres of great-circle distance.
	SigmaKM float64
	// CutoffSigmas cuts the kernel: incidents farther than CutoffSigmas*SigmaKM
	// from a cell's centre do not count there.
	CutoffSigmas float64
	// HalfLifeDays halves an incident's weight every HalfLifeDays days of age.
	HalfLifeDays float64
	// Weights weigh an incident by its kind.
	Weights KindWeights
	// InjuredWeight counts one injured person as this many killed in the
	// severity term.
	InjuredWeight float64
	// Thresholds are the lowest scores of the levels moderate, high and
	// severe; a score below Thresholds[0] is low.
	Thresholds [3]float64
}

// KindWeights weigh an incident by what it was (see KindOf).
type KindWeights struct {
	TruffleGatherers float64 // truffle gatherers among the dead
	Explosive        float64 // mine, IED or explosive remnant
	Civilians        float64 // violence against civilians, or civilians among the dead
	Other            float64 // anything else: clashes between armed groups
}

// DefaultParams are the parameters the map and the backtest use unless told
// otherwise. Cell size, window, sigma, half-life and the civilian weight are
// Search's choice over DefaultSearchSpace on the 2016-2017 UCDP seasons
// (TestSearchChoosesDefaultParams holds them to it); the truffle, explosive
// and injured weights are priors UCDP cannot test. The thresholds are powers
// of ten of ScoreUnit: a tenth of, one, and ten fatal clashes at the cell's
// centre on the day.
func DefaultParams() Params {
	return Params{
		CellSize:      4000, // 8 km across in map units: about 6.6 km on the ground at 33-36°N
		WindowDays:    365,
		SigmaKM:       5,
		CutoffSigmas:  3,
		HalfLifeDays:  15,
		Weights:       KindWeights{TruffleGatherers: 4, Explosive: 3, Civilians: 3, Other: 1},
		InjuredWeight: 0.5,
		Thresholds:    [3]float64{0.1, 1, 10},
	}
}

// CutoffMetres is the distance beyond which an incident does not count.
func (p Params) CutoffMetres() float64 { return p.CutoffSigmas * p.SigmaKM * 1000 }

// SigmaMetres is the kernel's sigma in metres.
func (p Params) SigmaMetres() float64 { return p.SigmaKM * 1000 }

// Validate reports the first parameter that cannot work.
func (p Params) Validate() error {
	bad := func(name string, v any, why string) error {
		return fmt.Errorf("risk parameter %s = %v: %s", name, v, why)
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case !finite(p.CellSize) || p.CellSize < 500 || p.CellSize > 100000:
		return bad("cell size", p.CellSize, "want 500 to 100000 EPSG:3857 metres")
	case p.WindowDays < 1 || p.WindowDays > 3660:
		return bad("window", p.WindowDays, "want 1 to 3660 days")
	case !finite(p.SigmaKM) || p.SigmaKM <= 0 || p.SigmaKM > 200:
		return bad("sigma", p.SigmaKM, "want more than 0 and at most 200 km")
	case !finite(p.CutoffSigmas) || p.CutoffSigmas <= 0 || p.CutoffSigmas > 5:
		return bad("cutoff", p.CutoffSigmas, "want more than 0 and at most 5 sigmas")
	case !finite(p.HalfLifeDays) || p.HalfLifeDays <= 0:
		return bad("half-life", p.HalfLifeDays, "want more than 0 days")
	case !finite(p.InjuredWeight) || p.InjuredWeight < 0:
		return bad("injured weight", p.InjuredWeight, "want 0 or more")
	}
	for _, w := range []float64{p.Weights.TruffleGatherers, p.Weights.Explosive, p.Weights.Civilians, p.Weights.Other} {
		if !finite(w) || w < 0 {
			return bad("kind weight", w, "want 0 or more")
		}
	}
	t := p.Thresholds
	if !(t[0] > 0 && t[0] < t[1] && t[1] < t[2]) || !finite(t[2]) {
		return bad("thresholds", t, "want 0 < moderate < high < severe")
	}
	return nil
}

// Level is a cell's risk class. Low to Severe rank 0 to 3; NotAssessed
// ranks below them all.
type Level int

const (
	Low Level = iota
	Moderate
	High
	Severe
)

// NotAssessed is the answer for a point or an area outside the Badia: the
// model scores only the Badia, so there it says nothing (which is not "low").
const NotAssessed Level = -1

// Levels lists the levels a score can have, from the lowest.
var Levels = []Level{Low, Moderate, High, Severe}

func (l Level) String() string {
	switch l {
	case NotAssessed:
		return "not_assessed"
	case Low:
		return "low"
	case Moderate:
		return "moderate"
	case High:
		return "high"
	case Severe:
		return "severe"
	}
	return fmt.Sprintf("level(%d)", int(l))
}

// MarshalText writes the level's name.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// LevelOf classifies a score by p's thresholds.
func (p Params) LevelOf(score float64) Level {
	switch {
	case score >= p.Thresholds[2]:
		return Severe
	case score >= p.Thresholds[1]:
		return High
	case score >= p.Thresholds[0]:
		return Moderate
	}
	return Low
}

// InTruffleSeason reports whether day falls in February, March or April,
// when truffles are gathered in the Badia.
func InTruffleSeason(day time.Time) bool {
	m := day.Month()
	return m >= time.February && m <= time.April
}

// Day is t's calendar day as a UTC midnight, the form incident dates take.
func Day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
