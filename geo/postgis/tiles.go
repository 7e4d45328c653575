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
// query text when too many lists are prepared already.
func (st *tileStmts) pointsStmt(ctx context.Context, db *sql.DB, props []string) (*sql.Stmt, string, error) {
	key := strings.Join(props, ",")
	st.mu.Lock()
	defer st.mu.Unlock()
	if stmt := st.points[key]; stmt != nil {
		return stmt, "", nil
	}
	text, err := tilePointsQuery(props)
	if err != nil {
		return nil, "", err
	}
	if key != defaultPropertiesKey && key != allPropertiesKey && len(st.points) >= maxPreparedPropertySets+2 {
		return nil, text, nil
	}
	stmt, err := db.PrepareContext(ctx, withoutWhere(text))
	if err != nil {
		return nil, "", fmt.Errorf("prepare the tile query: %w", err)
	}
	st.points[key] = stmt
	return stmt, "", nil
}

// The Store type belongs to another file; its prepared tile statements are
// kept here, one set per pool, made on first use.
var (
	tileStmtsMu sync.Mutex
	tileStmtsBy = map[*sql.DB]*tileStmts{}
)

func (s *Store) tileStmts(ctx context.Context) (*tileStmts, error) {
	tileStmtsMu.Lock()
	defer tileStmtsMu.Unlock()
	if st := tileStmtsBy[s.db]; st != nil {
		return st, nil
	}
	st := &tileStmts{points: map[string]*sql.Stmt{}}
	for _, p := range []struct {
		stmt **sql.Stmt
		text string
	}{{&st.regions, sqlTileRegions}, {&st.cellsLive, sqlTileCellsLive}, {&st.cellsPyramid, sqlTileCellsPyramid}, {&st.version, sqlTileVersion}} {
		stmt, err := s.db.PrepareContext(ctx, withoutWhere(p.text))
		if err != nil {
			return nil, fmt.Errorf("prepare the tile queries: %w", err)
		}
		*p.stmt = stmt
	}
	tileStmtsBy[s.db] = st
	return st, nil
}

// CloseTiles releases the prepared tile statements of s (Close leaves them
// to the pool, which closes them with it).
func (s *Store) CloseTiles() {
	tileStmtsMu.Lock()
	defer tileStmtsMu.Unlock()
	if st := tileStmtsBy[s.db]; st != nil {
		for _, stmt := range st.points {
			stmt.Close()
		}
		for _, stmt := range []*sql.Stmt{st.regions, st.cellsLive, st.cellsPyramid, st.version} {
			stmt.Close()
		}
		delete(tileStmtsBy, s.db)
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
	st, err := s.tileStmts(ctx)
	if err != nil {
		return geo.BuiltTile{}, err
	}
	fail := func(what string, err error) (geo.BuiltTile, error) {
		return geo.BuiltTile{}, fmt.Errorf("tile %d/%d/%d%s: %w", req.Z, req.X, req.Y, what, err)
	}
	// Repeatable read: every statement below sees the snapshot the data
	// version was read in.
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fail("", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, sqlTileSettings); err != nil {
		return fail("", err)
	}
	var version, pyramidVersion int64
	if err := tx.StmtContext(ctx, st.version).QueryRowContext(ctx).Scan(&version, &pyramidVersion); err != nil {
		return fail("", err)
	}
	out := []byte{}
	regionLayer := func(kind geo.RegionKind, name string) error {
		var b []byte
		if err := tx.StmtContext(ctx, st.regions).QueryRowContext(ctx, string(kind), name, req.Z, req.X, req.Y).Scan(&b); err != nil {
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
		b, err := s.incidentLayers(ctx, tx, st, &req, pyramid)
		if err != nil {
			return fail(" incidents", err)
		}
		out = append(out, b...)
	}
	if err := tx.Commit(); err != nil {
		return fail("", err)
	}
	return geo.BuiltTile{MVT: out, Version: version}, nil
}

// incidentLayers are req's clusters, incidents and tile_info layers: the
// cells counted, planned, the points of the point cells read, and planned
// again tighter if the layers came out over the budget.
func (s *Store) incidentLayers(ctx context.Context, tx *sql.Tx, st *tileStmts, req *geo.TileRequest, pyramid bool) ([]byte, error) {
	t := req.Addr()
	level := t.Z + geo.ClusterLevels
	filter := req.DrawnFilter()
	var rows *sql.Rows
	var err error
	if pyramid {
		lo, hi := t.KeyRange()
		shift := 2 * uint(geo.KeyLevel-level)
		rows, err = tx.StmtContext(ctx, st.cellsPyramid).QueryContext(ctx, level, int64(lo>>shift), int64(hi>>shift))
	} else {
		lo, hi := t.KeyRange()
		var q string
		var args []any
		q, args, err = bind(sqlTileCellsLive, filter, int64(lo), int64(hi), 2*(geo.KeyLevel-level))
		if err != nil {
			return nil, err
		}
		if filter.Where == nil {
			rows, err = tx.StmtContext(ctx, st.cellsLive).QueryContext(ctx, args...)
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
		stmt, text, err = st.pointsStmt(ctx, s.db, req.IncidentProperties())
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
