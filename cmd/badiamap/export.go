package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/badiamap/badiamap/attribution"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/badiamap/badiamap/request"
)

func init() {
	register(command{
		name:    "export",
		summary: "export incidents as GeoJSON, CSV, KML or GeoPackage, with the API's filters",
		run:     runExport,
	})
}

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// filterFlag is the command-line flag of a filter parameter: the same
// name with dashes for underscores (event_type is --event-type).
func filterFlag(param string) string { return strings.ReplaceAll(param, "_", "-") }

func runExport(ctx context.Context, args []string) error {
	fs := newFlagSet("export", "--format geojson|csv|kml|gpkg [--out FILE] [filter flags]")
	var (
		sf     storeFlags
		format string
		out    string
		hxl    bool
	)
	sf.register(fs)
	fs.StringVar(&format, "format", "geojson", "geojson, csv, kml or gpkg (GeoPackage: incidents, governorates and Badia regions; needs --out)")
	fs.StringVar(&out, "out", "", "file to write (default: stdout)")
	fs.BoolVar(&hxl, "hxl", false, "CSV: add an HXL hashtag row under the header")
	values := make([]listFlag, len(request.FilterParams))
	for i, p := range request.FilterParams {
		help := p.Doc + " Accepts " + p.Accepts + "."
		fs.Var(&values[i], filterFlag(p.Name), help)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: export takes no arguments, got %q", errUsage, fs.Args())
	}
	if format != "geojson" && format != "csv" && format != "kml" && format != "gpkg" {
		return fmt.Errorf("%w: --format %q: want geojson, csv, kml or gpkg", errUsage, format)
	}
	if format == "gpkg" && out == "" {
		return fmt.Errorf("%w: --format gpkg writes a file (SQLite), not a stream: give --out FILE", errUsage)
	}
	q := url.Values{}
	for i, p := range request.FilterParams {
		for _, v := range values[i] {
			q.Add(p.Name, v)
		}
	}

	s, err := openStore(ctx, &sf, os.Stderr)
	if err != nil {
		return err
	}
	defer s.Close()
	regions, err := s.Regions(ctx)
	if err != nil {
		return err
	}
	filter, err := request.Filter(q, regions)
	var re *request.Error
	if errors.As(err, &re) {
		return fmt.Errorf("%w: %s", errUsage, re.Describe("flag --"+filterFlag(re.Param)))
	}
	if err != nil {
		return err
	}

	if out == "" {
		n, err := exportIncidents(ctx, s, filter, format, hxl, os.Stdout)
		if err == nil {
			fmt.Fprintf(os.Stderr, "exported %d incidents\n", n)
		}
		return err
	}
	// Write beside the target and rename, so a failed export leaves no half file.
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	var n int
	if format == "gpkg" {
		if err = tmp.Close(); err == nil {
			n, err = exportGPKG(ctx, s, filter, regions, tmp.Name())
		}
	} else {
		n, err = exportIncidents(ctx, s, filter, format, hxl, tmp)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "exported %d incidents to %s\n", n, out)
	return nil
}

// incidentWriter is what the incidentfile writers have in common.
type incidentWriter interface {
	Write(*geo.Incident) error
	Close() error
}

// exportIncidents streams every incident f matches to w in format.
func exportIncidents(ctx context.Context, s geo.Store, f geo.IncidentFilter, format string, hxl bool, w io.Writer) (int, error) {
	var iw incidentWriter
	switch format {
	case "geojson":
		iw = incidentfile.NewGeoJSONWriter(w, map[string]any{"filter": request.FilterJSON(f)})
	case "csv":
		iw = incidentfile.NewCSVWriter(w, hxl)
	case "kml":
		iw = incidentfile.NewKMLWriter(w, "badiamap incidents")
	default:
		return 0, fmt.Errorf("unknown format %q", format)
	}
	n := 0
	err := s.ScanIncidents(ctx, f, geo.Page{}, func(inc *geo.Incident) error {
		n++
		return iw.Write(inc)
	})
	if err != nil {
		return n, err
	}
	return n, iw.Close()
}

// exportGPKG writes every incident f matches, and the regions, into a new
// GeoPackage at path, with the credits and the filter as its metadata.
func exportGPKG(ctx context.Context, s geo.Store, f geo.IncidentFilter, regions []geo.Region, path string) (int, error) {
	return incidentfile.ExportGPKG(ctx, s, f, regions, path, incidentfile.GPKGMeta{
		Source:  attribution.Attributions(attribution.Default),
		Licence: attribution.Licences(attribution.Default),
		Filter:  request.FilterQuery(f).Encode(),
	})
}
