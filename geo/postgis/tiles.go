package postgis

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/badiamap/badiamap/geo"
	"github.com/lib/pq"
)

var _ geo.TileStore = (*Store)(nil)

// The tile queries, composed once: the shared filter ($1-$N) and the tile
// envelope spliced in as constant text; every value is bound.
var (
	sqlTilePoints       = tileQuery("tile_points")
	sqlTileCellsLive    = tileQuery("tile_cells_live")
	sqlTileCellsPyramid = query("tile_cells_pyramid")
	sqlTileRegions      = tileQuery("tile_regions")
	sqlTileSettings     = query("tile_settings")
	sqlTileVersion      = query("tile_version")
)

func tileQuery(name string) string {
	s := query(name)
	env := fragment("tile_envelope")
	env = strings.TrimSpace(env[strings.LastIndex(env, "\n")+1:]) // the expression, without its comment
	s = strings.ReplaceAll(s, "/*ENV*/", env)
	return s
}

// tileIncidentProperties maps each name of geo.IncidentFields to its SQL
// expression, from sql/tile_incident_properties.sql. Only these constant
// texts are spliced into a tile query.
var tileIncidentProperties = namedExpressions("tile_incident_properties")

// namedExpressions reads sql/name.sql, one "expression AS name" a line
// (comments and blank lines aside), into the lines by name.
func namedExpressions(name string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(fragment(name), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "--") {
			continue
		}
		i := strings.LastIndex(line, " AS ")
		if i < 0 {
			panic("postgis: " + name + ".sql has a line without a name: " + line) // a build defect, caught by every test
		}
		m[line[i+len(" AS "):]] = line
	}
	return m
}

// tilePointsQuery is the incidents layer query carrying props, names
// checked against geo.IncidentFields by TileRequest.Validate.
func tilePointsQuery(props []string) (string, error) {
	var sel strings.Builder
	for _, p := range props {
		expr, ok := tileIncidentProperties[p]
		if !ok {
			return "", &geo.TileError{Field: "properties", Reason: fmt.Sprintf("%q is not a property of an incident feature", p)}
		}
		sel.WriteString(", ")
		sel.WriteString(expr)
	}
	return strings.ReplaceAll(sqlTilePoints, "/*TILE_PROPERTIES*/", sel.String()), nil
}

// maxPreparedPropertySets bounds the incidents statements kept prepared
// for property lists other than the default and "all", which are always
// kept; further lists run as one-off statements.
const maxPreparedPropertySets = 8

var (
	defaultPropertiesKey = strings.Join(geo.DefaultIncidentProperties, ",")
	allPropertiesKey     = strings.Join(geo.AllIncidentProperties, ",")
)

// tileStmts are the tile queries prepared once per pool and reused for
// every tile (database/sql prepares them again on each new connection).
type tileStmts struct {
	regions, cellsLive, cellsPyramid, version *sql.Stmt
	mu                                        sync.Mutex
	points                                    map[string]*sql.Stmt // by comma-joined property list
}

// pointsStmt returns the prepared points query for props, or nil and the
// query text when too many lists are prepared already, when st prepares
// nothing (a pooler in transaction mode) or another reader is preparing
// (prepareNow).
func (st *tileStmts) pointsStmt(ctx context.Context, db *sql.DB, props []string) (*sql.Stmt, string, error) {
	text, err := tilePointsQuery(props)
	if err != nil {
		return nil, "", err
	}
	if st.points == nil {
		return nil, text, nil
	}
	key := strings.Join(props, ",")
	st.mu.Lock()
	stmt, n := st.points[key], len(st.points)
	st.mu.Unlock()
	if stmt != nil {
		return stmt, "", nil
	}
	if key != defaultPropertiesKey && key != allPropertiesKey && n >= maxPreparedPropertySets+2 {
		return nil, text, nil
	}
	stmts, err := prepareNow(ctx, db, withoutWhere(text))
	if err != nil || stmts == nil {
		return nil, text, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if old := st.points[key]; old != nil { // prepared meanwhile by another
		stmts[0].Close()
		return old, "", nil
	}
	st.points[key] = stmts[0]
	return stmts[0], "", nil
}

// preparing is held by the one reader preparing tile statements; the
// others run their tiles unprepared meanwhile rather than wait. A reader
// preparing holds a connection of the pool already (its transaction) and
// preparing takes another: were every connection held by readers waiting
// to prepare, none would ever come back. The others do not wait, so they
// give theirs back.
var preparing sync.Mutex

// prepareNow prepares texts on db, or returns nil when another reader is
// preparing: the caller then runs its query unprepared.
func prepareNow(ctx context.Context, db *sql.DB, texts ...string) ([]*sql.Stmt, error) {
	if !preparing.TryLock() {
		return nil, nil
	}
	defer preparing.Unlock()
	var out []*sql.Stmt
	for _, text := range texts {
		stmt, err := db.PrepareContext(ctx, text)
		if err != nil {
			for _, st := range out {
				st.Close()
			}
			return nil, fmt.Errorf("prepare the tile queries: %w", err)
		}
		out = append(out, stmt)
	}
	return out, nil
}

// unprepared is the tile statements of a store that prepares none: every
// query is sent as text.
var unprepared = &tileStmts{}

// queryTile runs a tile query in tx: stmt when it is prepared, else text.
func queryTile(ctx context.Context, tx *sql.Tx, stmt *sql.Stmt, text string, args ...any) (*sql.Rows, error) {
	if stmt != nil {
		return tx.StmtContext(ctx, stmt).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, text, args...)
}

// scanTile runs a tile query of one row in tx into dest.
func scanTile(ctx context.Context, tx *sql.Tx, stmt *sql.Stmt, text string, args []any, dest ...any) error {
	if stmt != nil {
		return tx.StmtContext(ctx, stmt).QueryRowContext(ctx, args...).Scan(dest...)
	}
	return tx.QueryRowContext(ctx, text, args...).Scan(dest...)
}

// The Store type belongs to another file; its prepared tile statements are
// kept here, one set per pool, made on first use.
var (
	tileStmtsMu sync.Mutex
	tileStmtsBy = map[*sql.DB]*tileStmts{}
)

// tileStmts are the prepared tile statements of pool db; none (unprepared)
// behind a pooler in transaction mode, where a prepared statement does not
// outlive its transaction, nor while another reader prepares them
// (prepareNow): the tile queries are sent as text then.
func (s *Store) tileStmts(ctx context.Context, db *sql.DB) (*tileStmts, error) {
	if s.opt.Pooling == PoolingTransaction {
		return unprepared, nil
	}
	tileStmtsMu.Lock()
	st := tileStmtsBy[db]
	tileStmtsMu.Unlock()
	if st != nil {
		return st, nil
	}
	stmts, err := prepareNow(ctx, db, withoutWhere(sqlTileRegions), withoutWhere(sqlTileCellsLive),
		withoutWhere(sqlTileCellsPyramid), withoutWhere(sqlTileVersion))
	if err != nil || stmts == nil {
		return unprepared, err
	}
	tileStmtsMu.Lock()
	defer tileStmtsMu.Unlock()
	if old := tileStmtsBy[db]; old != nil { // prepared meanwhile by another
		for _, stmt := range stmts {
			stmt.Close()
		}
		return old, nil
	}
	st = &tileStmts{regions: stmts[0], cellsLive: stmts[1], cellsPyramid: stmts[2], version: stmts[3], points: map[string]*sql.Stmt{}}
	tileStmtsBy[db] = st
	return st, nil
}

// CloseTiles releases the prepared tile statements of s (Close leaves them
// to the pool, which closes them with it).
func (s *Store) CloseTiles() {
	tileStmtsMu.Lock()
	defer tileStmtsMu.Unlock()
	for _, d := range s.databases() {
		st := tileStmtsBy[d.db]
		if st == nil {
			continue
		}
		for _, stmt := range st.points {
			stmt.Close()
		}
		for _, stmt := range []*sql.Stmt{st.regions, st.cellsLive, st.cellsPyramid, st.version} {
			stmt.Close()
		}
		delete(tileStmtsBy, d.db)
	}
}

// Tile builds the MVT of req following the rules of geo/tile.go, in one
// read-only transaction (one snapshot, whose data version it returns): the
// region layers and the incidents layer with ST_AsMVT, from the geom_3857
// columns; the cells of the cluster grid from the pyramid (an unfiltered
// tile it holds) or counted from the incidents; the clusters and tile_info
// layers encoded by geo. Layers come in the order governorates,
// badia_regions, clusters, incidents, tile_info. A tile with no feature is
// an empty slice.
func (s *Store) Tile(ctx context.Context, req geo.TileRequest) (geo.BuiltTile, error) {
	if err := req.Validate(); err != nil {
		return geo.BuiltTile{}, err
	}
	fail := func(what string, err error) (geo.BuiltTile, error) {
		return geo.BuiltTile{}, fmt.Errorf("tile %d/%d/%d%s: %w", req.Z, req.X, req.Y, what, err)
	}
	// Repeatable read (readTx), on the database the read is routed to, or
	// the request's snapshot: every statement below sees the snapshot the
	// data version was read in.
	tx, db, release, err := s.readTx(ctx)
	if err != nil {
		return fail("", err)
	}
	defer release(false)
	st, err := s.tileStmts(ctx, db)
	if err != nil {
		return geo.BuiltTile{}, err
	}
	if _, err := tx.ExecContext(ctx, sqlTileSettings); err != nil {
		return fail("", err)
	}
	var version, pyramidVersion int64
	if err := scanTile(ctx, tx, st.version, withoutWhere(sqlTileVersion), nil, &version, &pyramidVersion); err != nil {
		return fail("", err)
	}
	out := []byte{}
	regionLayer := func(kind geo.RegionKind, name string) error {
		var b []byte
		if err := scanTile(ctx, tx, st.regions, withoutWhere(sqlTileRegions), []any{string(kind), name, req.Z, req.X, req.Y}, &b); err != nil {
			return fmt.Errorf(" %s: %w", name, err)
		}
		out = append(out, b...)
		return nil
	}
	if req.HasGovernorates() {
		if err := regionLayer(geo.KindGovernorate, geo.MVTGovernorates); err != nil {
			return fail("", err)
		}
	}
	if req.HasBadiaRegions() {
		if err := regionLayer(geo.KindBadia, geo.MVTBadiaRegions); err != nil {
			return fail("", err)
		}
	}
	if req.HasIncidents() {
		pyramid := req.Unfiltered() && pyramidVersion == version && req.Z+geo.ClusterLevels <= pyramidBottom
		b, err := s.incidentLayers(ctx, tx, db, st, &req, pyramid)
		if err != nil {
			return fail(" incidents", err)
		}
		out = append(out, b...)
	}
	if err := release(true); err != nil {
		return fail("", err)
	}
	return geo.BuiltTile{MVT: out, Version: version}, nil
}

// incidentLayers are req's clusters, incidents and tile_info layers: the
// cells counted, planned, the points of the point cells read, and planned
// again tighter if the layers came out over the budget.
func (s *Store) incidentLayers(ctx context.Context, tx *sql.Tx, db *sql.DB, st *tileStmts, req *geo.TileRequest, pyramid bool) ([]byte, error) {
	t := req.Addr()
	level := t.Z + geo.ClusterLevels
	filter := req.DrawnFilter()
	var rows *sql.Rows
	var err error
	if pyramid {
		lo, hi := t.KeyRange()
		shift := 2 * uint(geo.KeyLevel-level)
		rows, err = queryTile(ctx, tx, st.cellsPyramid, withoutWhere(sqlTileCellsPyramid), level, int64(lo>>shift), int64(hi>>shift))
	} else {
		lo, hi := t.KeyRange()
		var q string
		var args []any
		q, args, err = bind(sqlTileCellsLive, filter, int64(lo), int64(hi), 2*(geo.KeyLevel-level))
		if err != nil {
			return nil, err
		}
		if filter.Where == nil {
			rows, err = queryTile(ctx, tx, st.cellsLive, q, args...)
		} else { // a CQL2 filter runs unprepared: its SQL is the filter's own
			rows, err = tx.QueryContext(ctx, q, args...)
		}
	}
	if err != nil {
		return nil, err
	}
	cells, err := scanCells(rows, t)
	if err != nil {
		return nil, err
	}
	var stmt *sql.Stmt
	var text string
	if filter.Where == nil {
		stmt, text, err = st.pointsStmt(ctx, db, req.IncidentProperties())
	} else {
		text, err = tilePointsQuery(req.IncidentProperties())
	}
	if err != nil {
		return nil, err
	}
	var points []byte
	pointsRead := -1 // the plan's Points the layer was read for
	for squeeze := 0; ; squeeze++ {
		plan := geo.PlanTile(req, cells, squeeze)
		clusters, info, err := plan.Layers()
		if err != nil {
			return nil, err
		}
		if plan.Points == 0 {
			points = nil
		} else if pointsRead != plan.Points {
			lo, hi := plan.PointRanges()
			q, args, err := bind(text, filter, req.Z, req.X, req.Y, pq.Array(toInt64(lo)), pq.Array(toInt64(hi)))
			if err != nil {
				return nil, err
			}
			var row *sql.Row
			if stmt != nil {
				row = tx.StmtContext(ctx, stmt).QueryRowContext(ctx, args...)
			} else {
				row = tx.QueryRowContext(ctx, q, args...)
			}
			if err := row.Scan(&points); err != nil {
				return nil, err
			}
			pointsRead = plan.Points
		}
		if len(clusters)+len(points)+len(info) <= plan.Budget || squeeze >= geo.SqueezeLimit {
			return slices.Concat(clusters, points, info), nil
		}
	}
}

// scanCells reads the cells of tile t's grid: rows of tile_cells_pyramid.sql
// or tile_cells_live.sql, keyed by their Morton code at level t.Z + 6.
func scanCells(rows *sql.Rows, t geo.TileAddr) ([]geo.TileCell, error) {
	defer rows.Close()
	x0, y0 := t.X<<geo.ClusterLevels, t.Y<<geo.ClusterLevels
	var out []geo.TileCell
	sums := make([]any, len(geo.CasualtyGroups))
	vals := make([]int64, len(geo.CasualtyGroups))
	for i := range vals {
		sums[i] = &vals[i]
	}
	for rows.Next() {
		var (
			key, n, killed int64
			c              geo.TileCell
			ids, killedTop pq.Int64Array
		)
		dest := append([]any{&key, &n, &c.SumX, &c.SumY, &killed}, sums...)
		dest = append(dest, &c.FirstDate, &c.LastDate, &ids, &killedTop)
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		cx, cy := geo.MortonCell(uint64(key))
		c.X, c.Y = cx-x0, cy-y0
		c.Operations, c.Killed = int(n), int(killed)
		for i, g := range geo.CasualtyGroups { // the columns follow CasualtyGroups
			*g.Field(&c.Casualties) = int(vals[i])
		}
		if len(ids) != len(killedTop) {
			return nil, fmt.Errorf("cell %d: %d top ids, %d killed", key, len(ids), len(killedTop))
		}
		c.Top = make([]geo.RankedIncident, len(ids))
		for i := range ids {
			c.Top[i] = geo.RankedIncident{ID: ids[i], Killed: int(killedTop[i])}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func toInt64(v []uint64) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}
