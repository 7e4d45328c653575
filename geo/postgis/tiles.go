package postgis

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/badiamap/badiamap/geo"
)

var _ geo.TileStore = (*Store)(nil)

// The tile queries, composed once: the shared filter ($1-$N) and the tile
// envelope ($+1-$+3) spliced in as constant text; every value is bound.
var (
	sqlTileIncidents = tileQuery("tile_incidents")
	sqlTileClusters  = tileQuery("tile_clusters")
	sqlTileRegions   = tileQuery("tile_regions")
	sqlTileSettings  = query("tile_settings")
)

func tileQuery(name string) string {
	s := query(name)
	env := fragment("tile_envelope")
	env = strings.TrimSpace(env[strings.LastIndex(env, "\n")+1:]) // the expression, without its comment
	s = strings.ReplaceAll(s, "/*CELL*/", "((ST_XMax(/*ENV*/) - ST_XMin(/*ENV*/)) / 64.0)")
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

// tileIncidentsQuery is the incidents tile query carrying props, names
// checked against geo.IncidentFields by TileRequest.Validate.
func tileIncidentsQuery(props []string) (string, error) {
	var sel strings.Builder
	for _, p := range props {
		expr, ok := tileIncidentProperties[p]
		if !ok {
			return "", &geo.TileError{Field: "properties", Reason: fmt.Sprintf("%q is not a property of an incident feature", p)}
		}
		sel.WriteString(", ")
		sel.WriteString(expr)
	}
	return strings.ReplaceAll(sqlTileIncidents, "/*TILE_PROPERTIES*/", sel.String()), nil
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
	clusters, regions *sql.Stmt
	mu                sync.Mutex
	incidents         map[string]*sql.Stmt // by comma-joined property list
}

// incidentsStmt returns the prepared incidents query for props, or nil and
// the query text when too many lists are prepared already or another reader
// is preparing (prepareNow).
func (st *tileStmts) incidentsStmt(ctx context.Context, db *sql.DB, props []string) (*sql.Stmt, string, error) {
	key := strings.Join(props, ",")
	st.mu.Lock()
	stmt, n := st.incidents[key], len(st.incidents)
	st.mu.Unlock()
	if stmt != nil {
		return stmt, "", nil
	}
	text, err := tileIncidentsQuery(props)
	if err != nil {
		return nil, "", err
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
	if old := st.incidents[key]; old != nil { // prepared meanwhile by another
		stmts[0].Close()
		return old, "", nil
	}
	st.incidents[key] = stmts[0]
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

// The Store type belongs to another file; its prepared tile statements are
// kept here, one set per pool, made on first use.
var (
	tileStmtsMu sync.Mutex
	tileStmtsBy = map[*sql.DB]*tileStmts{}
)

// tileStmts are the prepared tile statements of pool db; none behind a
// pooler in transaction mode, where a prepared statement does not outlive
// its transaction, nor while another reader prepares them (prepareNow):
// the tile queries are sent as text then.
func (s *Store) tileStmts(ctx context.Context, db *sql.DB) (*tileStmts, error) {
	if s.opt.Pooling == PoolingTransaction {
		return nil, nil
	}
	tileStmtsMu.Lock()
	st := tileStmtsBy[db]
	tileStmtsMu.Unlock()
	if st != nil {
		return st, nil
	}
	stmts, err := prepareNow(ctx, db, withoutWhere(sqlTileClusters), withoutWhere(sqlTileRegions))
	if err != nil || stmts == nil {
		return nil, err
	}
	tileStmtsMu.Lock()
	defer tileStmtsMu.Unlock()
	if old := tileStmtsBy[db]; old != nil { // prepared meanwhile by another
		for _, stmt := range stmts {
			stmt.Close()
		}
		return old, nil
	}
	st = &tileStmts{clusters: stmts[0], regions: stmts[1], incidents: map[string]*sql.Stmt{}}
	tileStmtsBy[db] = st
	return st, nil
}

// CloseTiles releases the prepared tile statements of s (Close leaves them
// to the pool, which closes them with it).
func (s *Store) CloseTiles() {
	tileStmtsMu.Lock()
	defer tileStmtsMu.Unlock()
	for _, d := range s.databases() {
		if st := tileStmtsBy[d.db]; st != nil {
			for _, stmt := range st.incidents {
				stmt.Close()
			}
			st.clusters.Close()
			st.regions.Close()
			delete(tileStmtsBy, d.db)
		}
	}
}

// Tile builds the MVT of req with ST_AsMVT over ST_TileEnvelope, from the
// geom_3857 columns, following the rules of geo/tile.go. Layers are
// concatenated in the order governorates, badia_regions, incidents or
// clusters, tile_info. A tile with no feature is an empty slice.
func (s *Store) Tile(ctx context.Context, req geo.TileRequest) ([]byte, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	// One read-only transaction per tile (the request's snapshot when it
	// has one), for its SET LOCAL settings and one snapshot across the
	// layers, on the database the read is routed to.
	tx, db, release, err := s.readTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("tile %d/%d/%d: %w", req.Z, req.X, req.Y, err)
	}
	defer release(false)
	st, err := s.tileStmts(ctx, db)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, sqlTileSettings); err != nil {
		return nil, fmt.Errorf("tile %d/%d/%d: %w", req.Z, req.X, req.Y, err)
	}
	out := []byte{}
	regionLayer := func(kind geo.RegionKind, name string) error {
		var b []byte
		var row *sql.Row
		if st != nil {
			row = tx.StmtContext(ctx, st.regions).QueryRowContext(ctx, string(kind), name, req.Z, req.X, req.Y)
		} else {
			row = tx.QueryRowContext(ctx, sqlTileRegions, string(kind), name, req.Z, req.X, req.Y)
		}
		if err := row.Scan(&b); err != nil {
			return fmt.Errorf("tile %d/%d/%d %s: %w", req.Z, req.X, req.Y, name, err)
		}
		out = append(out, b...)
		return nil
	}
	if req.HasGovernorates() {
		if err := regionLayer(geo.KindGovernorate, geo.MVTGovernorates); err != nil {
			return nil, err
		}
	}
	if req.HasBadiaRegions() {
		if err := regionLayer(geo.KindBadia, geo.MVTBadiaRegions); err != nil {
			return nil, err
		}
	}
	if req.HasIncidents() {
		f := req.DrawnFilter()
		var (
			stmt *sql.Stmt
			text string
		)
		// A CQL2 filter runs unprepared: its SQL is the filter's own; so
		// does every tile behind a pooler in transaction mode (no st).
		switch {
		case (f.Where != nil || st == nil) && req.Clustered():
			text = sqlTileClusters
		case f.Where != nil || st == nil:
			text, err = tileIncidentsQuery(req.IncidentProperties())
		case req.Clustered():
			stmt = st.clusters
		default:
			stmt, text, err = st.incidentsStmt(ctx, db, req.IncidentProperties())
		}
		if err != nil {
			return nil, err
		}
		text, args, err := bind(text, f, req.Z, req.X, req.Y, int64(req.Limit()))
		if err != nil {
			return nil, err
		}
		var (
			matched     int64
			layer, info []byte
			row         *sql.Row
		)
		if stmt != nil {
			row = tx.StmtContext(ctx, stmt).QueryRowContext(ctx, args...)
		} else {
			row = tx.QueryRowContext(ctx, text, args...)
		}
		if err := row.Scan(&matched, &layer, &info); err != nil {
			return nil, fmt.Errorf("tile %d/%d/%d incidents: %w", req.Z, req.X, req.Y, err)
		}
		out = append(out, layer...)
		out = append(out, info...)
	}
	if err := release(true); err != nil {
		return nil, fmt.Errorf("tile %d/%d/%d: %w", req.Z, req.X, req.Y, err)
	}
	return out, nil
}
