package risk

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// HeldOutSkill is the backtest of DefaultParams on the held-out seasons of
// the UCDP release (2018 and 2019, UCDPSplit), which played no part in
// choosing them: the answer to "what does a level mean, and how often was
// the ranking right". TestHeldOutSkill recomputes it from the UCDP file and
// fails when the code and these figures part.
var HeldOutSkill = BacktestPool{
	Set: SetHeldOut, Years: []int{2018, 2019}, Months: 6, Civilian: 48, All: 193,
	Model:      Captures{Civilian: Capture{0.958333, 0.958333, 0.979167}, All: Capture{0.829016, 0.875648, 0.927461}},
	LastMonth:  Captures{Civilian: Capture{0.896229, 0.900127, 0.911224}, All: Capture{0.762003, 0.779586, 0.80393}},
	AllHistory: Captures{Civilian: Capture{0.9375, 0.979167, 1}, All: Capture{0.818653, 0.870287, 0.953368}},
	Levels: []LevelSkill{
		{Level: Moderate, AreaShare: 0.05729, Civilian: 0.958333, All: 0.834197},
		{Level: High, AreaShare: 0.018006, Civilian: 0.895833, All: 0.699482},
		{Level: Severe, AreaShare: 0.002373, Civilian: 0.5, All: 0.321244},
	},
}

// ScaleNote says what a score means in p's terms.
func (p Params) ScaleNote() string {
	rel := func(w float64) string { return strconv.FormatFloat(w/p.Weights.Other, 'g', 3, 64) }
	civ, mine := rel(p.Weights.Civilians), rel(p.Weights.Explosive)
	kinds := fmt.Sprintf("an attack on civilians weighs %s clashes, a mine %s", civ, mine)
	if civ == mine {
		kinds = fmt.Sprintf("an attack on civilians or a mine weighs %s clashes", civ)
	}
	return fmt.Sprintf("A score of 1 is one clash killing one person at the cell's centre on the day; 10 is ten of them. "+
		"Of the same toll, %s, one killing truffle gatherers %s; more victims add less each "+
		"(1 + ln(1 + killed + %g x injured)); an incident counts half every %g days and falls off with distance "+
		"(Gaussian, sigma %g km, nothing beyond %g km). Only incidents located to within about 25 km count.",
		kinds, rel(p.Weights.TruffleGatherers), p.InjuredWeight, p.HalfLifeDays, p.SigmaKM, p.CutoffMetres()/1000)
}

// LevelMeaning is one paragraph on level l under p's thresholds and what
// cells at l or above did in s: their share of the Badia and of the next
// month's incidents.
func (s BacktestPool) LevelMeaning(p Params, l Level) string {
	if l == NotAssessed {
		return NotInBadia
	}
	var score string
	switch l {
	case Low:
		score = fmt.Sprintf("score below %g", p.Thresholds[0])
	case Severe:
		score = fmt.Sprintf("score %g or more", p.Thresholds[2])
	default:
		score = fmt.Sprintf("score %g to below %g", p.Thresholds[l-1], p.Thresholds[l])
	}
	seasons := fmt.Sprintf("In the %s truffle seasons (held out when the parameters were chosen)", years(s.Years))
	if l == Low {
		if len(s.Levels) == 0 {
			return fmt.Sprintf("%s: %s.", l, score)
		}
		m := s.Levels[0]
		return fmt.Sprintf("%s: %s. %s, cells below moderate covered %s of the Badia on average and held %s of the next month's "+
			"precisely located incidents there (%s of those against civilians): low is not safe.",
			l, score, seasons, pct(1-m.AreaShare), pct(1-m.All), pct(1-m.Civilian))
	}
	for _, ls := range s.Levels {
		if ls.Level == l {
			return fmt.Sprintf("%s: %s. %s, cells at %s or above covered %s of the Badia on average and held %s of the next month's "+
				"precisely located incidents there (%s of those against civilians).",
				l, score, seasons, l, pct(ls.AreaShare), pct(ls.All), pct(ls.Civilian))
		}
	}
	return fmt.Sprintf("%s: %s.", l, score)
}

// Verdict says plainly how the model did against each baseline in s:
// every capture side by side, then, per baseline, where the model was better
// and where worse (of all incidents and of those against civilians, at each
// share).
func (s BacktestPool) Verdict() string {
	shares := make([]string, len(BacktestShares))
	for k, v := range BacktestShares {
		shares[k] = fmt.Sprintf("%.0f", 100*v)
	}
	list := func(c Capture) string {
		parts := make([]string, len(c))
		for k, v := range c {
			parts[k] = strings.TrimSuffix(pct(v), "%")
		}
		return strings.Join(parts, "/") + "%"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s seasons %s (%d months; %d precisely located incidents in the Badia, %d against civilians). "+
		"Share of the next month's incidents in the riskiest %s%% of the Badia:", strings.ToUpper(string(s.Set[:1])), s.Set[1:], years(s.Years), s.Months, s.All, s.Civilian,
		strings.Join(shares, "/"))
	for k, pr := range Predictors {
		c := s.By(pr)
		sep := ";"
		if k == len(Predictors)-1 {
			sep = "."
		}
		fmt.Fprintf(&b, " %s %s (civilians %s)%s", pr, list(c.All), list(c.Civilian), sep)
	}
	for _, pr := range Predictors[1:] {
		base := s.By(pr)
		var worse []string
		better, n := 0, 0
		for k := range BacktestShares {
			for _, c := range []struct {
				what      string
				model, bl float64
			}{{"all", s.Model.All[k], base.All[k]}, {"civilians", s.Model.Civilian[k], base.Civilian[k]}} {
				if math.IsNaN(c.model) || math.IsNaN(c.bl) {
					continue
				}
				n++
				switch {
				case c.model > c.bl:
					better++
				case c.model < c.bl:
					worse = append(worse, fmt.Sprintf("%s at %s%%", c.what, shares[k]))
				}
			}
		}
		switch {
		case better == n:
			fmt.Fprintf(&b, " The model beats %q at every share.", pr)
		case len(worse) == n:
			fmt.Fprintf(&b, " The model is worse than %q at every share.", pr)
		default:
			fmt.Fprintf(&b, " Against %q the model is better in %d of %d comparisons and worse in %d (%s).",
				pr, better, n, len(worse), strings.Join(worse, ", "))
		}
	}
	return b.String()
}
