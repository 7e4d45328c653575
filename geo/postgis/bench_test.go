package postgis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/paulmach/orb"
)

// ochaRegions are the 14 OCHA governorates at full resolution, and the same
// outlines again as Badia regions: the heaviest join the store can face.
func ochaRegions(tb testing.TB) []geo.Region {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "data", "boundaries", "syr_adm1_ocha_codab_v02.geojson"))
	if err != nil {
		tb.Skipf("OCHA boundaries not at hand: %v", err)
	}
	var fc struct {
		Features []struct {
			Properties struct {
				Code string `json:"ADM1_PCODE"`
				Name string `json:"ADM1_EN"`
			} `json:"properties"`
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		tb.Fatal(err)
	}
	var out []geo.Region
	for _, f := range fc.Features {
		var mp orb.MultiPolygon
		if f.Geometry.Type == "Polygon" {
			var p [][][2]float64
			err = json.Unmarshal(f.Geometry.Coordinates, &p)
			mp = orb.MultiPolygon{toPolygon(p)}
		} else {
			var ps [][][][2]float64
			err = json.Unmarshal(f.Geometry.Coordinates, &ps)
			for _, p := range ps {
				mp = append(mp, toPolygon(p))
			}
		}
		if err != nil {
			tb.Fatal(err)
		}
		code := f.Properties.Code
		out = append(out,
			geo.Region{Code: code, Kind: geo.KindGovernorate, NameEN: f.Properties.Name, Geom: mp},
			geo.Region{Code: geo.BadiaCode(code), Kind: geo.KindBadia, Parent: code, Geom: mp})
	}
	return out
}

// BenchmarkImport imports BADIAMAP_BENCH_ROWS generated incidents (100,000
// by default) into a store holding the full-resolution governorates, then
// re-joins them all, and reports rows/s for both.
func BenchmarkImport(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("BADIAMAP_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	incs := genIncidents(42, n)
	regions := ochaRegions(b)
	ctx := context.Background()
	postgis.SetStepTimer(func(step string, took time.Duration) { fmt.Fprintf(os.Stderr, "  %-28s %s\n", step, took) })
	defer postgis.SetStepTimer(nil)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := newStore(b)
		if _, err := s.ReplaceRegions(ctx, regions, nil); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		res := importAll(b, s, incs)
		importTook := time.Since(start)
		if res.Inserted != n {
			b.Fatalf("inserted %d of %d", res.Inserted, n)
		}
		b.ReportMetric(float64(n)/importTook.Seconds(), "import-rows/s")

		// Shift every outline so that every incident changes region.
		shifted := make([]geo.Region, len(regions))
		for j, r := range regions {
			shifted[j] = r
			shifted[j].Code = r.Code + "X"
		}
		start = time.Now()
		changed, err := s.ReplaceRegions(ctx, shifted, nil)
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		b.ReportMetric(took.Seconds(), "rejoin-s")
		b.ReportMetric(float64(changed), "rejoined")
		fmt.Fprintf(os.Stderr, "import %d rows: %.0f rows/s; re-join %d: %s\n", n, float64(n)/importTook.Seconds(), changed, took)
	}
}

func toPolygon(rings [][][2]float64) orb.Polygon {
	p := make(orb.Polygon, len(rings))
	for i, r := range rings {
		for _, c := range r {
			p[i] = append(p[i], orb.Point(c))
		}
	}
	return p
}
