package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/badiamap/badiamap/web"
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

// exportFilterFlags maps each filter flag to its parameter in the API's
// filter grammar, so the command line and the API parse the same way.
var exportFilterFlags = []struct{ flag, param, help string }{
	{"governorate", web.ParamGovernorate, "governorate p-code or English/Arabic name (repeatable)"},
	{"region", web.ParamRegion, "Badia region code BADIA-SYxx (repeatable)"},
	{"from", web.ParamFrom, "first date, YYYY-MM-DD"},
	{"to", web.ParamTo, "last date, YYYY-MM-DD"},
	{"event-type", web.ParamEventType, "ACLED event type (repeatable)"},
	{"sub-event-type", web.ParamSubEventType, "ACLED sub-event type (repeatable)"},
	{"perpetrator", web.ParamPerpetrator, "perpetrator, case-insensitive substring (repeatable)"},
	{"victim", web.ParamVictim, "victim group: military, militia, isis, civilians, children, women, truffle_gatherers (repeatable)"},
	{"min-killed", web.ParamMinKilled, "at least this many killed"},
	{"bbox", web.ParamBBox, "minlon,minlat,maxlon,maxlat"},
	{"q", web.ParamText, "text in the location name or notes"},
	{"source", web.ParamSource, "source name such as SOHR (repeatable)"},
}

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
	values := make([]listFlag, len(exportFilterFlags))
	for i, f := range exportFilterFlags {
		fs.Var(&values[i], f.flag, f.help)
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
	for i, f := range exportFilterFlags {
		for _, v := range values[i] {
			q.Add(f.param, v)
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
	filter, err := web.ParseIncidentFilter(q, regions)
	if err != nil {
		return fmt.Errorf("%w: %s", errUsage, flagNames(err.Error()))
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

// flagNames rewrites the API's parameter names in a filter error into the
// command's flag names.
func flagNames(msg string) string {
	for _, f := range exportFilterFlags {
		msg = strings.ReplaceAll(msg, fmt.Sprintf("parameter %q", f.param), "flag --"+f.flag)
	}
	return msg
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
		iw = incidentfile.NewGeoJSONWriter(w, map[string]any{"filter": web.FilterQuery(f).Encode()})
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
	source := make([]string, len(web.DefaultCredits))
	licence := make([]string, len(web.DefaultCredits))
	for i, c := range web.DefaultCredits {
		source[i] = c.Attribution
		licence[i] = c.Name + ": " + c.License
	}
	gw, err := incidentfile.NewGPKGWriter(path, incidentfile.GPKGMeta{
		Source:  strings.Join(source, "; "),
		Licence: strings.Join(licence, "; "),
		Filter:  web.FilterQuery(f).Encode(),
	})
	if err != nil {
		return 0, err
	}
	err = s.ScanIncidents(ctx, f, geo.Page{}, func(inc *geo.Incident) error { return gw.Write(inc) })
	for _, kind := range []geo.RegionKind{geo.KindGovernorate, geo.KindBadia} {
		if err == nil {
			err = gw.WriteRegions(kind, regions)
		}
	}
	if err != nil {
		gw.Abort()
		return gw.Count(), err
	}
	return gw.Count(), gw.Close()
}
