package incidentfile

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"modernc.org/sqlite"
)

// The R-tree of the RTree Spatial Indexes extension (GeoPackage 1.3, Annex
// F.3), for layer <t>, geometry column <c> and primary key <i>: the table,
// and the triggers that keep it in step with later edits (in QGIS, say).
// The index is filled in bulk after the rows are written (packRTree), then
// the triggers are created. GeoPackage 1.4 replaces update1 and update3 (they
// misfire on an UPSERT); GDAL 3.6 knows only the 1.3 set.
const rtreeTable = `CREATE VIRTUAL TABLE rtree_<t>_<c> USING rtree(id, minx, maxx, miny, maxy)`

var rtreeTriggers = []string{
	`CREATE TRIGGER rtree_<t>_<c>_insert AFTER INSERT ON <t>
  WHEN (new.<c> NOT NULL AND NOT ST_IsEmpty(NEW.<c>))
BEGIN
  INSERT OR REPLACE INTO rtree_<t>_<c> VALUES (
    NEW.<i>,
    ST_MinX(NEW.<c>), ST_MaxX(NEW.<c>),
    ST_MinY(NEW.<c>), ST_MaxY(NEW.<c>)
  );
END`,
	`CREATE TRIGGER rtree_<t>_<c>_update1 AFTER UPDATE OF <c> ON <t>
  WHEN OLD.<i> = NEW.<i> AND
       (NEW.<c> NOTNULL AND NOT ST_IsEmpty(NEW.<c>))
BEGIN
  INSERT OR REPLACE INTO rtree_<t>_<c> VALUES (
    NEW.<i>,
    ST_MinX(NEW.<c>), ST_MaxX(NEW.<c>),
    ST_MinY(NEW.<c>), ST_MaxY(NEW.<c>)
  );
END`,
	`CREATE TRIGGER rtree_<t>_<c>_update2 AFTER UPDATE OF <c> ON <t>
  WHEN OLD.<i> = NEW.<i> AND
       (NEW.<c> ISNULL OR ST_IsEmpty(NEW.<c>))
BEGIN
  DELETE FROM rtree_<t>_<c> WHERE id = OLD.<i>;
END`,
	`CREATE TRIGGER rtree_<t>_<c>_update3 AFTER UPDATE OF <c> ON <t>
  WHEN OLD.<i> != NEW.<i> AND
       (NEW.<c> NOTNULL AND NOT ST_IsEmpty(NEW.<c>))
BEGIN
  DELETE FROM rtree_<t>_<c> WHERE id = OLD.<i>;
  INSERT OR REPLACE INTO rtree_<t>_<c> VALUES (
    NEW.<i>,
    ST_MinX(NEW.<c>), ST_MaxX(NEW.<c>),
    ST_MinY(NEW.<c>), ST_MaxY(NEW.<c>)
  );
END`,
	`CREATE TRIGGER rtree_<t>_<c>_update4 AFTER UPDATE ON <t>
  WHEN OLD.<i> != NEW.<i> AND
       (NEW.<c> ISNULL OR ST_IsEmpty(NEW.<c>))
BEGIN
  DELETE FROM rtree_<t>_<c> WHERE id IN (OLD.<i>, NEW.<i>);
END`,
	`CREATE TRIGGER rtree_<t>_<c>_delete AFTER DELETE ON <t>
  WHEN old.<c> NOT NULL
BEGIN
  DELETE FROM rtree_<t>_<c> WHERE id = OLD.<i>;
END`,
}

func (gw *GPKGWriter) spatialIndex(l *gpkgLayer) error {
	r := strings.NewReplacer("<t>", l.table, "<c>", gpkgGeomColumn, "<i>", gpkgIDColumn)
	if _, err := gw.tx.Exec(r.Replace(rtreeTable)); err != nil {
		return err
	}
	if err := gw.packRTree(l, r.Replace("rtree_<t>_<c>")); err != nil {
		return err
	}
	for _, s := range rtreeTriggers {
		if _, err := gw.tx.Exec(r.Replace(s)); err != nil {
			return err
		}
	}
	_, err := gw.tx.Exec(`INSERT INTO gpkg_extensions VALUES (?, ?, 'gpkg_rtree_index', ?, 'write-only')`,
		l.table, gpkgGeomColumn, rtreeDefinition)
	return err
}

// gpkgConnector opens the writer's connections through its own SQLite
// driver, which carries the geometry functions the R-tree needs without
// registering them for every SQLite user in the process.
type gpkgConnector struct {
	drv *sqlite.Driver
	dsn string
}

func (c gpkgConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c gpkgConnector) Driver() driver.Driver                        { return c.drv }

var (
	gpkgDriverOnce sync.Once
	gpkgDriver     *sqlite.Driver
	gpkgDriverErr  error
)

// gpkgSQLiteDriver is a SQLite driver with the functions of the RTree
// Spatial Indexes extension (ST_IsEmpty, ST_MinX, ST_MaxX, ST_MinY,
// ST_MaxY) and the Hilbert key packRTree sorts by.
func gpkgSQLiteDriver() (*sqlite.Driver, error) {
	gpkgDriverOnce.Do(func() {
		d := &sqlite.Driver{}
		bound := func(pick func(orb.Bound) float64) func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error) {
			return func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
				b, ok := args[0].([]byte)
				if !ok {
					return nil, nil
				}
				env, empty, err := gpbEnvelope(b)
				if err != nil || empty {
					return nil, err
				}
				return pick(env), nil
			}
		}
		fns := map[string]func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error){
			"ST_MinX": bound(func(b orb.Bound) float64 { return b.Min[0] }),
			"ST_MaxX": bound(func(b orb.Bound) float64 { return b.Max[0] }),
			"ST_MinY": bound(func(b orb.Bound) float64 { return b.Min[1] }),
			"ST_MaxY": bound(func(b orb.Bound) float64 { return b.Max[1] }),
			"ST_IsEmpty": func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
				b, ok := args[0].([]byte)
				if !ok {
					return nil, nil
				}
				_, empty, err := gpbEnvelope(b)
				if err != nil {
					return nil, err
				}
				if empty {
					return int64(1), nil
				}
				return int64(0), nil
			},
		}
		// badiamap_hilbert(geom, minx, miny, maxx, maxy) is the Hilbert key
		// of the centre of geom's envelope in that extent.
		fns["badiamap_hilbert"] = func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			b, ok := args[0].([]byte)
			if !ok {
				return int64(0), nil
			}
			env, _, err := gpbEnvelope(b)
			if err != nil {
				return nil, err
			}
			var ext [4]float64
			for i := range ext {
				if ext[i], ok = args[1+i].(float64); !ok {
					return nil, fmt.Errorf("badiamap_hilbert: argument %d is %T, not a number", i+2, args[1+i])
				}
			}
			c := env.Center()
			return hilbert(c[0], c[1], ext[0], ext[1], ext[2], ext[3]), nil
		}
		for name, fn := range fns {
			nargs := int32(1)
			if name == "badiamap_hilbert" {
				nargs = 5
			}
			if err := d.RegisterDeterministicScalarFunction(name, nargs, fn); err != nil {
				gpkgDriverErr = fmt.Errorf("GeoPackage: register %s: %w", name, err)
				return
			}
		}
		gpkgDriver = d
	})
	return gpkgDriver, gpkgDriverErr
}
