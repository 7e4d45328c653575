package memstore_test

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/storetest"
	"github.com/paulmach/orb"
)

// generate makes n valid incidents spread over Syria from a seed; external
// ids start at gen:<first>.
func generate(seed int64, first, n int) []geo.Incident {
	rng := rand.New(rand.NewSource(seed))
	perps := []string{"Islamic State", "Government of Syria", "Syrian insurgents", "SDF", "Unknown gunmen", "تنظيم الدولة"}
	types := [][2]string{{"Battles", "Armed clash"}, {"Violence against civilians", "Attack"}, {"Explosions/Remote violence", "Remote explosive/landmine/IED"}}
	srcs := []string{"SOHR", "Airwars", "Syrian Archive", "Enab Baladi"}
	start := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]geo.Incident, n)
	for i := range out {
		d := start.AddDate(0, 0, rng.Intn(3000))
		t := types[rng.Intn(len(types))]
		var c geo.Casualties
		c.Military = rng.Intn(4)
		c.Militia = rng.Intn(c.Military + 1)
		c.ISIS = rng.Intn(3)
		c.Civilians = rng.Intn(3)
		c.TruffleGatherers = rng.Intn(c.Civilians + 1)
		c.Unknown = rng.Intn(2)
		out[i] = geo.Incident{
			ExternalID: fmt.Sprintf("gen:%d", first+i), DateStart: d, DateEnd: d.AddDate(0, 0, rng.Intn(2)),
			DatePrecision: 1 + rng.Intn(5), GeoPrecision: 1 + rng.Intn(4),
			Location:     orb.Point{35.8 + rng.Float64()*6.5, 32.4 + rng.Float64()*4.8},
			LocationName: fmt.Sprintf("place %d", rng.Intn(5000)), EventType: t[0], SubEventType: t[1],
			Perpetrator: perps[rng.Intn(len(perps))], Target: perps[rng.Intn(len(perps))],
			SourceGovernorate: fmt.Sprintf("SY%02d", 1+rng.Intn(14)),
			Casualties:        c,
			Sources:           []geo.Source{{Name: srcs[rng.Intn(len(srcs))], Date: d, Headline: fmt.Sprintf("report %d", i)}},
		}
		if rng.Intn(4) == 0 {
			out[i].Notes = fmt.Sprintf("generated incident %d with a note", first+i)
		}
	}
	return out
}

func regions(t testing.TB) []geo.Region {
	t.Helper()
	fx, err := storetest.LoadFixtures()
	if err != nil {
		t.Fatal(err)
	}
	return fx.Regions
}

func importAll(t testing.TB, s geo.Store, incs []geo.Incident) geo.ImportResult {
	t.Helper()
	tx, err := s.BeginImport(context.Background(), "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range incs {
		if err := tx.Add(&incs[i]); err != nil {
			t.Fatal(err)
		}
	}
	res, err := tx.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func mustOpen(t testing.TB, dir string) *memstore.Store {
	t.Helper()
	s, err := memstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dump is every incident of s, timestamps included, for comparing states.
func dump(t testing.TB, s geo.Store) []geo.Incident {
	t.Helper()
	var out []geo.Incident
	err := s.ScanIncidents(context.Background(), geo.IncidentFilter{}, geo.Page{}, func(inc *geo.Incident) error {
		out = append(out, *inc)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
