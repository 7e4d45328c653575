package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/demo"
	"github.com/badiamap/badiamap/geo"
)

func init() {
	register(command{
		name:    "demo",
		summary: "load the bundled boundaries and the demo incidents that reconstruct the seed SOHR report",
		run:     runDemo,
	})
}

func runDemo(ctx context.Context, args []string) error {
	fs := newFlagSet("demo", "[--remove] [--store postgis|memory] [--database-url URL] [--data-dir DIR]")
	var sf storeFlags
	sf.register(fs)
	remove := fs.Bool("remove", false, "take the illustrative demo incidents out of the store (and nothing else): for a store that now holds real data")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: demo takes no arguments, got %q", errUsage, fs.Args())
	}
	if *remove {
		s, err := openStore(ctx, &sf, os.Stderr)
		if err != nil {
			return err
		}
		defer s.Close()
		illustrative := true
		n, err := s.RemoveIncidents(ctx, geo.IncidentFilter{Illustrative: &illustrative}, cliWrite("demo --remove"))
		if err != nil {
			return fmt.Errorf("remove the demo incidents: %w", err)
		}
		left, err := s.CountIncidents(ctx, geo.IncidentFilter{})
		if err != nil {
			return err
		}
		fmt.Printf("removed %d illustrative demo incidents; %d incidents remain\n", n, left)
		return nil
	}
	rep, err := demo.Report()
	if err != nil {
		return err
	}
	regions, err := boundaries.All()
	if err != nil {
		return fmt.Errorf("bundled boundaries: %w", err)
	}
	s, err := openStore(ctx, &sf, os.Stderr)
	if err != nil {
		return err
	}
	defer s.Close()
	audit := cliWrite("demo")
	rejoined, err := s.ReplaceRegions(ctx, regions, audit)
	if err != nil {
		return fmt.Errorf("load the bundled boundaries: %w", err)
	}
	fmt.Printf("boundaries: %d regions loaded, %d incidents re-joined\n", len(regions), rejoined)
	res, err := demo.LoadIncidents(ctx, s, audit)
	if err != nil {
		return err
	}
	fmt.Printf("demo incidents: %d inserted, %d updated, %d unchanged (%s)\n", res.Inserted, res.Updated, res.Unchanged, demo.ReconstructionNote(rep))
	if _, err := demo.LoadReport(ctx, s, audit); err != nil {
		return err
	}
	fmt.Printf("report: %s %q, %d claims stored\n", rep.Publisher, rep.Title, len(rep.Claims))

	return printDemoSums(ctx, s, rep)
}

// printDemoSums shows what the store computes per Badia region for the demo
// incidents, beside the report's regional lines.
func printDemoSums(ctx context.Context, s geo.Store, rep geo.Report) error {
	lines, err := demo.RegionalLines(rep)
	if err != nil {
		return err
	}
	stats, err := s.Stats(ctx, geo.IncidentFilter{Text: demo.ReconstructionNote(rep)}, geo.ByRegion)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "region\toperations\tmilitary\tmilitia\tisis\tcivilians\ttruffle\twomen\tchildren\tmatches report\t")
	for _, g := range stats {
		c := g.Casualties
		got := []int{g.Operations, c.Military, c.Militia, c.ISIS, c.Civilians, c.TruffleGatherers, c.Women, c.Children}
		line := lines[g.Key]
		want := []int{line[geo.MetricOperations], line[geo.MetricMilitary], line[geo.MetricMilitia], line[geo.MetricISIS],
			line[geo.MetricCivilians], line[geo.MetricTruffleGatherers], line[geo.MetricWomen], line[geo.MetricChildren]}
		match := "yes"
		for i := range got {
			if got[i] != want[i] {
				match = "NO"
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", g.Key, got[0], got[1], got[2], got[3], got[4], got[5], got[6], got[7], match)
	}
	return tw.Flush()
}

// illustrativeNote says what a reader of the store must know when it holds
// the illustrative demo incidents: beside real data, that they are mixed in
// and how to take them out; alone, that nothing on the map is real. "" when
// it holds none.
func illustrativeNote(ctx context.Context, s geo.Store) (string, error) {
	illustrative := true
	n, err := s.CountIncidents(ctx, geo.IncidentFilter{Illustrative: &illustrative})
	if err != nil || n == 0 {
		return "", err
	}
	all, err := s.CountIncidents(ctx, geo.IncidentFilter{})
	if err != nil {
		return "", err
	}
	if all == n {
		return fmt.Sprintf("the store holds only the %d illustrative demo incidents (places and dates made up to illustrate a SOHR report), no real data", n), nil
	}
	return fmt.Sprintf("the store holds %d real incidents and the %d illustrative demo incidents (places and dates made up): "+
		"take the demo out with `badiamap demo --remove`, or filter it out with illustrative=0", all-n, n), nil
}
