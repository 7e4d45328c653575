package memstore_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/paulmach/orb"
)

// Run with: go test -run '^$' -bench . -benchtime 1x ./geo/memstore/
// (the 1,000,000-incident benchmarks build their data once per run).

func importBatches(b *testing.B, s geo.Store, incs []geo.Incident, batch int) {
	for start := 0; start < len(incs); start += batch {
		importAll(b, s, incs[start:min(start+batch, len(incs))])
	}
}

func BenchmarkImportUCDP(b *testing.B) {
	incs, regs := readUCDP(b), regions(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := mustOpen(b, b.TempDir())
		s.ReplaceRegions(context.Background(), regs, nil)
		b.StartTimer()
		importAll(b, s, incs)
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(incs)*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkImport1M(b *testing.B) {
	incs, regs := generate(7, 0, 1_000_000), regions(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := mustOpen(b, b.TempDir())
		s.ReplaceRegions(context.Background(), regs, nil)
		b.StartTimer()
		importBatches(b, s, incs, 100_000)
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(incs)*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestMain removes the data directories tests and benchmarks share.
func TestMain(m *testing.M) {
	code := m.Run()
	if store1M != "" {
		os.RemoveAll(store1M)
	}
	for _, ds := range damageTemplates {
		os.RemoveAll(ds.dir)
	}
	os.Exit(code)
}

// store1M is a data directory holding 1,000,000 generated incidents, built
// once per benchmark run and compacted into a snapshot.
var store1M string

func dir1M(b *testing.B) string {
	if store1M != "" {
		return store1M
	}
	dir, err := os.MkdirTemp("", "memstore-bench-")
	if err != nil {
		b.Fatal(err)
	}
	s := mustOpen(b, dir)
	s.ReplaceRegions(context.Background(), regions(b), nil)
	importBatches(b, s, generate(7, 0, 1_000_000), 100_000)
	start := time.Now()
	if err := s.Compact(); err != nil {
		b.Fatal(err)
	}
	b.Logf("compacting 1,000,000 incidents: %v", time.Since(start))
	s.Close()
	store1M = dir
	return dir
}

func BenchmarkOpen1M(b *testing.B) {
	dir := dir1M(b)
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		s, err := memstore.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		if s.Len() != 1_000_000 {
			b.Fatalf("reopened with %d incidents", s.Len())
		}
		s.Close()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/open")
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/open")
}

func BenchmarkScanFiltered1M(b *testing.B) {
	s := mustOpen(b, dir1M(b))
	defer s.Close()
	ctx := context.Background()
	filters := map[string]geo.IncidentFilter{
		"all":            {},
		"civilians-2018": {Victims: []geo.VictimGroup{geo.VictimGroup("civilians")}, From: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2018, 12, 31, 0, 0, 0, 0, time.UTC)},
		"badia-homs":     {Regions: []string{"BADIA-SY04"}},
		"bbox-palmyra":   {BBox: &palmyraBox},
		"text":           {Text: "with a note"},
	}
	for name, f := range filters {
		b.Run(name, func(b *testing.B) {
			n := 0
			for i := 0; i < b.N; i++ {
				n = 0
				s.ScanIncidents(ctx, f, geo.Page{}, func(*geo.Incident) error { n++; return nil })
			}
			b.ReportMetric(float64(n), "matched")
		})
	}
	b.Run("stats-by-region", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s.Stats(ctx, geo.IncidentFilter{}, geo.ByRegion)
		}
	})
	b.Run("rejoin-1M", func(b *testing.B) {
		regs := regions(b)
		for i := 0; i < b.N; i++ {
			s.ReplaceRegions(ctx, regs, nil)
		}
	})
}

var palmyraBox = orb.Bound{Min: orb.Point{37.9, 34.3}, Max: orb.Point{38.7, 34.8}}

// cpuTime is the CPU time this process has used, user and system: on a
// shared machine it says more than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkOpenDir opens the data directory named by MEMSTORE_BENCH_DIR (a
// copy: Open may cut a torn log or compact it), e.g. a copy of the
// 1,000,000-incident bench/out/mem-gen, and reports the live heap it holds.
func BenchmarkOpenDir(b *testing.B) {
	dir := os.Getenv("MEMSTORE_BENCH_DIR")
	if dir == "" {
		b.Skip("set MEMSTORE_BENCH_DIR to a copy of a data directory")
	}
	cpu0 := cpuTime()
	var heap uint64
	for i := 0; i < b.N; i++ {
		s, err := memstore.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = ms.HeapAlloc
		if path := os.Getenv("MEMSTORE_HEAP_PROFILE"); path != "" {
			writeHeapProfile(b, path)
		}
		b.StartTimer()
		s.Close()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/open")
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/open")
	b.ReportMetric(float64(heap)/(1<<20), "live-heap-MB")
}

// writeHeapProfile writes the live heap to path, for go tool pprof.
func writeHeapProfile(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		b.Fatal(err)
	}
}

// benchTiles are 4 tiles per zoom from 5 to 12, around places where the
// incidents crowd: z5-z7 come as clusters, z8-z12 as incidents.
func benchTiles() (clustered, incidents []geo.TileRequest) {
	places := []orb.Point{{38.27, 34.55}, {40.14, 35.33}, {37.16, 36.20}, {36.29, 33.51}}
	for z := 5; z <= 12; z++ {
		for _, p := range places {
			n := float64(int(1) << z)
			x := int((p[0] + 180) / 360 * n)
			lat := p[1] * math.Pi / 180
			y := int((1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2 * n)
			req := geo.TileRequest{Layer: geo.TileIncidents, Z: z, X: x, Y: y}
			if req.Clustered() {
				clustered = append(clustered, req)
			} else {
				incidents = append(incidents, req)
			}
		}
	}
	return clustered, incidents
}

// BenchmarkTiles builds the benchTiles over 1,000,000 incidents: the copy of
// a data directory MEMSTORE_BENCH_DIR names (e.g. bench/out/mem-gen, spread
// like the UCDP events), else 1,000,000 generated ones. One op is every
// tile of the group; B/op is what they allocate together.
func BenchmarkTiles(b *testing.B) {
	dir := os.Getenv("MEMSTORE_BENCH_DIR")
	if dir == "" {
		dir = dir1M(b)
	}
	s := mustOpen(b, dir)
	defer s.Close()
	ctx := context.Background()
	clustered, incidents := benchTiles()
	for _, g := range []struct {
		name  string
		tiles []geo.TileRequest
	}{{"clusters-z5-z7", clustered}, {"incidents-z8-z12", incidents}, {"incidents-z8-z12-all-properties", allProperties(incidents)}} {
		b.Run(g.name, func(b *testing.B) {
			b.ReportAllocs()
			bytes := 0
			for i := 0; i < b.N; i++ {
				bytes = 0
				for _, req := range g.tiles {
					t, err := s.Tile(ctx, req)
					if err != nil {
						b.Fatal(err)
					}
					bytes += len(t.MVT)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N*len(g.tiles)), "ms/tile")
			b.ReportMetric(float64(bytes)/float64(len(g.tiles)), "mvt-bytes/tile")
		})
	}
}

// allProperties is reqs asking for every incident property, as the tiles
// were before the default list.
func allProperties(reqs []geo.TileRequest) []geo.TileRequest {
	out := slices.Clone(reqs)
	for i := range out {
		out[i].Properties = geo.AllIncidentProperties
	}
	return out
}

// BenchmarkCheckDamagedLog checks a log of a batch of 70,000 incidents (just
// under the size that compacts) with a flipped byte in its middle, and a
// small batch after it: the check gets past the damage by searching the rest
// of the big batch for the next record.
func BenchmarkCheckDamagedLog(b *testing.B) {
	dir := b.TempDir()
	s := mustOpen(b, dir)
	s.ReplaceRegions(context.Background(), regions(b), nil)
	logPath := filepath.Join(dir, "log")
	start, _ := os.Stat(logPath)
	importAll(b, s, generate(1, 0, 70_000))
	end, _ := os.Stat(logPath)
	importAll(b, s, generate(2, 70_000, 1000))
	s.Close()
	raw, err := os.ReadFile(logPath)
	if err != nil {
		b.Fatal(err)
	}
	raw[(start.Size()+end.Size())/2] ^= 0x5a
	if err := os.WriteFile(logPath, raw, 0o644); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := memstore.Check(dir)
		if err != nil || len(rep.Damage) != 1 || rep.Files[1].Records != 2 || rep.Files[0].Missing != true {
			b.Fatalf("check: %v %+v", err, rep)
		}
	}
	b.ReportMetric(float64(len(raw))/(1<<20), "log-MB")
	b.ReportMetric(float64(end.Size()-start.Size())/(1<<20), "damaged-MB")
}
