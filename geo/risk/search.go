package risk

import (
	"fmt"
	"sort"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
)

// SearchSpace is the grid of parameters Search tries; every other
// parameter keeps the base's value.
type SearchSpace struct {
	CellSizes       []float64
	WindowDays      []int
	SigmaKM         []float64
	HalfLifeDays    []float64
	CivilianWeights []float64 // kind weight of violence against civilians; "other" stays at the base's
}

// DefaultSearchSpace is the space DefaultParams were chosen from. The
// truffle and explosive weights and the injured weight are not searched:
// UCDP records no truffle gatherers, sub-event types or injuries.
var DefaultSearchSpace = SearchSpace{
	CellSizes:       []float64{3000, 4000, 6000, 9000},
	WindowDays:      []int{60, 120, 365, 730},
	SigmaKM:         []float64{2.5, 5, 10, 15, 25},
	HalfLifeDays:    []float64{7, 15, 30, 60, 120, 365},
	CivilianWeights: []float64{1, 3},
}

// Size is the number of parameter sets in the space.
func (s SearchSpace) Size() int {
	return len(s.CellSizes) * len(s.WindowDays) * len(s.SigmaKM) * len(s.HalfLifeDays) * len(s.CivilianWeights)
}

// Candidate is one parameter set tried and its objective on the train seasons.
type Candidate struct {
	Params    Params
	Objective float64 // BacktestPool.Objective over the train months
}

// SearchResult is the best parameter set and every candidate, best first.
type SearchResult struct {
	Best        Params
	Objective   float64
	TrainMonths int
	Candidates  []Candidate
}

// Search tries every parameter set of space on the train seasons of split
// only (the months of split.Train, each scored from the incidents before
// it) and returns the one with the highest BacktestPool.Objective; ties go
// to the first in the order of space. Held-out months are never scored.
// incs must be joined (Region set); badia are the Badia regions.
func Search(badia []geo.Region, base Params, space SearchSpace, split Split, incs []geo.Incident) (SearchResult, error) {
	var res SearchResult
	if space.Size() == 0 {
		return res, fmt.Errorf("risk search: the search space is empty")
	}
	var train []time.Time
	for _, m := range seasonMonths(incs) {
		if split.SetOf(m) == SetTrain {
			train = append(train, m)
		}
	}
	if len(train) == 0 {
		return res, fmt.Errorf("risk search: no truffle-season month of the train years %v in the data", split.Train)
	}
	res.TrainMonths = len(train)
	sites := sitesOf(incs)
	for _, size := range space.CellSizes {
		grid, err := NewGrid(size, badia)
		if err != nil {
			return res, err
		}
		targets := targetsOf(grid, split, train, incs)
		for _, sigma := range space.SigmaKM {
			p := base
			p.CellSize, p.SigmaKM = size, sigma
			if err := p.Validate(); err != nil {
				return res, err
			}
			spread := spreadOf(grid, p, sites)
			for _, window := range space.WindowDays {
				for _, half := range space.HalfLifeDays {
					for _, civ := range space.CivilianWeights {
						q := p
						q.WindowDays, q.HalfLifeDays, q.Weights.Civilians = window, half, civ
						if err := q.Validate(); err != nil {
							return res, err
						}
						res.Candidates = append(res.Candidates, Candidate{Params: q, Objective: trainObjective(grid, q, sites, spread, targets)})
					}
				}
			}
		}
	}
	sort.SliceStable(res.Candidates, func(a, b int) bool { return res.Candidates[a].Objective > res.Candidates[b].Objective })
	res.Best, res.Objective = res.Candidates[0].Params, res.Candidates[0].Objective
	return res, nil
}

// trainObjective is the model's pooled objective over the months of
// targets, scored as Compute scores (summed per site first: the same terms
// in another order).
func trainObjective(grid *Grid, p Params, sites []site, spread [][]cellWeight, targets []monthTargets) float64 {
	months := make([]BacktestMonth, len(targets))
	values := make([]float64, len(grid.Cells))
	for n, t := range targets {
		siteScores(p, t.month.AddDate(0, 0, -1), sites, spread, values)
		order := rank(values)
		months[n] = BacktestMonth{Month: t.month, Set: t.set, Civilian: len(t.civ), All: len(t.all),
			Model: Captures{Civilian: capture(grid, values, order, t.civ), All: capture(grid, values, order, t.all)}}
	}
	b, _ := pool(months, SetTrain)
	return b.Objective()
}

// site is one place the scored incidents happened, with those incidents.
type site struct {
	at   orb.Point
	incs []*geo.Incident
}

// sitesOf groups the scored incidents by location: many share one (a town).
func sitesOf(incs []geo.Incident) []site {
	index := map[orb.Point]int{}
	var out []site
	for k := range incs {
		inc := &incs[k]
		if !Scored(inc) {
			continue
		}
		n, ok := index[inc.Location]
		if !ok {
			n = len(out)
			index[inc.Location] = n
			out = append(out, site{at: inc.Location})
		}
		out[n].incs = append(out[n].incs, inc)
	}
	return out
}

// cellWeight is a grid cell within the cutoff of a site and its kernel.
type cellWeight struct {
	cell   int
	kernel float64
}

// spreadOf lists, per site, the cells within p's cutoff and their kernel.
func spreadOf(grid *Grid, p Params, sites []site) [][]cellWeight {
	out := make([][]cellWeight, len(sites))
	cut := p.CutoffMetres()
	for n, s := range sites {
		iMin, iMax, jMin, jMax := grid.cellsNear(s.at, cut)
		for i := iMin; i <= iMax; i++ {
			for j := jMin; j <= jMax; j++ {
				k, ok := grid.index[CellID{i, j}]
				if !ok {
					continue
				}
				if d := Distance(grid.Cells[k].Centre, s.at); d <= cut {
					out[n] = append(out[n], cellWeight{k, p.Kernel(d)})
				}
			}
		}
	}
	return out
}

// siteScores fills values with every cell's score on day: per site, the
// incidents' weights and decays summed, then spread by the kernel.
func siteScores(p Params, day time.Time, sites []site, spread [][]cellWeight, values []float64) {
	for k := range values {
		values[k] = 0
	}
	for n, s := range sites {
		if len(spread[n]) == 0 {
			continue
		}
		w := 0.0
		for _, inc := range s.incs {
			if p.InWindow(inc, day) {
				w += p.Weight(inc) * p.Decay(AgeDays(inc, day))
			}
		}
		if w == 0 {
			continue
		}
		for _, c := range spread[n] {
			values[c.cell] += w * c.kernel
		}
	}
}
