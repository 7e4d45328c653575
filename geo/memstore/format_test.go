package memstore

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
)

// joinsOf is every incident's governorate and Badia region, by id.
func joinsOf(t *testing.T, s *Store) []joinCodes {
	t.Helper()
	var out []joinCodes
	err := s.ScanIncidents(context.Background(), geo.IncidentFilter{}, geo.Page{}, func(inc *geo.Incident) error {
		out = append(out, joinCodes{inc.Governorate, inc.Region})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRegionRecordFormats: a log written by the first format (a region
// record without the join) still opens, joined by the package rule, and is
// folded into the snapshot so the next open does not join again; a region
// replacement now logs its join, and replay applies it as logged.
func TestRegionRecordFormats(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tx, _ := s.BeginImport(ctx, "test", nil)
	for i := 0; i < 300; i++ {
		inc := geo.Incident{ExternalID: fmt.Sprintf("t:%d", i), DateStart: time.Date(2018, 1, 1+i%28, 0, 0, 0, 0, time.UTC),
			DatePrecision: 1, GeoPrecision: 1, Location: orb.Point{36 + float64(i%60)/10, 32.5 + float64(i/60)}}
		if err := tx.Add(&inc); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// A region record as the first format wrote it: seq and JSON only.
	body, err := json.Marshal(mergeRegions(nil, regions))
	if err != nil {
		t.Fatal(err)
	}
	var e encoder
	e.byte(recRegions)
	e.uvarint(uint64(s.version + 1))
	e.buf = append(e.buf, body...)
	if err := s.appendLog(e.buf); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Recovery(); r.Rejoined != 1 || r.Replayed != 2 {
		t.Errorf("first open: recovery %+v, want 2 records replayed and 1 re-joined", r)
	}
	ix := newJoinIndex(s.regions)
	want := make([]joinCodes, 0, 300)
	joined := 0
	for _, r := range s.recs.all() {
		g, b := ix.join(orb.Point{r.lon, r.lat})
		want = append(want, joinCodes{g, b})
		if g != "" {
			joined++
		}
	}
	if joined == 0 {
		t.Fatal("no incident lies in a governorate: the test checks nothing")
	}
	if got := joinsOf(t, s); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("joins after replaying the first format differ from the rule's")
	}
	if st, err := os.Stat(filepath.Join(dir, logFile)); err != nil || st.Size() != 0 {
		t.Errorf("the log was not folded into the snapshot on open: %v, %v", st.Size(), err)
	}
	s.Close()

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Recovery(); r.Rejoined != 0 || r.Replayed != 0 {
		t.Errorf("second open: recovery %+v, want nothing replayed", r)
	}
	if got := joinsOf(t, s); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("joins read from the snapshot differ")
	}
	// A replacement that moves incidents: only the governorates, reversed
	// codes, so the join changes; it is logged with its join.
	var govs []geo.Region
	for _, r := range regions {
		if r.Kind == geo.KindGovernorate {
			govs = append(govs, r)
		}
	}
	govs[0].Geom, govs[1].Geom = govs[1].Geom, govs[0].Geom
	if _, err := s.ReplaceRegions(ctx, govs, nil); err != nil {
		t.Fatal(err)
	}
	after := joinsOf(t, s)
	if fmt.Sprint(after) == fmt.Sprint(want) {
		t.Fatal("swapping two governorates moved no incident: the test checks nothing")
	}
	s.Close()
	raw, err := os.ReadFile(filepath.Join(dir, logFile))
	if err != nil || len(raw) <= frameHeader || raw[frameHeader] != recRegionsJoined {
		t.Fatalf("the log does not start with a joined region record (%v)", err)
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r := s.Recovery(); r.Rejoined != 0 || r.Replayed != 1 {
		t.Errorf("third open: recovery %+v, want 1 record replayed, none re-joined", r)
	}
	if got := joinsOf(t, s); fmt.Sprint(got) != fmt.Sprint(after) {
		t.Fatalf("joins replayed from the log differ from those applied")
	}
}
