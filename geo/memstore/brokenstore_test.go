package memstore_test

import (
	"context"
	"sort"
	"testing"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/storetest"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
)

// These stores are memstore with one deliberate, subtle fault each. The
// contract suite must report each fault in the check named beside it: this is
// the test of the suite itself.

// highestCodeJoin joins a point on a shared governorate border to the
// highest code instead of the lowest.
type highestCodeJoin struct {
	*memstore.Store
	shared map[orb.Point]string // shared vertex -> highest governorate code
}

func (s *highestCodeJoin) fix(ctx context.Context, inc *geo.Incident) {
	if s.shared == nil {
		s.shared = map[orb.Point]string{}
		owners := map[orb.Point][]string{}
		regions, _ := s.Store.Regions(ctx, geo.KindGovernorate)
		for _, r := range regions {
			for _, p := range r.Geom {
				for _, ring := range p {
					for _, pt := range ring {
						owners[pt] = append(owners[pt], r.Code)
					}
				}
			}
		}
		for pt, codes := range owners {
			sort.Strings(codes)
			if codes[0] != codes[len(codes)-1] {
				s.shared[pt] = codes[len(codes)-1]
			}
		}
	}
	if code, ok := s.shared[inc.Location]; ok {
		inc.Governorate = code
	}
}

func (s *highestCodeJoin) Incident(ctx context.Context, id int64) (geo.Incident, error) {
	inc, err := s.Store.Incident(ctx, id)
	s.fix(ctx, &inc)
	return inc, err
}

func (s *highestCodeJoin) ScanIncidents(ctx context.Context, f geo.IncidentFilter, p geo.Page, fn func(*geo.Incident) error) error {
	return s.Store.ScanIncidents(ctx, f, p, func(inc *geo.Incident) error {
		s.fix(ctx, inc)
		return fn(inc)
	})
}

// openBBox leaves out incidents that lie exactly on a box filter's edges.
type openBBox struct{ *memstore.Store }

func onEdge(b *orb.Bound, p orb.Point) bool {
	return b != nil && (p[0] == b.Min[0] || p[0] == b.Max[0] || p[1] == b.Min[1] || p[1] == b.Max[1])
}

func (s openBBox) ScanIncidents(ctx context.Context, f geo.IncidentFilter, p geo.Page, fn func(*geo.Incident) error) error {
	return s.Store.ScanIncidents(ctx, f, p, func(inc *geo.Incident) error {
		if onEdge(f.BBox, inc.Location) {
			return nil
		}
		return fn(inc)
	})
}

func (s openBBox) CountIncidents(ctx context.Context, f geo.IncidentFilter) (int, error) {
	n := 0
	err := s.ScanIncidents(ctx, f, geo.Page{}, func(*geo.Incident) error { n++; return nil })
	return n, err
}

// inclusiveAfter starts a page at Page.After instead of after it.
type inclusiveAfter struct{ *memstore.Store }

func (s inclusiveAfter) ScanIncidents(ctx context.Context, f geo.IncidentFilter, p geo.Page, fn func(*geo.Incident) error) error {
	if p.After > 0 {
		p.After--
	}
	return s.Store.ScanIncidents(ctx, f, p, fn)
}

// killedWithoutUnknown leaves the dead of unknown group out of Stats' Killed.
type killedWithoutUnknown struct{ *memstore.Store }

func (s killedWithoutUnknown) Stats(ctx context.Context, f geo.IncidentFilter, by geo.GroupBy) ([]geo.GroupTotals, error) {
	out, err := s.Store.Stats(ctx, f, by)
	for i := range out {
		out[i].Killed -= out[i].Casualties.Unknown
	}
	return out, err
}

// noRejoin replaces regions but reports that no incident changed.
type noRejoin struct{ *memstore.Store }

func (s noRejoin) ReplaceRegions(ctx context.Context, regions []geo.Region, a *geo.AuditEntry) (int, error) {
	_, err := s.Store.ReplaceRegions(ctx, regions, a)
	return 0, err
}

// rollbackCommits commits when asked to roll back.
type rollbackCommits struct{ *memstore.Store }

type committingTx struct{ geo.ImportTx }

func (tx committingTx) Rollback() error {
	_, err := tx.ImportTx.Commit()
	return err
}

func (s rollbackCommits) BeginImport(ctx context.Context, author string, a *geo.AuditEntry) (geo.ImportTx, error) {
	tx, err := s.Store.BeginImport(ctx, author, a)
	return committingTx{tx}, err
}

// retile decodes the store's tile, lets edit change its layers and encodes
// them again.
func retile(ctx context.Context, s *memstore.Store, req geo.TileRequest, edit func(mvt.Layers)) (geo.BuiltTile, error) {
	b, err := s.Tile(ctx, req)
	if err != nil || len(b.MVT) == 0 {
		return b, err
	}
	layers, err := mvt.Unmarshal(b.MVT)
	if err != nil {
		return geo.BuiltTile{}, err
	}
	edit(layers)
	b.MVT, err = mvt.Marshal(layers)
	return b, err
}

// tileDropsEmptyText leaves empty texts out of tile features, as a store
// writing NULL for "" would: an incident outside the Badia loses "region".
type tileDropsEmptyText struct{ *memstore.Store }

func (s tileDropsEmptyText) Tile(ctx context.Context, req geo.TileRequest) (geo.BuiltTile, error) {
	return retile(ctx, s.Store, req, func(layers mvt.Layers) {
		for _, l := range layers {
			for _, f := range l.Features {
				for k, v := range f.Properties {
					if v == "" {
						delete(f.Properties, k)
					}
				}
			}
		}
	})
}

// tileShiftsPoints moves every incident and cluster point two tile units
// east, as an off-by-one-pixel projection would.
type tileShiftsPoints struct{ *memstore.Store }

func (s tileShiftsPoints) Tile(ctx context.Context, req geo.TileRequest) (geo.BuiltTile, error) {
	return retile(ctx, s.Store, req, func(layers mvt.Layers) {
		for _, l := range layers {
			if l.Name != geo.MVTIncidents && l.Name != geo.MVTClusters {
				continue
			}
			for _, f := range l.Features {
				if p, ok := f.Geometry.(orb.Point); ok {
					f.Geometry = orb.Point{p[0] + 2, p[1]}
				}
			}
		}
	})
}

// noTiles hides the store's Tile method, as a store without tiles would.
type noTiles struct{ geo.Store }

// tileLosesACluster drops the least deadly cluster of every tile, as a
// store that cut clusters would: the tile no longer adds up.
type tileLosesACluster struct{ *memstore.Store }

func (s tileLosesACluster) Tile(ctx context.Context, req geo.TileRequest) (geo.BuiltTile, error) {
	return retile(ctx, s.Store, req, func(layers mvt.Layers) {
		for _, l := range layers {
			if l.Name == geo.MVTClusters && len(l.Features) > 1 {
				l.Features = l.Features[:len(l.Features)-1]
			}
		}
	})
}

// tileIgnoresBudget builds every tile with the default budget.
type tileIgnoresBudget struct{ *memstore.Store }

func (s tileIgnoresBudget) Tile(ctx context.Context, req geo.TileRequest) (geo.BuiltTile, error) {
	req.MaxBytes = 0
	return s.Store.Tile(ctx, req)
}

// changesForgetMoves notes only where incidents are now, as a log that
// forgot the old position of a moved incident would: here it drops every
// other tile it was given.
type changesForgetMoves struct{ *memstore.Store }

func (s changesForgetMoves) TileChanges(ctx context.Context, since int64) (geo.TileChanges, error) {
	c, err := s.Store.TileChanges(ctx, since)
	var kept []geo.TileAddr
	for i, t := range c.Tiles {
		if i%2 == 0 {
			kept = append(kept, t)
		}
	}
	c.Tiles = kept
	return c, err
}

func TestSuiteCatchesBrokenStores(t *testing.T) {
	fx, err := storetest.LoadFixtures()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		wrap  func(*memstore.Store) geo.Store
		check string // the check that must report the fault
	}{
		{"join picks the highest code on a shared border", func(s *memstore.Store) geo.Store { return &highestCodeJoin{Store: s} }, "incidents"},
		{"box filter excludes its edges", func(s *memstore.Store) geo.Store { return openBBox{s} }, "filters"},
		{"page includes Page.After", func(s *memstore.Store) geo.Store { return inclusiveAfter{s} }, "paging"},
		{"stats leave unknown dead out of Killed", func(s *memstore.Store) geo.Store { return killedWithoutUnknown{s} }, "stats"},
		{"ReplaceRegions reports no re-join", func(s *memstore.Store) geo.Store { return noRejoin{s} }, "replace-regions"},
		{"Rollback commits", func(s *memstore.Store) geo.Store { return rollbackCommits{s} }, "rollback"},
		{"tiles leave empty texts out", func(s *memstore.Store) geo.Store { return tileDropsEmptyText{s} }, "tiles"},
		{"tiles shift points two units east", func(s *memstore.Store) geo.Store { return tileShiftsPoints{s} }, "tiles"},
		{"no tiles at all", func(s *memstore.Store) geo.Store { return noTiles{s} }, "tiles"},
		{"tiles lose a cluster", func(s *memstore.Store) geo.Store { return tileLosesACluster{s} }, "tile-sums"},
		{"tiles ignore the budget", func(s *memstore.Store) geo.Store { return tileIgnoresBudget{s} }, "tiles"},
		{"the change log forgets tiles", func(s *memstore.Store) geo.Store { return changesForgetMoves{s} }, "tile-writes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			diffs := storetest.Differences(context.Background(), c.wrap(openTemp(t)), fx)
			if len(diffs[c.check]) == 0 {
				t.Fatalf("the suite missed the fault: check %q reported nothing (all reports: %v)", c.check, diffs)
			}
			t.Logf("caught by %q: %s", c.check, diffs[c.check][0])
		})
	}
	// The same suite finds nothing wrong with the store itself.
	if diffs := storetest.Differences(context.Background(), openTemp(t), fx); len(diffs) > 0 {
		t.Errorf("the unbroken store has differences: %v", diffs)
	}
}
