// Package gen generates large incident files for the benchmarks: N UCDP GED
// rows "spread like the real events". Each row is a real UCDP event sampled
// at random, its point jittered by a few kilometres (kept inside Syria), its
// dates moved to a random day of 2016-2024 and its id made unique; its
// casualties, sides, precision codes and sources are the sampled event's.
// The output is the UCDP GED CSV format, so `badiamap import` and
// `ogr2ogr` both load it. The same Options and source give the same bytes.
package gen

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
)

// Options say what to generate.
type Options struct {
	N        int       // rows to write
	Seed     uint64    // the same seed gives the same file
	JitterKM float64   // standard deviation of the offset on each axis, in km (default 3)
	From, To time.Time // the days the events are moved into, inclusive (default 2016-01-01 to 2024-12-31)
	IDBase   int64     // ids are IDBase+1 .. IDBase+N (default 100,000,000: above every real UCDP id)
}

func (o *Options) defaults() {
	if o.JitterKM == 0 {
		o.JitterKM = 3
	}
	if o.From.IsZero() {
		o.From = time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if o.To.IsZero() {
		o.To = time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
	}
	if o.IDBase == 0 {
		o.IDBase = 100_000_000
	}
}

// The UCDP columns the generator rewrites; every other column is copied.
var rewritten = []string{"id", "year", "latitude", "longitude", "geom_wkt", "priogrid_gid",
	"date_start", "date_end", "source_date"}

// Generate reads a UCDP GED CSV from src and writes opt.N generated rows,
// with src's header, to w.
func Generate(w io.Writer, src io.Reader, opt Options) error {
	opt.defaults()
	if opt.N < 0 {
		return fmt.Errorf("gen: N %d is negative", opt.N)
	}
	if opt.To.Before(opt.From) {
		return fmt.Errorf("gen: date range %s..%s is empty", opt.From.Format(geo.DateLayout), opt.To.Format(geo.DateLayout))
	}
	header, rows, err := readSource(src)
	if err != nil {
		return err
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, name := range rewritten {
		if _, ok := col[name]; !ok {
			return fmt.Errorf("gen: the source lacks the UCDP column %q", name)
		}
	}
	syria, err := newSyria()
	if err != nil {
		return err
	}
	samples := make([]sample, 0, len(rows))
	for i, rec := range rows {
		s, err := parseSample(rec, col)
		if err != nil {
			return fmt.Errorf("gen: source row %d: %w", i+2, err)
		}
		s.gov = syria.find(s.point)
		samples = append(samples, s)
	}

	rng := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15))
	days := int(opt.To.Sub(opt.From).Hours()/24) + 1
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	out := make([]string, len(header))
	for i := 0; i < opt.N; i++ {
		k := rng.IntN(len(samples))
		s := &samples[k]
		copy(out, rows[k])
		p := s.point
		if s.gov >= 0 {
			p = syria.jitter(rng, p, s.gov, opt.JitterKM)
		}
		start := opt.From.AddDate(0, 0, rng.IntN(days))
		shift := start.Sub(s.start)
		lon, lat := strconv.FormatFloat(p[0], 'f', 6, 64), strconv.FormatFloat(p[1], 'f', 6, 64)
		out[col["id"]] = strconv.FormatInt(opt.IDBase+int64(i)+1, 10)
		out[col["year"]] = strconv.Itoa(start.Year())
		out[col["longitude"]], out[col["latitude"]] = lon, lat
		out[col["geom_wkt"]] = "POINT (" + lon + " " + lat + ")"
		out[col["priogrid_gid"]] = strconv.Itoa(prioGrid(p))
		out[col["date_start"]] = start.Format(geo.DateLayout)
		out[col["date_end"]] = start.Add(s.length).Format(geo.DateLayout)
		out[col["source_date"]] = shiftDates(rows[k][col["source_date"]], shift)
		if err := cw.Write(out); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func readSource(src io.Reader) ([]string, [][]string, error) {
	r := csv.NewReader(src)
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("gen: read the source header: %w", err)
	}
	for i := range header {
		header[i] = strings.TrimPrefix(header[i], "\ufeff")
	}
	var rows [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("gen: read the source: %w", err)
		}
		rows = append(rows, rec)
	}
	if len(rows) == 0 {
		return nil, nil, errors.New("gen: the source has no rows to sample")
	}
	return header, rows, nil
}

// sample is what the generator needs of one source event.
type sample struct {
	point  orb.Point
	start  time.Time
	length time.Duration // date_end - date_start
	gov    int           // index of the governorate holding point, -1 when none
}

func parseSample(rec []string, col map[string]int) (sample, error) {
	var s sample
	var err error
	if s.point[0], err = strconv.ParseFloat(rec[col["longitude"]], 64); err != nil {
		return s, fmt.Errorf("longitude %q: %w", rec[col["longitude"]], err)
	}
	if s.point[1], err = strconv.ParseFloat(rec[col["latitude"]], 64); err != nil {
		return s, fmt.Errorf("latitude %q: %w", rec[col["latitude"]], err)
	}
	if s.start, err = time.Parse(geo.DateLayout, rec[col["date_start"]]); err != nil {
		return s, fmt.Errorf("date_start %q: %w", rec[col["date_start"]], err)
	}
	end, err := time.Parse(geo.DateLayout, rec[col["date_end"]])
	if err != nil {
		return s, fmt.Errorf("date_end %q: %w", rec[col["date_end"]], err)
	}
	s.length = max(end.Sub(s.start), 0)
	return s, nil
}

// shiftDates moves each date of a UCDP ";"-separated date list by d,
// keeping what is not a date as it is.
func shiftDates(list string, d time.Duration) string {
	if list == "" {
		return list
	}
	parts := strings.Split(list, ";")
	for i, p := range parts {
		t, err := time.Parse(geo.DateLayout, strings.TrimSpace(p))
		if err == nil {
			parts[i] = t.Add(d).Format(geo.DateLayout)
		}
	}
	return strings.Join(parts, ";")
}

// prioGrid is the PRIO-GRID cell id of p (0.5-degree cells numbered from
// the south-west corner of the world, row by row), as UCDP's priogrid_gid.
func prioGrid(p orb.Point) int {
	row := int(math.Floor((p[1]+90)/0.5)) + 1
	col := int(math.Floor((p[0]+180)/0.5)) + 1
	return (row-1)*720 + col
}

// syria is the 14 bundled governorates, to keep jittered points inside.
type syria struct {
	govs   []orb.MultiPolygon
	bounds []orb.Bound
}

func newSyria() (*syria, error) {
	regions, err := boundaries.Governorates()
	if err != nil {
		return nil, fmt.Errorf("gen: bundled governorates: %w", err)
	}
	if len(regions) == 0 {
		return nil, errors.New("gen: no bundled governorates")
	}
	s := &syria{}
	for _, r := range regions {
		s.govs = append(s.govs, r.Geom)
		s.bounds = append(s.bounds, r.Geom.Bound())
	}
	return s, nil
}

func (s *syria) in(i int, p orb.Point) bool {
	return s.bounds[i].Contains(p) && planar.MultiPolygonContains(s.govs[i], p)
}

// find is the index of the governorate holding p, or -1.
func (s *syria) find(p orb.Point) int {
	for i := range s.govs {
		if s.in(i, p) {
			return i
		}
	}
	return -1
}

// jitter moves p by a normal offset of sigmaKM on each axis, retrying until
// the new point is in Syria (first trying p's own governorate gov); after
// a few misses (a point on the border) it keeps p.
func (s *syria) jitter(rng *rand.Rand, p orb.Point, gov int, sigmaKM float64) orb.Point {
	const kmPerDegLat = 111.32
	kmPerDegLon := kmPerDegLat * math.Cos(p[1]*math.Pi/180)
	for try := 0; try < 8; try++ {
		q := orb.Point{p[0] + rng.NormFloat64()*sigmaKM/kmPerDegLon, p[1] + rng.NormFloat64()*sigmaKM/kmPerDegLat}
		if s.in(gov, q) || s.find(q) >= 0 {
			return q
		}
	}
	return p
}
