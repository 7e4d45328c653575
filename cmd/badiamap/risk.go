package main

import (
	"context"
	"fmt"
	"os"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/risk"
)

func init() {
	register(command{
		name:    "risk",
		summary: "truffle-picking risk model: `risk backtest` replays the truffle seasons of the loaded data",
		run:     runRisk,
	})
}

func runRisk(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "backtest" {
		return fmt.Errorf("%w: want `badiamap risk backtest [flags]`", errUsage)
	}
	fs := newFlagSet("risk backtest", "[--store postgis|memory] [--database-url URL] [--data-dir DIR] [model flags]")
	var sf storeFlags
	sf.register(fs)
	p := risk.DefaultParams()
	fs.Float64Var(&p.CellSize, "cell-size", p.CellSize, "hexagon edge in EPSG:3857 metres (ST_HexagonGrid size)")
	fs.IntVar(&p.WindowDays, "window", p.WindowDays, "look-back window in days")
	fs.Float64Var(&p.SigmaKM, "sigma", p.SigmaKM, "distance kernel sigma in km")
	fs.Float64Var(&p.HalfLifeDays, "half-life", p.HalfLifeDays, "age half-life in days")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	s, err := openStore(ctx, &sf, os.Stderr)
	if err != nil {
		return err
	}
	defer s.Close()
	grid, err := risk.LoadGrid(ctx, s, p.CellSize)
	if err != nil {
		return err
	}
	var incs []geo.Incident
	err = s.ScanIncidents(ctx, geo.IncidentFilter{}, geo.Page{}, func(inc *geo.Incident) error {
		incs = append(incs, *inc)
		return nil
	})
	if err != nil {
		return err
	}
	res := risk.Backtest(grid, p, incs)
	if len(res.Months) == 0 {
		return fmt.Errorf("no truffle-season month (February-April) after the first month of the %d loaded incidents", len(incs))
	}
	fmt.Printf("Backtest of the truffle-picking risk model on %d incidents (%d cells, Badia %.0f km²)\n", len(incs), len(grid.Cells), grid.AreaKM2)
	fmt.Printf("Parameters: %s\n", p.Describe())
	fmt.Printf("Each month is scored on the day before it from the incidents before it only; a column gives the share of the month's incidents in the Badia that fell in the riskiest 10%% / 20%% of the Badia's area. \"Last month\" is the same model fed only the previous month's incidents.\n\n")
	return res.WriteTable(os.Stdout)
}
