package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
)

// checkTileWrites: each kind of write (an import of a new incident, an
// import that moves one, a publication, a retraction, a removal) notes in
// the change log the tiles of every position it changed (old and new) and
// no tile far from them; a draft notes none; and after each, the tiles the
// stores build from their maintained aggregates (an unfiltered tile) are
// the tiles they build by counting (a filter that keeps everything). It
// runs last: it leaves its incidents in the store.
func checkTileWrites(ctx context.Context, c *Case) []string {
	ts, ok := c.Store.(geo.TileStore)
	log, logs := c.Store.(geo.TileChangeLog)
	if !ok || !logs {
		return []string{fmt.Sprintf("the %T store does not build tiles and note where writes change them (geo.TileStore, geo.TileChangeLog)", c.Store)}
	}
	var diffs []string
	bad := func(format string, a ...any) { diffs = append(diffs, fmt.Sprintf(format, a...)) }
	if ch, err := log.TileChanges(ctx, 0); err != nil || !ch.All {
		bad("TileChanges since version 0, older than any store keeps: %+v, %v; want All", ch, err)
	}
	// A published incident to move, drawn in tiles.
	var mover *geo.Incident
	for i := range c.Want {
		if w := &c.Want[i]; w.GeoPrecision == geo.GeoExact && w.Casualties.Killed() > 0 && !w.Illustrative {
			mover = w
			break
		}
	}
	if mover == nil {
		return []string{"tile writes: the fixtures have no incident to move"}
	}
	cur, err := c.Store.Incident(ctx, mover.ID)
	if err != nil {
		return []string{fmt.Sprintf("tile writes: Incident(%d): %v", mover.ID, err)}
	}
	far := orb.Point{36.72, 35.93}   // near Idlib: no write below goes there
	fresh := orb.Point{38.61, 34.71} // the Badia of Homs
	moved := orb.Point{40.52, 34.46} // near Abu Kamal
	step := func(what string, write func() error, changed, unchanged []orb.Point) {
		v0 := version(ctx, c.Store)
		if err := write(); err != nil {
			bad("%s: %v", what, err)
			return
		}
		ch, err := log.TileChanges(ctx, v0)
		if err != nil {
			bad("%s: TileChanges(%d): %v", what, v0, err)
			return
		}
		if v := version(ctx, c.Store); ch.Version != v {
			bad("%s: TileChanges runs to version %d, the store is at %d", what, ch.Version, v)
		}
		if ch.All {
			bad("%s: TileChanges says everything changed", what)
			return
		}
		for _, p := range changed {
			x, y := geo.LonLatTo3857(p[0], p[1])
			for z := 0; z <= geo.MaxTileZoom; z++ {
				cx, cy := geo.CellOf(x, y, z)
				if t := (geo.TileAddr{Z: z, X: cx, Y: cy}); !ch.Touches(t) {
					bad("%s: the change at %v is not noted for tile %s (changes: %v)", what, p, t, ch.Tiles)
					break
				}
			}
			diffs = append(diffs, samePyramid(ctx, ts, what, p)...)
		}
		for _, p := range unchanged {
			x, y := geo.LonLatTo3857(p[0], p[1])
			cx, cy := geo.CellOf(x, y, 8)
			if t := (geo.TileAddr{Z: 8, X: cx, Y: cy}); ch.Touches(t) {
				bad("%s: tile %s, far from the write, is noted as changed (changes: %v)", what, t, ch.Tiles)
			}
		}
	}
	added := newIncident("storetest:tile-writes-new")
	added.Location, added.Casualties = fresh, geo.Casualties{Civilians: 4}
	step("an import of a new incident", func() error {
		_, err := importBatch(ctx, c.Store, []geo.Incident{added})
		return err
	}, []orb.Point{fresh}, []orb.Point{far, moved})

	from := cur.Location
	cur.Location, cur.ID, cur.Governorate, cur.Region = moved, 0, "", ""
	step("an import that moves an incident", func() error {
		_, err := importBatch(ctx, c.Store, []geo.Incident{cur})
		return err
	}, []orb.Point{from, moved}, []orb.Point{far})

	if es, ok := c.Store.(geo.EditStore); ok {
		spot := orb.Point{39.05, 35.21}
		draft := newIncident("storetest:tile-writes-draft")
		draft.Location = spot
		var head geo.Version
		step("a draft", func() error {
			var err error
			head, err = es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionCreate, Incident: draft, Author: "a"})
			return err
		}, nil, []orb.Point{spot})
		step("its publication", func() error {
			var err error
			head, err = es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionPublish, ID: head.Incident.ID, IfVersion: head.Incident.Version, Author: "b"})
			return err
		}, []orb.Point{spot}, []orb.Point{far})
		step("its retraction", func() error {
			_, err := es.ApplyEdit(ctx, geo.Edit{Action: geo.ActionRetract, ID: head.Incident.ID, IfVersion: head.Incident.Version, Author: "b", Comment: "a test"})
			return err
		}, []orb.Point{spot}, []orb.Point{far})
	}
	step("a removal", func() error {
		n, err := c.Store.RemoveIncidents(ctx, geo.IncidentFilter{BBox: &orb.Bound{Min: fresh, Max: fresh}}, nil)
		if err == nil && n != 1 {
			err = fmt.Errorf("removed %d incidents at %v, want the one imported there", n, fresh)
		}
		return err
	}, []orb.Point{fresh}, []orb.Point{far})
	return limit(diffs)
}

// samePyramid compares, at every zoom from 0 to 12, the unfiltered tile
// holding p (built from a store's maintained aggregates) with the tile of a
// filter that keeps everything (built by counting).
func samePyramid(ctx context.Context, ts geo.TileStore, what string, p orb.Point) []string {
	var diffs []string
	x, y := geo.LonLatTo3857(p[0], p[1])
	everything := geo.IncidentFilter{From: time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)}
	for z := 0; z <= 12; z++ {
		cx, cy := geo.CellOf(x, y, z)
		req := geo.TileRequest{Layer: geo.TileIncidents, Z: z, X: cx, Y: cy}
		a, err := ts.Tile(ctx, req)
		if err != nil {
			return []string{fmt.Sprintf("%s: tile %d/%d/%d: %v", what, z, cx, cy, err)}
		}
		req.Filter = everything
		b, err := ts.Tile(ctx, req)
		if err != nil {
			return []string{fmt.Sprintf("%s: tile %d/%d/%d: %v", what, z, cx, cy, err)}
		}
		if d := sameFeatures(a.MVT, b.MVT); d != "" {
			diffs = append(diffs, fmt.Sprintf("%s: tile %d/%d/%d unfiltered and with a filter of everything differ: %s", what, z, cx, cy, d))
		}
	}
	return diffs
}

// sameFeatures describes the first difference between two tiles' features
// (ids, properties, points within a tile unit), or is "".
func sameFeatures(a, b []byte) string {
	if len(a) == 0 || len(b) == 0 {
		if len(a) != len(b) {
			return fmt.Sprintf("%d bytes and %d bytes", len(a), len(b))
		}
		return ""
	}
	la, err := mvt.Unmarshal(a)
	if err != nil {
		return err.Error()
	}
	lb, err := mvt.Unmarshal(b)
	if err != nil {
		return err.Error()
	}
	if len(la) != len(lb) {
		return fmt.Sprintf("%d layers and %d", len(la), len(lb))
	}
	for i := range la {
		if la[i].Name != lb[i].Name || len(la[i].Features) != len(lb[i].Features) {
			return fmt.Sprintf("layer %s of %d features and %s of %d", la[i].Name, len(la[i].Features), lb[i].Name, len(lb[i].Features))
		}
		for j, fa := range la[i].Features {
			fb := lb[i].Features[j]
			pa, _ := json.Marshal(fa.Properties)
			pb, _ := json.Marshal(fb.Properties)
			if fa.ID != fb.ID || string(pa) != string(pb) {
				return fmt.Sprintf("layer %s feature %d: %v %s and %v %s", la[i].Name, j, fa.ID, pa, fb.ID, pb)
			}
			ga, oka := fa.Geometry.(orb.Point)
			gb, okb := fb.Geometry.(orb.Point)
			if !oka || !okb || math.Abs(ga[0]-gb[0]) > 1 || math.Abs(ga[1]-gb[1]) > 1 {
				return fmt.Sprintf("layer %s feature %v at %v and %v", la[i].Name, fa.ID, fa.Geometry, fb.Geometry)
			}
		}
	}
	return ""
}
