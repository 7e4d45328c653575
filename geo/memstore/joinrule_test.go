package memstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/paulmach/orb"
)

// TestStoreWrittenBeforeTheRuleIsRejoinedOnce: a store whose incidents were
// joined by their points only is re-joined by the precision rule on open,
// in one log record, and the next open writes nothing.
func TestStoreWrittenBeforeTheRuleIsRejoinedOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	d := time.Date(2017, 6, 30, 0, 0, 0, 0, time.UTC)
	inc := func(ext string, precision int) geo.Incident {
		return geo.Incident{ExternalID: ext, DateStart: d, DateEnd: d, DatePrecision: 1, GeoPrecision: precision,
			Location: orb.Point{38.0, 35.0}, SourceGovernorate: "SY04", Casualties: geo.Casualties{Military: 5}}
	}
	restore := memstore.WriteBeforeTheRule()
	old, err := memstore.Open(dir)
	if err != nil {
		restore()
		t.Fatal(err)
	}
	if _, err := old.ReplaceRegions(ctx, regions, nil); err != nil {
		t.Fatal(err)
	}
	tx, _ := old.BeginImport(ctx, "test", nil)
	for _, i := range []geo.Incident{inc("exact", 1), inc("country", 6), inc("governorate", 4)} {
		if err := tx.Add(&i); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	before, _ := old.Incident(ctx, 2)
	old.Close()
	restore()
	if before.Region == "" {
		t.Fatalf("the country-level event was not joined by its point before the rule: %+v", before)
	}
	logSize := func() int64 {
		fi, err := os.Stat(filepath.Join(dir, "log"))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	size0 := logSize()
	s, err := memstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64][3]string{1: {before.Governorate, before.Region, "point"}, 2: {"", "", "none"}, 3: {"SY04", "", "source_admin1"}}
	for id, w := range want {
		got, err := s.Incident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if g := [3]string{got.Governorate, got.Region, string(got.JoinBasis)}; g != w {
			t.Errorf("incident %d after the re-join: %v, want %v", id, g, w)
		}
	}
	s.Close()
	size1 := logSize()
	if size1 <= size0 {
		t.Errorf("the re-join logged nothing (log %d bytes, then %d)", size0, size1)
	}
	s, err = memstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if size2 := logSize(); size2 != size1 {
		t.Errorf("a second open re-joined again: log %d bytes, then %d", size1, size2)
	}
}
