package incidentfile

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// BenchmarkGPKGWrite: the time to write an incident into a GeoPackage,
// spatial index and commit included (b.N incidents in one file), with the
// time Close takes (the R-tree, the metadata, the commit) and the process's
// peak RSS, which stays flat from 1,000,000 incidents to 2,000,000.
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
	b.ReportMetric(float64(peakRSSKiB())/1024, "peak-rss-MiB")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSSKiB is the process's peak resident set (VmHWM).
func peakRSSKiB() int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	return 0
}
