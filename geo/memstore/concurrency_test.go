package memstore_test

import (
	"context"
	"sync"
	"testing"

	"github.com/badiamap/badiamap/geo"
)

// TestReadersDuringWrites scans, counts and aggregates while batches commit
// and regions are replaced; run with -race. Every scan must see ids in
// ascending order and each incident whole.
func TestReadersDuringWrites(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	regs := regions(t)
	if _, err := s.ReplaceRegions(ctx, regs, nil); err != nil {
		t.Fatal(err)
	}
	importAll(t, s, generate(1, 0, 2000))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 8)
	for r := 0; r < 3; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				last := int64(0)
				err := s.ScanIncidents(ctx, geo.IncidentFilter{Victims: []geo.VictimGroup{geo.VictimGroup("civilians")}}, geo.Page{}, func(inc *geo.Incident) error {
					if inc.ID <= last || inc.Casualties.Civilians == 0 || inc.ExternalID == "" {
						t.Errorf("scan saw id %d after %d, civilians %d", inc.ID, last, inc.Casualties.Civilians)
					}
					last = inc.ID
					return nil
				})
				if err == nil {
					_, err = s.Stats(ctx, geo.IncidentFilter{Regions: []string{"BADIA-SY04"}}, geo.ByMonth)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for b := 0; b < 10; b++ {
		importAll(t, s, generate(int64(10+b), 1500+b*300, 500)) // updates and inserts
		if b == 5 {
			if _, err := s.ReplaceRegions(ctx, regs, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n, _ := s.CountIncidents(ctx, geo.IncidentFilter{}); n != 1500+9*300+500 {
		t.Fatalf("%d incidents after the writes, want %d", n, 1500+9*300+500)
	}
}
