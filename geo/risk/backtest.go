package risk

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// BacktestShares are the shares of the Badia's area a backtest ranks: the
// riskiest 5%, 10% and 20%.
var BacktestShares = []float64{0.05, 0.10, 0.20}

// Capture is the share of a month's incidents that fell in the riskiest
// fractions of the area (BacktestShares order); NaN when there were none.
type Capture []float64

// Captures are one predictor's captures of the incidents against
// civilians and of all incidents.
type Captures struct{ Civilian, All Capture }

// Predictor is what ranks the cells for a month. The baselines keep the
// model's grid, kernel and kind weights and change only which past
// incidents count and how their age weighs.
type Predictor int

const (
	PredictModel      Predictor = iota // the model with its parameters
	PredictLastMonth                   // only the previous calendar month's incidents, no decay
	PredictAllHistory                  // every incident before the month, no window, no decay
)

// Predictors lists the predictors in table order.
var Predictors = []Predictor{PredictModel, PredictLastMonth, PredictAllHistory}

func (pr Predictor) String() string {
	switch pr {
	case PredictModel:
		return "model"
	case PredictLastMonth:
		return "last month only"
	case PredictAllHistory:
		return "all history, no decay"
	}
	return fmt.Sprintf("predictor(%d)", int(pr))
}

// params are the parameters pr scores with on day, the last day before the
// month it predicts.
func (pr Predictor) params(p Params, day time.Time) Params {
	switch pr {
	case PredictLastMonth:
		p.WindowDays = day.Day() // day is the last of the previous month
		p.HalfLifeDays = math.Inf(1)
	case PredictAllHistory:
		p.WindowDays = math.MaxInt32
		p.HalfLifeDays = math.Inf(1)
	}
	return p
}

// Set is the part of a backtest a season belongs to.
type Set string

const (
	SetTrain   Set = "train"    // the seasons the parameters are chosen on
	SetHeldOut Set = "held-out" // the seasons reported untouched
	SetOther   Set = "other"    // seasons in neither
)

// Split names the years whose truffle seasons train the parameters and the
// years held out to report them.
type Split struct{ Train, HeldOut []int }

// UCDPSplit is the split of the UCDP release (2016-01 to 2019-11): the
// parameters are chosen on the 2016 and 2017 seasons only; 2018 and 2019
// are held out.
var UCDPSplit = Split{Train: []int{2016, 2017}, HeldOut: []int{2018, 2019}}

// SetOf is the set of month's season.
func (s Split) SetOf(month time.Time) Set {
	switch {
	case slices.Contains(s.Train, month.Year()):
		return SetTrain
	case slices.Contains(s.HeldOut, month.Year()):
		return SetHeldOut
	}
	return SetOther
}

// IsTarget reports whether inc is an incident a backtest counts as caught
// or missed: Scored (its place is known to about 25 km) and in the Badia.
// A coarse point is never a hit: a country centroid in the Badia would be
// "caught" every month at the same spot.
func IsTarget(inc *geo.Incident) bool { return Scored(inc) && inc.Region != "" }

// LevelHits are a month's cells at one of the model's levels or above.
type LevelHits struct {
	Level         Level
	AreaShare     float64 // of the Badia's area
	Civilian, All int     // the month's incidents in those cells
}

// BacktestMonth is one truffle-season month of a backtest.
type BacktestMonth struct {
	Month time.Time // first day
	Set   Set
	// Civilian and All count the month's target incidents (IsTarget):
	// against civilians, and all.
	Civilian, All int
	Model         Captures
	LastMonth     Captures
	AllHistory    Captures
	Levels        []LevelHits // Moderate, High, Severe
}

// By is pr's captures.
func (m *BacktestMonth) By(pr Predictor) Captures { return *m.captures(pr) }

func (m *BacktestMonth) captures(pr Predictor) *Captures {
	switch pr {
	case PredictLastMonth:
		return &m.LastMonth
	case PredictAllHistory:
		return &m.AllHistory
	}
	return &m.Model
}

// LevelSkill is how one of the model's levels did over a set of months.
type LevelSkill struct {
	Level Level
	// AreaShare is the mean share of the Badia's area at the level or above.
	AreaShare float64
	// Civilian and All are the shares of the months' incidents that fell in
	// cells at the level or above (pooled over the months).
	Civilian, All float64
}

// BacktestPool is a set of months pooled: captured incidents over all the
// months / incidents over all the months.
type BacktestPool struct {
	Set           Set
	Years         []int
	Months        int
	Civilian, All int
	Model         Captures
	LastMonth     Captures
	AllHistory    Captures
	Levels        []LevelSkill // Moderate, High, Severe
}

// By is pr's pooled captures.
func (b *BacktestPool) By(pr Predictor) Captures {
	switch pr {
	case PredictLastMonth:
		return b.LastMonth
	case PredictAllHistory:
		return b.AllHistory
	}
	return b.Model
}

// Objective is what the parameter search maximises: the model's mean
// capture over BacktestShares, of the incidents against civilians and of
// all incidents, equally weighted (all incidents alone when no month had
// one against civilians).
func (b *BacktestPool) Objective() float64 {
	mean := func(c Capture) float64 {
		s := 0.0
		for _, v := range c {
			s += v
		}
		return s / float64(len(c))
	}
	all, civ := mean(b.Model.All), mean(b.Model.Civilian)
	if b.Civilian == 0 {
		return all
	}
	return (all + civ) / 2
}

// BacktestResult is every month and the pooled captures of each set.
type BacktestResult struct {
	Params Params
	Split  Split
	Months []BacktestMonth
	Pools  []BacktestPool // train, held-out, other; only those with months
}

// Pool is the pooled result of set s, false when it has no month.
func (r *BacktestResult) Pool(s Set) (BacktestPool, bool) {
	for _, b := range r.Pools {
		if b.Set == s {
			return b, true
		}
	}
	return BacktestPool{}, false
}

// seasonMonths are the truffle-season months from the month after the
// first incident's to the last incident's.
func seasonMonths(incs []geo.Incident) []time.Time {
	if len(incs) == 0 {
		return nil
	}
	first, last := incs[0].DateStart, incs[0].DateStart
	for k := range incs {
		first = minTime(first, incs[k].DateStart)
		last = maxTime(last, incs[k].DateStart)
	}
	var out []time.Time
	start := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	for m := start; !m.After(last); m = m.AddDate(0, 1, 0) {
		if InTruffleSeason(m) {
			out = append(out, m)
		}
	}
	return out
}

// monthTargets are the grid cells of a month's target incidents.
type monthTargets struct {
	month    time.Time
	set      Set
	civ, all []int
}

func targetsOf(grid *Grid, split Split, months []time.Time, incs []geo.Incident) []monthTargets {
	out := make([]monthTargets, len(months))
	index := map[time.Time]int{}
	for k, m := range months {
		out[k] = monthTargets{month: m, set: split.SetOf(m)}
		index[m] = k
	}
	for k := range incs {
		inc := &incs[k]
		if !IsTarget(inc) {
			continue
		}
		d := inc.DateStart
		mk, ok := index[time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)]
		if !ok {
			continue
		}
		cell, ok := grid.Index(grid.CellOf(inc.Location))
		if !ok {
			continue
		}
		out[mk].all = append(out[mk].all, cell)
		if AgainstCivilians(inc) {
			out[mk].civ = append(out[mk].civ, cell)
		}
	}
	return out
}

// Backtest replays the truffle seasons (February-April) in incs: for each
// season month after the first month of data, the model and the two
// baselines score the grid on the last day before the month from the
// incidents before it only, and the result gives which share of the
// month's target incidents (IsTarget) fell in the riskiest BacktestShares
// of the Badia's area. Cells tied at the cut are counted by the fraction of
// them the budget reaches (the expected capture of a random tie-break).
// split assigns each month to the train or held-out set.
func Backtest(grid *Grid, p Params, split Split, incs []geo.Incident) BacktestResult {
	res := BacktestResult{Params: p, Split: split}
	if len(grid.Cells) == 0 {
		return res
	}
	for _, t := range targetsOf(grid, split, seasonMonths(incs), incs) {
		day := t.month.AddDate(0, 0, -1)
		bm := BacktestMonth{Month: t.month, Set: t.set, Civilian: len(t.civ), All: len(t.all)}
		for _, pr := range Predictors {
			scores := Compute(grid, pr.params(p, day), day, incs)
			values := make([]float64, len(scores))
			for k, s := range scores {
				values[k] = s.Score
			}
			order := rank(values)
			*bm.captures(pr) = Captures{Civilian: capture(grid, values, order, t.civ), All: capture(grid, values, order, t.all)}
			if pr == PredictModel {
				bm.Levels = levelHits(grid, p, values, t)
			}
		}
		res.Months = append(res.Months, bm)
	}
	for _, s := range []Set{SetTrain, SetHeldOut, SetOther} {
		if b, ok := pool(res.Months, s); ok {
			res.Pools = append(res.Pools, b)
		}
	}
	return res
}

// levelHits counts, for each level from Moderate up, the cells at it or
// above and the month's incidents in them.
func levelHits(grid *Grid, p Params, values []float64, t monthTargets) []LevelHits {
	out := make([]LevelHits, 0, len(Levels)-1)
	for _, l := range Levels[1:] {
		h := LevelHits{Level: l}
		at := make([]bool, len(values))
		for k, v := range values {
			if p.LevelOf(v) >= l {
				at[k] = true
				h.AreaShare += grid.Cells[k].AreaKM2 / grid.AreaKM2
			}
		}
		for _, c := range t.civ {
			if at[c] {
				h.Civilian++
			}
		}
		for _, c := range t.all {
			if at[c] {
				h.All++
			}
		}
		out = append(out, h)
	}
	return out
}

// pool adds up the months of set s.
func pool(months []BacktestMonth, s Set) (BacktestPool, bool) {
	b := BacktestPool{Set: s}
	type sum struct{ caught, n []float64 }
	sums := map[[2]int]*sum{} // predictor, civilian (0) or all (1)
	var levelArea, levelCiv, levelAll []float64
	for _, m := range months {
		if m.Set != s {
			continue
		}
		b.Months++
		if len(b.Years) == 0 || b.Years[len(b.Years)-1] != m.Month.Year() {
			b.Years = append(b.Years, m.Month.Year())
		}
		b.Civilian += m.Civilian
		b.All += m.All
		for _, pr := range Predictors {
			c := m.By(pr)
			for t, cp := range []Capture{c.Civilian, c.All} {
				n := []int{m.Civilian, m.All}[t]
				key := [2]int{int(pr), t}
				if sums[key] == nil {
					sums[key] = &sum{make([]float64, len(BacktestShares)), make([]float64, len(BacktestShares))}
				}
				if n == 0 {
					continue
				}
				for k, v := range cp {
					sums[key].caught[k] += v * float64(n)
					sums[key].n[k] += float64(n)
				}
			}
		}
		if levelArea == nil {
			levelArea = make([]float64, len(m.Levels))
			levelCiv = make([]float64, len(m.Levels))
			levelAll = make([]float64, len(m.Levels))
		}
		for k, h := range m.Levels {
			levelArea[k] += h.AreaShare
			levelCiv[k] += float64(h.Civilian)
			levelAll[k] += float64(h.All)
		}
	}
	if b.Months == 0 {
		return b, false
	}
	get := func(pr Predictor, t int) Capture {
		c := make(Capture, len(BacktestShares))
		x := sums[[2]int{int(pr), t}]
		for k := range c {
			c[k] = math.NaN()
			if x != nil && x.n[k] > 0 {
				c[k] = x.caught[k] / x.n[k]
			}
		}
		return c
	}
	b.Model = Captures{get(PredictModel, 0), get(PredictModel, 1)}
	b.LastMonth = Captures{get(PredictLastMonth, 0), get(PredictLastMonth, 1)}
	b.AllHistory = Captures{get(PredictAllHistory, 0), get(PredictAllHistory, 1)}
	ratio := func(a float64, n int) float64 {
		if n == 0 {
			return math.NaN()
		}
		return a / float64(n)
	}
	for k := range levelArea {
		b.Levels = append(b.Levels, LevelSkill{Level: Levels[k+1], AreaShare: levelArea[k] / float64(b.Months),
			Civilian: ratio(levelCiv[k], b.Civilian), All: ratio(levelAll[k], b.All)})
	}
	return b, true
}

// rank orders the cells by descending score (ties in cell order).
func rank(values []float64) []int {
	order := make([]int, len(values))
	for k := range order {
		order[k] = k
	}
	sort.SliceStable(order, func(a, b int) bool { return values[order[a]] > values[order[b]] })
	return order
}

// capture is the share of events (grid cell indexes) in the riskiest
// BacktestShares of the grid's area, cells ranked by order.
func capture(grid *Grid, values []float64, order []int, events []int) Capture {
	out := make(Capture, len(BacktestShares))
	if len(events) == 0 {
		for k := range out {
			out[k] = math.NaN()
		}
		return out
	}
	perCell := map[int]int{}
	for _, c := range events {
		perCell[c]++
	}
	for si, share := range BacktestShares {
		budget := share * grid.AreaKM2
		caught := 0.0
		for g := 0; g < len(order) && budget > 0; {
			// One group of equal scores.
			h := g
			area, n := 0.0, 0
			for ; h < len(order) && values[order[h]] == values[order[g]]; h++ {
				area += grid.Cells[order[h]].AreaKM2
				n += perCell[order[h]]
			}
			frac := 1.0
			if area > budget {
				frac = budget / area
			}
			caught += frac * float64(n)
			budget -= area
			g = h
		}
		out[si] = caught / float64(len(events))
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*v)
}

// WriteSummary prints the pooled captures of each set as a Markdown table:
// one row per set and predictor, the captures of the incidents against
// civilians and of all incidents at each share, then the even spread.
func (r BacktestResult) WriteSummary(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| seasons | predictor | months | civilian incidents |")
	for _, s := range BacktestShares {
		fmt.Fprintf(&b, " top %.0f%% |", 100*s)
	}
	b.WriteString(" all incidents |")
	for _, s := range BacktestShares {
		fmt.Fprintf(&b, " top %.0f%% |", 100*s)
	}
	b.WriteString("\n|---|---|---:|---:|" + strings.Repeat("---:|", 2*len(BacktestShares)+1) + "\n")
	for _, p := range r.Pools {
		for _, pr := range Predictors {
			c := p.By(pr)
			label := fmt.Sprintf("%s (%s)", p.Set, years(p.Years))
			name := pr.String()
			if pr == PredictModel {
				name = "**model**"
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %d |", label, name, p.Months, p.Civilian)
			for _, v := range c.Civilian {
				fmt.Fprintf(&b, " %s |", pct(v))
			}
			fmt.Fprintf(&b, " %d |", p.All)
			for _, v := range c.All {
				fmt.Fprintf(&b, " %s |", pct(v))
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("| | even spread | | |")
	for _, s := range BacktestShares {
		fmt.Fprintf(&b, " %s |", pct(s))
	}
	b.WriteString(" |")
	for _, s := range BacktestShares {
		fmt.Fprintf(&b, " %s |", pct(s))
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteTable prints every month as a Markdown table: the month's target
// incidents and the captures of all incidents by the model and the
// baselines at each share, then the pooled rows of each set.
func (r BacktestResult) WriteTable(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| month | set | civilian incidents | all incidents |")
	for _, pr := range Predictors {
		for _, s := range BacktestShares {
			fmt.Fprintf(&b, " %s top %.0f%% |", pr, 100*s)
		}
	}
	b.WriteString("\n|---|---|---:|---:|" + strings.Repeat("---:|", len(Predictors)*len(BacktestShares)) + "\n")
	row := func(label string, set Set, civ, all int, by func(Predictor) Captures) {
		fmt.Fprintf(&b, "| %s | %s | %d | %d |", label, set, civ, all)
		for _, pr := range Predictors {
			for _, v := range by(pr).All {
				fmt.Fprintf(&b, " %s |", pct(v))
			}
		}
		b.WriteString("\n")
	}
	for _, m := range r.Months {
		row(m.Month.Format("2006-01"), m.Set, m.Civilian, m.All, m.By)
	}
	for _, p := range r.Pools {
		row("**pooled**", p.Set, p.Civilian, p.All, p.By)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteLevels prints, per set, how much of the Badia the model's levels
// covered and which share of the next month's incidents fell there.
func (r BacktestResult) WriteLevels(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| seasons | level or above | mean share of the Badia | civilian incidents in it | all incidents in it |\n")
	b.WriteString("|---|---|---:|---:|---:|\n")
	for _, p := range r.Pools {
		for _, l := range p.Levels {
			fmt.Fprintf(&b, "| %s (%s) | %s | %s | %s | %s |\n", p.Set, years(p.Years), l.Level, pct(l.AreaShare), pct(l.Civilian), pct(l.All))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// years writes a list of years as 2016-2017 when they run on, else 2016, 2018.
func years(ys []int) string {
	if len(ys) == 0 {
		return ""
	}
	run := true
	for k := 1; k < len(ys); k++ {
		run = run && ys[k] == ys[k-1]+1
	}
	if run && len(ys) > 1 {
		return fmt.Sprintf("%d-%d", ys[0], ys[len(ys)-1])
	}
	parts := make([]string, len(ys))
	for k, y := range ys {
		parts[k] = fmt.Sprint(y)
	}
	return strings.Join(parts, ", ")
}

// Describe is one line naming the parameters a result was computed with.
func (p Params) Describe() string {
	return fmt.Sprintf("cell size %g m (EPSG:3857 edge), window %d days, sigma %g km, cutoff %g sigma, half-life %g days, "+
		"kind weights truffle %g / explosive %g / civilians %g / other %g, injured weight %g, thresholds %g / %g / %g",
		p.CellSize, p.WindowDays, p.SigmaKM, p.CutoffSigmas, p.HalfLifeDays, p.Weights.TruffleGatherers, p.Weights.Explosive,
		p.Weights.Civilians, p.Weights.Other, p.InjuredWeight, p.Thresholds[0], p.Thresholds[1], p.Thresholds[2])
}
