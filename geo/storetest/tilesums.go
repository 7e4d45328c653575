package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/incidentcql"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
)

// Nothing is dropped from a tile: its points plus its cluster counts are
// the incidents of its filter in its area, as a bbox query of the API
// (ScanIncidents with the tile's box) finds them, and tile_info says so.

// sumTiles is how many tiles the sums are checked on.
const sumTiles = 50

// SumTiles picks n tiles from zoom 5 to 12 in turn, each the tile of an
// incident of incs drawn with a seeded generator (as bench/tiles picks its
// list): tiles where the map is looked at.
func SumTiles(incs []geo.Incident, n int, seed uint64) []geo.TileAddr {
	rng := rand.New(rand.NewPCG(seed, 4))
	out := make([]geo.TileAddr, n)
	for i := range out {
		z := 5 + i%8
		p := incs[rng.IntN(len(incs))].Location
		x, y := geo.LonLatTo3857(p[0], p[1])
		cx, cy := geo.CellOf(x, y, z)
		out[i] = geo.TileAddr{Z: z, X: cx, Y: cy}
	}
	return out
}

// sumFilters are the filters the sums are checked with: none (the stores'
// pyramids answer), and filters that make the stores count each incident.
func sumFilters(want []geo.Incident) map[string]geo.IncidentFilter {
	et := mostCommon(want, func(i *geo.Incident) string { return i.EventType })
	// A CQL2 condition takes the stores' other path (PostGIS compiles it).
	cql, err := incidentcql.Parse("killed >= 2 AND civilians < 5", "cql2-text")
	if err != nil {
		panic("storetest: the tile sums' CQL2 filter: " + err.Error()) // a constant of this file
	}
	return map[string]geo.IncidentFilter{
		"none":                  {},
		"civilians":             {Victims: []geo.VictimGroup{"civilians"}},
		"event type, from 2017": {EventTypes: []string{et}, From: time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)},
		"CQL2":                  {Where: cql},
	}
}

// checkTileSums is the check of the suite on the fixtures.
func checkTileSums(ctx context.Context, c *Case) []string {
	return TileSums(ctx, c.Store, SumTiles(c.Want, sumTiles, 1), sumFilters(c.Want))
}

// TileSums checks, for each tile and filter, that the tile's points plus
// its clusters' counts equal the incidents the filter matches in the
// tile's area, that tile_info says so, and that the tile fits its budget.
func TileSums(ctx context.Context, s geo.Store, tiles []geo.TileAddr, filters map[string]geo.IncidentFilter) []string {
	ts, ok := s.(geo.TileStore)
	if !ok {
		return []string{fmt.Sprintf("the %T store builds no vector tiles", s)}
	}
	var diffs []string
	counted, clustered := 0, 0
	for name, f := range filters {
		for _, t := range tiles {
			what := fmt.Sprintf("tile %s (filter %s)", t, name)
			want, err := incidentsInTile(ctx, s, t, f)
			if err != nil {
				return append(diffs, fmt.Sprintf("%s: ScanIncidents: %v", what, err))
			}
			req := geo.TileRequest{Layer: geo.TileIncidents, Z: t.Z, X: t.X, Y: t.Y, Filter: f}
			got, err := ts.Tile(ctx, req)
			if err != nil {
				diffs = append(diffs, fmt.Sprintf("%s: %v", what, err))
				continue
			}
			if len(got.MVT) > req.Budget() {
				diffs = append(diffs, fmt.Sprintf("%s: %d bytes, over the budget of %d", what, len(got.MVT), req.Budget()))
			}
			points, inClusters, matched, err := tileCounts(got.MVT)
			if err != nil {
				diffs = append(diffs, fmt.Sprintf("%s: %v", what, err))
				continue
			}
			if points+inClusters != want || (want > 0 && matched != want) {
				diffs = append(diffs, fmt.Sprintf("%s: %d points + %d in clusters (tile_info: %d matched), the area holds %d",
					what, points, inClusters, matched, want))
			}
			counted += want
			clustered += inClusters
		}
	}
	if counted == 0 || clustered == 0 {
		diffs = append(diffs, fmt.Sprintf("tile sums: the tiles held %d incidents, %d in clusters: the check checked too little", counted, clustered))
	}
	return limit(diffs)
}

// incidentsInTile counts what ScanIncidents finds for f in the tile's
// lon/lat box (widened a little) that the tile holds and may draw.
func incidentsInTile(ctx context.Context, s geo.Store, t geo.TileAddr, f geo.IncidentFilter) (int, error) {
	b := t.Bounds()
	minLon, minLat := geo.WebMercatorToLonLat(b.MinX, b.MinY)
	maxLon, maxLat := geo.WebMercatorToLonLat(b.MaxX, b.MaxY)
	const m = 1e-6
	box := orb.Bound{Min: orb.Point{minLon - m, minLat - m}, Max: orb.Point{maxLon + m, maxLat + m}}
	if fb := f.BBox; fb != nil {
		box = orb.Bound{Min: orb.Point{max(box.Min[0], fb.Min[0]), max(box.Min[1], fb.Min[1])},
			Max: orb.Point{min(box.Max[0], fb.Max[0]), min(box.Max[1], fb.Max[1])}}
	}
	f.BBox = &box
	if f.MaxPrecision == 0 || f.MaxPrecision > geo.GeoAdmin2 {
		f.MaxPrecision = geo.GeoAdmin2
	}
	n := 0
	err := s.ScanIncidents(ctx, f, geo.Page{}, func(inc *geo.Incident) error {
		if x, y := geo.LonLatTo3857(inc.Location[0], inc.Location[1]); t.Holds(x, y) {
			n++
		}
		return nil
	})
	return n, err
}

// tileCounts reads a tile's points, the incidents in its clusters and what
// tile_info says it matched.
func tileCounts(b []byte) (points, clustered, matched int, err error) {
	if len(b) == 0 {
		return 0, 0, 0, nil
	}
	layers, err := mvt.Unmarshal(b)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("%d bytes that do not decode: %w", len(b), err)
	}
	for _, l := range layers {
		switch l.Name {
		case geo.MVTIncidents:
			points += len(l.Features)
		case geo.MVTClusters:
			for _, f := range l.Features {
				n, _ := f.Properties["count"].(float64)
				clustered += int(n)
			}
		case geo.MVTTileInfo:
			if len(l.Features) == 1 {
				n, _ := l.Features[0].Properties["matched"].(float64)
				matched = int(n)
			}
		}
	}
	return points, clustered, matched, nil
}

// ScaleIncidents are n incidents spread like the real UCDP events: each a
// UCDP event of the shared data drawn at random, its point moved by a
// normal offset of 3 km and kept in Syria's box, with an id of its own
// (the spread of bench/gen, made in memory).
func ScaleIncidents(n int, seed uint64) ([]geo.Incident, error) {
	data, err := SharedDataDir()
	if err != nil {
		return nil, err
	}
	src, err := UCDPSlice(data+"/"+UCDPFile, 1)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 11))
	const degPerKM = 1 / 111.32
	out := make([]geo.Incident, n)
	for i := range out {
		inc := src[rng.IntN(len(src))]
		inc.ID = 0
		inc.ExternalID = fmt.Sprintf("scale:%d", i+1)
		for range 8 {
			p := orb.Point{inc.Location[0] + rng.NormFloat64()*3*degPerKM, inc.Location[1] + rng.NormFloat64()*3*degPerKM}
			if geo.SyriaBound.Contains(p) {
				inc.Location = p
				break
			}
		}
		out[i] = inc
	}
	return out, nil
}

var (
	scaleOnce sync.Once
	scaleIncs []geo.Incident
	scaleErr  error
)

// scaleN is the size of the store RunTileScale checks.
const scaleN = 200_000

// RunTileScale loads the store open returns (fresh and empty) with the
// boundaries and 200,000 incidents spread like the real ones (made once
// per test binary), and checks the sums of 50 tiles over them with and
// without filters: the pyramid and the counting of dense tiles at scale.
func RunTileScale(t *testing.T, open func(t *testing.T) geo.Store) {
	t.Helper()
	fx, err := LoadFixtures()
	if err != nil {
		t.Fatal(err)
	}
	scaleOnce.Do(func() { scaleIncs, scaleErr = ScaleIncidents(scaleN, 1) })
	if scaleErr != nil {
		t.Fatal(scaleErr)
	}
	ctx := context.Background()
	s := open(t)
	if _, err := s.ReplaceRegions(ctx, fx.Regions, nil); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := importBatch(ctx, s, scaleIncs); err != nil {
		t.Fatal(err)
	}
	t.Logf("imported %d incidents in %s", len(scaleIncs), time.Since(start).Round(time.Millisecond))
	start = time.Now()
	for _, d := range TileSums(ctx, s, SumTiles(scaleIncs, sumTiles, 2), sumFilters(scaleIncs)) {
		t.Error(d)
	}
	t.Logf("checked %d tiles x %d filters in %s", sumTiles, len(sumFilters(scaleIncs)), time.Since(start).Round(time.Millisecond))
}
