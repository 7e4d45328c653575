package postgis_test

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/badiamap/badiamap/internal/pgtest"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
)

// The tile grid and projection of geo/tile.go are PostGIS's own: the same
// envelopes as ST_TileEnvelope and the same metres as the stored geom_3857,
// so the two stores put every point in the same tile and cell.
func TestTileGridIsPostGISs(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for _, c := range [][3]int{{0, 0, 0}, {5, 19, 12}, {8, 153, 101}, {12, 2449, 1630}, {22, 2500000, 1700000}} {
		var minx, miny, maxx, maxy float64
		err := s.DB().QueryRowContext(ctx, `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
			FROM ST_TileEnvelope($1, $2, $3) AS e`, c[0], c[1], c[2]).Scan(&minx, &miny, &maxx, &maxy)
		if err != nil {
			t.Fatal(err)
		}
		b := geo.TileBounds3857(c[0], c[1], c[2])
		if b != (geo.TileBound{MinX: minx, MinY: miny, MaxX: maxx, MaxY: maxy}) {
			t.Errorf("tile %v: Go %+v, PostGIS %v %v %v %v", c, b, minx, miny, maxx, maxy)
		}
	}
	worst := 0.0
	for lon := 35.5; lon < 42.5; lon += 0.37 {
		for lat := 32.3; lat < 37.3; lat += 0.29 {
			var x, y float64
			if err := s.DB().QueryRowContext(ctx, `SELECT ST_X(g), ST_Y(g) FROM ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 4326), 3857) AS g`,
				lon, lat).Scan(&x, &y); err != nil {
				t.Fatal(err)
			}
			gx, gy := geo.LonLatTo3857(lon, lat)
			worst = math.Max(worst, math.Max(math.Abs(gx-x), math.Abs(gy-y)))
		}
	}
	if worst > 1e-6 {
		t.Errorf("geo.LonLatTo3857 is up to %g m from PostGIS", worst)
	}
	// The stored tile key (migration 0012) is geo.TileKey of the stored
	// point, on tile and cell edges too.
	var pts [][2]float64
	for lon := 35.5; lon < 42.5; lon += 0.37 {
		for lat := 32.3; lat < 37.3; lat += 0.29 {
			pts = append(pts, [2]float64{lon, lat})
		}
	}
	for _, z := range []int{5, 9, 13, 17, 22} {
		x, y := geo.LonLatTo3857(38.27, 34.55)
		cx, cy := geo.CellOf(x, y, z)
		b := geo.TileAddr{Z: z, X: cx, Y: cy}.Bounds()
		for _, c := range [][2]float64{{b.MinX, b.MaxY}, {b.MaxX, b.MinY}, {b.MinX, b.MinY}} {
			lon, lat := geo.WebMercatorToLonLat(c[0], c[1])
			pts = append(pts, [2]float64{lon, lat})
		}
	}
	for _, p := range pts {
		var key int64
		var x, y float64
		if err := s.DB().QueryRowContext(ctx, `SELECT incident_tile_key(g), ST_X(ST_Transform(g, 3857)), ST_Y(ST_Transform(g, 3857))
			FROM ST_SetSRID(ST_MakePoint($1, $2), 4326) AS g`, p[0], p[1]).Scan(&key, &x, &y); err != nil {
			t.Fatal(err)
		}
		if want := geo.TileKey(x, y); uint64(key) != want {
			t.Errorf("%v: PostGIS's tile key %d, geo.TileKey %d", p, key, want)
		}
	}
}

func TestTileErrorsAndEmptyTile(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceRegions(ctx, regions, nil); err != nil {
		t.Fatal(err)
	}
	var te *geo.TileError
	if _, err := s.Tile(ctx, geo.TileRequest{Layer: geo.TileIncidents, Z: 4, X: 16}); !errors.As(err, &te) || te.Field != "x" {
		t.Errorf("x outside the grid: %v", err)
	}
	b, err := s.Tile(ctx, geo.TileRequest{Layer: geo.TileAll, Z: 6, X: 0, Y: 0})
	if err != nil || len(b.MVT) != 0 {
		t.Errorf("a tile far from Syria: %d bytes, %v", len(b.MVT), err)
	}
	// Syria at z5, with no incident yet: the polygons only.
	b, err = s.Tile(ctx, geo.TileRequest{Layer: geo.TileAll, Z: 5, X: 19, Y: 12})
	if err != nil {
		t.Fatal(err)
	}
	layers, err := mvt.Unmarshal(b.MVT)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, l := range layers {
		names[l.Name] = len(l.Features)
		for _, f := range l.Features {
			if _, ok := f.Geometry.(orb.Point); ok {
				t.Errorf("layer %s holds a point with no incident stored", l.Name)
			}
		}
	}
	if names[geo.MVTGovernorates] == 0 || names[geo.MVTBadiaRegions] == 0 || len(names) != 2 {
		t.Errorf("layers %v, want governorates and badia_regions only", names)
	}
}

// TestTilesWithEveryConnectionHeld: as many readers as the pool has
// connections each hold one in a snapshot begun before its tile (a request
// that read the data version first), and the tile statements are not
// prepared yet. Preparing takes another connection, which none would give
// back: each tile must run unprepared then rather than wait for its
// deadline.
func TestTilesWithEveryConnectionHeld(t *testing.T) {
	s := newStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n := s.DB().Stats().MaxOpenConnections
	var began, done sync.WaitGroup
	began.Add(n)
	errs := make(chan error, n)
	for range n {
		done.Add(1)
		go func() {
			defer done.Done()
			sctx, end := s.Snapshot(ctx)
			defer end()
			_, err := s.DataVersion(sctx)
			began.Done()
			if err != nil {
				errs <- err
				return
			}
			began.Wait()
			if _, err := s.Tile(sctx, geo.TileRequest{Layer: geo.TileAll, Z: 6, X: 38, Y: 25}); err != nil {
				errs <- err
			}
		}()
	}
	done.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a tile with every connection held: %v", err)
	}
}

// TestTransactionPoolingPreparesNothing: behind a pooler in transaction
// mode no named prepared statement may outlive a transaction (pgbouncer
// 1.18 would run the next one on another server connection, where the
// statement does not exist). After tiles, pages, counts and stats, no
// connection of a store opened with PoolingTransaction holds one, while
// one in session mode holds the prepared tile statements (so the count
// sees them).
func TestTransactionPoolingPreparesNothing(t *testing.T) {
	url := pgtest.NewDatabase(t)
	session := openMigrated(t, url)
	ctx := context.Background()
	pooled, err := postgis.OpenWith(ctx, url, postgis.Options{Pooling: postgis.PoolingTransaction})
	if err != nil {
		t.Fatal(err)
	}
	defer pooled.Close()
	for _, tc := range []struct {
		name  string
		store *postgis.Store
		none  bool
	}{{"session", session, false}, {"transaction", pooled, true}} {
		s := tc.store
		for _, req := range []geo.TileRequest{{Layer: geo.TileAll, Z: 6, X: 38, Y: 25}, {Layer: geo.TileIncidents, Z: 9, X: 310, Y: 203, ClusterBelowZoom: 10}} {
			if _, err := s.Tile(ctx, req); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.ScanIncidents(ctx, geo.IncidentFilter{}, geo.Page{Limit: 10}, func(*geo.Incident) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CountIncidents(ctx, geo.IncidentFilter{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stats(ctx, geo.IncidentFilter{}, geo.ByMonth); err != nil {
			t.Fatal(err)
		}
		if n := namedPrepared(t, s.DB()); tc.none != (n == 0) {
			t.Errorf("%s pooling: %d named prepared statements on the pool's connections", tc.name, n)
		}
	}
}

// namedPrepared counts the named prepared statements on every open
// connection of db: it holds them all at once, so each is asked once.
func namedPrepared(t *testing.T, db *sql.DB) int {
	t.Helper()
	ctx := context.Background()
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	total := 0
	for range db.Stats().OpenConnections {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var n int
		if err := c.QueryRowContext(ctx, `SELECT count(*) FROM pg_prepared_statements WHERE NOT from_sql`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		total += n
	}
	return total
}
