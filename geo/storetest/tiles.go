package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
)

// The tile contract: a store's vector tiles hold the features geo/tile.go's
// rules give for the expected incidents, compared feature by feature after
// decoding (never by bytes), with positions to within a tile unit; what a
// tile shows adds up to the incidents that match in its area; and its
// incident layers fit its budget.

// Zooms the tile check visits: below geo.DefaultClusterBelowZoom a tile
// holds clusters, from it on incidents and, where dense, clusters.
var (
	tileClusterZooms = []int{4, 5, 6, 7}
	tilePointZooms   = []int{8, 9, 11, 13}
	// tileEmptyZooms get, besides their busiest tiles, the nearest tile
	// with no incident at all.
	tileEmptyZooms = []int{6, 11}
)

// tileBusiest is how many of a zoom's busiest tiles are checked.
const tileBusiest = 2

// tileSmallBudgets are the budgets of requests that must cluster: the
// smallest one coarsens the grid, the other mixes points and clusters.
var tileSmallBudgets = []int{geo.MinTileBytes, 12 << 10}

// tileFilterNames are the rows of the filter table each tile is also asked
// for, with every property.
var tileFilterNames = []string{"from to", "victims civilians", "badia region", "bbox Palmyra", "text any case",
	"cql killed and governorate", "cql arithmetic"}

// tileFewProperties is the short property list a tile is asked for, as a
// client would write it (ParseTileProperties puts it in order): one
// deaths_* field, absent from incidents without an estimate.
const tileFewProperties = "killed,deaths_best,external_id"

type tileXYZ struct{ z, x, y int }

func (t tileXYZ) String() string { return fmt.Sprintf("%d/%d/%d", t.z, t.x, t.y) }

func (t tileXYZ) addr() geo.TileAddr { return geo.TileAddr{Z: t.z, X: t.x, Y: t.y} }

// projected is an expected incident with its EPSG:3857 position.
type projected struct {
	inc  *geo.Incident
	x, y float64
}

// tileHolding is the tile of zoom z holding x, y by geo/tile.go's rule.
func tileHolding(z int, x, y float64) tileXYZ {
	cx, cy := geo.CellOf(x, y, z)
	return tileXYZ{z, cx, cy}
}

// pickTiles chooses the tiles to check from the expected incidents alone:
// the busiest of each zoom, and for some zooms the nearest empty tile to
// the busiest (empty lists those).
func pickTiles(pts []projected) (tiles, empty []tileXYZ, diffs []string) {
	for _, z := range slices.Concat(tileClusterZooms, tilePointZooms) {
		count := map[tileXYZ]int{}
		for _, p := range pts {
			count[tileHolding(z, p.x, p.y)]++
		}
		ranked := make([]tileXYZ, 0, len(count))
		for t := range count {
			ranked = append(ranked, t)
		}
		sort.Slice(ranked, func(i, j int) bool {
			a, b := ranked[i], ranked[j]
			if count[a] != count[b] {
				return count[a] > count[b]
			}
			if a.x != b.x {
				return a.x < b.x
			}
			return a.y < b.y
		})
		tiles = append(tiles, ranked[:min(tileBusiest, len(ranked))]...)
		if !slices.Contains(tileEmptyZooms, z) {
			continue
		}
		// Rings around the busiest tile, nearest first, in a fixed order.
		found := false
		for r := 1; r <= 4 && !found; r++ {
			for dy := -r; dy <= r && !found; dy++ {
				for dx := -r; dx <= r && !found; dx++ {
					if max(abs(dx), abs(dy)) != r {
						continue
					}
					t := tileXYZ{z, ranked[0].x + dx, ranked[0].y + dy}
					if count[t] == 0 && t.x >= 0 && t.y >= 0 && t.x < 1<<z && t.y < 1<<z {
						empty, found = append(empty, t), true
					}
				}
			}
		}
		if !found {
			diffs = append(diffs, fmt.Sprintf("tiles: no empty tile near %s, so the fixtures do not exercise an empty tile", ranked[0]))
		}
	}
	return tiles, empty, diffs
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// tileAsk is one request of the check, named for its reports.
type tileAsk struct {
	name string
	req  geo.TileRequest
}

// tileAsks are the requests made of tile t.
func tileAsks(c *Case, t tileXYZ) ([]tileAsk, []string) {
	var diffs []string
	base := geo.TileRequest{Layer: geo.TileIncidents, Z: t.z, X: t.x, Y: t.y}
	asks := []tileAsk{{"no filter, default properties", base}}
	for _, name := range tileFilterNames {
		i := slices.IndexFunc(c.Filters, func(nf NamedFilter) bool { return nf.Name == name })
		if i < 0 {
			diffs = append(diffs, fmt.Sprintf("tiles: the filter table has no row %q", name))
			continue
		}
		r := base
		r.Filter = c.Filters[i].Filter
		r.Properties = geo.AllIncidentProperties
		asks = append(asks, tileAsk{fmt.Sprintf("filter %q, all properties", name), r})
	}
	for _, b := range tileSmallBudgets {
		r := base
		r.MaxBytes = b
		asks = append(asks, tileAsk{fmt.Sprintf("budget %d bytes", b), r})
	}
	r := base
	r.ClusterBelowZoom = -1 // never all clusters: points wherever the budget allows
	r.MaxBytes = tileSmallBudgets[1]
	asks = append(asks, tileAsk{fmt.Sprintf("no cluster zoom, budget %d bytes", r.MaxBytes), r})
	few, err := geo.ParseTileProperties(tileFewProperties)
	if err != nil {
		return asks, append(diffs, fmt.Sprintf("tiles: ParseTileProperties(%q): %v", tileFewProperties, err))
	}
	r = base
	r.Properties = few
	asks = append(asks, tileAsk{fmt.Sprintf("properties %s", strings.Join(few, ",")), r})
	return asks, diffs
}

// tileTally counts what the check compared, so it can tell a vacuous run.
type tileTally struct {
	tiles, requests      int
	incidents, clusters  int // features compared
	mixed, coarse        int // tiles with points and clusters; tiles on a coarser grid
	emptyTiles           int
	withDeaths, noDeaths int // incident features asked for deaths_* with and without an estimate
}

// checkTiles: for tiles picked from the expected incidents at a spread of
// zooms, and for several requests each, the store's tile decodes to the
// features geo/tile.go's rules give: the same incidents and cluster cells
// in the same order, the same tile_info, the same properties with the same
// values, each point within a tile unit of where the oracle puts it; its
// incident layers within the budget; an empty tile is an empty slice.
func checkTiles(ctx context.Context, c *Case) []string {
	var tally tileTally
	ts, ok := c.Store.(geo.TileStore)
	if !ok {
		return []string{fmt.Sprintf("the %T store builds no vector tiles (no Tile method): every store serves the map's tiles", c.Store)}
	}
	pts := projectAll(c.Want)
	tiles, empty, diffs := pickTiles(pts)
	version, err := c.Store.DataVersion(ctx)
	if err != nil {
		return []string{fmt.Sprintf("DataVersion: %v", err)}
	}
	for _, t := range slices.Concat(tiles, empty) {
		isEmpty := slices.Contains(empty, t)
		asks, d := tileAsks(c, t)
		diffs = append(diffs, d...)
		tally.tiles++
		for _, a := range asks {
			tally.requests++
			what := fmt.Sprintf("tile %s (%s)", t, a.name)
			got, err := ts.Tile(ctx, a.req)
			if err != nil {
				diffs = append(diffs, fmt.Sprintf("%s: %v", what, err))
				continue
			}
			if got.Version != version {
				diffs = append(diffs, fmt.Sprintf("%s: built at data version %d, the store is at %d", what, got.Version, version))
			}
			if isEmpty {
				tally.emptyTiles++
				if len(got.MVT) != 0 {
					diffs = append(diffs, fmt.Sprintf("%s: a tile with no incident is %d bytes (%s), want an empty slice", what, len(got.MVT), describeTile(got.MVT)))
				}
				continue
			}
			diffs = append(diffs, compareTile(what, got.MVT, a.req, pts, &tally)...)
		}
	}
	if tally.mixed == 0 || tally.coarse == 0 {
		diffs = append(diffs, fmt.Sprintf("tiles: %d tiles mixed points and clusters, %d were on a coarser grid: the fixtures must exercise both", tally.mixed, tally.coarse))
	}
	if tally.withDeaths == 0 || tally.noDeaths == 0 {
		diffs = append(diffs, fmt.Sprintf("tiles: %d features with a deaths estimate and %d without were compared; the fixtures must have both", tally.withDeaths, tally.noDeaths))
	}
	return limit(diffs)
}

func projectAll(incs []geo.Incident) []projected {
	pts := make([]projected, len(incs))
	for i := range incs {
		inc := &incs[i]
		x, y := geo.LonLatTo3857(inc.Location[0], inc.Location[1])
		pts[i] = projected{inc, x, y}
	}
	return pts
}

// describeTile names a tile's layers and feature counts, for reports.
func describeTile(b []byte) string {
	layers, err := mvt.Unmarshal(b)
	if err != nil {
		return "not an MVT: " + err.Error()
	}
	var parts []string
	for _, l := range layers {
		parts = append(parts, fmt.Sprintf("%s: %d features", l.Name, len(l.Features)))
	}
	return strings.Join(parts, ", ")
}

// tileFeature is an expected feature of the incidents or clusters layer.
type tileFeature struct {
	id    int64
	at    orb.Point      // tile coordinates, unrounded
	inc   *geo.Incident  // for an incident feature
	props map[string]any // for a cluster: every property, as decoded
}

// expectedTile is what the oracle puts in a tile for req: the incidents
// that match in its area counted into its grid and planned by
// geo.PlanTile (at each squeeze a store may have needed), brute force.
func expectedTile(req geo.TileRequest, pts []projected) (in []*geo.Incident, plans []geo.TilePlan) {
	t := req.Addr()
	by := map[[2]int]*geo.TileCell{}
	var cells []geo.TileCell
	for _, p := range pts {
		// A tile draws what is published and located to within a district (3), no coarser.
		f := req.Filter
		f.Statuses = nil
		if !t.Holds(p.x, p.y) || !f.Match(p.inc) || p.inc.GeoPrecision > 3 {
			continue
		}
		in = append(in, p.inc)
		cx, cy := t.GridCell(p.x, p.y, 0)
		c := by[[2]int{cx, cy}]
		if c == nil {
			c = &geo.TileCell{X: cx, Y: cy}
			by[[2]int{cx, cy}] = c
		}
		c.Add(p.inc.ID, p.inc.Casualties, p.inc.DateStart, p.x, p.y)
	}
	for _, c := range by {
		cells = append(cells, *c)
	}
	for s := 0; s <= geo.SqueezeLimit; s++ {
		plans = append(plans, geo.PlanTile(&req, cells, s))
	}
	return in, plans
}

// planFeatures are the features plan gives: its clusters, and the
// incidents of its point cells, each in tile order.
func planFeatures(plan *geo.TilePlan, in []*geo.Incident) (points, clusters []tileFeature) {
	box := plan.Tile.Bounds()
	scale := geo.TileExtent / (box.MaxX - box.MinX)
	toTile := func(x, y float64) orb.Point { return orb.Point{(x - box.MinX) * scale, (box.MaxY - y) * scale} }
	var kept []*geo.Incident
	for _, inc := range in {
		x, y := geo.LonLatTo3857(inc.Location[0], inc.Location[1])
		if plan.PointCell(plan.Tile.GridCell(x, y, 0)) {
			kept = append(kept, inc)
		}
	}
	sortTileOrder(kept)
	for _, inc := range kept {
		x, y := geo.LonLatTo3857(inc.Location[0], inc.Location[1])
		points = append(points, tileFeature{id: inc.ID, at: toTile(x, y), inc: inc})
	}
	for i := range plan.Clusters {
		cl := &plan.Clusters[i]
		n := float64(cl.Operations)
		props := map[string]any{}
		for k, v := range geo.ClusterProperties(&cl.TileCell) {
			if i, ok := v.(int64); ok {
				v = float64(i) // as decoded
			}
			props[k] = v
		}
		clusters = append(clusters, tileFeature{id: cl.ID, at: toTile(cl.SumX/n, cl.SumY/n), props: props})
	}
	return points, clusters
}

// sortTileOrder sorts incidents killed descending, then by id.
func sortTileOrder(incs []*geo.Incident) {
	sort.Slice(incs, func(i, j int) bool {
		ki, kj := incs[i].Casualties.Killed(), incs[j].Casualties.Killed()
		if ki != kj {
			return ki > kj
		}
		return incs[i].ID < incs[j].ID
	})
}

// compareTile decodes got and compares it with the oracle's tile for req.
func compareTile(what string, got []byte, req geo.TileRequest, pts []projected, tally *tileTally) []string {
	in, plans := expectedTile(req, pts)
	if len(in) == 0 {
		if len(got) != 0 {
			return []string{fmt.Sprintf("%s: the oracle puts nothing in this tile, the store %d bytes (%s); want an empty slice", what, len(got), describeTile(got))}
		}
		return nil
	}
	if len(got) > req.Budget() {
		return []string{fmt.Sprintf("%s: %d bytes, over the budget of %d", what, len(got), req.Budget())}
	}
	layers, err := mvt.Unmarshal(got)
	if err != nil {
		return []string{fmt.Sprintf("%s: %d bytes that do not decode as an MVT: %v", what, len(got), err)}
	}
	var diffs []string
	byName := map[string]*mvt.Layer{}
	for _, l := range layers {
		switch {
		case byName[l.Name] != nil:
			diffs = append(diffs, fmt.Sprintf("%s: layer %q twice", what, l.Name))
		case l.Name != geo.MVTIncidents && l.Name != geo.MVTClusters && l.Name != geo.MVTTileInfo:
			diffs = append(diffs, fmt.Sprintf("%s: unexpected layer %q (%d features)", what, l.Name, len(l.Features)))
		}
		byName[l.Name] = l
		if l.Extent != geo.TileExtent {
			diffs = append(diffs, fmt.Sprintf("%s: layer %q has extent %d, want %d", what, l.Name, l.Extent, geo.TileExtent))
		}
	}
	info := byName[geo.MVTTileInfo]
	if info == nil || len(info.Features) != 1 {
		return append(diffs, fmt.Sprintf("%s: no %q layer with one feature", what, geo.MVTTileInfo))
	}
	// The plan the store followed: the first squeeze whose counts tile_info reports.
	ip := info.Features[0].Properties
	plan := -1
	for i, p := range plans {
		if ip["points"] == float64(p.Points) && ip["clusters"] == float64(len(p.Clusters)) && ip["grid"] == float64(p.Grid) {
			plan = i
			break
		}
	}
	if plan < 0 {
		return append(diffs, fmt.Sprintf("%s: tile_info %v matches no plan of the oracle (the first: %d points, %d clusters on a grid of %d)",
			what, ip, plans[0].Points, len(plans[0].Clusters), plans[0].Grid))
	}
	p := &plans[plan]
	diffs = append(diffs, compareProperties(what+" "+geo.MVTTileInfo, ip, map[string]any{
		"matched": float64(p.Matched), "points": float64(p.Points), "clustered": float64(p.Clustered),
		"clusters": float64(len(p.Clusters)), "grid": float64(p.Grid), "budget": float64(p.Budget)})...)
	diffs = append(diffs, comparePoint(what+" "+geo.MVTTileInfo, info.Features[0].Geometry, orb.Point{geo.TileExtent / 2, geo.TileExtent / 2})...)
	if p.Points > 0 && len(p.Clusters) > 0 {
		tally.mixed++
	}
	if p.Grid < geo.ClusterGrid {
		tally.coarse++
	}
	points, clusters := planFeatures(p, in)
	for _, part := range []struct {
		name string
		want []tileFeature
	}{{geo.MVTIncidents, points}, {geo.MVTClusters, clusters}} {
		l := byName[part.name]
		if l == nil {
			if len(part.want) > 0 {
				diffs = append(diffs, fmt.Sprintf("%s: no layer %q; want %d features", what, part.name, len(part.want)))
			}
			continue
		}
		diffs = append(diffs, compareFeatures(what, l, part.want, req, tally)...)
	}
	return diffs
}

// compareFeatures compares the features of layer l with want, in order.
func compareFeatures(what string, l *mvt.Layer, want []tileFeature, req geo.TileRequest, tally *tileTally) []string {
	var diffs []string
	gotIDs := make([]int64, len(l.Features))
	byID := map[int64]*geojson.Feature{}
	for i, f := range l.Features {
		id, ok := f.ID.(float64)
		if !ok || id != math.Trunc(id) || id < 1 {
			diffs = append(diffs, fmt.Sprintf("%s: %s feature %d has id %v, want a positive integer", what, l.Name, i, f.ID))
			continue
		}
		gotIDs[i] = int64(id)
		byID[int64(id)] = f
	}
	wantIDs := make([]int64, len(want))
	for i, w := range want {
		wantIDs[i] = w.id
	}
	if !slices.Equal(gotIDs, wantIDs) {
		diffs = append(diffs, fmt.Sprintf("%s: %s ids %s, want %s (killed descending, then id)", what, l.Name, shortIDs(gotIDs), shortIDs(wantIDs)))
	}
	// Each expected feature the store has, whatever its place, is compared.
	for _, w := range want {
		f := byID[w.id]
		if f == nil {
			continue
		}
		fw := fmt.Sprintf("%s %s feature %d", what, l.Name, w.id)
		if w.inc != nil {
			tally.incidents++
			diffs = append(diffs, compareIncidentProperties(fw, f.Properties, w.inc, req.IncidentProperties(), tally)...)
		} else {
			tally.clusters++
			diffs = append(diffs, compareProperties(fw, f.Properties, w.props)...)
		}
		diffs = append(diffs, comparePoint(fw, f.Geometry, w.at)...)
	}
	return diffs
}

// comparePoint checks that g is a point within one tile unit of want.
func comparePoint(what string, g orb.Geometry, want orb.Point) []string {
	p, ok := g.(orb.Point)
	if !ok {
		return []string{fmt.Sprintf("%s: geometry %T, want a point", what, g)}
	}
	if math.Abs(p[0]-want[0]) > 1 || math.Abs(p[1]-want[1]) > 1 {
		return []string{fmt.Sprintf("%s: at %v, want within one tile unit of %.2f", what, p, want)}
	}
	return nil
}

// compareProperties checks that got has exactly want's names and values.
func compareProperties(what string, got geojson.Properties, want map[string]any) []string {
	var bad []string
	for _, k := range sortedKeys(want) {
		g, ok := got[k]
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("%s missing (want %v)", k, want[k]))
		case g != want[k]:
			bad = append(bad, fmt.Sprintf("%s %#v, want %#v", k, g, want[k]))
		}
	}
	for _, k := range sortedKeys(got) {
		if _, ok := want[k]; !ok {
			bad = append(bad, fmt.Sprintf("%s present (%#v), not asked for", k, got[k]))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%s: %s", what, strings.Join(bad, "; "))}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// compareIncidentProperties checks an incident feature's properties: the
// names asked for, no others, each valued as the incident has it (deaths_*
// absent when the incident has no estimate).
func compareIncidentProperties(what string, got geojson.Properties, inc *geo.Incident, names []string, tally *tileTally) []string {
	var bad []string
	asked := map[string]bool{}
	for _, name := range names {
		asked[name] = true
		g, present := got[name]
		if strings.HasPrefix(name, "deaths_") {
			if inc.Deaths == nil {
				tally.noDeaths++
			} else {
				tally.withDeaths++
			}
		}
		if d := incidentProperty(inc, name, g, present); d != "" {
			bad = append(bad, d)
		}
	}
	for _, k := range sortedKeys(got) {
		if !asked[k] {
			bad = append(bad, fmt.Sprintf("%s present (%#v), not asked for", k, got[k]))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%s (%s): %s", what, inc.ExternalID, strings.Join(bad, "; "))}
}

// incidentProperty compares one property of inc's feature, present or not
// in the tile, with the incident; it describes the difference or is "".
func incidentProperty(inc *geo.Incident, name string, got any, present bool) string {
	c := &inc.Casualties
	var want any
	switch name {
	case "external_id":
		want = inc.ExternalID
	case "date_start":
		want = inc.DateStart.Format(geo.DateLayout)
	case "date_end":
		want = inc.DateEnd.Format(geo.DateLayout)
	case "date_precision":
		want = float64(inc.DatePrecision)
	case "geo_precision":
		want = float64(inc.GeoPrecision)
	case "location_name":
		want = inc.LocationName
	case "source_admin1":
		want = inc.SourceAdmin1
	case "source_admin2":
		want = inc.SourceAdmin2
	case "source_governorate":
		want = inc.SourceGovernorate
	case "governorate":
		want = inc.Governorate
	case "region":
		want = inc.Region
	case "join_basis":
		want = string(inc.JoinBasis)
	case "illustrative":
		want = inc.Illustrative
	case "event_type":
		want = inc.EventType
	case "sub_event_type":
		want = inc.SubEventType
	case "perpetrator":
		want = inc.Perpetrator
	case "target":
		want = inc.Target
	case "killed":
		want = float64(c.Killed())
	case "military":
		want = float64(c.Military)
	case "militia":
		want = float64(c.Militia)
	case "isis":
		want = float64(c.ISIS)
	case "other_armed":
		want = float64(c.OtherArmed)
	case "civilians":
		want = float64(c.Civilians)
	case "children":
		want = float64(c.Children)
	case "women":
		want = float64(c.Women)
	case "truffle_gatherers":
		want = float64(c.TruffleGatherers)
	case "unknown":
		want = float64(c.Unknown)
	case "injured":
		want = float64(c.Injured)
	case "abducted":
		want = float64(c.Abducted)
	case "deaths_low", "deaths_best", "deaths_high":
		if inc.Deaths == nil {
			if present {
				return fmt.Sprintf("%s %#v, want it absent (no estimate)", name, got)
			}
			return ""
		}
		want = float64(map[string]int{"deaths_low": inc.Deaths.Low, "deaths_best": inc.Deaths.Best, "deaths_high": inc.Deaths.High}[name])
	case "sources":
		if !present {
			return "sources missing"
		}
		return compareSources(got, inc.Sources)
	case "notes":
		want = inc.Notes
	case "created_at", "updated_at":
		// The store's own times: present and RFC 3339, not compared.
		s, ok := got.(string)
		if !present || !ok {
			return fmt.Sprintf("%s %#v, want an RFC 3339 time", name, got)
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return fmt.Sprintf("%s %q is not an RFC 3339 time", name, s)
		}
		return ""
	default:
		return fmt.Sprintf("%s: the check does not know this property (geo.IncidentFields grew?)", name)
	}
	if !present {
		return fmt.Sprintf("%s missing (want %#v)", name, want)
	}
	if got != want {
		return fmt.Sprintf("%s %#v, want %#v", name, got, want)
	}
	return ""
}

// compareSources compares the sources property, JSON text of
// [{name, url, date, headline}], with the incident's sources by value: the
// stores may space or order the JSON differently.
func compareSources(got any, want []geo.Source) string {
	s, ok := got.(string)
	if !ok {
		return fmt.Sprintf("sources %#v, want JSON text", got)
	}
	var list []struct {
		Name     string `json:"name"`
		URL      string `json:"url"`
		Date     string `json:"date"`
		Headline string `json:"headline"`
	}
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return fmt.Sprintf("sources %q is not a JSON array of sources: %v", s, err)
	}
	same := len(list) == len(want)
	for i := 0; same && i < len(list); i++ {
		w := want[i]
		date := ""
		if !w.Date.IsZero() {
			date = w.Date.Format(geo.DateLayout)
		}
		same = list[i].Name == w.Name && list[i].URL == w.URL && list[i].Headline == w.Headline && list[i].Date == date
	}
	if !same {
		return fmt.Sprintf("sources %s, want %v", s, want)
	}
	return ""
}

// shortIDs prints at most a dozen ids of a list.
func shortIDs(ids []int64) string {
	if len(ids) <= 12 {
		return fmt.Sprint(ids)
	}
	return fmt.Sprintf("%v ... (%d ids)", ids[:12], len(ids))
}
