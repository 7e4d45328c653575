package gen

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/incidentfile"
)

func ucdpSource(t *testing.T) []byte {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "data", "incidents", "ucdp_ged_syria_v652.1601.1911_2016-01-01_2019-11-30.csv")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Skipf("UCDP source not available: %v", err)
	}
	return b
}

func generate(t *testing.T, src []byte, opt Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Generate(&buf, bytes.NewReader(src), opt); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGenerateDeterministicAndDifferentBySeed(t *testing.T) {
	src := ucdpSource(t)
	a := generate(t, src, Options{N: 2000, Seed: 7})
	b := generate(t, src, Options{N: 2000, Seed: 7})
	c := generate(t, src, Options{N: 2000, Seed: 8})
	if !bytes.Equal(a, b) {
		t.Error("the same seed gave different files")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds gave the same file")
	}
}

// The generated file is a UCDP file the importer reads with no rejected row:
// unique ids, points inside Syria, dates in range, the real casualty mix.
func TestGeneratedRowsImportCleanly(t *testing.T) {
	src := ucdpSource(t)
	const n = 20000
	data := generate(t, src, Options{N: n, Seed: 1})
	rd, err := incidentfile.Open(bytes.NewReader(data), incidentfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rd.Format() != incidentfile.FormatUCDP {
		t.Fatalf("format %s, want UCDP", rd.Format())
	}
	from, to := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
	ids := map[string]bool{}
	years := map[int]int{}
	killed, read := 0, 0
	syria, err := newSyria()
	if err != nil {
		t.Fatal(err)
	}
	outside := 0
	for {
		inc, rowErr, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		read++
		if rowErr != nil {
			t.Fatalf("rejected: %v", rowErr)
		}
		if ids[inc.ExternalID] {
			t.Fatalf("duplicate id %s", inc.ExternalID)
		}
		ids[inc.ExternalID] = true
		if inc.DateStart.Before(from) || inc.DateStart.After(to) {
			t.Errorf("%s: date %s outside 2016-2024", inc.ExternalID, inc.DateStart.Format(geo.DateLayout))
		}
		years[inc.DateStart.Year()]++
		killed += inc.Casualties.Killed()
		if syria.find(inc.Location) < 0 {
			outside++
		}
	}
	if read != n {
		t.Fatalf("read %d rows, want %d", read, n)
	}
	if len(years) != 9 {
		t.Errorf("events fall in %d distinct years, want the 9 of 2016-2024: %v", len(years), years)
	}
	// The real file's points are all in Syria but a handful lie just outside the
	// simplified polygons (on the border); jitter never moves a point out.
	if outside > n/200 {
		t.Errorf("%d of %d points outside the governorates", outside, n)
	}
	// The mean deaths per event is the real file's, within sampling error.
	realRd, err := incidentfile.Open(bytes.NewReader(src), incidentfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	realKilled, realN := 0, 0
	for {
		inc, _, err := realRd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		realKilled += inc.Casualties.Killed()
		realN++
	}
	got, want := float64(killed)/float64(read), float64(realKilled)/float64(realN)
	if got < want*0.8 || got > want*1.2 {
		t.Errorf("mean killed per event %.2f, the real file's is %.2f", got, want)
	}
}

func TestJitterStaysNearAndInside(t *testing.T) {
	src := ucdpSource(t)
	data := generate(t, src, Options{N: 1000, Seed: 3, JitterKM: 3})
	rd, err := incidentfile.Open(bytes.NewReader(data), incidentfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	realRd, _ := incidentfile.Open(bytes.NewReader(src), incidentfile.Options{})
	var real []geo.Incident
	for {
		inc, _, err := realRd.Next()
		if err != nil {
			break
		}
		real = append(real, inc)
	}
	syria, _ := newSyria()
	for {
		inc, _, err := rd.Next()
		if err != nil {
			break
		}
		// The nearest real event is within a few sigma (30 km is 10 sigma).
		best := 1e9
		for i := range real {
			dx, dy := (inc.Location[0]-real[i].Location[0])*92, (inc.Location[1]-real[i].Location[1])*111
			if d := dx*dx + dy*dy; d < best {
				best = d
			}
		}
		if best > 30*30 {
			t.Fatalf("%s at %v is %.0f km from every real event", inc.ExternalID, inc.Location, best)
		}
		if syria.find(inc.Location) < 0 && !nearAny(real, inc.Location) {
			t.Fatalf("%s at %v was moved out of Syria", inc.ExternalID, inc.Location)
		}
	}
}

// nearAny reports whether p is a real event's own point (kept unjittered).
func nearAny(real []geo.Incident, p [2]float64) bool {
	for i := range real {
		if abs(real[i].Location[0]-p[0]) < 1e-6 && abs(real[i].Location[1]-p[1]) < 1e-6 {
			return true
		}
	}
	return false
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func TestGenerateBadSource(t *testing.T) {
	var buf bytes.Buffer
	err := Generate(&buf, bytes.NewReader([]byte("id,latitude\n1,2\n")), Options{N: 3})
	if err == nil {
		t.Fatal("a source without the UCDP columns was accepted")
	}
	if err := Generate(&buf, bytes.NewReader(nil), Options{N: 3}); err == nil {
		t.Fatal("an empty source was accepted")
	}
}
