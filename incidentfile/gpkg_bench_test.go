package incidentfile

import (
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// BenchmarkGPKGWrite: incidents written a second into a GeoPackage,
// spatial index and commit included (b.N incidents in one file).
func BenchmarkGPKGWrite(b *testing.B) {
	templates := roundTripSet(b, 2000)
	path := filepath.Join(b.TempDir(), "bench.gpkg")
	gw, err := NewGPKGWriter(path, gpkgTestMeta)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		inc := templates[i%len(templates)]
		inc.ID = int64(i + 1)
		inc.ExternalID = "gen:" + strconv.Itoa(i+1)
		inc.Location = orb.Point{inc.Location[0] + float64(i%97)*1e-4, inc.Location[1] - float64(i%89)*1e-4}
		if err := gw.Write(&inc); err != nil {
			b.Fatal(err)
		}
	}
	written, cpu := time.Now(), cpuTime()
	if err := gw.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(time.Since(written).Milliseconds()), "close-ms")
	b.ReportMetric(float64((cpuTime() - cpu).Milliseconds()), "close-cpu-ms")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
