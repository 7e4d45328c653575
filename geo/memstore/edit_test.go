package memstore_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/paulmach/orb"
)

// TestVersionsSurviveReopenAndCompaction: the history, the pending draft
// and the statuses come back the same from the log, and from a snapshot.
func TestVersionsSurviveReopenAndCompaction(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := memstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	regions, _ := boundaries.All()
	if _, err := s.ReplaceRegions(ctx, regions, nil); err != nil {
		t.Fatal(err)
	}
	d := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	inc := geo.Incident{ExternalID: "desk:a", DateStart: d, DateEnd: d, DatePrecision: 1, GeoPrecision: 1,
		Location: orb.Point{38.3, 34.6}, Casualties: geo.Casualties{Civilians: 2}, Notes: "first"}
	edits := []geo.Edit{
		{Action: geo.ActionCreate, Incident: inc, Author: "amal"},
		{Action: geo.ActionPublish, ID: 1, IfVersion: 1, Author: "badr"},
		{Action: geo.ActionEdit, ID: 1, IfVersion: 2, Author: "amal"},
	}
	edits[2].Incident = inc
	edits[2].Incident.Notes = "second"
	for _, e := range edits {
		if _, err := s.ApplyEdit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	want, err := s.History(ctx, 1)
	if err != nil || len(want) != 3 {
		t.Fatalf("history: %d versions, %v", len(want), err)
	}
	check := func(stage string, s *memstore.Store) {
		t.Helper()
		got, err := s.History(ctx, 1)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: history differs (%v):\n%+v\n%+v", stage, err, got, want)
		}
		head, err := s.Head(ctx, 1)
		if err != nil || head.Incident.Notes != "second" || head.Incident.Status != geo.StatusDraft {
			t.Errorf("%s: head %+v, %v; want the pending draft", stage, head.Incident, err)
		}
		pub, err := s.Incident(ctx, 1)
		if err != nil || pub.Notes != "first" || pub.Version != 2 {
			t.Errorf("%s: public reads see %q version %d, %v; want version 2", stage, pub.Notes, pub.Version, err)
		}
	}
	s.Close()
	s, err = memstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	check("reopened from the log", s)
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = memstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check("reopened from a snapshot", s)
}
