package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/badiamap/badiamap/demo"
	"github.com/badiamap/badiamap/incidentfile"
	"github.com/paulmach/orb"
)

// ucdpPlace is one distinct name and point of the UCDP file at one
// location precision, with its events counted.
type ucdpPlace struct {
	Name       string // where_coordinates as written
	Point      orb.Point
	Prec       int
	Adm1, Adm2 string
	AdmPCode   string // the p-code adm_1 names
	Events     int
}

type ucdpKey struct {
	Name  string
	Point orb.Point
	Prec  int
}

// ucdpFile is what the generator takes from the UCDP GED CSV.
type ucdpFile struct {
	Rows   int
	Places map[ucdpKey]*ucdpPlace
}

// readUCDP reads the UCDP GED CSV with the project's own reader and counts
// its events per name, point and where_prec. Every row must be read: a
// rejected row would change the counts silently.
func readUCDP(path string) (*ucdpFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rd, err := incidentfile.Open(f, incidentfile.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if rd.Format() != incidentfile.FormatUCDP {
		return nil, fmt.Errorf("%s: read as %s, want %s", path, rd.Format().Title(), incidentfile.FormatUCDP.Title())
	}
	out := &ucdpFile{Places: map[ucdpKey]*ucdpPlace{}}
	for {
		inc, rowErr, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if rowErr != nil {
			return nil, fmt.Errorf("%s: %w", path, rowErr)
		}
		out.Rows++
		k := ucdpKey{Name: inc.LocationName, Point: inc.Location, Prec: inc.GeoPrecision}
		p := out.Places[k]
		if p == nil {
			p = &ucdpPlace{Name: k.Name, Point: k.Point, Prec: k.Prec, Adm1: inc.SourceAdmin1, Adm2: inc.SourceAdmin2,
				AdmPCode: inc.SourceGovernorate}
			out.Places[k] = p
		} else if p.Adm1 != inc.SourceAdmin1 || p.Adm2 != inc.SourceAdmin2 {
			return nil, fmt.Errorf("%s: %s: %q at %v has admin names %q/%q, earlier rows %q/%q",
				path, inc.ExternalID, k.Name, k.Point, inc.SourceAdmin1, inc.SourceAdmin2, p.Adm1, p.Adm2)
		}
		p.Events++
	}
}

// readAnchors reads the Badia anchor places (without UCDP's generic
// "Syrian Badia" point, which demo.ReadAnchors leaves out).
func readAnchors(path string) ([]demo.Anchor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	as, err := demo.ReadAnchors(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return as, nil
}

// samePoint reports whether two coordinates are one point as the sources
// write them: equal once rounded to 5 decimals (about 1 m; the anchors
// round some UCDP coordinates to 5).
func samePoint(a, b orb.Point) bool {
	r := func(x float64) float64 { return math.Round(x * 1e5) }
	return r(a[0]) == r(b[0]) && r(a[1]) == r(b[1])
}

// governorateNames are a governorate's names in syr_adm1_governorates.csv:
// OCHA's English and Arabic (adm1_en_ocha, adm1_ar_ocha) and the common
// English spelling (name_en_common: Idlib for OCHA's Idleb).
type governorateNames struct {
	Code, NameEN, NameAR, Common string
}

// readGovernorateNames reads the governorates' names, in file order. A
// missing column or an empty name is an error: a capital would silently
// lose its Arabic name.
func readGovernorateNames(path string) ([]governorateNames, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no governorates", path)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	want := []string{"adm1_pcode", "adm1_en_ocha", "adm1_ar_ocha", "name_en_common"}
	for _, h := range want {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("%s: no column %q", path, h)
		}
	}
	var out []governorateNames
	for i, r := range rows[1:] {
		g := governorateNames{Code: r[col[want[0]]], NameEN: r[col[want[1]]], NameAR: r[col[want[2]]], Common: r[col[want[3]]]}
		if g.Code == "" || g.NameEN == "" || g.NameAR == "" || g.Common == "" {
			return nil, fmt.Errorf("%s: row %d: a name or the p-code is empty: %q", path, i+2, r)
		}
		out = append(out, g)
	}
	return out, nil
}
