package risk

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
)

// Backtest shares: the riskiest 10% and 20% of the Badia's area.
var BacktestShares = []float64{0.10, 0.20}

// Capture is the share of a month's incidents that fell in the riskiest
// fractions of the area (BacktestShares order); NaN when there were none.
type Capture []float64

// BacktestMonth is one truffle-season month of a backtest.
type BacktestMonth struct {
	Month            time.Time // first day
	Civilian, All    int       // the month's incidents in the Badia: against civilians, and all
	ModelCivilian    Capture   // the model built from the data before the month
	ModelAll         Capture
	BaselineCivilian Capture // the model fed only the previous month's incidents
	BaselineAll      Capture
}

// BacktestResult is every month and the pooled captures (captured
// incidents over all months / incidents over all months).
type BacktestResult struct {
	Params Params
	Months []BacktestMonth
	Pooled BacktestMonth
}

// Backtest replays the truffle seasons (February-April) in incs: for each
// season month after the first month of data, it scores the grid on the
// last day before the month from the incidents before it only, and measures
// which share of the month's incidents in the Badia (inc.Region set) fell in
// the riskiest 10% and 20% of the Badia's area. Cells tied at the cut are
// counted by the fraction of them the budget reaches (the expected capture of
// a random tie-break).
func Backtest(grid *Grid, p Params, incs []geo.Incident) BacktestResult {
	res := BacktestResult{Params: p}
	if len(incs) == 0 || len(grid.Cells) == 0 {
		return res
	}
	first, last := incs[0].DateStart, incs[0].DateStart
	for k := range incs {
		first = minTime(first, incs[k].DateStart)
		last = maxTime(last, incs[k].DateStart)
	}
	pooled := map[string][2]float64{} // captured, total per column
	add := func(col string, c Capture, n int) {
		for k, v := range c {
			if n > 0 {
				key := fmt.Sprintf("%s%d", col, k)
				x := pooled[key]
				pooled[key] = [2]float64{x[0] + v*float64(n), x[1] + float64(n)}
			}
		}
	}
	start := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	for m := start; !m.After(last); m = m.AddDate(0, 1, 0) {
		if !InTruffleSeason(m) {
			continue
		}
		day := m.AddDate(0, 0, -1)
		model := Compute(grid, p, day, incs)
		bp := p
		bp.WindowDays = day.Day() // the previous calendar month, ending on day
		baseline := Compute(grid, bp, day, incs)
		var civ, all []int // grid cell of each of the month's incidents
		for k := range incs {
			inc := &incs[k]
			if inc.Region == "" || inc.DateStart.Before(m) || !inc.DateStart.Before(m.AddDate(0, 1, 0)) {
				continue
			}
			cell, ok := grid.Index(grid.CellOf(inc.Location))
			if !ok {
				continue
			}
			all = append(all, cell)
			if AgainstCivilians(inc) {
				civ = append(civ, cell)
			}
		}
		bm := BacktestMonth{Month: m, Civilian: len(civ), All: len(all),
			ModelCivilian: capture(grid, model, civ), ModelAll: capture(grid, model, all),
			BaselineCivilian: capture(grid, baseline, civ), BaselineAll: capture(grid, baseline, all)}
		add("mc", bm.ModelCivilian, bm.Civilian)
		add("ma", bm.ModelAll, bm.All)
		add("bc", bm.BaselineCivilian, bm.Civilian)
		add("ba", bm.BaselineAll, bm.All)
		res.Pooled.Civilian += bm.Civilian
		res.Pooled.All += bm.All
		res.Months = append(res.Months, bm)
	}
	get := func(col string) Capture {
		c := make(Capture, len(BacktestShares))
		for k := range c {
			x := pooled[fmt.Sprintf("%s%d", col, k)]
			c[k] = math.NaN()
			if x[1] > 0 {
				c[k] = x[0] / x[1]
			}
		}
		return c
	}
	res.Pooled.ModelCivilian, res.Pooled.ModelAll = get("mc"), get("ma")
	res.Pooled.BaselineCivilian, res.Pooled.BaselineAll = get("bc"), get("ba")
	return res
}

// capture is the share of events (grid cell indexes) in the riskiest
// BacktestShares of the grid's area by scores.
func capture(grid *Grid, scores []CellScore, events []int) Capture {
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
	order := make([]int, len(scores))
	for k := range order {
		order[k] = k
	}
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]].Score > scores[order[b]].Score })
	for si, share := range BacktestShares {
		budget := share * grid.AreaKM2
		caught := 0.0
		for g := 0; g < len(order) && budget > 0; {
			// One group of equal scores.
			h := g
			area, n := 0.0, 0
			for ; h < len(order) && scores[order[h]].Score == scores[order[g]].Score; h++ {
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

// WriteTable prints the backtest as a Markdown table: per month, the
// incidents and the captures of the model and the last-month baseline,
// next to the even spread; then the pooled row.
func (r BacktestResult) WriteTable(w io.Writer) error {
	pct := func(v float64) string {
		if math.IsNaN(v) {
			return "-"
		}
		return fmt.Sprintf("%.1f%%", 100*v)
	}
	var b strings.Builder
	b.WriteString("| month | civilian incidents | model top 10% | model top 20% | last month top 10% | last month top 20% | all incidents | model top 10% | model top 20% | last month top 10% | last month top 20% |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	row := func(label string, m BacktestMonth) {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %d | %s | %s | %s | %s |\n", label,
			m.Civilian, pct(m.ModelCivilian[0]), pct(m.ModelCivilian[1]), pct(m.BaselineCivilian[0]), pct(m.BaselineCivilian[1]),
			m.All, pct(m.ModelAll[0]), pct(m.ModelAll[1]), pct(m.BaselineAll[0]), pct(m.BaselineAll[1]))
	}
	for _, m := range r.Months {
		row(m.Month.Format("2006-01"), m)
	}
	if len(r.Months) > 0 {
		row("**pooled**", r.Pooled)
	}
	fmt.Fprintf(&b, "| even spread | | %s | %s | %s | %s | | %s | %s | %s | %s |\n",
		pct(BacktestShares[0]), pct(BacktestShares[1]), pct(BacktestShares[0]), pct(BacktestShares[1]),
		pct(BacktestShares[0]), pct(BacktestShares[1]), pct(BacktestShares[0]), pct(BacktestShares[1]))
	_, err := io.WriteString(w, b.String())
	return err
}

// Describe is one line naming the parameters a result was computed with.
func (p Params) Describe() string {
	return fmt.Sprintf("cell size %g m (EPSG:3857 edge), window %d days, sigma %g km, cutoff %g sigma, half-life %g days, "+
		"kind weights truffle %g / explosive %g / civilians %g / other %g, injured weight %g, thresholds %g / %g / %g",
		p.CellSize, p.WindowDays, p.SigmaKM, p.CutoffSigmas, p.HalfLifeDays, p.Weights.TruffleGatherers, p.Weights.Explosive,
		p.Weights.Civilians, p.Weights.Other, p.InjuredWeight, p.Thresholds[0], p.Thresholds[1], p.Thresholds[2])
}
