package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// governorate is one OCHA COD-AB admin-1 polygon with its names.
type governorate struct {
	PCode  string
	NameEN string
	NameAR string
	Geom   orb.MultiPolygon
}

// district is one OCHA admin-2 centroid with its long-term rainfall estimate.
type district struct {
	PCode    string
	NameEN   string
	Lon, Lat float64
	AreaKM2  float64
	RainMM   float64
}

// readGovernorates reads the OCHA COD-AB admin-1 GeoJSON, sorted by p-code.
func readGovernorates(path string) ([]governorate, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []governorate
	for i, f := range fc.Features {
		g := governorate{
			PCode:  f.Properties.MustString("ADM1_PCODE", ""),
			NameEN: f.Properties.MustString("ADM1_EN", ""),
			NameAR: f.Properties.MustString("ADM1_AR", ""),
		}
		if g.PCode == "" || g.NameEN == "" || g.NameAR == "" {
			return nil, fmt.Errorf("%s: feature %d lacks ADM1_PCODE, ADM1_EN or ADM1_AR", path, i)
		}
		switch geom := f.Geometry.(type) {
		case orb.Polygon:
			g.Geom = orb.MultiPolygon{geom}
		case orb.MultiPolygon:
			g.Geom = geom
		default:
			return nil, fmt.Errorf("%s: %s has geometry %T, want a polygon", path, g.PCode, f.Geometry)
		}
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PCode < out[j].PCode })
	return out, nil
}

// readCSV returns the rows of a CSV file as maps keyed by the header.
func readCSV(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	var rows []map[string]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		row := map[string]string{}
		for i, h := range header {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
}

// readDistricts reads the district centroids that carry a rainfall estimate.
func readDistricts(dataDir string) ([]district, error) {
	path := filepath.Join(dataDir, "boundaries", "syr_adm2_districts.csv")
	rows, err := readCSV(path)
	if err != nil {
		return nil, err
	}
	var out []district
	for i, row := range rows {
		if row["rainfall_lta_mm_est_wfp"] == "" {
			continue // Baniyas has no estimate in the source
		}
		d := district{PCode: row["adm2_pcode"], NameEN: row["adm2_en"]}
		var errs []error
		d.Lon, err = strconv.ParseFloat(row["centroid_lon"], 64)
		errs = append(errs, err)
		d.Lat, err = strconv.ParseFloat(row["centroid_lat"], 64)
		errs = append(errs, err)
		d.RainMM, err = strconv.ParseFloat(row["rainfall_lta_mm_est_wfp"], 64)
		errs = append(errs, err)
		d.AreaKM2, err = strconv.ParseFloat(row["area_km2"], 64)
		errs = append(errs, err)
		if err := errors.Join(errs...); err != nil {
			return nil, fmt.Errorf("%s: line %d (%s): %w", path, i+2, d.PCode, err)
		}
		out = append(out, d)
	}
	if len(out) < 10 {
		return nil, fmt.Errorf("%s: only %d districts with rainfall", path, len(out))
	}
	return out, nil
}
