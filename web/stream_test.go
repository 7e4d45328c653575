package web_test

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/web"
)

// tenfold is incs copied ten times, copy k shifted k*5 years later, so a
// date filter picks one copy (to=2020-12-31) or all of them.
func tenfold(incs []geo.Incident) []geo.Incident {
	out := make([]geo.Incident, 0, 10*len(incs))
	for k := 0; k < 10; k++ {
		for _, inc := range incs {
			inc.ExternalID += "#" + strconv.Itoa(k)
			inc.DateStart = inc.DateStart.AddDate(5*k, 0, 0)
			inc.DateEnd = inc.DateEnd.AddDate(5*k, 0, 0)
			out = append(out, inc)
		}
	}
	return out
}

// countingWriter is a ResponseWriter that counts and drops the body, so
// nothing but the server holds the response in memory.
type countingWriter struct {
	header http.Header
	status int
	bytes  int64
}

func (w *countingWriter) Header() http.Header         { return w.header }
func (w *countingWriter) WriteHeader(code int)        { w.status = code }
func (w *countingWriter) Write(p []byte) (int, error) { w.bytes += int64(len(p)); return len(p), nil }

// heapPeak runs fn while sampling the live heap (what the last GC found
// reachable: garbage a starved collector has not reached yet is not the
// server's memory); it returns the peak above the heap before fn.
func heapPeak(fn func()) (peak uint64) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	base := read()
	var max atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if v := read(); v > max.Load() {
				max.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Microsecond):
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	if m := max.Load(); m > base {
		return m - base
	}
	return 0
}

// TestStreamingMemoryIsFlat streams 10x more incidents from the same store
// and checks the heap peak does not grow with them.
func TestStreamingMemoryIsFlat(t *testing.T) {
	incs := tenfold(allUCDP(t))
	store := memStore(t, incs)
	srv := newServer(t, store, web.Config{}, nil)
	// A tight GC target makes the peak follow live memory, not the pacer.
	defer debug.SetGCPercent(debug.SetGCPercent(10))

	stream := func(query string) (peak uint64, body int64) {
		for _, path := range []string{"/api/incidents.geojson", "/api/incidents.csv"} {
			w := &countingWriter{header: http.Header{}}
			p := heapPeak(func() { srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path+"?"+query, nil)) })
			if w.status != 0 && w.status != http.StatusOK {
				t.Fatalf("%s: status %d", path, w.status)
			}
			peak = max(peak, p)
			body += w.bytes
		}
		return peak, body
	}
	smallPeak, smallBody := stream("to=2020-12-31")
	bigPeak, bigBody := stream("")
	t.Logf("one copy: %d MB streamed, heap peak +%.1f MB; ten copies: %d MB streamed, heap peak +%.1f MB",
		smallBody>>20, float64(smallPeak)/(1<<20), bigBody>>20, float64(bigPeak)/(1<<20))
	if bigBody < 9*smallBody {
		t.Fatalf("the big stream (%d bytes) is not about ten times the small one (%d)", bigBody, smallBody)
	}
	// Flat: the extra 9 copies may not cost more than a few MB, when
	// holding them would cost their size (hundreds of MB).
	const margin = 8 << 20
	if bigPeak > smallPeak+margin {
		t.Errorf("heap peak grows with the result: +%d bytes for %d bytes, +%d bytes for %d bytes",
			smallPeak, smallBody, bigPeak, bigBody)
	}
	if bigPeak > uint64(bigBody)/10 {
		t.Errorf("heap peak %d bytes is more than a tenth of the %d bytes streamed", bigPeak, bigBody)
	}
}

// BenchmarkStreamGeoJSON measures features per second through the whole
// server (filter, store scan, GeoJSON writer) on the embedded store.
func BenchmarkStreamGeoJSON(b *testing.B) {
	incs := allUCDP(b)
	store := memStore(b, incs)
	srv := newServer(b, store, web.Config{}, nil)
	b.ReportAllocs()
	b.ResetTimer()
	var bytes int64
	for i := 0; i < b.N; i++ {
		w := &countingWriter{header: http.Header{}}
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/incidents.geojson", nil))
		bytes += w.bytes
	}
	b.ReportMetric(float64(len(incs)*b.N)/b.Elapsed().Seconds(), "features/s")
	b.SetBytes(bytes / int64(b.N))
}
