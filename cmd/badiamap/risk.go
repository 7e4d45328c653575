package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/risk"
)

func init() {
	register(command{
		name: "risk",
		summary: "truffle-picking risk model: `risk backtest` replays the truffle seasons of the loaded data against two baselines; " +
			"`risk search` chooses the parameters on the train seasons",
		run: runRisk,
	})
}

func runRisk(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "backtest" && args[0] != "search" {
		return fmt.Errorf("%w: want `badiamap risk backtest [flags]` or `badiamap risk search [flags]`", errUsage)
	}
	sub := args[0]
	fs := newFlagSet("risk "+sub, "[--store postgis|memory] [--database-url URL] [--data-dir DIR] [--train YEARS] [--held-out YEARS] [model flags]")
	var sf storeFlags
	sf.register(fs)
	p := risk.DefaultParams()
	fs.Float64Var(&p.CellSize, "cell-size", p.CellSize, "hexagon edge in EPSG:3857 metres (ST_HexagonGrid size)")
	fs.IntVar(&p.WindowDays, "window", p.WindowDays, "look-back window in days")
	fs.Float64Var(&p.SigmaKM, "sigma", p.SigmaKM, "distance kernel sigma in km")
	fs.Float64Var(&p.HalfLifeDays, "half-life", p.HalfLifeDays, "age half-life in days")
	fs.Float64Var(&p.Weights.Civilians, "civilian-weight", p.Weights.Civilians, "kind weight of violence against civilians")
	train := yearsFlag(risk.UCDPSplit.Train)
	held := yearsFlag(risk.UCDPSplit.HeldOut)
	fs.Var(&train, "train", "comma-separated years whose truffle seasons choose the parameters")
	fs.Var(&held, "held-out", "comma-separated years whose truffle seasons are held out and reported untouched")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	split := risk.Split{Train: train, HeldOut: held}
	s, err := openStore(ctx, &sf, os.Stderr)
	if err != nil {
		return err
	}
	defer s.Close()
	badia, err := s.Regions(ctx, geo.KindBadia)
	if err != nil {
		return fmt.Errorf("read the Badia regions: %w", err)
	}
	var incs []geo.Incident
	err = s.ScanIncidents(ctx, geo.IncidentFilter{}, geo.Page{}, func(inc *geo.Incident) error {
		incs = append(incs, *inc)
		return nil
	})
	if err != nil {
		return err
	}
	if sub == "search" {
		res, err := risk.Search(badia, p, risk.DefaultSearchSpace, split, incs)
		if err != nil {
			return err
		}
		fmt.Printf("Parameter search over %d parameter sets on the %d truffle-season months of %s (train) only; the best ten:\n\n",
			len(res.Candidates), res.TrainMonths, joinYears(split.Train))
		for k, c := range res.Candidates[:min(10, len(res.Candidates))] {
			fmt.Printf("%2d. objective %.4f  %s\n", k+1, c.Objective, c.Params.Describe())
		}
		fmt.Printf("\nChosen: %s\n\n", res.Best.Describe())
		p = res.Best
	}
	grid, err := risk.NewGrid(p.CellSize, badia)
	if err != nil {
		return err
	}
	res := risk.Backtest(grid, p, split, incs)
	if len(res.Months) == 0 {
		return fmt.Errorf("no truffle-season month (February-April) after the first month of the %d loaded incidents", len(incs))
	}
	fmt.Printf("Backtest of the truffle-picking risk model on %d incidents (%d cells, Badia %.0f km²)\n", len(incs), len(grid.Cells), grid.AreaKM2)
	fmt.Printf("Parameters: %s\n", p.Describe())
	fmt.Printf("Seasons: train %s, held out %s.\n", joinYears(split.Train), joinYears(split.HeldOut))
	fmt.Printf("Each month is scored on the day before it from the incidents before it only; a column gives the share of the month's " +
		"precisely located incidents in the Badia (GeoPrecision 1-2) that fell in the riskiest 5%% / 10%% / 20%% of the Badia's area. " +
		"\"Last month only\" and \"all history, no decay\" keep the model's kernel and weights and change only which past incidents count and how age weighs.\n\n")
	for _, write := range []func(io.Writer) error{res.WriteSummary, res.WriteTable, res.WriteLevels} {
		if err := write(os.Stdout); err != nil {
			return err
		}
		fmt.Println()
	}
	for _, b := range res.Pools {
		fmt.Println(b.Verdict())
	}
	return nil
}

// yearsFlag is a comma-separated list of years.
type yearsFlag []int

func (y *yearsFlag) String() string { return joinYears(*y) }

func (y *yearsFlag) Set(v string) error {
	var out []int
	for _, part := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1900 || n > 2200 {
			return fmt.Errorf("%q is not a year", part)
		}
		out = append(out, n)
	}
	*y = out
	return nil
}

func joinYears(ys []int) string {
	parts := make([]string, len(ys))
	for k, v := range ys {
		parts[k] = strconv.Itoa(v)
	}
	return strings.Join(parts, ",")
}
